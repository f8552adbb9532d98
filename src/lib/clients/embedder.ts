import { proxy, transfer } from 'comlink';
import type { EmbedApi, LoadProgress, ModelInfo, PixelImage } from '../../../workers/embed.worker';
import type { ModelSource } from '../core/model-source';
import { handle, portTo, type WorkerHandle } from './worker-handle';

export type { LoadProgress, ModelInfo };

/** The page's door to the CLIP worker: model loading and text queries. */
export class Embedder {
  #w: WorkerHandle<EmbedApi>;

  constructor() {
    this.#w = handle<EmbedApi>(new Worker(new URL('../../../workers/embed.worker.ts', import.meta.url), { type: 'module', name: 'embed' }));
  }

  load(source: ModelSource, onProgress: (p: LoadProgress) => void): Promise<ModelInfo> {
    return this.#w.api.init(source, proxy(onProgress));
  }

  embedText(query: string): Promise<Float32Array> {
    return this.#w.api.embedText(query);
  }

  /** One vector per text, in one forward pass. */
  embedTexts(queries: string[]): Promise<Float32Array[]> {
    return this.#w.api.embedTexts(queries);
  }

  /** One vector per picture (the search quality check's photos, kept in memory only); the pixels move to the worker. */
  embedImages(images: PixelImage[]): Promise<Float32Array[]> {
    return this.#w.api.embedImages(transfer(images, images.map((i) => i.data.buffer as ArrayBuffer)));
  }

  /** A port another worker uses to call the model directly. */
  connectPort(): MessagePort {
    return portTo((port) => this.#w.api.connect(port));
  }

  terminate(): void {
    this.#w.terminate();
  }
}
