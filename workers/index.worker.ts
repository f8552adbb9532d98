/// <reference lib="webworker" />
import { expose } from 'comlink';
import { openLibraryDb, type Db } from '../src/lib/db/db';
import { assetSummaries, embeddingsForModel, frameEmbeddingsForModel } from '../src/lib/db/repo';
import type { FrameEmbeddingRecord } from '../src/lib/db/schema';
import { VectorMatrix } from '../src/lib/core/vector';
import { looksLikeFileName, nameMatchScore } from '../src/lib/core/name-match';
import { bestMoments, type FrameVector, type Moment } from '../src/lib/core/moments';

export interface SearchHit {
  id: string;
  /** Cosine similarity of the query and the asset, or null for a pure file-name match. */
  score: number | null;
  nameMatch: boolean;
  /** Videos: best-matching kept frames. */
  moments?: Moment[];
}

const MOMENTS_PER_VIDEO = 3;

let db: Db;
let modelKey = '';
let matrix: VectorMatrix | null = null;
const names = new Map<string, string>();
/** Video id → its kept frames, scanned per video hit to find the moment. */
const framesByVideo = new Map<string, FrameVector[]>();

function addFrames(records: FrameEmbeddingRecord[]): void {
  for (const r of records.sort((a, b) => a.frameIndex - b.frameIndex)) {
    const list = framesByVideo.get(r.assetId) ?? [];
    list.push({ timestampSec: r.timestampSec, vector: r.vector });
    framesByVideo.set(r.assetId, list);
  }
}

/** Loads every vector of the current model; done once per start or model change. */
async function loadAll(): Promise<number> {
  db ??= await openLibraryDb();
  for (const a of await assetSummaries(db)) names.set(a.id, a.name);
  const records = await embeddingsForModel(db, modelKey);
  for (const r of records) {
    matrix ??= new VectorMatrix(r.dim, Math.max(256, records.length));
    matrix.add(r.id, r.vector);
  }
  addFrames(await frameEmbeddingsForModel(db, modelKey));
  return matrix?.size ?? 0;
}

/** Adds just the assets an import stored, so a 10,000-photo import does not re-read the library per batch. */
async function addStored(ids: string[]): Promise<number> {
  db ??= await openLibraryDb();
  const tx = db.transaction(['assets', 'embeddings', 'frameEmbeddings']);
  const rows = await Promise.all(ids.map(async (id) => [await tx.objectStore('assets').get(id), await tx.objectStore('embeddings').get(id)] as const));
  const frames = await Promise.all(ids.map((id) => tx.objectStore('frameEmbeddings').index('byAssetId').getAll(id)));
  addFrames(frames.flat().filter((f) => f.modelId === modelKey));
  for (const [asset, embedding] of rows) {
    if (!asset || !embedding || embedding.modelId !== modelKey) continue;
    names.set(asset.id, asset.name);
    matrix ??= new VectorMatrix(embedding.dim);
    matrix.add(asset.id, embedding.vector);
  }
  return matrix?.size ?? 0;
}

const api = {
  async init(currentModelKey: string): Promise<number> {
    if (currentModelKey !== modelKey) {
      modelKey = currentModelKey;
      matrix = null;
      names.clear();
      framesByVideo.clear();
    }
    return loadAll();
  },

  addStored,

  /**
   * Ranks the library against a query vector. Queries that look like file names
   * ("IMG_2041", "beach.jpg") also return name matches, first.
   */
  search(query: Float32Array | null, text: string, k: number): SearchHit[] {
    const hits: SearchHit[] = [];
    const seen = new Set<string>();
    if (looksLikeFileName(text)) {
      const byName = [...names]
        .map(([id, name]) => ({ id, s: nameMatchScore(text, name) }))
        .filter((m) => m.s > 0)
        .sort((a, b) => b.s - a.s || a.id.localeCompare(b.id))
        .slice(0, k);
      for (const m of byName) {
        seen.add(m.id);
        hits.push({ id: m.id, score: null, nameMatch: true });
      }
    }
    if (query && matrix) {
      for (const r of matrix.topK(query, k)) {
        if (seen.has(r.id)) {
          const h = hits.find((x) => x.id === r.id)!;
          h.score = r.score;
        } else if (hits.length < k) hits.push({ id: r.id, score: r.score, nameMatch: false });
      }
    }
    if (query) {
      for (const h of hits) {
        const frames = framesByVideo.get(h.id);
        if (frames?.length) h.moments = bestMoments(query, frames, MOMENTS_PER_VIDEO);
      }
    }
    return hits;
  },

  remove(id: string): void {
    matrix?.remove(id);
    names.delete(id);
    framesByVideo.delete(id);
  },
};

export type IndexApi = typeof api;
expose(api);
