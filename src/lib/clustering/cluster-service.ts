import type { Db } from '../db/db';
import type { AssetRecord, AssetType, ClusterRecord, EmbeddingRecord } from '../db/schema';
import type { NewVectors } from '../core/records';
import {
  clusterIdsForModel,
  readAssetsWithEmbeddings,
  readClusteringInput,
  readClusteringOutline,
  readImportedClusters,
  readVocabularyCache,
  writeClusters,
  writeVocabularyCache,
  type ClusterParams,
  type VocabularyCache,
} from '../db/cluster-repo';
import {
  addToSum,
  backgroundSimilarity,
  centroidOf,
  clusterVectors,
  DEFAULT_TAU,
  matchByOverlap,
  nearestCluster,
  sumVectors,
  thresholdFor,
} from '../core/cluster';
import { dot } from '../core/vector';
import { pickRepresentatives } from '../core/representatives';
import { changedMaterially, membershipHash } from '../core/membership';
import { pickSubject, SUBJECTS, vocabularyKey } from '../core/zero-shot';

export interface ClusterSummary {
  id: string;
  name: string;
  nameSource: 'user' | 'vlm' | 'zero-shot';
  description?: string;
  count: number;
  imageCount: number;
  videoCount: number;
  representativeIds: string[];
  hidden: boolean;
  membershipHash: string;
  /** No name yet, or a zero-shot name only, or the membership changed materially since a VLM name. */
  needsNaming: boolean;
}

export interface NamingRequest {
  clusterId: string;
  membershipHash: string;
  representativeIds: string[];
  count: number;
}

export interface ClusterProgress {
  done: number;
  total: number;
  phase: string;
}

export interface NameResult {
  clusterId: string;
  membershipHash: string;
  name: string;
  description?: string;
}

/** Below this many items the background is re-measured on every change: a small library's mean moves fast. */
const SETTLED_LIBRARY_ITEMS = 200;
/** Below this size a library is not re-clustered on its own (each photo is compared with every cluster anyway). */
const RECLUSTER_FROM_ITEMS = 16;

/**
 * The clustering service: the clusters of one model (grouping, incremental updates, the user's
 * edits and naming) over the library's IndexedDB, reached through `db/cluster-repo.ts`. Every
 * method runs after the previous one finished (one queue), and every change is written in one
 * transaction before the method returns. The cluster worker is a thin shell over this class;
 * tests and the bench use it directly.
 */
