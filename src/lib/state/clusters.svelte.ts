import type { Clusterer, ClusterSummary } from '../clients/clusterer';
import type { Namer } from '../clients/namer';
import type { Db } from '../db/db';
import { clustersByMember, type MemberCluster } from '../db/cluster-repo';
import type { ClusterNameSource } from '../db/schema';
import { nameInText } from '../core/display-name';
import type { NewVectors } from '../core/records';
import { NamingState } from './naming.svelte';

export interface ClusterCard {
  id: string;
  name: string;
  nameSource: ClusterNameSource;
  description?: string;
  count: number;
  imageCount: number;
  videoCount: number;
  hidden: boolean;
  needsNaming: boolean;
  /** Thumbnails of the representatives, for the cover mosaic. */
  coverUrls: string[];
}

export interface MemberItem {
  id: string;
  name: string;
  type: 'image' | 'video';
  thumbUrl: string;
}

/** What the cluster views need from the rest of the library. */
export interface ClusterHost {
  thumbUrl(id: string): Promise<string>;
  member(id: string): { name: string; type: 'image' | 'video' } | undefined;
  announce(text: string): void;
  /** Called after this tab changed the stored clusters, so other open tabs can read them again. */
  changed?(): void;
}

/** Another tab's cluster changes are read at most this often. */
const RELOAD_DELAY_MS = 1500;

/** What a group without a name is called. */
const UNNAMED = 'Unnamed group';

/** The smallest group the Clusters view shows: a lone photo is not a group. */
export const MIN_SHOWN_CLUSTER_SIZE = 2;

/**
 * Clusters and their names. Clustering runs in its worker; this class keeps what the views show.
 * Naming with the user's Gemini key is `naming`, which shows the names it stores through this class.
 */
export class ClusterState {
  cards = $state.raw<ClusterCard[]>([]);
  status = $state<'idle' | 'working' | 'ready' | 'error'>('idle');
  error = $state('');
  progress = $state<{ done: number; total: number; phase: string } | null>(null);
  openId = $state<string | null>(null);
  members = $state.raw<MemberItem[]>([]);
  readonly naming: NamingState;

  #clusterer: Clusterer | null = null;
  #host: ClusterHost;
  #seq = 0;
  #showSeq = 0;
  /**
   * Ids stored while clustering was busy, assigned together when it is free rather than one batch at
   * a time, each with the vectors the import handed over for it when it did (see added).
   */
  readonly #pending = new Map<string, NewVectors | undefined>();
  #chain: Promise<unknown> = Promise.resolve();
  #modelKey = '';
  #reloadTimer: ReturnType<typeof setTimeout> | undefined;
  #db: Db | null = null;
  /** Each item's cluster, read when first asked and again after the clusters changed. */
  #clusterByMember: Promise<Map<string, MemberCluster>> | null = null;
  /**
   * Starts the clustering worker (once the search index is open). Opening the stored clusters reads
   * them all and the keys of every item: done on the first need (the Clusters view, a change to
   * the library), not on every start.
   */
  #start: (() => void) | null = null;
  #wanted = false;
  /** Set from asking for the worker until it is attached: changes queued meanwhile wait for the clusters to be open. */
  #opening: PromiseWithResolvers<void> | null = null;

