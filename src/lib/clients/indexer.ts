import { proxy } from 'comlink';
import type { DuplicateReport, IndexApi, IndexStatus, RebuildProgress, SearchFilter, SearchHit } from '../../../workers/index.worker';
import { handle, type WorkerHandle } from './worker-handle';
import type { AssetRecord, NewVectors } from '../core/records';

export type { DuplicateReport, IndexStatus, RebuildProgress, SearchFilter, SearchHit };

/** Vector search off the page's thread. */
export class Indexer {
  #w: WorkerHandle<IndexApi>;

  constructor() {
    this.#w = handle<IndexApi>(new Worker(new URL('../../../workers/index.worker.ts', import.meta.url), { type: 'module', name: 'index' }));
  }

  open(modelKey: string, onProgress: (p: RebuildProgress) => void): Promise<IndexStatus> {
    return this.#w.api.init(modelKey, proxy(onProgress));
  }

  addStored(ids: string[]): Promise<number> {
    return this.#w.api.addStored(ids);
  }

  /** Items the import just took in, with their records (see LibraryIndex.addTaken). */
  addTaken(assets: AssetRecord[]): Promise<number> {
    return this.#w.api.addTaken(assets);
  }

  /** Items the import just indexed, with their vectors (see LibraryIndex.addIndexed). */
  addIndexed(news: NewVectors[]): Promise<number> {
    return this.#w.api.addIndexed(news);
  }

  remove(ids: string[]): Promise<number> {
    return this.#w.api.remove(ids);
  }

  restore(ids: string[]): Promise<number> {
    return this.#w.api.restore(ids);
  }

  vectorOf(id: string): Promise<Float32Array | null> {
    return this.#w.api.vectorOf(id);
  }

  meanVectorOf(ids: string[]): Promise<Float32Array | null> {
    return this.#w.api.meanVectorOf(ids);
  }

  search(query: Float32Array | null, text: string, k: number, filter?: SearchFilter, kind: 'text' | 'image' = 'text'): Promise<SearchHit[]> {
    return this.#w.api.search(query, text, k, filter, kind);
  }

  /** Items passing the filter, newest taken first, without a vector; `total` counts all of them. */
  listByTakenAt(k: number, filter?: SearchFilter): Promise<{ hits: SearchHit[]; total: number }> {
    return this.#w.api.listByTakenAt(k, filter);
  }

  sampleScores(query: Float32Array): Promise<number[]> {
    return this.#w.api.sampleScores(query);
  }

  /** Duplicate groups in three tiers, scanned in the index worker; `onProgress` counts items compared. */
  duplicateGroups(similarMinCosine?: number, onProgress?: (p: RebuildProgress) => void): Promise<DuplicateReport> {
    return this.#w.api.duplicateGroups(similarMinCosine, onProgress ? proxy(onProgress) : undefined);
  }

  /** Stops the running duplicate scan; its duplicateGroups call rejects. */
  cancelScan(): Promise<void> {
    return this.#w.api.cancelScan();
  }

  flush(): Promise<void> {
    return this.#w.api.flush();
  }

  /** Whether this tab runs the import and so keeps the saved index. */
  setWriter(isWriter: boolean): Promise<void> {
    return this.#w.api.setWriter(isWriter);
  }

  /** The index as it is now: its kind and how many items it holds. */
  status(): Promise<Pick<IndexStatus, 'kind' | 'size'>> {
    return this.#w.api.status() as Promise<Pick<IndexStatus, 'kind' | 'size'>>;
  }

  terminate(): void {
    this.#w.terminate();
  }
}
