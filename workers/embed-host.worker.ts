/// <reference lib="webworker" />
// The model's door. The page, the ingest worker and the cluster worker hold ports to this worker;
// it runs the model itself in a worker of its own (embed.worker.ts) that it ends when idle and
// starts again on the next call (workers/lib/tower-keeper.ts), so their ports stay valid while the
// model's memory (ONNX Runtime's wasm heap, 300–450 MB for ViT-B/32) is given back between uses.
// The first load checks both towers and is released at once; afterwards each call loads only the
// tower it needs, so an import runs with the image tower alone. A search keeps the model longer
// than an import (MODEL_SEARCH_HOLD_MS): the next search should not wait for the text tower.
import { expose, proxy, transfer, wrap, type Remote } from 'comlink';
import type { EmbedApi, LoadProgress, ModelInfo, PixelImage, Tower } from './embed.worker';
import type { ModelSource } from '../src/lib/core/model-source';
import type { ModelInputSpec } from '../src/lib/core/model-input';
import { TowerKeeper, type TowerRuntime } from './lib/tower-keeper';
import { MODEL_CACHE } from '../src/lib/core/offline-parts';
import type { KeepRequest } from './runtime-code.worker';

/**
 * A model runtime with no call for this long is ended. A search after that waits for the text
 * tower to load again from the browser cache: 7.9 s for ViT-B/32 q8 until the results showed, on a
 * two-core machine at load average 13 (bench/results/memory.md); the search box's focus starts
 * that load while the query is typed.
 */
export const MODEL_IDLE_MS = 30_000;

/**
 * After a search the model stays at least this long: someone reading the results and searching
 * again gets them without waiting for the text tower to load again. An import's memory is
 * released after MODEL_IDLE_MS still (unless a search came less than this long before).
 */
export const MODEL_SEARCH_HOLD_MS = 180_000;

let source: ModelSource | null = null;
let info: ModelInfo | null = null;
/** Progress of the load `init` asked for (later restarts read from the browser cache and report none). */
let progress: ((p: LoadProgress) => void) | null = null;
let specs = new Map<number, Promise<ModelInputSpec | null>>();
let onTowers: ((towers: Tower[]) => void) | null = null;
let searchHoldMs = MODEL_SEARCH_HOLD_MS;
/** Texts per forward pass at load time: ONNX Runtime's heap grows to the largest batch and stays there. */
const KEEP_TEXTS_BATCH = 16;
/**
 * Text vectors computed during the first load, while its check had the text tower loaded anyway
 * (the subject prompts that name clusters): asked for later, they cost no tower, so naming the
 * clusters of an import never loads the text tower next to the image tower.
 */
let keptTexts = new Map<string, Float32Array>();
/**
 * Settles when the running load has embedded its kept texts: a text asked for meanwhile (the
 * cluster worker starts with the search index, often before the model is loaded) waits for them
 * rather than load the text tower again and keep the model from being released.
 */
let loading: Promise<void> = Promise.resolve();

/** The vectors of `texts` when the first load kept every one of them, else null. */
function keptVectors(texts: readonly string[]): Float32Array[] | null {
  if (!texts.every((t) => keptTexts.has(t))) return null;
  return texts.map((t) => new Float32Array(keptTexts.get(t)!));
}

/** The worker holding the runtime's compiled wasm between runtimes (runtime-code.worker.ts), while the model may start again. */
let runtimeCode: Worker | null = null;

function keepRuntimeCode(wasmUrl: string): void {
  if (runtimeCode) return;
  runtimeCode = new Worker(new URL('./runtime-code.worker.ts', import.meta.url), { type: 'module', name: 'runtime-code' });
  // Where the model loader stored the running build's wasm.
  runtimeCode.postMessage({ cacheName: MODEL_CACHE, wasmUrl } satisfies KeepRequest);
}

function releaseRuntimeCode(): void {
  clearTimeout(codeReleaseTimer);
  runtimeCode?.terminate();
  runtimeCode = null;
}

let codeReleaseTimer: ReturnType<typeof setTimeout> | undefined;

/**
 * With no runtime running (the first load's check ended it, or no call came since), the compiled
 * code is kept as long as an unused runtime would be; a runtime started meanwhile keeps it.
 */
function releaseCodeWhenIdle(towers: Tower[]): void {
  clearTimeout(codeReleaseTimer);
  if (towers.length === 0 && runtimeCode) codeReleaseTimer = setTimeout(releaseRuntimeCode, keeper.options.idleMs);
}

/** The running runtime started while the code was kept (an import or a search after the first load). */
let startedFromKeptCode = false;

/**
 * A call that needs `tower`. After the first one in a runtime started from the kept code, that
 * runtime holds the compiled code itself (its tower ran), and the kept copy goes: ending it while
 * an import's runtime ran gave back 50–120 MB in the import bench's traces (bench/results/memory-peak.md).
 */
async function onTower<T>(tower: Tower, call: (m: Remote<EmbedApi>) => Promise<T>, holdMs?: number): Promise<T> {
  const out = await keeper.use(tower, call, holdMs);
  if (startedFromKeptCode && keeper.towers.length > 0) {
    startedFromKeptCode = false;
    releaseRuntimeCode();
  }
  return out;
}

