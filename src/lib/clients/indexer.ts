import type { IndexApi, SearchHit } from '../../../workers/index.worker';
import { handle, type WorkerHandle } from './worker-handle';

export type { SearchHit };

/** Vector search off the page's thread. */
export class Indexer {
  #w: WorkerHandle<IndexApi>;

  constructor(signal?: AbortSignal) {
    this.#w = handle<IndexApi>(new Worker(new URL('../../../workers/index.worker.ts', import.meta.url), { type: 'module', name: 'index' }), signal);
  }

  open(modelKey: string): Promise<number> {
    return this.#w.api.init(modelKey);
  }

  addStored(ids: string[]): Promise<number> {
    return this.#w.api.addStored(ids);
  }

  search(query: Float32Array | null, text: string, k: number): Promise<SearchHit[]> {
    return this.#w.api.search(query, text, k);
  }

  terminate(): void {
    this.#w.terminate();
  }
}
