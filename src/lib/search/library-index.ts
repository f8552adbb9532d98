/**
 * The search index of one tab: the library's vectors of one model in a vector index (exact scan,
 * HNSW, or for very large libraries compact codes re-ranked with vectors read from storage;
 * src/lib/index/choose-index.ts), restored from the saved snapshot when it matches the
 * library and rebuilt from the stored vectors otherwise; kept up to date as items are added,
 * removed and restored; answering searches (file-name matches first, filters, video moments),
 * the sample scores of the relevance cut-off and the duplicate scan. Storage comes in as
 * repository functions (search-storage.ts). The index worker is a thin shell over this class;
 * unit tests drive it over fake-indexeddb.
 */
import type { AssetRecord, AssetType, EmbeddingRecord, FrameEmbeddingRecord } from '../db/schema';
import type { NewVectors } from '../core/records';
import { releaseBuffer } from '../core/typed-columns';
import { rescoreHits, restoreIndex, type VectorIndex } from '../core/vector-index';
import type { ScoredId } from '../core/vector';
import { ArrayCodeStore, CODER_SAMPLE, Hnsw, type CodeStore } from '../core/hnsw';
import { fitScalarCoder, type ScalarCoder } from '../core/int8-codes';
import { chooseIndexKind, createIndex, RESCORE_EXTRA, SEARCH_EF, SEARCH_ENTRY_BEAM, type LibraryIndexKind } from '../index/choose-index';
import { COMPACT_TRAIN_SAMPLE, CompactVectorIndex } from '../index/compact-vector-index';
import { looksLikeFileName, nameMatchScore } from '../core/name-match';
import { bestMoments, type FrameVector, type Moment } from '../core/moments';
import { SIMILAR_MIN_COSINE, type DuplicateReport } from '../core/duplicates';
import { dotAt } from '../core/vector';
import { meanPool } from '../core/pooling';
import { inSortedSpans, type TimeSpan } from '../core/time-spans';
import { scanDuplicates } from './duplicate-scan';
import { TEXT_SAMPLE, TextRanker } from './text-ranker';
import type { SearchStorage } from './search-storage';
import { AssetSummaries } from '../core/asset-summaries';

export interface SearchHit {
  id: string;
  /** Cosine similarity of the query and the asset, or null for a pure file-name match. */
  score: number | null;
  nameMatch: boolean;
  /** Videos: best-matching kept frames. */
  moments?: Moment[];
}

export interface SearchFilter {
  type?: AssetType;
  /** Inclusive range of the date taken (`takenAtMs`, the timeline's date), ms since epoch. */
  takenFromMs?: number;
  takenToMs?: number;
  /**
   * Sorted, merged half-open spans of the date taken (the time phrases of a query, see
   * core/query-time.ts): an item must lie in one of them.
   */
  takenIn?: TimeSpan[];
  /** Ids to leave out (e.g. the photo a "More like this" started from). */
  excludeIds?: string[];
  /** When set, only these ids (the items of the places a query names). */
  onlyIds?: string[];
}

/** The index in use: an in-memory vector index or the compact one. */
type SearchIndex = VectorIndex | CompactVectorIndex;

export interface IndexStatus {
  kind: LibraryIndexKind;
  size: number;
  /** How the index came to be on this start. */
  origin: 'restored' | 'rebuilt' | 'loaded' | 'empty';
  reason: string;
  tookMs: number;
}

export interface RebuildProgress {
  done: number;
  total: number;
}

export interface LibraryIndexOptions {
  /** Which index a library of `size` items uses (default: the measured rule of choose-index.ts). */
  kindFor?: (size: number, current?: LibraryIndexKind) => LibraryIndexKind;
  /** Bursts of changes are saved once, this long after the last. */
  saveDelayMs?: number;
  /** Length of a duplicate-scan slice, ms. */
  scanSliceMs?: number;
}