  constructor(host: ClusterHost) {
    this.#host = host;
    this.naming = new NamingState({ announce: (text) => host.announce(text), show: (list) => this.#show(list) });
  }

  get visible(): ClusterCard[] {
    return this.cards.filter((c) => !c.hidden && c.count >= MIN_SHOWN_CLUSTER_SIZE);
  }

  get hiddenCards(): ClusterCard[] {
    return this.cards.filter((c) => c.hidden);
  }

  get open(): ClusterCard | undefined {
    return this.cards.find((c) => c.id === this.openId);
  }

  /**
   * The library and model are known and `start` starts the clustering worker: now when something
   * already asked for the clusters, otherwise on the first `want`.
   */
  ready(db: Db, modelKey: string, start: () => void): void {
    this.#db = db;
    this.#modelKey = modelKey;
    this.#clusterByMember = null;
    this.#start = start;
    void this.naming.open(db);
    if (this.#wanted && !this.#clusterer) this.#startWorker(start);
  }

  /** The clusters are needed (shown, or the library changed): the worker starts unless it runs. */
  want(): void {
    this.#wanted = true;
    if (!this.#clusterer && this.#start) this.#startWorker(this.#start);
  }

  #startWorker(start: () => void): void {
    if (!this.#opening) {
      const opening = (this.#opening = Promise.withResolvers<void>());
      this.#chain = this.#chain.then(() => opening.promise);
    }
    start();
  }

  async attach(db: Db, clusterer: Clusterer, makeNamer: () => Namer, modelKey: string): Promise<void> {
    this.#clusterer = clusterer;
    this.#modelKey = modelKey;
    this.#db = db;
    this.#clusterByMember = null;
    const open = async () => {
      await this.naming.attach(db, clusterer, makeNamer);
      // Automatic names computed in the background (after new photos arrive) reach the view this way.
      await clusterer.watch((list) => {
        if (this.#clusterer === clusterer) void this.#show(list);
      });
      await this.#read(async () => {
        await this.#show(await clusterer.init(modelKey));
        await this.#show(await clusterer.nameAutomatically());
      });
    };
    // A change that started the worker (an import, a delete) waits in the queue until the clusters are open.
    const opening = this.#opening;
    this.#opening = null;
    const opened = opening ? open() : this.#chain.then(open);
    if (opening) void opened.catch(() => undefined).finally(() => opening.resolve());
    else this.#chain = opened.catch(() => undefined);
    await opened;
  }

  /**
   * Reads the stored clusters again after another tab changed them. Reading them is a pass over
   * every vector, and a tab importing changes them after each batch: at most once per RELOAD_DELAY_MS.
   */
  reload(): void {
    this.#clusterByMember = null;
    if (this.#reloadTimer) return;
    this.#reloadTimer = setTimeout(() => {
      this.#reloadTimer = undefined;
      this.#chain = this.#chain.then(async () => {
        const clusterer = this.#clusterer;
        if (clusterer) await this.#read(async () => this.#show(await clusterer.init(this.#modelKey)));
      });
    }, RELOAD_DELAY_MS);
  }

  detach(): void {
    this.naming.detach();
    this.#clusterer = null;
    this.#pending.clear();
  }

  /** Ids wait in #pending; vectors handed over for them wait with them. */
  #wait(ids: readonly string[], vectors: readonly NewVectors[] = []): void {
    for (const id of ids) if (!this.#pending.has(id)) this.#pending.set(id, undefined);
    for (const v of vectors) this.#pending.set(v.embedding.id, v);
  }