export class ClusterService {
  #open: () => Promise<Db>;
  #db: Db | null = null;
  #modelKey = '';
  #ready = false;
  #params: ClusterParams | null = null;
  #vectors = new Map<string, Float32Array>();
  /** Opened without the vectors (`#openUnchanged`): the first call that needs them reads them. */
  #vectorsUnread = false;
  #types = new Map<string, AssetType>();
  #clusters = new Map<string, ClusterRecord>();
  #sums = new Map<string, Float64Array>();
  #memberOf = new Map<string, string>();
  #embedText: ((text: string) => Promise<Float32Array>) | null = null;
  #vocabulary: VocabularyCache | null = null;
  /** Members of each cluster when its naming was requested, by membership hash, to judge late answers. */
  #requested = new Map<string, string[]>();
  #queue: Promise<unknown> = Promise.resolve();
  #listeners = new Set<(clusters: ClusterSummary[]) => void>();
  #newId: () => string;
  #now: () => number;
  /** Library size at the last full clustering (kept in the params), to re-cluster when it doubles. */
  get #fullRunSize(): number | undefined {
    return this.#params?.fullRunCount;
  }

  constructor(db: Db | (() => Promise<Db>), opts: { newId?: () => string; now?: () => number } = {}) {
    this.#open = typeof db === 'function' ? db : async () => db;
    this.#newId = opts.newId ?? (() => crypto.randomUUID());
    this.#now = opts.now ?? Date.now;
  }

  /** Serialises calls: a merge never interleaves with an incremental assign. */
  #run<T>(fn: () => Promise<T>, needsInit = true, needsVectors = true): Promise<T> {
    const next = this.#queue.then(async () => {
      if (needsInit && !this.#ready) throw new Error('Clusters are not open yet: call init(modelKey) first.');
      if (needsVectors && this.#vectorsUnread) await this.#openFully();
      return fn();
    });
    this.#queue = next.catch(() => undefined);
    return next;
  }

  get #database(): Db {
    if (!this.#db) throw new Error('Clusters are not open yet: call init(modelKey) first.');
    return this.#db;
  }

  /** Text vectors for zero-shot names (the embed worker's `embedText`). */
  setTextEmbedder(embedText: ((text: string) => Promise<Float32Array>) | null): void {
    this.#embedText = embedText;
  }

  /** Called with the new list when names arrive after a call already returned. */
  onChange(listener: (clusters: ClusterSummary[]) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  init(modelKey: string, onProgress?: (p: ClusterProgress) => void): Promise<ClusterSummary[]> {
    return this.#run(
      async () => {
        this.#ready = false;
        this.#vectorsUnread = false;
        this.#db ??= await this.#open();
        this.#modelKey = modelKey;
        this.#vocabulary = null;
        this.#requested.clear();
        if (await this.#openUnchanged()) {
          this.#ready = true;
          await this.#nameIfCheap();
          return this.#list();
        }
        return this.#openFully(onProgress);
      },
      false,
      false,
    );
  }

  /** How many vectors the service holds (none while clusters are open unchanged). */
  get heldVectors(): number {
    return this.#vectors.size;
  }

  #clear(): void {
    this.#vectors.clear();
    this.#types.clear();
    this.#clusters.clear();
    this.#sums.clear();
    this.#memberOf.clear();
  }

  /**
   * Opens the stored clusters without reading a vector when they hold exactly the library's items
   * of this model, each once, with their stored hashes, and the threshold is settled: opening them
   * fully would change nothing. The vectors are read by the first change (`#vectorsUnread`).
   */
  async #openUnchanged(): Promise<boolean> {
    this.#clear();
    const { embeddedIds, videoIds, videosFromRecords, clusters, params } = await readClusteringOutline(this.#database, this.#modelKey);
    if (!params || params.count < SETTLED_LIBRARY_ITEMS || !clusters.length) return false;
    if (clusters.some((c) => c.modelKey !== this.#modelKey || membershipHash(c.memberIds) !== c.membershipHash)) return false;
    const embedded = new Set(embeddedIds);
    const memberOf = new Map<string, string>();
    for (const c of clusters) {
      for (const id of c.memberIds) {
        if (!embedded.has(id) || memberOf.has(id)) return false;
        memberOf.set(id, c.id);
      }
    }
    if (memberOf.size !== embedded.size) return false;
    this.#params = params;
    for (const c of clusters) this.#clusters.set(c.id, c);
    this.#memberOf = memberOf;
    // #list counts videos by type; images need no entry until the vectors are read.
    for (const id of videoIds) this.#types.set(id, 'video');
    this.#vectorsUnread = true;
    if (videosFromRecords) {
      // Said once by the clusters themselves, the next open reads no record.
      for (const c of clusters) c.videoIds = this.#videoMembers(c);
      await writeClusters(this.#database, clusters);
    }
    return true;
  }

  /** Reads every vector of the model and repairs what happened while no clusterer ran. */
  async #openFully(onProgress?: (p: ClusterProgress) => void): Promise<ClusterSummary[]> {
    this.#ready = false;
    this.#vectorsUnread = false;
    const db = this.#database;
    const modelKey = this.#modelKey;
    this.#clear();
    const { assets, embeddings, clusters, params } = await readClusteringInput(db, modelKey);
    for (const a of assets) this.#types.set(a.id, a.type);
    for (const e of embeddings) if (this.#types.has(e.id)) this.#vectors.set(e.id, e.vector);
    this.#params = params ?? null;
    const stale = clusters.filter((c) => c.modelKey !== modelKey).map((c) => c.id);
    const mine = clusters.filter((c) => c.modelKey === modelKey);
    this.#ready = true;
    if (mine.length === 0) {
      if (stale.length) await writeClusters(db, [], stale);
      if (this.#vectors.size) await this.#clusterAll(onProgress);
    } else {
      // Repair what happened while no clusterer ran: members deleted, photos added.
      const touched = new Set<string>();
      const removed = [...stale];
      this.#takeIn(mine, touched, removed);
      this.#ensureParams();
      for (const id of this.#assignNow([...this.#vectors.keys()].filter((id) => !this.#memberOf.has(id)).sort())) touched.add(id);
      await this.#save(touched, removed);
    }
    await this.#nameIfCheap();
    return this.#list();
  }

  /**
   * Adds stored assets (after an import or an undone delete) to the nearest cluster, or a new one.
   * `given`: vectors of some of them handed over by the import, which are not read back.
   */
  assign(ids: string[], given: readonly NewVectors[] = []): Promise<ClusterSummary[]> {
    return this.#run(async () => {
      const givenIds = new Set(given.map((n) => n.embedding.id));
      const toRead = ids.filter((id) => !givenIds.has(id));
      const rows: Array<readonly [Pick<AssetRecord, 'id' | 'type'> | undefined, EmbeddingRecord | undefined]> = [
        ...given.map((n) => [{ id: n.embedding.id, type: n.type }, n.embedding] as const),
        ...(toRead.length ? await readAssetsWithEmbeddings(this.#database, toRead) : []),
      ];
      const fresh: string[] = [];
      for (const [asset, embedding] of rows) {
        if (!asset || !embedding || embedding.modelId !== this.#modelKey) continue;
        this.#types.set(asset.id, asset.type);
        this.#vectors.set(asset.id, embedding.vector);
        if (!this.#memberOf.has(asset.id)) fresh.push(asset.id);
      }
      if (fresh.length) {
        this.#ensureParams();
        await this.#save(this.#assignNow(fresh));
        // Joining one by one never merges clusters, so a library that grew from a few photos ends
        // up in more, smaller clusters than a full run finds (bench: 39 against 21 for 1,000 photos
        // arriving 50 at a time). Re-clustering whenever the library has doubled since the last full
        // run fixes that at amortised O(n) cost; ids, names and the user's edits carry over.
        const lastFull = this.#fullRunSize ?? 0;
        if (this.#vectors.size >= RECLUSTER_FROM_ITEMS && this.#vectors.size >= 2 * lastFull) await this.#clusterAll();
      }
      await this.#nameAll();
      return this.#list();
    });
  }

  /**
   * After an archive import: takes in the clusters the import stored (ClusterService keeps them as
   * they are, recomputing centroid and representatives only where members were left out), then
   * places the imported items no cluster holds by the incremental rule. Never a full re-cluster:
   * the archive's clusters are the grouping the user had. Null when the clusters are not open yet;
   * init will read everything the import stored.
   */
  adoptImported(ids: string[]): Promise<ClusterSummary[] | null> {
    return this.#run(async () => {
      if (!this.#ready) return null;
      const { clusters: stored, params, items: rows } = await readImportedClusters(this.#database, this.#modelKey, ids);
      for (const [asset, embedding] of rows) {
        if (!asset || !embedding || embedding.modelId !== this.#modelKey) continue;
        this.#types.set(asset.id, asset.type);
        this.#vectors.set(asset.id, embedding.vector);
      }
      // An import into a library that had no clusters brings the exporting library's threshold.
      this.#params ??= params ?? null;
      const touched = new Set<string>();
      const removed: string[] = [];
      this.#takeIn(
        stored.filter((c) => !this.#clusters.has(c.id)),
        touched,
        removed,
      );
      this.#ensureParams();
      for (const id of this.#assignNow(ids.filter((id) => this.#vectors.has(id) && !this.#memberOf.has(id)))) touched.add(id);
      // The archive's clusters stand for a full run over its items: the "re-cluster when the
      // library doubled" rule of assign() counts from here, not from an empty library.
      if (this.#params && !this.#params.fullRunCount) this.#params.fullRunCount = this.#vectors.size;
      await this.#save(touched, removed);
      await this.#nameAll();
      return this.#list();
    }, false);
  }

  /** Takes deleted assets out of their clusters; clusters left empty disappear. */
  removeAssets(ids: string[]): Promise<ClusterSummary[]> {
    return this.#run(async () => {
      const touched = new Set<string>();
      const removed: string[] = [];
      for (const id of ids) {
        const cid = this.#memberOf.get(id);
        const v = this.#vectors.get(id);
        this.#vectors.delete(id);
        this.#types.delete(id);
        this.#memberOf.delete(id);
        const c = cid ? this.#clusters.get(cid) : undefined;
        if (!c || !v) continue;
        c.memberIds = c.memberIds.filter((m) => m !== id);
        if (c.pinnedIds) c.pinnedIds = c.pinnedIds.filter((m) => m !== id);
        addToSum(this.#sums.get(c.id)!, v, -1);
        touched.add(c.id);
      }
      for (const cid of touched) {
        if (this.#clusters.get(cid)!.memberIds.length === 0) {
          this.#clusters.delete(cid);
          this.#sums.delete(cid);
          removed.push(cid);
        }
      }
      for (const cid of removed) touched.delete(cid);
      await this.#save(touched, removed);
      return this.#list();
    });
  }

  /** Clusters the whole library again; ids, names and the user's edits carry over (see #clusterAll). */
  recluster(onProgress?: (p: ClusterProgress) => void): Promise<ClusterSummary[]> {
    return this.#run(async () => {
      await this.#clusterAll(onProgress);
      await this.#nameIfCheap();
      return this.#list();
    });
  }

  list(): Promise<ClusterSummary[]> {
    return this.#run(async () => this.#list(), true, false);
  }

  /** Asset ids of a cluster, closest to its centroid first. */
  members(clusterId: string): Promise<string[]> {
    return this.#run(async () => {
      const c = this.#clusters.get(clusterId);
      if (!c) return [];
      return c.memberIds
        .map((id) => ({ id, s: dot(this.#vectors.get(id)!, c.centroid) }))
        .sort((a, b) => b.s - a.s || (a.id < b.id ? -1 : 1))
        .map((x) => x.id);
    });
  }

  /** A user's name; an empty name gives the cluster back to automatic naming. */
  rename(clusterId: string, name: string): Promise<ClusterSummary[]> {
    return this.#run(async () => {
      const c = this.#get(clusterId);
      const trimmed = name.trim();
      if (trimmed) {
        Object.assign(c, { name: trimmed, nameSource: 'user', namedMembershipHash: c.membershipHash, namedMemberIds: [...c.memberIds] });
        delete c.description;
      } else {
        Object.assign(c, { name: '', nameSource: 'zero-shot' });
        delete c.description;
        delete c.namedMembershipHash;
        delete c.namedMemberIds;
      }
      c.updatedAt = this.#now();
      await this.#save([c.id]);
      if (!trimmed) await this.#nameAll();
      return this.#list();
    });
  }

  /**
   * Merges clusters into the largest (its id stays). A user's name wins over automatic ones. All
   * members are pinned, so a later re-cluster does not split what the user put together.
   */
  merge(clusterIds: string[]): Promise<ClusterSummary[]> {
    return this.#run(async () => {
      const list = [...new Set(clusterIds)].map((id) => this.#get(id));
      if (list.length < 2) return this.#list();
      const target = list.reduce((a, b) => (b.memberIds.length > a.memberIds.length ? b : a));
      const named = target.nameSource === 'user' ? target : list.filter((c) => c.nameSource === 'user').sort((a, b) => b.memberIds.length - a.memberIds.length)[0];
      const sum = this.#sums.get(target.id)!;
      for (const c of list) {
        if (c === target) continue;
        target.memberIds.push(...c.memberIds);
        addToSum(sum, this.#sums.get(c.id)!);
        for (const id of c.memberIds) this.#memberOf.set(id, target.id);
        target.hidden = target.hidden && c.hidden;
        this.#clusters.delete(c.id);
        this.#sums.delete(c.id);
      }
      target.pinnedIds = [...target.memberIds];
      if (named && named !== target) {
        Object.assign(target, { name: named.name, nameSource: 'user' as const, namedMembershipHash: named.namedMembershipHash, namedMemberIds: named.namedMemberIds });
        delete target.description;
      }
      await this.#save([target.id], list.filter((c) => c !== target).map((c) => c.id));
      return this.#list();
    });
  }

  /** Moves an asset to a cluster by hand and pins it there. */
  move(assetId: string, toClusterId: string): Promise<ClusterSummary[]> {
    return this.#run(async () => {
      const to = this.#get(toClusterId);
      const v = this.#vectors.get(assetId);
      if (!v) throw new Error(`No stored vector for asset ${assetId}.`);
      const fromId = this.#memberOf.get(assetId);
      const removed: string[] = [];
      const touched = [to.id];
      if (fromId !== to.id) {
        const from = fromId ? this.#clusters.get(fromId) : undefined;
        if (from) {
          from.memberIds = from.memberIds.filter((m) => m !== assetId);
          if (from.pinnedIds) from.pinnedIds = from.pinnedIds.filter((m) => m !== assetId);
          addToSum(this.#sums.get(from.id)!, v, -1);
          if (from.memberIds.length === 0) {
            this.#clusters.delete(from.id);
            this.#sums.delete(from.id);
            removed.push(from.id);
          } else touched.push(from.id);
        }
        to.memberIds.push(assetId);
        addToSum(this.#sums.get(to.id)!, v);
        this.#memberOf.set(assetId, to.id);
      }
      to.pinnedIds = [...new Set([...(to.pinnedIds ?? []), assetId])];
      await this.#save(touched, removed);
      return this.#list();
    });
  }

  setHidden(clusterId: string, hidden: boolean): Promise<ClusterSummary[]> {
    return this.#run(async () => {
      const c = this.#get(clusterId);
      c.hidden = hidden;
      c.updatedAt = this.#now();
      await this.#save([c.id]);
      return this.#list();
    });
  }

  /** Zero-shot names for every cluster the user or the VLM has not named. */
  nameAutomatically(): Promise<ClusterSummary[]> {
    return this.#run(
      async () => {
        await this.#nameAll();
        return this.#list();
      },
      true,
      false,
    );
  }

  /** Clusters of ≥ 2 items, shown and not named by the user, that need a VLM name (all of them with `force`). */
  namingRequests(force = false): Promise<NamingRequest[]> {
    return this.#run(
      async () =>
        [...this.#clusters.values()]
          .filter((c) => c.memberIds.length >= 2 && !c.hidden && c.nameSource !== 'user' && (force || this.#needsNaming(c)))
          .sort((a, b) => b.memberIds.length - a.memberIds.length || (a.id < b.id ? -1 : 1))
          .map((c) => {
            this.#requested.set(c.membershipHash, [...c.memberIds]);
            return { clusterId: c.id, membershipHash: c.membershipHash, representativeIds: [...c.representativeIds], count: c.memberIds.length };
          }),
      true,
      false,
    );
  }

  /**
   * Stores a VLM name, unless the user named the cluster meanwhile or its members changed
   * materially since the request (then null: the answer describes other photos).
   */
  applyName(r: NameResult): Promise<ClusterSummary[] | null> {
    return this.#run(async () => {
      const c = this.#clusters.get(r.clusterId);
      const name = r.name.trim();
      if (!c || c.nameSource === 'user' || !name) return null;
      let named = c.memberIds;
      if (c.membershipHash !== r.membershipHash) {
        const asked = this.#requested.get(r.membershipHash);
        if (!asked || changedMaterially(asked, c.memberIds)) return null;
        named = asked;
      }
      Object.assign(c, { name, nameSource: 'vlm' as const, namedMembershipHash: r.membershipHash, namedMemberIds: [...named], updatedAt: this.#now() });
      if (r.description?.trim()) c.description = r.description.trim();
      else delete c.description;
      await this.#save([c.id]);
      return this.#list();
    });
  }

  // ------------------------------------------------------------------ internals

  #dim(): number {
    const first = this.#vectors.values().next().value as Float32Array | undefined;
    return first?.length ?? 0;
  }

  #get(id: string): ClusterRecord {
    const c = this.#clusters.get(id);
    if (!c) throw new Error(`No cluster ${id}.`);
    return c;
  }

  #needsNaming(c: ClusterRecord): boolean {
    if (c.nameSource === 'user') return false;
    if (c.nameSource === 'zero-shot' || !c.name) return true;
    return changedMaterially(c.namedMemberIds, c.memberIds);
  }

  #threshold(): number {
    return this.#params?.threshold ?? thresholdFor(backgroundSimilarity([...this.#vectors.values()]), DEFAULT_TAU);
  }

  /** Measures the threshold when there is none yet, or again while the library is still small. */
  #ensureParams(): void {
    if (this.#params && this.#params.count >= SETTLED_LIBRARY_ITEMS) return;
    const background = backgroundSimilarity([...this.#vectors.values()]);
    this.#params = { tau: DEFAULT_TAU, background, threshold: thresholdFor(background, DEFAULT_TAU), count: this.#vectors.size, fullRunCount: this.#params?.fullRunCount, at: this.#now() };
  }

  /**
   * Takes stored clusters into memory. Members without a vector here, or already in a cluster, are
   * left out; a cluster left empty goes to `removed`, one whose members changed (or whose stored
   * hash does not match them) to `touched`, so #save recomputes its centroid and representatives.
   */
  #takeIn(stored: readonly ClusterRecord[], touched: Set<string>, removed: string[]): void {
    for (const c of stored) {
      const members = c.memberIds.filter((id) => this.#vectors.has(id) && !this.#memberOf.has(id));
      if (members.length !== c.memberIds.length || membershipHash(members) !== c.membershipHash) touched.add(c.id);
      if (members.length === 0) {
        touched.delete(c.id);
        removed.push(c.id);
        continue;
      }
      const record = { ...c, memberIds: members, pinnedIds: c.pinnedIds?.filter((id) => members.includes(id)) };
      this.#clusters.set(c.id, record);
      this.#sums.set(c.id, sumVectors(members.map((id) => this.#vectors.get(id)!), this.#dim()));
      for (const id of members) this.#memberOf.set(id, c.id);
    }
  }

  #newCluster(memberIds: string[]): ClusterRecord {
    const now = this.#now();
    const c: ClusterRecord = {
      id: this.#newId(),
      modelKey: this.#modelKey,
      memberIds,
      centroid: new Float32Array(0),
      representativeIds: [],
      name: '',
      nameSource: 'zero-shot',
      membershipHash: '',
      hidden: false,
      createdAt: now,
      updatedAt: now,
    };
    return c;
  }

  /** Each item joins the cluster it is on average most similar to, if that reaches the threshold; else starts one. */
  #assignNow(ids: string[]): Set<string> {
    const touched = new Set<string>();
    const threshold = this.#threshold();
    const dim = this.#dim();
    for (const id of ids) {
      const v = this.#vectors.get(id)!;
      const best = nearestCluster(v, this.#sumsList(), threshold);
      let c: ClusterRecord;
      if (best) {
        c = this.#clusters.get(best.id)!;
        c.memberIds.push(id);
      } else {
        c = this.#newCluster([id]);
        this.#clusters.set(c.id, c);
        this.#sums.set(c.id, new Float64Array(dim));
      }
      addToSum(this.#sums.get(c.id)!, v);
      this.#memberOf.set(id, c.id);
      touched.add(c.id);
    }
    return touched;
  }

  *#sumsList(): Iterable<{ id: string; sum: Float64Array; size: number }> {
    for (const [id, c] of this.#clusters) yield { id, sum: this.#sums.get(id)!, size: c.memberIds.length };
  }

  /**
   * Full clustering. New clusters take the id (and name, description, hidden flag, pins) of the old
   * cluster they overlap most (Jaccard, one to one). Pinned items — moved by hand, or members of a
   * cluster the user named or merged — go back to their cluster whatever the algorithm says.
   */
  async #clusterAll(onProgress?: (p: ClusterProgress) => void): Promise<void> {
    const ids = [...this.#vectors.keys()].sort();
    const vectors = ids.map((id) => this.#vectors.get(id)!);
    const result = clusterVectors(vectors, { onProgress });
    const groups: string[][] = Array.from({ length: result.clusterCount }, () => []);
    ids.forEach((id, i) => groups[result.labels[i]!]!.push(id));
    const old = [...this.#clusters.values()];
    const pinnedTo = new Map<string, string>();
    for (const c of old) {
      const pins = c.nameSource === 'user' ? c.memberIds : (c.pinnedIds ?? []);
      for (const id of pins) if (this.#vectors.has(id)) pinnedTo.set(id, c.id);
    }
    const match = matchByOverlap(groups, old);
    const oldById = new Map(old.map((c) => [c.id, c]));
    const next = new Map<string, ClusterRecord>();
    groups.forEach((members, g) => {
      const from = match[g] ? oldById.get(match[g]!) : undefined;
      const c = from ? { ...from, memberIds: [] as string[] } : this.#newCluster([]);
      for (const id of members) if (!pinnedTo.has(id)) c.memberIds.push(id);
      next.set(c.id, c);
    });
    for (const [id, cid] of pinnedTo) {
      let c = next.get(cid);
      if (!c) {
        c = { ...oldById.get(cid)!, memberIds: [] };
        next.set(cid, c);
      }
      c.memberIds.push(id);
    }
    const removed = old.map((c) => c.id).filter((id) => !next.has(id) || next.get(id)!.memberIds.length === 0);
    this.#clusters.clear();
    this.#sums.clear();
    this.#memberOf.clear();
    const dim = this.#dim();
    for (const c of next.values()) {
      if (c.memberIds.length === 0) continue;
      if (c.pinnedIds) c.pinnedIds = c.pinnedIds.filter((id) => pinnedTo.get(id) === c.id);
      this.#clusters.set(c.id, c);
      this.#sums.set(c.id, sumVectors(c.memberIds.map((id) => this.#vectors.get(id)!), dim));
      for (const id of c.memberIds) this.#memberOf.set(id, c.id);
    }
    this.#params = { tau: DEFAULT_TAU, background: result.background, threshold: result.threshold, count: ids.length, fullRunCount: ids.length, at: this.#now() };
    onProgress?.({ done: ids.length, total: ids.length, phase: 'saving' });
    await this.#save(this.#clusters.keys(), removed, true);
  }

  /** Recomputes centroid, representatives and hash of the touched clusters and writes them in one transaction. */
  async #save(touched: Iterable<string>, removed: readonly string[] = [], replaceAll = false): Promise<void> {
    const put: ClusterRecord[] = [];
    const now = this.#now();
    for (const id of new Set(touched)) {
      const c = this.#clusters.get(id);
      if (!c) continue;
      const hash = membershipHash(c.memberIds);
      c.centroid = centroidOf(this.#sums.get(id)!);
      c.representativeIds = pickRepresentatives(c.memberIds.map((m) => ({ id: m, vector: this.#vectors.get(m)! })));
      if (hash !== c.membershipHash) c.updatedAt = now;
      c.membershipHash = hash;
      c.videoIds = this.#videoMembers(c);
      put.push(c);
    }
    let remove = [...removed];
    if (replaceAll) {
      const stored = await clusterIdsForModel(this.#database, this.#modelKey);
      remove = [...new Set([...remove, ...stored.filter((k) => !this.#clusters.has(k))])];
    }
    await writeClusters(this.#database, put, remove, this.#params ? { modelKey: this.#modelKey, params: this.#params } : undefined);
  }

  /** The members of `c` that are videos (every member's type is known whenever a cluster is written). */
  #videoMembers(c: ClusterRecord): string[] {
    return c.memberIds.filter((id) => this.#types.get(id) === 'video');
  }

  /** Names inline when the prompt vectors are at hand; otherwise computes them in the background. */
  async #nameIfCheap(): Promise<void> {
    if (!this.#embedText) return;
    if (this.#vocabulary || (await this.#cachedVocabulary())) {
      await this.#nameAll();
      return;
    }
    void this.#run(
      async () => {
        const before = JSON.stringify(this.#list().map((c) => [c.id, c.name]));
        await this.#nameAll();
        const after = this.#list();
        if (JSON.stringify(after.map((c) => [c.id, c.name])) !== before) for (const l of this.#listeners) l(after);
      },
      true,
      false,
    ).catch(() => undefined);
  }

  async #cachedVocabulary(): Promise<VocabularyCache | null> {
    const cached = await readVocabularyCache(this.#database, this.#modelKey);
    if (cached && cached.key === vocabularyKey()) this.#vocabulary = cached;
    return this.#vocabulary;
  }

  /** Prompt vectors of the subjects for this model, embedded once and kept in `meta`; null without a text model. */
  async #loadVocabulary(): Promise<VocabularyCache | null> {
    if (this.#vocabulary || (await this.#cachedVocabulary())) return this.#vocabulary;
    const embed = this.#embedText;
    if (!embed) return null;
    try {
      const entries: VocabularyCache['entries'] = [];
      for (const s of SUBJECTS) entries.push({ name: s.name, vector: await embed(s.prompt) });
      this.#vocabulary = { key: vocabularyKey(), entries };
      await writeVocabularyCache(this.#database, this.#modelKey, this.#vocabulary);
    } catch {
      // No text model yet (e.g. still loading): names come on the next call.
      return null;
    }
    return this.#vocabulary;
  }

  async #nameAll(): Promise<void> {
    if (!this.#embedText) return;
    const vocabulary = await this.#loadVocabulary();
    if (!vocabulary) return;
    const changed: string[] = [];
    for (const c of this.#clusters.values()) {
      if (c.nameSource === 'user' || c.nameSource === 'vlm') continue;
      const pick = pickSubject(c.centroid, vocabulary.entries);
      if (pick && pick.name !== c.name) {
        c.name = pick.name;
        c.nameSource = 'zero-shot';
        changed.push(c.id);
      }
    }
    if (changed.length) await writeClusters(this.#database, changed.map((id) => this.#clusters.get(id)!));
  }

  #list(): ClusterSummary[] {
    return [...this.#clusters.values()]
      .sort((a, b) => b.memberIds.length - a.memberIds.length || (a.id < b.id ? -1 : 1))
      .map((c) => {
        let videoCount = 0;
        for (const id of c.memberIds) if (this.#types.get(id) === 'video') videoCount++;
        return {
          id: c.id,
          name: c.name,
          nameSource: c.nameSource,
          ...(c.description ? { description: c.description } : {}),
          count: c.memberIds.length,
          imageCount: c.memberIds.length - videoCount,
          videoCount,
          representativeIds: [...c.representativeIds],
          hidden: c.hidden,
          membershipHash: c.membershipHash,
          needsNaming: this.#needsNaming(c),
        };
      });
  }
}
