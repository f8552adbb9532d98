import type { DuplicateReport, Indexer } from '../clients/indexer';
import type { Db } from '../db/db';
import { deleteJobs } from '../db/repo';
import type { AssetRecord, AssetType } from '../db/schema';
import { nameInText } from '../core/display-name';
import { plural } from '../core/plural';

export interface DuplicateItem {
  id: string;
  name: string;
  type: AssetType;
  width: number;
  height: number;
  sizeBytes: number;
  thumbUrl: string;
  /** The one "Keep best" keeps: most pixels, then larger file, then added first. */
  best: boolean;
}

export interface DuplicateGroupView {
  /** The best item's id: stable while the group keeps its best. */
  key: string;
  /** Best first. */
  items: DuplicateItem[];
}

/** A file the importer refused because the same bytes are already stored. */
export interface RefusedCopy {
  jobId: string;
  name: string;
  sizeBytes: number;
  refusedAt: number;
}

export interface ExactGroupView {
  key: string;
  /** The copy that is in the library. */
  original: DuplicateItem;
  copies: RefusedCopy[];
}

/** What the Duplicates view needs from the rest of the library. */
export interface DuplicatesHost {
  thumbUrl(id: string): Promise<string>;
  /** Full records (pixels and file size) of the items still in the library, in one read. */
  assets(ids: readonly string[]): Promise<AssetRecord[]>;
  /** The library's delete, with its undo. */
  deleteAssets(ids: string[]): Promise<void>;
  announce(text: string): void;
  /** The similar-shot threshold of the current model (measured, or the default). */
  similarMinCosine?(): number;
}


/**
 * Duplicate groups in three tiers (core/duplicates.ts), scanned in the index worker, which holds
 * the vectors. Deleting goes through the library so undo and everything derived from an item work
 * as for any other delete.
 */
export class DuplicatesState {
  exact = $state.raw<ExactGroupView[]>([]);
  visual = $state.raw<DuplicateGroupView[]>([]);
  similar = $state.raw<DuplicateGroupView[]>([]);
  /** 'stopped': the user cancelled the scan; the groups shown are from before it. */
  status = $state<'idle' | 'working' | 'ready' | 'error' | 'stopped'>('idle');
  error = $state('');
  /** Items compared so far in a long scan. */
  progress = $state<{ done: number; total: number } | null>(null);

  #db: Db | null = null;
  #indexer: Indexer | null = null;
  #host: DuplicatesHost;
  #running: Promise<void> | null = null;
  /** A change arrived during a scan: scan once more when it ends, not once per change. */
  #again = false;
  #wanted = false;
  /** Cancel was pressed during the running scan. */
  #stopping = false;

  constructor(host: DuplicatesHost) {
    this.#host = host;
  }

  /** Called when the index worker (re)starts; a scan asked for before then runs now. */
  attach(db: Db, indexer: Indexer): void {
    this.#db = db;
    this.#indexer = indexer;
    if (this.#wanted) void this.refresh();
  }

  detach(): void {
    this.#indexer = null;
  }

  /** Scans again; calls during a scan are folded into one more scan after it. */
  refresh(): Promise<void> {
    this.#wanted = true;
    if (!this.#indexer) return Promise.resolve();
    if (this.#running) {
      this.#again = true;
      return this.#running;
    }
    this.#stopping = false;
    this.#running = this.#scanUntilSettled().finally(() => (this.#running = null));
    return this.#running;
  }

  /** Stops the running scan in the index worker; the groups the page showed before it stay. */
  cancel(): void {
    if (!this.#running || !this.#indexer) return;
    this.#stopping = true;
    this.#again = false;
    void this.#indexer.cancelScan();
  }

  async #scanUntilSettled(): Promise<void> {
    do {
      this.#again = false;
      await this.#scan();
    } while (this.#again && !this.#stopping);
  }

  async #scan(): Promise<void> {
    const indexer = this.#indexer;
    if (!indexer) return;
    this.status = 'working';
    try {
      const report = await indexer.duplicateGroups(this.#host.similarMinCosine?.(), (p) => (this.progress = p));
      await this.#show(report);
      this.status = 'ready';
      this.error = '';
    } catch (err) {
      if (this.#stopping) {
        this.status = 'stopped';
        this.error = '';
        return;
      }
      this.status = 'error';
      this.error = `Looking for duplicates failed: ${err instanceof Error ? err.message : String(err)}`;
    } finally {
      this.progress = null;
    }
  }

  /** Deletes every item of the group but the best one (undoable like any delete). */
  async keepBest(group: DuplicateGroupView): Promise<void> {
    const others = group.items.filter((i) => !i.best).map((i) => i.id);
    if (!others.length) return;
    this.#drop(others);
    await this.#host.deleteAssets(others);
    await this.refresh();
  }

  async deleteItem(id: string): Promise<void> {
    this.#drop([id]);
    await this.#host.deleteAssets([id]);
    await this.refresh();
  }

  /** Forgets the refused copies of a group: they were never stored, only their record goes. */
  async clearExact(group: ExactGroupView): Promise<void> {
    if (!this.#db) return;
    await deleteJobs(this.#db, group.copies.map((c) => c.jobId));
    this.exact = this.exact.filter((g) => g.key !== group.key);
    this.#host.announce(`Cleared ${plural(group.copies.length, 'refused copy', 'refused copies')} of ${nameInText(group.original.name)}`);
  }

  /** Takes deleted items off the page at once; the next scan confirms. */
  #drop(ids: string[]): void {
    const gone = new Set(ids);
    const keep = (groups: DuplicateGroupView[]) =>
      groups.map((g) => ({ ...g, items: g.items.filter((i) => !gone.has(i.id)) })).filter((g) => g.items.length > 1);
    this.visual = keep(this.visual);
    this.similar = keep(this.similar);
    this.exact = this.exact.filter((g) => !gone.has(g.original.id));
  }

  async #show(report: DuplicateReport): Promise<void> {
    const ids = [...report.exact.map((g) => g.assetId), ...[...report.visual, ...report.similar].flatMap((g) => g.ids)];
    const records = new Map((await this.#host.assets([...new Set(ids)])).map((a) => [a.id, a]));
    const item = (id: string, best: boolean) => this.#item(records.get(id), best);
    const groups = (list: DuplicateReport['visual']) =>
      Promise.all(
        list.map(async (g) => {
          const items = (await Promise.all(g.ids.map((id, i) => item(id, i === 0)))).filter((x): x is DuplicateItem => !!x);
          return { key: g.ids[0]!, items };
        }),
      ).then((all) => all.filter((g) => g.items.length > 1 && g.items[0]!.best));
    const [exact, visual, similar] = await Promise.all([
      Promise.all(
        report.exact.map(async (g) => {
          const original = await item(g.assetId, true);
          return original ? { key: g.assetId, original, copies: g.copies.map(({ jobId, name, sizeBytes, refusedAt }) => ({ jobId, name, sizeBytes, refusedAt })) } : null;
        }),
      ).then((all) => all.filter((g): g is ExactGroupView => !!g)),
      groups(report.visual),
      groups(report.similar),
    ]);
    this.exact = exact;
    this.visual = visual;
    this.similar = similar;
  }

  async #item(a: AssetRecord | undefined, best: boolean): Promise<DuplicateItem | null> {
    if (!a) return null;
    const id = a.id;
    return { id, name: a.name, type: a.type, width: a.width, height: a.height, sizeBytes: a.sizeBytes, thumbUrl: await this.#host.thumbUrl(id), best };
  }
}