  /**
   * After taking over from a writer tab that closed: reads the clusters it saved, then groups the
   * items it stored but this tab never heard of.
   */
  caughtUp(ids: string[]): void {
    this.want();
    this.#wait(ids);
    this.#chain = this.#chain.then(async () => {
      const clusterer = this.#clusterer;
      if (!clusterer) return;
      await this.#read(async () => this.#show(await clusterer.init(this.#modelKey)));
      const batch = [...this.#pending.keys()];
      this.#pending.clear();
      if (batch.length) await this.#write(async () => this.#show(await clusterer.assign(batch)));
    });
  }

  /**
   * New photos and videos join clusters (or open new ones); existing names and ids stay. `vectors`:
   * theirs, handed over by the import, so the cluster worker need not read them back.
   */
  added(ids: string[], vectors: readonly NewVectors[] = []): void {
    this.want();
    this.#wait(ids, vectors);
    this.#chain = this.#chain.then(async () => {
      if (!this.#pending.size || !this.#clusterer) return;
      const batch = [...this.#pending.keys()];
      const given = [...this.#pending.values()].filter((v): v is NewVectors => v !== undefined);
      this.#pending.clear();
      await this.#write(async () => this.#show(await this.#clusterer!.assign(batch, given)));
    });
  }

  /**
   * After an archive import: the clusters it brought are shown as they were exported, and its
   * items no such cluster holds join by the incremental rule. Not `added`, whose growth rule may
   * re-cluster the whole library.
   */
  imported(ids: string[]): void {
    this.want();
    for (const id of ids) this.#pending.delete(id);
    this.#chain = this.#chain.then(async () => {
      const clusterer = this.#clusterer;
      if (!clusterer) return;
      await this.#write(async () => {
        const list = await clusterer.adoptImported(ids);
        if (list) await this.#show(list);
      });
    });
  }

  removed(ids: string[]): void {
    this.want();
    for (const id of ids) this.#pending.delete(id);
    this.#chain = this.#chain.then(async () => {
      const clusterer = this.#clusterer;
      if (clusterer) await this.#write(async () => this.#show(await clusterer.removeAssets(ids)));
    });
  }

  async recluster(): Promise<void> {
    if (!this.#clusterer) return;
    await this.#write(async () => {
      await this.#show(await this.#clusterer!.recluster((p) => (this.progress = p)));
      await this.#show(await this.#clusterer!.nameAutomatically());
    });
    this.progress = null;
    this.#host.announce(`Regrouped into ${this.visible.length} clusters`);
  }

  /**
   * The group an item belongs to (for the viewer's info panel), or null when it is in none of two
   * or more; read from the stored clusters, so the clustering worker need not run for it.
   */
  async clusterOf(assetId: string): Promise<{ id: string; name: string } | null> {
    if (!this.#db) return null;
    const db = this.#db;
    this.#clusterByMember ??= clustersByMember(db, this.#modelKey).catch((err: unknown) => {
      this.#clusterByMember = null;
      throw err;
    });
    const cluster = (await this.#clusterByMember).get(assetId);
    return cluster && cluster.count >= MIN_SHOWN_CLUSTER_SIZE ? { id: cluster.id, name: cluster.name || UNNAMED } : null;
  }

  async openCluster(id: string | null): Promise<void> {
    this.openId = id;
    this.members = [];
    if (!id || !this.#clusterer) return;
    const seq = ++this.#seq;
    const ids = await this.#clusterer.members(id);
    const items = await Promise.all(ids.map((m) => this.#member(m)));
    if (seq === this.#seq) this.members = items.filter((m): m is MemberItem => !!m);
  }

  async rename(id: string, name: string): Promise<void> {
    await this.#edit(() => this.#clusterer!.rename(id, name));
    const c = this.cards.find((x) => x.id === id);
    if (c) this.#host.announce(c.nameSource === 'user' ? `Renamed to ${nameInText(c.name)}` : `Name set back to automatic: ${nameInText(c.name)}`);
  }

  async merge(intoId: string, otherId: string): Promise<void> {
    await this.#edit(() => this.#clusterer!.merge([intoId, otherId]));
    const kept = this.cards.find((c) => c.id === intoId) ?? this.cards.find((c) => c.id === otherId);
    if (kept && this.openId) await this.openCluster(kept.id);
    if (kept) this.#host.announce(`Merged into ${nameInText(kept.name)}`);
  }

  async move(assetId: string, toId: string): Promise<void> {
    await this.#edit(() => this.#clusterer!.move(assetId, toId));
    const to = this.cards.find((c) => c.id === toId);
    this.#host.announce(`Moved ${nameInText(this.#host.member(assetId)?.name ?? 'item')} to ${to ? nameInText(to.name) : 'another cluster'}`);
    if (this.openId) await this.openCluster(this.cards.some((c) => c.id === this.openId) ? this.openId : null);
  }

  async setHidden(id: string, hidden: boolean): Promise<void> {
    await this.#edit(() => this.#clusterer!.setHidden(id, hidden));
    if (hidden && this.openId === id) await this.openCluster(null);
  }

  async #edit(fn: () => Promise<ClusterSummary[]>): Promise<void> {
    if (!this.#clusterer) return;
    await this.#write(async () => this.#show(await fn()));
  }

  /** Runs `fn`, which changes the stored clusters: other tabs are then told to read them again. */
  async #write(fn: () => Promise<void>): Promise<void> {
    if (await this.#read(fn)) this.#host.changed?.();
  }

  /** Runs `fn` with its status shown; false when it failed (the error is shown instead). */
  async #read(fn: () => Promise<void>): Promise<boolean> {
    this.status = 'working';
    try {
      await fn();
      this.status = 'ready';
      this.error = '';
      return true;
    } catch (err) {
      this.status = 'error';
      this.error = `Clustering failed: ${err instanceof Error ? err.message : String(err)}`;
      return false;
    }
  }

  async #show(summaries: ClusterSummary[]): Promise<void> {
    // Thumbnail lookups are async: a newer list must not be overwritten by an older one finishing late.
    const seq = ++this.#showSeq;
    const cards = await Promise.all(
      summaries.map(async (s) => ({
        id: s.id,
        name: s.name || UNNAMED,
        nameSource: s.nameSource,
        description: s.description,
        count: s.count,
        imageCount: s.imageCount,
        videoCount: s.videoCount,
        hidden: s.hidden,
        needsNaming: s.needsNaming,
        coverUrls: (await Promise.all(s.representativeIds.slice(0, 4).map((id) => this.#host.thumbUrl(id)))).filter(Boolean),
      })),
    );
    if (seq !== this.#showSeq) return;
    this.cards = cards;
    this.#clusterByMember = null;
  }

  async #member(id: string): Promise<MemberItem | null> {
    const a = this.#host.member(id);
    if (!a) return null;
    return { id, name: a.name, type: a.type, thumbUrl: await this.#host.thumbUrl(id) };
  }
}