async function startRuntime(towers: Tower[]): Promise<TowerRuntime<Remote<EmbedApi>>> {
  if (!source) throw new Error('the search model is not loaded; check Settings');
  const worker = new Worker(new URL('./embed.worker.ts', import.meta.url), { type: 'module', name: 'embed-model' });
  const api = wrap<EmbedApi>(worker);
  const report = progress;
  const fromKeptCode = runtimeCode !== null;
  try {
    const loaded = await api.init(source, report ? proxy((p: LoadProgress) => report(p)) : undefined, towers);
    info ??= loaded;
    startedFromKeptCode = fromKeptCode;
    if (!fromKeptCode) keepRuntimeCode(loaded.runtimeWasmUrl);
  } catch (err) {
    worker.terminate();
    throw err;
  }
  return { api, towers: new Set(towers), end: () => worker.terminate() };
}

const keeper = new TowerKeeper<Remote<EmbedApi>>({
  start: startRuntime,
  idleMs: MODEL_IDLE_MS,
  leanFor: ['vision'],
  onChange: (towers) => {
    releaseCodeWhenIdle(towers);
    onTowers?.(towers);
  },
  onIdleEnd: releaseRuntimeCode,
});

const vectorsOut = (vectors: Float32Array[]) => transfer(vectors, vectors.map((v) => v.buffer as ArrayBuffer));

const api = {
  /**
   * Loads the model (both towers, so a model that cannot run is known at once, and both stored for
   * offline use), embeds `keepTexts` while the text tower is there, then releases the model unless
   * a call came meanwhile; a failed load is forgotten so the next call retries.
   */
  async init(from: ModelSource, onProgress?: (p: LoadProgress) => void, keepTexts: readonly string[] = []): Promise<ModelInfo> {
    keeper.end();
    source = from;
    info = null;
    specs = new Map();
    keptTexts = new Map();
    progress = onProgress ?? null;
    let loaded!: () => void;
    loading = new Promise<void>((resolve) => (loaded = resolve));
    try {
      await keeper.open(['vision', 'text']);
      // Tower null: this use at load time leaves the runtime free to be replaced by an image-only one.
      for (let start = 0; start < keepTexts.length; start += KEEP_TEXTS_BATCH) {
        const batch = keepTexts.slice(start, start + KEEP_TEXTS_BATCH);
        const vectors = await keeper.use(null, (m) => m.embedTexts(batch));
        batch.forEach((text, i) => keptTexts.set(text, vectors[i]!));
      }
      // The load checked both towers; the renderer would hold ~450 MB for ViT-B/32 until the next
      // call or MODEL_IDLE_MS. Each tower loads again (from the browser cache) when a call needs
      // it, so an import started now runs with the image tower alone.
      keeper.endIfUnused();
    } catch (err) {
      source = null;
      throw err;
    } finally {
      progress = null;
      loaded();
    }
    return info!;
  },

  async info(): Promise<ModelInfo | null> {
    return info;
  },

  async embedImages(images: PixelImage[]): Promise<Float32Array[]> {
    if (images.length === 0) return [];
    return vectorsOut(await onTower('vision', (m) => m.embedImages(transfer(images, images.map((i) => i.data.buffer as ArrayBuffer)))));
  },

  /** Read once per size from the model's processor, and kept across restarts. */
  modelInputSpec(size: number): Promise<ModelInputSpec | null> {
    let spec = specs.get(size);
    if (!spec) {
      spec = keeper.use(null, (m) => m.modelInputSpec(size));
      specs.set(size, spec);
      spec.catch(() => specs.delete(size));
    }
    return spec;
  },

  async embedModelInputs(inputs: Float32Array[], size: number): Promise<Float32Array[]> {
    if (inputs.length === 0) return [];
    return vectorsOut(await onTower('vision', (m) => m.embedModelInputs(transfer(inputs, inputs.map((x) => x.buffer as ArrayBuffer)), size)));
  },

  /** Starts the runtime with `tower`, or loads it there, ahead of its first call. */
  async loadTower(tower: Tower): Promise<void> {
    await onTower(tower, (m) => m.loadTower(tower));
  },

  async embedText(query: string): Promise<Float32Array> {
    await loading;
    const kept = keptVectors([query]);
    if (kept) return kept[0]!;
    const v = await onTower('text', (m) => m.embedText(query));
    return transfer(v, [v.buffer as ArrayBuffer]);
  },

  /** A search's query: the model is then kept for MODEL_SEARCH_HOLD_MS, for the next search. */
  async embedQuery(query: string): Promise<Float32Array> {
    const v = await onTower('text', (m) => m.embedText(query), searchHoldMs);
    return transfer(v, [v.buffer as ArrayBuffer]);
  },

  async embedTexts(queries: string[]): Promise<Float32Array[]> {
    if (queries.length === 0) return [];
    await loading;
    const kept = keptVectors(queries);
    if (kept) return vectorsOut(kept);
    return vectorsOut(await onTower('text', (m) => m.embedTexts(queries)));
  },

  /** Lets another worker (ingest, cluster) call this API directly, without a hop through the page. */
  connect(port: MessagePort): void {
    expose(api, port);
  },

  /** How long an unused model stays loaded, after an import and after a search, ms (tests and the memory bench shorten them). */
  releaseAfterIdle(idleMs: number, afterSearchMs = idleMs): void {
    searchHoldMs = afterSearchMs;
    keeper.idleMs = idleMs;
  },

  /** Tells `listener` the towers loaded now, and again whenever they change (none once the model was released). */
  watchTowers(listener: (towers: Tower[]) => void): void {
    onTowers = listener;
    listener(keeper.towers);
  },
} satisfies EmbedApi & Record<string, unknown>;

export type EmbedHostApi = typeof api;
expose(api);
