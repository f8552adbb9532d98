import type { AddedToDrop, Ingester, IngestEvent, InterruptedDrop } from '../clients/ingester';
import type { Db } from '../db/db';
import { deleteFolder, failedJobs, listFolders } from '../db/repo';
import type { StageTimings } from '../core/stage-timings';
import type { AssetRecord, NewVectors } from '../core/records';
import { nameInText } from '../core/display-name';
import type { Notices } from './notices.svelte';
import type { Session } from './session.svelte';
import type { DeviceStorage } from './storage.svelte';
import { plural } from '../core/plural';
import { resultsNote, waitingText, type IndexingState } from '../core/index-queue';

export type { InterruptedDrop };

export interface ImportProgress {
  done: number;
  total: number;
  stored: number;
  imagesPerSecond: number;
  /** Where the current import's time goes, once anything was measured. */
  stages?: StageTimings;
}

/** What an import changes elsewhere in the library. */
export interface ImportHost {
  session: Session;
  notices: Notices;
  storage: DeviceStorage;
  /** Just-taken-in items join the page (browsable, found by name). */
  stored(ids: string[], assets?: AssetRecord[]): Promise<void>;
  /** Just-indexed items join search and clusters (`byWriter`: this tab groups them). */
  indexed(ids: string[], byWriter: boolean, vectors?: NewVectors[]): Promise<void>;
  /** The import settled: views refresh once rather than after every batch. */
  settled(): Promise<void>;
  /** This tab took over from a writer tab that closed: catch up with what it stored unannounced. */
  caughtUp(): Promise<void>;
}

/** Asks the browser to let Shoebox read kept files and folders again (a prompt needs a click). */
async function mayRead(handles: FileSystemHandle[]): Promise<boolean> {
  type Permitting = FileSystemHandle & { requestPermission?(o: { mode: 'read' }): Promise<PermissionState> };
  const answers = await Promise.all(handles.map((h) => (h as Permitting).requestPermission?.({ mode: 'read' }) ?? 'granted'));
  return answers.every((a) => a === 'granted');
}

const files = (n: number) => plural(n, 'file');

/**
 * Adding to the library: drops and picks, their progress and outcomes, drops a reload cut off,
 * remembered folders, failed files, and whether this tab runs the import queue.
 */
export class ImportState {
  progress = $state<ImportProgress | null>(null);
  /** Why the import stopped (a full disk, an error), until the user resumes it. */
  paused = $state('');
  /** Whether this tab runs the import queue; other open tabs hand their files to it. */
  isWriter = $state(false);
  /** Drops a reload or a closed tab cut off mid-copy, with the files that never made it in. */
  interruptedDrops = $state.raw<InterruptedDrop[]>([]);
  /** Folders the user dropped or picked, which can be scanned again for what is new. */
  folders = $state.raw<Array<{ id: string; name: string; lastScanAtMs: number }>>([]);
  /** Files of this tab still being copied into the library: leaving the page now would lose them. */
  copying = $state(0);
  /** Items in the library with no vector for the current model yet, and why. */
  waiting = $state<{ count: number; state: IndexingState }>({ count: 0, state: 'indexing' });
  /** The background reading of older photos' metadata. */
  metadataPass = $state({ done: 0, total: 0 });

  #host: ImportHost;
  #db: Db | null = null;
  #folderHandles = new Map<string, FileSystemDirectoryHandle>();
  #storedChain: Promise<void> = Promise.resolve();

  constructor(host: ImportHost) {
    this.#host = host;
  }

  /** Failed files stay listed across reloads until dismissed; remembered folders come back too. */
  async load(db: Db): Promise<void> {
    this.#db = db;
    for (const j of await failedJobs(db)) this.#host.notices.failed(j.id, j.name, j.message ?? 'could not be added');
    await this.#loadFolders();
  }

  async addFiles(list: File[]): Promise<void> {
    if (list.length === 0) return;
    const { rejected } = await this.#copyIn(list.length, (ingester) => ingester.enqueue(list.map((file) => ({ file }))));
    this.#sayRejected(rejected.length);
  }

