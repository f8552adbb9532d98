import { proxy, transfer } from 'comlink';
import type { LoadProgress, ModelInfo, PixelImage, Tower } from '../../../workers/embed.worker';
import type { EmbedHostApi } from '../../../workers/embed-host.worker';
import type { ModelSource } from '../core/model-source';
import { handle, portTo, type WorkerHandle } from './worker-handle';

export type { LoadProgress, ModelInfo, Tower };

/**
 * `?modelIdleMs=` / `?modelSearchHoldMs=` in the address: how long an unused model stays loaded,
 * and at least how long after a search (tests shorten them), or null for the worker's defaults.
 */
function msFromUrl(name: string): number | null {
  const ms = Number(new URLSearchParams(location.search).get(name));
  return Number.isFinite(ms) && ms > 0 ? ms : null;
}

/**
 * The page's door to the CLIP worker: model loading and text queries. The worker keeps the model
 * loaded only while it is used and loads it again on the next call (workers/embed-host.worker.ts).
 */
export class Embedder {
  #w: WorkerHandle<EmbedHostApi>;

  constructor() {
    this.#w = handle<EmbedHostApi>(new Worker(new URL('../../../workers/embed-host.worker.ts', import.meta.url), { type: 'module', name: 'embed' }));
    const idleMs = msFromUrl('modelIdleMs');
    if (idleMs !== null) void this.#w.api.releaseAfterIdle(idleMs, msFromUrl('modelSearchHoldMs') ?? idleMs);
  }

  /** `keepTexts`: embedded while the load has the text part anyway, and answered later without it. */
  load(source: ModelSource, onProgress: (p: LoadProgress) => void, keepTexts: string[] = []): Promise<ModelInfo> {
    return this.#w.api.init(source, proxy(onProgress), keepTexts);
  }

  /** Loads a part of the model ahead of its first use, so a released model is back sooner. */
  loadTower(tower: Tower): Promise<void> {
    return this.#w.api.loadTower(tower);
  }

  embedText(query: string): Promise<Float32Array> {
    return this.#w.api.embedText(query);
  }

  /** A search's query: the model then stays loaded longer, so the next search does not wait for it. */
  embedQuery(query: string): Promise<Float32Array> {
    return this.#w.api.embedQuery(query);
  }

  /** One vector per text, in one forward pass. */
  embedTexts(queries: string[]): Promise<Float32Array[]> {
    return this.#w.api.embedTexts(queries);
  }

  /** One vector per picture (the search quality check's photos, kept in memory only); the pixels move to the worker. */
  embedImages(images: PixelImage[]): Promise<Float32Array[]> {
    return this.#w.api.embedImages(transfer(images, images.map((i) => i.data.buffer as ArrayBuffer)));
  }

  /** Calls `onTowers` with the model's towers in memory, now and on every change (none once it was released while unused). */
  watchTowers(onTowers: (towers: Tower[]) => void): Promise<void> {
    return this.#w.api.watchTowers(proxy(onTowers));
  }

  /** A port another worker uses to call the model directly. */
  connectPort(): MessagePort {
    return portTo((port) => this.#w.api.connect(port));
  }

  terminate(): void {
    this.#w.terminate();
  }
}
