/// <reference lib="webworker" />
import { expose } from 'comlink';
import { openLibraryDb, type Db } from '../src/lib/db/db';
import { assetSummaries, frameEmbeddingsForModel } from '../src/lib/db/repo';
import {
  allAssets,
  countEmbeddings,
  deleteIndexSnapshot,
  firstEmbedding,
  firstVectors,
  forEachEmbedding,
  getIndexSnapshot,
  putIndexSnapshot,
  readStoredItems,
  refusedDuplicateJobs,
  vectorOfAsset,
} from '../src/lib/db/search-repo';
import type { AssetType, FrameEmbeddingRecord } from '../src/lib/db/schema';
import type { VectorIndex } from '../src/lib/core/vector-index';
import { chooseIndexKind, createIndex, restoreAnyIndex, SEARCH_EF } from '../src/lib/index/choose-index';
import { looksLikeFileName, nameMatchScore } from '../src/lib/core/name-match';
import { bestMoments, type FrameVector, type Moment } from '../src/lib/core/moments';
import {
  SIMILAR_MIN_COSINE,
  SIMILAR_NEIGHBOURS,
  VIDEO_CANDIDATE_MIN_COSINE,
  allPairSteps,
  buildDuplicateReport,
  neighbourPairSteps,
  type DuplicateReport,
  type ScanProgress,
  type ScoredPair,
} from '../src/lib/core/duplicates';
import { runInSlices } from '../src/lib/core/slices';
import { dotAt } from '../src/lib/core/vector';

export type { DuplicateReport };

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
  /** Inclusive range of `addedAt`, ms since epoch. */
  addedFromMs?: number;
  addedToMs?: number;
  /** Ids to leave out (e.g. the photo a "More like this" started from). */
  excludeIds?: string[];
}