  /** Dropped or picked files and folders as handles: read in the import worker and kept for an interrupted copy. */
  async addHandles(roots: FileSystemHandle[]): Promise<void> {
    if (roots.length === 0) return;
    // The number of files is known only once the worker has walked the folders: count the drop as one until then.
    const { rejected } = await this.#copyIn(1, (ingester) => ingester.enqueueHandles(roots));
    this.#sayRejected(rejected.length);
    await this.#loadFolders();
  }

  /** Under search results while items wait: they cannot be among them yet. */
  get resultsNote(): string {
    return resultsNote(this.waiting.count, this.waiting.state);
  }

  /** One line about what is not searchable yet ("12 items not yet searchable — indexing…"), or empty. */
  get waitingText(): string {
    const { done, total } = this.metadataPass;
    const reading = total > done ? `Reading dates, cameras and places of older photos and videos: ${done} of ${total}` : '';
    return [waitingText(this.waiting.count, this.waiting.state), reading].filter(Boolean).join(' · ');
  }

  #sayRejected(count: number): void {
    if (count) this.#host.notices.say(`${files(count)} could not be added`);
  }

  /** Runs a copy into the library while the page asks before it is left (the files are not all in yet). */
  async #copyIn<T>(count: number, copy: (ingester: Ingester) => Promise<T>): Promise<T> {
    this.copying += count;
    this.#host.session.wantModel();
    try {
      const ingester = await this.#host.session.ingesterReady();
      this.#host.storage.askToKeep();
      return await copy(ingester);
    } finally {
      this.copying -= count;
    }
  }

  /** Files picked again for a cut-off drop: the ones it is missing are added, the rest ignored. */
  async addMissingFiles(dropId: string, list: File[]): Promise<void> {
    if (list.length === 0) return;
    const result = await this.#copyIn(list.length, (ingester) => ingester.addMissing(dropId, list.map((file) => ({ file }))));
    this.#afterDropAdded(dropId, result);
  }

  /** Must run from a click: reading the kept handles again needs the user's permission. */
  async continueDrop(dropId: string): Promise<void> {
    const drop = this.interruptedDrops.find((d) => d.id === dropId);
    if (!drop) return;
    if (!(await mayRead(drop.roots))) {
      this.#host.notices.say('Shoebox was not allowed to read those files again; pick them with "Add them again" instead.');
      return;
    }
    const result = await this.#copyIn(drop.missing.length, (ingester) => ingester.continueDrop(dropId));
    this.#afterDropAdded(dropId, result);
  }

  #afterDropAdded(dropId: string, { added, missing }: AddedToDrop): void {
    const stillMissing = missing.length;
    this.interruptedDrops = stillMissing === 0 ? this.interruptedDrops.filter((d) => d.id !== dropId) : this.interruptedDrops.map((d) => (d.id === dropId ? { ...d, missing } : d));
    this.#host.notices.say(
      stillMissing === 0
        ? `Added ${files(added)} again`
        : `Added ${files(added)}; ${stillMissing} still missing (pick the folder or the files themselves)`,
    );
  }

  async dismissDrop(dropId: string): Promise<void> {
    this.interruptedDrops = this.interruptedDrops.filter((d) => d.id !== dropId);
    await (await this.#host.session.ingesterReady()).dismissDrop(dropId);
  }

  /** Must run from a click: adds what is new in a remembered folder since it was last scanned. */
  async scanFolder(folderId: string): Promise<void> {
    const handle = this.#folderHandles.get(folderId);
    if (!handle) return;
    if (!(await mayRead([handle]))) {
      this.#host.notices.say(`Shoebox was not allowed to read ${nameInText(handle.name)} again.`);
      return;
    }
    const { found, rejected } = await this.#copyIn(1, (ingester) => ingester.scanFolder(folderId));
    this.#host.notices.say(found === 0 ? `Nothing new in ${nameInText(handle.name)}` : `${plural(found, 'new file')} in ${nameInText(handle.name)}`);
    this.#sayRejected(rejected.length);
    await this.#loadFolders();
  }

  async forgetFolder(folderId: string): Promise<void> {
    if (!this.#db) return;
    await deleteFolder(this.#db, folderId);
    await this.#loadFolders();
  }

  async #loadFolders(): Promise<void> {
    if (!this.#db) return;
    const folders = await listFolders(this.#db);
    this.#folderHandles = new Map(folders.map((f) => [f.id, f.handle]));
    this.folders = folders.map(({ id, name, lastScanAtMs }) => ({ id, name, lastScanAtMs }));
  }

  async resume(): Promise<void> {
    this.paused = '';
    await this.#host.session.ingester?.resume();
  }

  async retryJob(jobId: string): Promise<void> {
    const notice = this.#host.notices.forJob(jobId);
    const { gone } = await (await this.#host.session.ingesterReady()).retry([jobId]);
    if (gone.length) {
      this.#host.notices.updateJob(jobId, "the file's data is no longer stored here; drop the file again");
      this.#host.notices.announce(`${notice ? nameInText(notice.name) : 'The file'}: drop the file again`);
      return;
    }
    this.#host.notices.removeJob(jobId);
    this.#host.notices.announce(`Retrying ${notice ? nameInText(notice.name) : 'the file'}`);
  }

  async dismissJob(jobId: string): Promise<void> {
    this.#host.notices.removeJob(jobId);
    await (await this.#host.session.ingesterReady()).dismiss([jobId]);
  }

  /** Clears the list; failed files in it are dismissed for good (their stored bytes deleted). */
  async dismissNotices(): Promise<void> {
    const jobIds = this.#host.notices.clear();
    if (jobIds.length) await (await this.#host.session.ingesterReady()).dismiss(jobIds);
  }

  /** Ids a previous writer's channel may still mention: a new ingest worker's tab is a follower until told otherwise. */
  starting(): void {
    this.isWriter = false;
  }

  onEvent(e: IngestEvent): void {
    const notices = this.#host.notices;
    switch (e.type) {
      case 'progress': {
        this.progress = { done: e.done, total: e.total, stored: e.stored, imagesPerSecond: e.imagesPerSecond, stages: e.stages };
        const rate = e.imagesPerSecond > 0 ? ` · ${e.imagesPerSecond.toFixed(1)} img/s` : '';
        // Until every dropped file is copied in, closing the tab would lose the rest: say so.
        const adding = e.adding ? ` · adding files ${e.adding.done} of ${e.adding.total}, keep this tab open` : '';
        // Without the model, files are added to the library but not indexed: say which.
        notices.announce(e.modelMissing ? `Added ${e.done} of ${e.total}${adding}` : `Indexed ${e.done} of ${e.total}${rate}${adding}`);
        break;
      }
      case 'job':
        if (e.status === 'failed') notices.failed(e.id, e.name, e.message);
        else notices.add(e.name, e.status === 'stored' ? 'stored' : 'duplicate', e.message);
        break;
      case 'stored': {
        const { ids, assets } = e;
        this.#storedChain = this.#storedChain.then(() => this.#host.stored(ids, assets)).catch(() => undefined);
        break;
      }
      case 'indexed': {
        const { ids, vectors } = e;
        this.#storedChain = this.#storedChain.then(() => this.#host.indexed(ids, this.isWriter, vectors)).catch(() => undefined);
        break;
      }
      case 'waiting':
        this.waiting = { count: e.count, state: e.state };
        break;
      case 'paused':
        this.paused = e.reason;
        notices.say(e.reason);
        break;
      case 'resumed':
        notices.say(`Resuming an unfinished import: ${files(e.left)} left`);
        break;
      case 'role':
        this.isWriter = e.writer;
        void this.#host.session.indexer?.setWriter(e.writer);
        if (e.tookOver) this.#storedChain = this.#storedChain.then(() => this.#host.caughtUp()).catch(() => undefined);
        break;
      case 'metadata': {
        this.metadataPass = { done: e.done, total: e.total };
        const changed = e.changedIds ?? [];
        // Dates taken moved: the timeline and the date filters read the library again.
        if (changed.length) {
          this.#storedChain = this.#storedChain
            .then(() => this.#host.caughtUp())
            .then(async () => void (await this.#host.session.indexer?.addStored(changed)))
            .catch(() => undefined);
        }
        break;
      }
      case 'interrupted':
        this.interruptedDrops = e.drops;
        notices.say(`${e.drops.reduce((n, d) => n + d.missing.length, 0)} files were not added: the page was closed or reloaded while they were being copied in`);
        break;
      case 'note':
        notices.add(e.name, 'info', e.message);
        break;
      case 'idle':
        void this.#storedChain.then(() => this.#host.settled());
        void this.#host.storage.refresh();
        break;
    }
  }
}