const MOMENTS_PER_VIDEO = 3;
const SNAPSHOT = 'assets';
/** Saving an HNSW snapshot costs ~1 s per 100k items, so bursts of changes are saved once. */
const SAVE_DELAY_MS = 3000;
/** A search arriving during a duplicate scan waits at most about this long for it. */
const SCAN_SLICE_MS = 20;
const REBUILD_CHUNK = 1000;
const SAMPLE_SIZE = 256;
/** Items coded per slice while the text ranker is built (searches run between slices). */
const RANKER_CHUNK = 4096;
/** Result counts up to this go through the text ranker; "show more" past it uses the graph. */
const RANKER_MAX_K = 256;
/** Past this many items the ranker's codes (644 bytes per item at 512-d) cost more memory than it is worth: the graph serves. */
const RANKER_MAX_ITEMS = 200_000;

/** Where an HNSW keeps its codes: the text ranker's WebAssembly memory (one copy serves both), or plain memory without SIMD. */
const codeStoreFor = (coder: ScalarCoder): CodeStore => TextRanker.create(coder) ?? new ArrayCodeStore();

/** The text ranker holding an index's codes, if it has one. */
const rankerOf = (index: SearchIndex | null): TextRanker | null => (index instanceof Hnsw && index.codeStore instanceof TextRanker ? index.codeStore : null);

export class LibraryIndex {
  #open: () => Promise<SearchStorage>;
  #storage: SearchStorage | null = null;
  #kindFor: (size: number, current?: LibraryIndexKind) => LibraryIndexKind;
  #saveDelayMs: number;
  #scanSliceMs: number;
  #modelKey = '';
  /**
   * Only the tab that runs the import saves the index snapshot: a tab that missed another's
   * changes must not overwrite a newer snapshot with its own view.
   */
  #writer = false;
  #index: SearchIndex | null = null;
  /**
   * Ranks text queries without a filter when the index is HNSW (text-ranker.ts, which holds the
   * index's codes): set once its axes are fitted and every row projected, null before, for other
   * index kinds, and where WebAssembly SIMD is missing.
   */
  #ranker: TextRanker | null = null;
  #saveTimer: ReturnType<typeof setTimeout> | undefined;
  /**
   * The index differs from the saved snapshot (changed since it was restored or last saved). A
   * scheduled save of an unchanged index is skipped: a tab that becomes the writer on every start
   * would otherwise write the whole snapshot again (about 220 MB at 100,000 items, held twice
   * while it is written) right after restoring it.
   */
  #unsaved = false;
  #sample: Float32Array[] = [];
  #sampledAtSize = 0;
  /** Settles when init has restored or rebuilt the index; queries wait for it rather than see an empty library. */
  #ready: Promise<unknown> = Promise.resolve();
  /** Duplicate scans started, and the last one cancelScan() stopped. */
  #scansStarted = 0;
  #scansStopped = 0;
  #assets = new AssetSummaries();
  /**
   * Settles when the asset summaries (names, types, dates) are read, a page at a time. Reading a
   * million of them takes seconds, so init does not wait for it: only the searches that need them (file names,
   * filters, date listings) do. Ids removed meanwhile are kept out of what it brings.
   */
  #assetsRead: Promise<void> = Promise.resolve();
  #removedWhileReading: Set<string> | null = null;
  /** Video id → its kept frames, scanned per video hit to find the moment. */
  #framesByVideo = new Map<string, FrameVector[]>();

  constructor(storage: SearchStorage | (() => Promise<SearchStorage>), opts: LibraryIndexOptions = {}) {
    this.#open = typeof storage === 'function' ? storage : async () => storage;
    this.#kindFor = opts.kindFor ?? chooseIndexKind;
    this.#saveDelayMs = opts.saveDelayMs ?? SAVE_DELAY_MS;
    this.#scanSliceMs = opts.scanSliceMs ?? SCAN_SLICE_MS;
  }

  get #db(): SearchStorage {
    if (!this.#storage) throw new Error('The search index is not open yet: call init(modelKey) first.');
    return this.#storage;
  }

  /** Opens the index for a model; queries and adds wait until it is there. */
  init(modelKey: string, onProgress?: (p: RebuildProgress) => void): Promise<IndexStatus> {
    const run = this.#init(modelKey, onProgress);
    this.#ready = run.catch(() => undefined);
    // After the index: reading the summaries would compete with it for IndexedDB.
    this.#assetsRead = this.#ready.then(() => (this.#storage ? this.#readAssets(this.#storage) : undefined));
    // A failed read fails the searches that await it, not init.
    this.#assetsRead.catch(() => undefined);
    return run;
  }