export interface IndexStatus {
  kind: 'exact' | 'hnsw';
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

interface AssetInfo {
  name: string;
  type: AssetType;
  addedAt: number;
}

const MOMENTS_PER_VIDEO = 3;
/**
 * HNSW beam of the duplicate scan. The pairs it looks for (cosine ≥ 0.8) are each item's very
 * nearest neighbours, which the greedy search reaches first, so it needs far less beam than a
 * search for the 10th-best match (SEARCH_EF.image): 4 × k.
 */
const DUPLICATE_SCAN_EF = 4 * SIMILAR_NEIGHBOURS;
/** A search arriving during a duplicate scan waits at most about this long for it. */
const SCAN_SLICE_MS = 20;
const SNAPSHOT = 'assets';
/** Saving an HNSW snapshot costs ~1 s per 100k items, so bursts of changes are saved once. */
const SAVE_DELAY_MS = 3000;
const REBUILD_CHUNK = 1000;
const SAMPLE_SIZE = 256;

let db: Db;
let modelKey = '';
/**
 * Only the tab that runs the import saves the index snapshot: a tab that missed another's changes
 * must not overwrite a newer snapshot with its own view.
 */
let writer = false;
let index: VectorIndex | null = null;
let saveTimer: ReturnType<typeof setTimeout> | undefined;
let sample: Float32Array[] = [];
/** Settles when init has restored or rebuilt the index; queries wait for it rather than see an empty library. */
let ready: Promise<unknown> = Promise.resolve();
let sampledAtSize = 0;
/** Duplicate scans started, and the last one cancelScan() stopped. */
let scansStarted = 0;
let scansStopped = 0;
const assets = new Map<string, AssetInfo>();
/** Video id → its kept frames, scanned per video hit to find the moment. */
const framesByVideo = new Map<string, FrameVector[]>();

function addFrames(records: FrameEmbeddingRecord[]): void {
  for (const r of records.sort((a, b) => a.frameIndex - b.frameIndex)) {
    const list = framesByVideo.get(r.assetId) ?? [];
    list.push({ timestampSec: r.timestampSec, vector: r.vector });
    framesByVideo.set(r.assetId, list);
  }
}

/** Streams the stored vectors of this model into a new index, in chunks, reporting progress. */
async function rebuild(onProgress?: (p: RebuildProgress) => void): Promise<VectorIndex | null> {
  const total = await countEmbeddings(db, modelKey);
  const first = total > 0 ? await firstEmbedding(db, modelKey) : undefined;
  if (!first) return null;
  // Created before the cursor opens: awaiting anything but IndexedDB inside it would end the transaction.
  const built = await createIndex(chooseIndexKind(total), first.vector.length, modelKey);
  let done = 0;
  let chunk: Array<{ id: string; vector: Float32Array }> = [];
  const flush = () => {
    built.addMany(chunk);
    done += chunk.length;
    chunk = [];
    onProgress?.({ done, total });
  };
  await forEachEmbedding(db, modelKey, (id, vector) => {
    chunk.push({ id, vector });
    if (chunk.length >= REBUILD_CHUNK) flush();
  });
  if (chunk.length) flush();
  return built;
}

/** Asset ids are random UUIDs, so the first vectors by key are a fair random sample of the library. */
async function loadSample(): Promise<void> {
  sample = await firstVectors(db, modelKey, SAMPLE_SIZE);
  sampledAtSize = index?.size ?? 0;
}

async function save(): Promise<void> {
  clearTimeout(saveTimer);
  if (!writer) return;
  if (!index) {
    await deleteIndexSnapshot(db, SNAPSHOT);
    return;
  }
  if (index.kind === 'exact') {
    // An exact index is the stored vectors themselves: rebuilding it costs what restoring would.
    await deleteIndexSnapshot(db, SNAPSHOT);
    return;
  }
  const bytes = await index.serialize();
  await putIndexSnapshot(db, { name: SNAPSHOT, modelKey, kind: index.kind, count: index.size, bytes, savedAt: Date.now() });
}

function scheduleSave(): void {
  clearTimeout(saveTimer);
  // After the index is open: a save in the middle of a rebuild would see no index and drop the snapshot.
  saveTimer = setTimeout(() => void ready.then(save), SAVE_DELAY_MS);
}

function passes(id: string, f: SearchFilter | undefined, exclude: Set<string>): boolean {
  if (exclude.has(id)) return false;
  if (!f) return true;
  const a = assets.get(id);
  if (!a) return false;
  if (f.type && a.type !== f.type) return false;
  if (f.addedFromMs !== undefined && a.addedAt < f.addedFromMs) return false;
  if (f.addedToMs !== undefined && a.addedAt > f.addedToMs) return false;
  return true;
}


/**
 * Restores the persisted index when it matches this model and the stored vectors;
 * otherwise (missing, corrupt, another model, out of date) rebuilds it from the vectors.
 */
async function initIndex(currentModelKey: string, onProgress?: (p: RebuildProgress) => void): Promise<IndexStatus> {
  const started = performance.now();
  db ??= await openLibraryDb();
  modelKey = currentModelKey;
  index = null;
  sample = [];
  assets.clear();
  framesByVideo.clear();
  for (const a of await assetSummaries(db)) assets.set(a.id, { name: a.name, type: a.type, addedAt: a.addedAt });
  addFrames(await frameEmbeddingsForModel(db, modelKey));
  const stored = await countEmbeddings(db, modelKey);

  let reason = 'no saved index';
  const snapshot = await getIndexSnapshot(db, SNAPSHOT);
  if (snapshot) {
    if (snapshot.modelKey !== modelKey) reason = `saved index was made for ${snapshot.modelKey}`;
    else if (snapshot.count !== stored) reason = `saved index has ${snapshot.count} items, the library ${stored}`;
    else {
      try {
        index = await restoreAnyIndex(snapshot.bytes, { expectedModelKey: modelKey });
        return { kind: index.kind, size: index.size, origin: 'restored', reason: 'saved index matches the library', tookMs: performance.now() - started };
      } catch (err) {
        reason = `saved index unreadable (${err instanceof Error ? err.message : String(err)})`;
      }
    }
  }
  index = await rebuild(onProgress);
  if (index) await save();
  return {
    kind: index?.kind ?? 'exact',
    size: index?.size ?? 0,
    // An exact index is never saved: reading the stored vectors is all it takes.
    origin: !index ? 'empty' : index.kind === 'exact' ? 'loaded' : 'rebuilt',
    reason,
    tookMs: performance.now() - started,
  };
}

/** Adds just the assets an import stored, so a large import does not re-read the library per batch. */
async function addStoredNow(ids: string[]): Promise<number> {
  const { rows, frames } = await readStoredItems(db, ids);
  addFrames(frames.filter((f) => f.modelId === modelKey));
  const items: Array<{ id: string; vector: Float32Array }> = [];
  for (const [asset, embedding] of rows) {
    if (!asset || !embedding || embedding.modelId !== modelKey) continue;
    assets.set(asset.id, { name: asset.name, type: asset.type, addedAt: asset.addedAt });
    items.push({ id: asset.id, vector: embedding.vector });
  }
  if (items.length === 0) return index?.size ?? 0;
  index ??= await createIndex('exact', items[0].vector.length, modelKey);
  index.addMany(items);
  if (chooseIndexKind(index.size, index.kind) !== index.kind) index = await rebuild();
  scheduleSave();
  return index?.size ?? 0;
}

const api = {
  /** Opens the index for a model; queries and adds wait until it is there. */
  init(currentModelKey: string, onProgress?: (p: RebuildProgress) => void): Promise<IndexStatus> {
    const run = initIndex(currentModelKey, onProgress);
    ready = run.catch(() => undefined);
    return run;
  },

  async addStored(ids: string[]): Promise<number> {
    await ready;
    return addStoredNow(ids);
  },

  /** Takes assets out of search at once (their records are deleted by the caller). */
  async remove(ids: string[]): Promise<number> {
    for (const id of ids) {
      index?.remove(id);
      assets.delete(id);
      framesByVideo.delete(id);
    }
    scheduleSave();
    return index?.size ?? 0;
  },

  /** Puts assets back after an undone delete. */
  async restore(ids: string[]): Promise<number> {
    await ready;
    return addStoredNow(ids);
  },

  /** The stored vector of an asset, the query of "More like this". */
  async vectorOf(id: string): Promise<Float32Array | null> {
    return vectorOfAsset(db, id, modelKey);
  },

  /**
   * Ranks the library against a query vector. Queries that look like file names
   * ("IMG_2041", "beach.jpg") also return name matches, first.
   */
  async search(query: Float32Array | null, text: string, k: number, filter?: SearchFilter, kind: 'text' | 'image' = 'text'): Promise<SearchHit[]> {
    await ready;
    const exclude = new Set(filter?.excludeIds ?? []);
    const hits: SearchHit[] = [];
    const seen = new Map<string, SearchHit>();
    if (text && looksLikeFileName(text)) {
      const byName = [...assets]
        .filter(([id]) => passes(id, filter, exclude))
        .map(([id, a]) => ({ id, s: nameMatchScore(text, a.name) }))
        .filter((m) => m.s > 0)
        .sort((a, b) => b.s - a.s || a.id.localeCompare(b.id))
        .slice(0, k);
      for (const m of byName) {
        const hit: SearchHit = { id: m.id, score: null, nameMatch: true };
        seen.set(m.id, hit);
        hits.push(hit);
      }
    }
    if (query && index && index.size > 0) {
      const needsFilter = !!filter && (filter.type || filter.addedFromMs !== undefined || filter.addedToMs !== undefined || exclude.size > 0);
      const ranked = index.search(query, {
        k,
        ef: Math.max(k, SEARCH_EF[kind]),
        ...(needsFilter ? { filter: (id: string) => passes(id, filter, exclude) } : {}),
      });
      for (const r of ranked) {
        const named = seen.get(r.id);
        if (named) named.score = r.score;
        else if (hits.length < k) hits.push({ id: r.id, score: r.score, nameMatch: false });
      }
      for (const h of hits) {
        const frames = framesByVideo.get(h.id);
        if (frames?.length) h.moments = bestMoments(query, frames, MOMENTS_PER_VIDEO);
      }
    }
    return hits;
  },

  /** Scores of a random sample of the library against the query, for the relevance cut-off. */
  async sampleScores(query: Float32Array): Promise<number[]> {
    const size = index?.size ?? 0;
    if (sample.length < Math.min(SAMPLE_SIZE, size) || size > sampledAtSize * 1.25) await loadSample();
    return sample.map((v) => dotAt(v, 0, query, 0, v.length));
  },

  /**
   * Duplicate groups of the library in three tiers (core/duplicates.ts). Candidate pairs come
   * from all pairs while the index is exact (below HNSW_MIN_ITEMS) and from each item's HNSW
   * neighbours beyond.
   */
  async duplicateGroups(similarMinCosine = SIMILAR_MIN_COSINE, onProgress?: (p: RebuildProgress) => void): Promise<DuplicateReport> {
    const scan = ++scansStarted;
    await ready;
    const [records, refused] = await Promise.all([allAssets(db), refusedDuplicateJobs(db)]);
    const stored = index as (VectorIndex & { get?(id: string): Float32Array | undefined }) | null;
    const vectorOf = (id: string) => stored?.get?.(id);
    const bar = Math.min(similarMinCosine, VIDEO_CANDIDATE_MIN_COSINE);
    const live = records.filter((a) => stored?.has(a.id));
    // Seconds of work on a large library: in slices, so searches arriving meanwhile are answered.
    const sliced = <R>(steps: Generator<ScanProgress, R>) => runInSlices(steps, { sliceMs: SCAN_SLICE_MS, onSlice: (p) => onProgress?.(p), stopped: () => scansStopped >= scan });
    let pairs: ScoredPair[] = [];
    if (stored?.kind === 'exact') {
      const items = live.flatMap((a) => {
        const vector = vectorOf(a.id);
        return vector ? [{ id: a.id, type: a.type, vector }] : [];
      });
      pairs = await sliced(allPairSteps(items, bar));
    } else if (stored) {
      pairs = await sliced(neighbourPairSteps(live, vectorOf, (v, k, filter) => stored.search(v, { k, ef: DUPLICATE_SCAN_EF, filter }), bar, SIMILAR_NEIGHBOURS));
    }
    onProgress?.({ done: live.length, total: live.length });
    return buildDuplicateReport({
      assets: records,
      refused: refused.map((j) => ({ jobId: j.id, name: j.name, sizeBytes: j.sizeBytes, refusedAt: j.updatedAt, assetId: j.assetId, message: j.message })),
      pairs,
      framesOf: (id) => framesByVideo.get(id)?.map((f) => f.vector),
      vectorOf,
      similarMinCosine,
    });
  },

  /** Stops the running duplicate scan at its next slice: its call rejects with a StoppedError. */
  cancelScan(): void {
    scansStopped = scansStarted;
  },

  async flush(): Promise<void> {
    await save();
  },

  /** This tab runs the import (and so keeps the saved index); a new writer saves what it has. */
  setWriter(isWriter: boolean): void {
    writer = isWriter;
    if (writer) scheduleSave();
  },

  status(): { kind: string; size: number } {
    return { kind: index?.kind ?? 'exact', size: index?.size ?? 0 };
  },
};

export type IndexApi = typeof api;
expose(api);