  /**
   * Restores the persisted index when it matches this model and the stored vectors;
   * otherwise (missing, corrupt, another model, out of date) rebuilds it from the vectors.
   */
  async #init(modelKey: string, onProgress?: (p: RebuildProgress) => void): Promise<IndexStatus> {
    const started = performance.now();
    this.#storage ??= await this.#open();
    const db = this.#db;
    this.#modelKey = modelKey;
    this.#index = null;
    this.#unsaved = false;
    this.#ranker = null;
    this.#sample = [];
    this.#assets.clear();
    this.#framesByVideo.clear();
    this.#addFrames(await db.frameEmbeddingsForModel(modelKey));

    let reason = 'no saved index';
    const snapshot = await db.getIndexSnapshot(SNAPSHOT);
    if (snapshot?.kind === 'compact' && snapshot.modelKey === modelKey) {
      // Counting a million stored vectors takes seconds: the compact index answers at once and is
      // brought in line with the stored vectors in the background (#reconcile).
      try {
        const index = CompactVectorIndex.restore(snapshot.bytes, modelKey, this.#vectorStore(modelKey));
        // The index copied what it keeps: the snapshot's bytes (~300 MB at a million items) go at
        // once instead of whenever this worker next collects garbage.
        releaseBuffer(snapshot.bytes);
        this.#index = index;
        this.#reconciled = this.#reconcile(index);
        this.#reconciled.catch(() => undefined);
        return { kind: index.kind, size: index.size, origin: 'restored', reason: 'saved index, checked against the library in the background', tookMs: performance.now() - started };
      } catch (err) {
        reason = `saved index unreadable (${err instanceof Error ? err.message : String(err)})`;
      }
    }
    const stored = await db.countEmbeddings(modelKey);
    if (snapshot && snapshot.kind !== 'compact') {
      if (snapshot.modelKey !== modelKey) reason = `saved index was made for ${snapshot.modelKey}`;
      else if (snapshot.count !== stored) reason = `saved index has ${snapshot.count} items, the library ${stored}`;
      else {
        try {
          const index = await restoreIndex(snapshot.bytes, { expectedModelKey: modelKey, packedRestorers: { hnsw: (d) => Hnsw.fromDecodedInto(d, codeStoreFor) } });
          // An index saved with float vectors: its codes are made once, and saved in their place.
          const encoded = index instanceof Hnsw && !index.coder;
          if (encoded) index.encodeVectors(undefined, codeStoreFor);
          // Everything is copied out of the snapshot (codes, links): its memory is given back now rather than at a GC an idle worker may not run for long.
          if (index instanceof Hnsw) releaseBuffer(snapshot.bytes);
          this.#index = index;
          if (encoded) this.#changed();
          this.#startRanker();
          return { kind: index.kind, size: index.size, origin: 'restored', reason: encoded ? 'saved index matches the library; its vectors are kept as codes from now on' : 'saved index matches the library', tookMs: performance.now() - started };
        } catch (err) {
          reason = `saved index unreadable (${err instanceof Error ? err.message : String(err)})`;
        }
      }
    } else if (snapshot && snapshot.modelKey !== modelKey) reason = `saved index was made for ${snapshot.modelKey}`;
    this.#index = await this.#rebuild(onProgress);
    this.#unsaved = true;
    this.#startRanker();
    if (this.#index) await this.#save();
    const index = this.#index;
    return {
      kind: index?.kind ?? 'exact',
      size: index?.size ?? 0,
      // An exact index is never saved: reading the stored vectors is all it takes.
      origin: !index ? 'empty' : index.kind === 'exact' ? 'loaded' : 'rebuilt',
      reason,
      tookMs: performance.now() - started,
    };
  }

  /** Settles when a restored compact index matches the stored vectors (see #reconcile). */
  #reconciled: Promise<void> = Promise.resolve();
  #removedWhileReconciling: Set<string> | null = null;

  /**
   * Brings a restored compact index in line with the stored vectors of its model: the ones it
   * lacks (added after its last save, e.g. a tab closed before the save) are added, the ones it
   * holds without a stored vector (deleted since) are removed, and the result is saved.
   */
  async #reconcile(index: CompactVectorIndex): Promise<void> {
    const removed = (this.#removedWhileReconciling = new Set());
    try {
      // The stored ids a page at a time against the index's ids, which a restored index keeps
      // packed: no list of a million stored ids, none of the index's decoded (a byte per row).
      const tally = index.compact.tallyIds();
      let changed = 0;
      await this.#db.forEachEmbeddingIdPage(index.modelKey, async (ids) => {
        if (this.#index !== index) return;
        const missing = ids.filter((id) => !tally.mark(id) && !removed.has(id));
        for (let i = 0; i < missing.length && this.#index === index; i += REBUILD_CHUNK) {
          await this.#addStoredNow(missing.slice(i, i + REBUILD_CHUNK));
          changed += Math.min(REBUILD_CHUNK, missing.length - i);
        }
      });
      if (this.#index !== index) return;
      for (const id of tally.unmarked()) if (index.remove(id)) changed++;
      if (changed > 0) this.#changed();
    } finally {
      if (this.#removedWhileReconciling === removed) this.#removedWhileReconciling = null;
    }
  }

  async #readAssets(db: SearchStorage): Promise<void> {
    const removed = (this.#removedWhileReading = new Set());
    try {
      await db.forEachAssetSummaryPage((page) => {
        for (const a of page) {
          // An asset added meanwhile is already there, from a record at least as new.
          if (!removed.has(a.id) && !this.#assets.has(a.id)) this.#assets.set(a.id, a);
        }
      });
      this.#assets.trim();
    } finally {
      if (this.#removedWhileReading === removed) this.#removedWhileReading = null;
    }
  }

  /** Adds just the assets an import stored, so a large import does not re-read the library per batch. */
  async addStored(ids: string[]): Promise<number> {
    await this.#ready;
    return this.#addStoredNow(ids);
  }

  /** Takes assets out of search at once (their records are deleted by the caller). */
  async remove(ids: string[]): Promise<number> {
    for (const id of ids) {
      this.#index?.remove(id);
      this.#assets.delete(id);
      this.#removedWhileReading?.add(id);
      this.#removedWhileReconciling?.add(id);
      this.#framesByVideo.delete(id);
    }
    this.#changed();
    return this.#index?.size ?? 0;
  }

  /** Puts assets back after an undone delete. */
  async restore(ids: string[]): Promise<number> {
    await this.#ready;
    return this.#addStoredNow(ids);
  }

  /** The stored vector of an asset, the query of "More like this". */
  async vectorOf(id: string): Promise<Float32Array | null> {
    return this.#db.vectorOfAsset(id, this.#modelKey);
  }

  /**
   * The L2-normalized mean of several assets' stored vectors, the query of "More like these";
   * null when none of them has a vector for the current model.
   */
  async meanVectorOf(ids: readonly string[]): Promise<Float32Array | null> {
    const vectors = (await this.#db.vectorsOfAssets(ids, this.#modelKey)).filter((v): v is Float32Array => v !== undefined);
    if (vectors.length === 0) return null;
    return meanPool(vectors, vectors[0]!.length);
  }

  /**
   * Ranks the library against a query vector. Queries that look like file names
   * ("IMG_2041", "beach.jpg") also return name matches, first.
   */
  async search(query: Float32Array | null, text: string, k: number, filter?: SearchFilter, kind: 'text' | 'image' = 'text'): Promise<SearchHit[]> {
    await this.#ready;
    const exclude = new Set(filter?.excludeIds ?? []);
    const needsFilter = !!filter && (filter.type || filter.takenFromMs !== undefined || filter.takenToMs !== undefined || filter.takenIn || filter.onlyIds || exclude.size > 0);
    const byFileName = !!text && looksLikeFileName(text);
    if (needsFilter || byFileName) await this.#assetsRead;
    const passes = (id: string) => this.#passes(id, filter, exclude);
    const hits: SearchHit[] = [];
    const seen = new Map<string, SearchHit>();
    if (byFileName) {
      const matches: Array<{ id: string; s: number }> = [];
      this.#assets.forEachRow((row) => {
        const s = nameMatchScore(text, this.#assets.name(row));
        if (s <= 0) return;
        const id = this.#assets.idAt(row);
        if (passes(id)) matches.push({ id, s });
      });
      const byName = matches.sort((a, b) => b.s - a.s || a.id.localeCompare(b.id)).slice(0, k);
      for (const m of byName) {
        const hit: SearchHit = { id: m.id, score: null, nameMatch: true };
        seen.set(m.id, hit);
        hits.push(hit);
      }
    }
    const index = this.#index;
    if (query && index && index.size > 0) {
      const filterOpt = needsFilter ? { filter: passes } : {};
      const ranker = kind === 'text' && !needsFilter && k <= RANKER_MAX_K && index instanceof Hnsw ? this.#ranker : null;
      // An index of codes scores approximately: its best k + a few are scored again with their residual codes (or their stored vectors).
      const coded = index instanceof Hnsw && index.coder !== null;
      const wanted = coded ? k + RESCORE_EXTRA : k;
      let ranked: ScoredId[];
      // The compact index finds the rows of a filter's ids in its packed ids, not by decoding every id.
      if (index.kind === 'compact') ranked = await index.search(query, { k, kind, ...filterOpt, onlyIds: needsFilter ? filter?.onlyIds : undefined });
      else if (ranker && index instanceof Hnsw) ranked = await this.#rescore(query, ranker.candidates(query, wanted, (row) => index.idOfNode(row)), k);
      else {
        ranked = index.search(query, { k: wanted, ef: Math.max(wanted, SEARCH_EF[kind]), entryBeam: SEARCH_ENTRY_BEAM[kind], ...filterOpt });
        if (coded) ranked = await this.#rescore(query, ranked.map((h) => h.id), k);
      }
      for (const r of ranked) {
        const named = seen.get(r.id);
        if (named) named.score = r.score;
        else if (hits.length < k) hits.push({ id: r.id, score: r.score, nameMatch: false });
      }
      for (const h of hits) {
        const frames = this.#framesByVideo.get(h.id);
        if (frames?.length) h.moments = bestMoments(query, frames, MOMENTS_PER_VIDEO);
      }
    }
    return hits;
  }

  /**
   * The items that pass the filter, newest taken first: the answer to a query that is only a date
   * ("july 2023"), no vector involved. `total` counts them all; `hits` holds the first `k`.
   */
  async listByTakenAt(k: number, filter?: SearchFilter): Promise<{ hits: SearchHit[]; total: number }> {
    await this.#ready;
    await this.#assetsRead;
    const exclude = new Set(filter?.excludeIds ?? []);
    // The ids are decoded only where a filter names ids.
    const byId = exclude.size > 0 || !!filter?.onlyIds;
    const { ids, total } = this.#assets.newestTaken(k, (row) => (!filter || this.#rowPasses(row, filter)) && (!byId || this.#passes(this.#assets.idAt(row), filter, exclude)));
    return { hits: ids.map((id) => ({ id, score: null, nameMatch: false })), total };
  }

  /**
   * The best k of `ids` scored again: with the index's residual codes, in memory (within ~1e-4 of
   * their vectors' scores); for an index restored from codes saved without residuals, with their
   * stored vectors read from IndexedDB (exact; ids whose vector is gone are left out).
   */
  async #rescore(query: Float32Array, ids: string[], k: number): Promise<ScoredId[]> {
    const index = this.#index;
    if (index instanceof Hnsw && index.hasResiduals) return index.refine(query, ids, k);
    return rescoreHits(query, ids, await this.#db.vectorsOfAssets(ids, this.#modelKey), k);
  }

  /** Scores of a random sample of the library against the query, for the relevance cut-off. */
  async sampleScores(query: Float32Array): Promise<number[]> {
    const size = this.#index?.size ?? 0;
    if (this.#sample.length < Math.min(SAMPLE_SIZE, size) || size > this.#sampledAtSize * 1.25) {
      // Asset ids are random UUIDs, so the first vectors by key are a fair random sample of the library.
      this.#sample = await this.#db.firstVectors(this.#modelKey, SAMPLE_SIZE);
      this.#sampledAtSize = this.#index?.size ?? 0;
    }
    return this.#sample.map((v) => dotAt(v, 0, query, 0, v.length));
  }

  /** Duplicate groups of the library in three tiers (duplicate-scan.ts); cancelScan() stops it. */
  async duplicateGroups(similarMinCosine = SIMILAR_MIN_COSINE, onProgress?: (p: RebuildProgress) => void): Promise<DuplicateReport> {
    const scan = ++this.#scansStarted;
    await this.#ready;
    const [assets, refused] = await Promise.all([this.#db.allAssets(), this.#db.refusedDuplicateJobs()]);
    return scanDuplicates({
      // The neighbour scan needs every vector in memory: the compact index keeps none, so at its sizes only identical files are grouped.
      index: this.#index?.kind === 'compact' ? null : this.#index,
      assets,
      refused,
      framesOf: (id) => this.#framesByVideo.get(id)?.map((f) => f.vector),
      similarMinCosine,
      sliceMs: this.#scanSliceMs,
      onProgress,
      stopped: () => this.#scansStopped >= scan,
      ...(this.#index instanceof Hnsw && this.#index.coder ? { storedVectors: (ids: readonly string[]) => this.#db.vectorsOfAssets(ids, this.#modelKey) } : {}),
    });
  }

  /** Stops the running duplicate scan at its next slice: its call rejects with a StoppedError. */
  cancelScan(): void {
    this.#scansStopped = this.#scansStarted;
  }

  /** Saves the snapshot now (when this tab is the writer). */
  flush(): Promise<void> {
    return this.#save();
  }

  /** This tab runs the import (and so keeps the saved index); a new writer saves what it has. */
  setWriter(isWriter: boolean): void {
    this.#writer = isWriter;
    if (isWriter) this.#scheduleSave();
  }

  status(): { kind: LibraryIndexKind; size: number } {
    return { kind: this.#index?.kind ?? 'exact', size: this.#index?.size ?? 0 };
  }

  #addFrames(records: FrameEmbeddingRecord[]): void {
    for (const r of records.sort((a, b) => a.frameIndex - b.frameIndex)) {
      const list = this.#framesByVideo.get(r.assetId) ?? [];
      list.push({ timestampSec: r.timestampSec, vector: r.vector });
      this.#framesByVideo.set(r.assetId, list);
    }
  }

  #passes(id: string, f: SearchFilter | undefined, exclude: Set<string>): boolean {
    if (exclude.has(id)) return false;
    if (!f) return true;
    const row = this.#assets.rowOf(id);
    if (row < 0 || !this.#rowPasses(row, f)) return false;
    if (f.onlyIds && !this.#setOf(f.onlyIds).has(id)) return false;
    return true;
  }

  /** Whether the summary at `row` has the filter's type and a date taken within its ranges. */
  #rowPasses(row: number, f: SearchFilter): boolean {
    if (f.type && this.#assets.type(row) !== f.type) return false;
    const takenAtMs = this.#assets.takenAtMs(row);
    if (f.takenFromMs !== undefined && takenAtMs < f.takenFromMs) return false;
    if (f.takenToMs !== undefined && takenAtMs > f.takenToMs) return false;
    if (f.takenIn && !inSortedSpans(f.takenIn, takenAtMs)) return false;
    return true;
  }

  /** A filter's id list as a set, made once per search. */
  #idSets = new WeakMap<string[], Set<string>>();
  #setOf(ids: string[]): Set<string> {
    let set = this.#idSets.get(ids);
    if (!set) this.#idSets.set(ids, (set = new Set(ids)));
    return set;
  }

  /** Full vectors of the current model, read from IndexedDB for the compact index's re-rank. */
  #vectorStore(modelKey: string) {
    return { getVectors: (ids: readonly string[]) => this.#db.vectorsOfAssets(ids, modelKey) };
  }

  /** Streams the stored vectors of this model into a new index, in chunks, reporting progress. */
  async #rebuild(onProgress?: (p: RebuildProgress) => void): Promise<SearchIndex | null> {
    const db = this.#db;
    const modelKey = this.#modelKey;
    const total = await db.countEmbeddings(modelKey);
    const first = total > 0 ? await db.firstEmbedding(modelKey) : undefined;
    if (!first) return null;
    const kind = this.#kindFor(total);
    const dim = first.vector.length;
    // Created before the cursor opens: awaiting anything but IndexedDB inside it would end the transaction.
    // Asset ids are random UUIDs, so the first vectors by key are a fair sample to learn the compact codes from.
    const built =
      kind === 'compact'
        ? CompactVectorIndex.train(await db.firstVectors(modelKey, COMPACT_TRAIN_SAMPLE), dim, total, modelKey, this.#vectorStore(modelKey))
        : kind === 'hnsw'
          ? await this.#newHnsw(dim)
          : await createIndex(kind, dim, modelKey);
    let done = 0;
    let chunk: Array<{ id: string; vector: Float32Array }> = [];
    const flush = () => {
      built.addMany(chunk);
      done += chunk.length;
      chunk = [];
      onProgress?.({ done, total });
    };
    await db.forEachEmbedding(modelKey, (id, vector) => {
      chunk.push({ id, vector });
      if (chunk.length >= REBUILD_CHUNK) flush();
    });
    if (chunk.length) flush();
    return built;
  }

  /**
   * An empty HNSW keeping int8 codes, their coder fitted on the first stored vectors by key (asset
   * ids are random UUIDs: a fair sample); float vectors when fewer than two are stored.
   */
  async #newHnsw(dim: number): Promise<Hnsw> {
    const sample = await this.#db.firstVectors(this.#modelKey, CODER_SAMPLE);
    if (sample.length < 2) return new Hnsw(dim, this.#modelKey);
    const coder = fitScalarCoder(sample);
    return new Hnsw(dim, this.#modelKey, {}, { coder, store: codeStoreFor(coder) });
  }

  /**
   * Lists the items the import just took in (no vector yet) from their records, handed over with
   * its news, without reading them back: found by name and listed by date at once.
   */
  async addTaken(assets: readonly AssetRecord[]): Promise<number> {
    await this.#ready;
    for (const asset of assets) this.#assets.set(asset.id, asset);
    return this.#index?.size ?? 0;
  }

  /**
   * Adds the vectors the import just stored, handed over with its news: items this index already
   * lists (announced when they were taken in) join without reading their records and vectors back;
   * any other (not listed yet, or deleted meanwhile) is read from storage as addStored does.
   */
  async addIndexed(news: readonly NewVectors[]): Promise<number> {
    await this.#ready;
    const listed = news.filter((n) => this.#assets.has(n.embedding.id));
    const unlisted = news.filter((n) => !this.#assets.has(n.embedding.id)).map((n) => n.embedding.id);
    const added = await this.#addVectors(
      listed.map((n) => n.embedding),
      listed.flatMap((n) => n.frames),
    );
    return unlisted.length ? this.#addStoredNow(unlisted) : added;
  }

  async #addStoredNow(ids: string[]): Promise<number> {
    const { rows, frames } = await this.#db.readStoredItems(ids);
    const embeddings: EmbeddingRecord[] = [];
    for (const [asset, embedding] of rows) {
      if (!asset) continue;
      // Every item is found by its name and listed by date already; its vector joins when it is stored.
      this.#assets.set(asset.id, asset);
      if (embedding) embeddings.push(embedding);
    }
    return this.#addVectors(embeddings, frames);
  }

  /** Vectors of listed items that the index does not hold yet, with their videos' frames. */
  async #addVectors(embeddings: readonly EmbeddingRecord[], frames: readonly FrameEmbeddingRecord[]): Promise<number> {
    const items: Array<{ id: string; vector: Float32Array }> = [];
    for (const embedding of embeddings) {
      if (embedding.modelId !== this.#modelKey || this.#index?.has(embedding.id)) continue;
      items.push({ id: embedding.id, vector: embedding.vector });
    }
    // Frames come with their video's vector, once: a video announced twice keeps one set of moments.
    const adding = new Set(items.map((i) => i.id));
    this.#addFrames(frames.filter((f) => f.modelId === this.#modelKey && adding.has(f.assetId)));
    if (items.length === 0) return this.#index?.size ?? 0;
    this.#index ??= await createIndex('exact', items[0]!.vector.length, this.#modelKey);
    this.#index.addMany(items);
    if (this.#index instanceof Hnsw) this.#ranker?.projectUpTo(this.#index.nodeCount);
    if (this.#index.size > RANKER_MAX_ITEMS) this.#ranker = null;
    if (this.#kindFor(this.#index.size, this.#index.kind) !== this.#index.kind) {
      this.#index = await this.#rebuild();
      this.#startRanker();
    }
    this.#changed();
    return this.#index?.size ?? 0;
  }

  /**
   * Makes the text ranker of the current index usable after init has returned: its axes are
   * fitted on a sample of the index's codes in one task (about 1 s at 100k items), then every row
   * is projected onto them in slices with searches running between them. Text queries use the
   * graph until it is complete; rows added meanwhile are projected by the last slices.
   */
  #startRanker(): void {
    this.#ranker = null;
    const index = this.#index;
    const ranker = rankerOf(index);
    if (!(index instanceof Hnsw) || !ranker || index.size > RANKER_MAX_ITEMS || index.size < 2) return;
    const nextTask = () => new Promise((resolve) => setTimeout(resolve, 0));
    const run = async (): Promise<void> => {
      await nextTask();
      if (this.#index !== index) return;
      // By node, not by id: a restored index keeps its ids packed, and 100,000 of them decoded
      // would be held through the whole projection below.
      const nodes = index.liveNodes();
      const step = Math.max(1, nodes.length / TEXT_SAMPLE);
      // The sample's rows share one buffer, given back as soon as the axes are fitted: thousands of
      // small buffers (16 MB at 100k items) would stay allocated until this worker's next collection.
      let rowCount = 0;
      for (let x = 0; x < nodes.length; x += step) rowCount++;
      const rows = new Float32Array(rowCount * index.dim);
      const sample: Float32Array[] = [];
      for (let x = 0; x < nodes.length; x += step) sample.push(index.vectorOfNode(nodes[Math.floor(x)]!, rows.subarray(sample.length * index.dim, (sample.length + 1) * index.dim)));
      releaseBuffer(nodes);
      ranker.fitAxes(sample);
      releaseBuffer(rows);
      while (ranker.projectedRows < index.nodeCount) {
        await nextTask();
        // A newer index (or another model) took over: this ranker is dropped.
        if (this.#index !== index) return;
        ranker.projectUpTo(ranker.projectedRows + RANKER_CHUNK);
      }
      this.#ranker = ranker;
    };
    void run();
  }

  async #save(): Promise<void> {
    clearTimeout(this.#saveTimer);
    // Nothing to save before the first init opened the library.
    if (!this.#writer || !this.#storage) return;
    const index = this.#index;
    // Changes arriving while this save runs mark the index unsaved again; a failed save leaves it unsaved.
    const wasUnsaved = this.#unsaved;
    this.#unsaved = false;
    try {
      await this.#write(index);
    } catch (err) {
      this.#unsaved ||= wasUnsaved;
      throw err;
    }
  }

  async #write(index: SearchIndex | null): Promise<void> {
    // An exact index is the stored vectors themselves: rebuilding it costs what restoring would.
    if (!index || index.kind === 'exact') {
      await this.#db.deleteIndexSnapshot(SNAPSHOT);
      return;
    }
    const bytes = await index.serialize();
    await this.#db.putIndexSnapshot({ name: SNAPSHOT, modelKey: this.#modelKey, kind: index.kind, count: index.size, bytes, savedAt: Date.now() });
  }

  /** The index changed: it is saved once the burst of changes is over. */
  #changed(): void {
    this.#unsaved = true;
    this.#scheduleSave();
  }

  #scheduleSave(): void {
    clearTimeout(this.#saveTimer);
    // After the index is open: a save in the middle of a rebuild would see no index and drop the snapshot.
    this.#saveTimer = setTimeout(() => void this.#ready.then(() => (this.#unsaved ? this.#save() : undefined)), this.#saveDelayMs);
  }
}
