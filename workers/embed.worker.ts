/// <reference lib="webworker" />
import { expose, transfer } from 'comlink';
import type { PreTrainedModel, PreTrainedTokenizer, Processor, Tensor } from '@huggingface/transformers';
import ortWasmUrl from 'onnxruntime-web/ort-wasm-simd-threaded.wasm?url';
import ortMjsUrl from 'onnxruntime-web/ort-wasm-simd-threaded.mjs?url';
import ortWebGpuWasmUrl from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.wasm?url';
import ortWebGpuMjsUrl from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.mjs?url';
import { chooseBackend, modelKey, type Backend, type BackendChoice, type ModelSource } from '../src/lib/core/model-source';
import { probeWebGpu } from './lib/webgpu';
import { l2Normalize } from '../src/lib/core/vector';
import { modelInputSpec, type ModelInputSpec } from '../src/lib/core/model-input';
import { MODEL_CACHE } from '../src/lib/core/offline-parts';
import { graphWithWeightsInPlace } from '../src/lib/core/onnx-weights';
import { releaseBuffer } from '../src/lib/core/typed-columns';
import { chooseRuntimeBuild, type RuntimeBuild, type RuntimeFiles } from './lib/runtime-build';

/** Pixels the ingest worker already decoded, oriented and cut to the model's 224×224 input. */
export interface PixelImage {
  data: Uint8ClampedArray;
  width: number;
  height: number;
}

export interface LoadProgress {
  file: string;
  loadedBytes: number;
  totalBytes: number;
}

/** The model's two halves: each is an ONNX session of its own, loaded only when needed. */
export type Tower = 'vision' | 'text';

export interface ModelInfo extends BackendChoice {
  /** Where the running ONNX Runtime build's wasm is kept in the model cache (the embed host keeps its compiled code). */
  runtimeWasmUrl: string;
  modelKey: string;
  dim: number;
  loadMs: number;
}

interface Loaded {
  info: ModelInfo;
  /** transformers.js with the runtime it loaded the model in. */
  lib: Transformers;
  processor: Processor;
  tokenizer: PreTrainedTokenizer;
  /** The towers init asked for are loaded; the other one loads on its first use. */
  vision: () => Promise<PreTrainedModel>;
  text: () => Promise<PreTrainedModel>;
}

/** A load started on the first call and shared by the next ones; a failed one is tried again. */
function onFirstUse<T>(start: () => Promise<T>): () => Promise<T> {
  let started: Promise<T> | null = null;
  return () => {
    if (!started) {
      started = start();
      started.catch(() => {
        started = null;
      });
    }
    return started;
  };
}

let loading: Promise<Loaded> | null = null;

type Transformers = typeof import('@huggingface/transformers');

/** Self-hosted runtime files of each build: without them, onnxruntime-web fetches its wasm from a CDN. */
const RUNTIME_FILES: Record<RuntimeBuild, RuntimeFiles> = {
  'wasm-only': { wasm: new URL(ortWasmUrl, self.location.href).href, mjs: new URL(ortMjsUrl, self.location.href).href },
  webgpu: { wasm: new URL(ortWebGpuWasmUrl, self.location.href).href, mjs: new URL(ortWebGpuMjsUrl, self.location.href).href },
};

/** transformers.js with the runtime build chosen for this worker's backend (runtimeFor). */
let hf: Transformers | null = null;
let runtimeBuild: RuntimeBuild = 'webgpu';

/**
 * transformers.js, imported once the runtime build is chosen: it takes its ONNX Runtime when it is
 * first evaluated, its own (the WebGPU build) unless one is offered under Symbol.for('onnxruntime').
 */
async function runtimeFor(backend: Backend): Promise<Transformers> {
  if (hf) return hf;
  const cache = await caches.open(MODEL_CACHE).catch(() => null);
  runtimeBuild = await chooseRuntimeBuild(backend, RUNTIME_FILES, cache);
  if (runtimeBuild === 'wasm-only') (globalThis as Record<symbol, unknown>)[Symbol.for('onnxruntime')] = await import('onnxruntime-web/wasm');
  const lib = await import('@huggingface/transformers');
  const { env } = lib;
  // transformers.js keeps the runtime in its browser cache (env.useWasmCache) for offline use; the
  // service worker leaves these files alone, so they are stored once.
  env.backends.onnx.wasm!.wasmPaths = { ...RUNTIME_FILES[runtimeBuild] };
  env.backends.onnx.wasm!.proxy = false;
  // Its default, named once for Settings' list of what is kept and for the embed host's kept runtime code.
  env.cacheKey = MODEL_CACHE;
  await chooseRuntimeFiles(lib, cache);
  hf = lib;
  return lib;
}

/**
 * The runtime's files from the browser cache as blob URLs, once a load has stored them there.
 * transformers.js would read the wasm into an ArrayBuffer (env.wasm.wasmBinary) that the runtime
 * compiles and keeps for its whole life; from a URL it is compiled as it streams in and nothing is
 * kept: a runtime holding the image tower used ~70 MB less (bench/results/memory-findings.md). The
 * cached files work offline as before; a first load downloads and stores them as before.
 */
async function chooseRuntimeFiles({ env }: Transformers, cache: Cache | null): Promise<void> {
  if (!cache) return; // No cache here (a private window): the runtime is fetched and stored as on a first load.
  const files = RUNTIME_FILES[runtimeBuild];
  try {
    const [wasm, mjs] = await Promise.all([cache.match(files.wasm), cache.match(files.mjs)]);
    if (!wasm || !mjs) return;
    // Typed again: the streaming compile wants application/wasm, whatever the server said.
    const [wasmBlob, mjsBlob] = await Promise.all([wasm.blob(), mjs.blob()]);
    env.backends.onnx.wasm!.wasmPaths = {
      wasm: URL.createObjectURL(new Blob([wasmBlob], { type: 'application/wasm' })),
      mjs: URL.createObjectURL(new Blob([mjsBlob], { type: 'text/javascript' })),
    };
  } catch {
    // A cache that cannot be read: the runtime is fetched (and stored) as on a first load.
  }
}

/** What transformers.js asks of a cache: the Web Cache API's `match` and `put`. */
interface ModelFileCache {
  match(key: string): Promise<Response | undefined>;
  put(key: string, response: Response): Promise<void>;
}

/** One ONNX Runtime external data file: a name the model refers to, and its bytes. */
interface ExternalData {
  path: string;
  data: Uint8Array;
}

/**
 * Per tower, the external data of the session being created: filled when its model file is read
 * from the cache, emptied once the session exists (the runtime has copied the weights by then).
 */
const weightsOfLoad = new Map<Tower, ExternalData[]>();

/** The tower whose model file `key` names (`…/onnx/vision_model_quantized.onnx`), if any. */
function towerOfFile(key: string): Tower | null {
  const m = /\/onnx\/(vision|text)_model[^/]*\.onnx$/.exec(String(key));
  return m ? (m[1] === 'vision' ? 'vision' : 'text') : null;
}

/**
 * A model file read from the cache reaches ONNX Runtime as its graph alone, with each weight
 * pointing at its place in the file's bytes, which are mounted as external data
 * (core/onnx-weights.ts): the runtime's wasm heap, which never shrinks, then holds each weight once
 * instead of about three times (~180 MB less for the ViT-B/32 q8 image tower). A file downloaded
 * for the first time, or one that cannot be split, loads as it is.
 */
function weightsInPlace(inner: ModelFileCache): ModelFileCache {
  return {
    async match(key: string): Promise<Response | undefined> {
      const response = await inner.match(key);
      const tower = towerOfFile(key);
      const external = tower ? weightsOfLoad.get(tower) : undefined;
      if (!response || !external) return response;
      const model = new Uint8Array(await response.arrayBuffer());
      let graph: Uint8Array | null = null;
      try {
        graph = graphWithWeightsInPlace(model, `${tower}.weights`);
      } catch {
        // Not a protobuf we can walk: the runtime reads the file as it is (and says what is wrong).
      }
      if (!graph) return new Response(model as Uint8Array<ArrayBuffer>);
      external.push({ path: `${tower}.weights`, data: model });
      return new Response(graph as Uint8Array<ArrayBuffer>, { headers: { 'content-length': String(graph.length) } });
    },
    put: (key: string, response: Response) => inner.put(key, response),
  };
}

/** The browser cache transformers.js would use itself (MODEL_CACHE, its env.cacheKey), opened on each use. */
const browserModelCache: ModelFileCache = {
  match: async (key) => (await caches.open(MODEL_CACHE)).match(key),
  put: async (key, response) => (await caches.open(MODEL_CACHE)).put(key, response),
};

/**
 * Serves model files from a folder the user picked, through transformers.js's cache hook. Other
 * files it caches (the ONNX Runtime wasm) go to the browser cache as with the other sources, so
 * they work offline too.
 */
function folderCache(dir: FileSystemDirectoryHandle, modelId: string): ModelFileCache {
  const modelName = modelId.split('/').pop()!;
  const inFolder = (key: string) => String(key).includes(`${modelName}/`);
  return {
    async match(key: string): Promise<Response | undefined> {
      if (!inFolder(key)) return browserModelCache.match(key);
      const rel = String(key).split(`${modelName}/`).pop();
      if (!rel) return undefined;
      try {
        let handle: FileSystemDirectoryHandle = dir;
        const parts = rel.split('/').filter((p) => p && p !== '..');
        for (const part of parts.slice(0, -1)) handle = await handle.getDirectoryHandle(part);
        const file = await (await handle.getFileHandle(parts[parts.length - 1])).getFile();
        return new Response(file, { headers: { 'content-length': String(file.size) } });
      } catch {
        return undefined;
      }
    },
    async put(key: string, response: Response): Promise<void> {
      if (!inFolder(key)) await browserModelCache.put(key, response);
    },
  };
}

function configureSource({ env }: Transformers, source: ModelSource): void {
  env.useCustomCache = true;
  if (source.kind === 'hub') {
    env.allowRemoteModels = true;
    env.allowLocalModels = false;
    env.useBrowserCache = true;
    env.customCache = weightsInPlace(browserModelCache);
  } else if (source.kind === 'self-hosted') {
    env.allowRemoteModels = false;
    env.allowLocalModels = true;
    env.useBrowserCache = true;
    env.customCache = weightsInPlace(browserModelCache);
    // transformers.js only probes "local" files by path; a full URL is mistaken for a remote one.
    const url = new URL(source.baseUrl ?? '/models/', self.location.href);
    const base = url.origin === self.location.origin ? url.pathname : url.href;
    env.localModelPath = base.endsWith('/') ? base : `${base}/`;
  } else {
    if (!source.dirHandle) throw new Error('No model folder chosen');
    env.allowRemoteModels = false;
    env.allowLocalModels = true;
    env.useBrowserCache = false;
    env.localModelPath = 'https://model-folder.invalid/';
    env.customCache = weightsInPlace(folderCache(source.dirHandle, source.modelId));
  }
}

/**
 * Loads one tower with its weights read in place (weightsInPlace); the file's bytes are let go
 * once the session exists, whether or not it loaded.
 */
async function loadTowerModel<T>(tower: Tower, load: (sessionOptions: { externalData: ExternalData[] }) => Promise<T>): Promise<T> {
  const externalData: ExternalData[] = [];
  weightsOfLoad.set(tower, externalData);
  try {
    return await load({ externalData });
  } finally {
    // Given back rather than dropped: this worker collects garbage rarely (its JS heap stays small),
    // and the image tower's file (~88 MB) stayed allocated for the first 10–20 s of an import.
    for (const { data } of externalData) releaseBuffer(data);
    externalData.length = 0;
    if (weightsOfLoad.get(tower) === externalData) weightsOfLoad.delete(tower);
  }
}

async function load(source: ModelSource, onProgress: ((p: LoadProgress) => void) | undefined, towers: readonly Tower[]): Promise<Loaded> {
  const started = performance.now();
  const choice = chooseBackend((await probeWebGpu()).facts, self.crossOriginIsolated, navigator.hardwareConcurrency || 1);
  const lib = await runtimeFor(choice.backend);
  const { AutoProcessor, AutoTokenizer, CLIPTextModelWithProjection, CLIPVisionModelWithProjection } = lib;
  configureSource(lib, source);
  lib.env.backends.onnx.wasm!.numThreads = choice.threads;

  const files = new Map<string, { loaded: number; total: number }>();
  let currentFile = 'config.json';
  const progress_callback = (e: { status: string; file?: string; loaded?: number; total?: number }) => {
    if (e.file) currentFile = e.file;
    if (e.status === 'progress' && e.file) {
      files.set(e.file, { loaded: e.loaded ?? 0, total: e.total ?? 0 });
      let loadedBytes = 0;
      let totalBytes = 0;
      for (const f of files.values()) {
        loadedBytes += f.loaded;
        totalBytes += f.total;
      }
      onProgress?.({ file: e.file, loadedBytes, totalBytes });
    }
  };
  // transformers.js knows only its own runtime's device names: with the wasm-only build it is told
  // 'auto' (no name checked), and the session the one execution provider that build has.
  const wasmOnly = runtimeBuild === 'wasm-only';
  const device = wasmOnly ? 'auto' : choice.backend;
  const sessionOptions = (s: { externalData: ExternalData[] }) => (wasmOnly ? { ...s, executionProviders: ['wasm'] } : s);
  const opts = { device, dtype: source.dtype, progress_callback } as const;
  try {
    // A tower loaded later reports no progress: its files are in the browser cache by then.
    const later = { device, dtype: source.dtype } as const;
    const vision = onFirstUse(() =>
      loadTowerModel('vision', (s) => CLIPVisionModelWithProjection.from_pretrained(source.modelId, { ...(towers.includes('vision') ? opts : later), session_options: sessionOptions(s) })),
    );
    const text = onFirstUse(() =>
      loadTowerModel('text', (s) => CLIPTextModelWithProjection.from_pretrained(source.modelId, { ...(towers.includes('text') ? opts : later), session_options: sessionOptions(s) })),
    );
    const [processor, tokenizer] = await Promise.all([
      AutoProcessor.from_pretrained(source.modelId, { progress_callback }),
      AutoTokenizer.from_pretrained(source.modelId, { progress_callback }),
      ...towers.map((t) => (t === 'vision' ? vision() : text())),
    ]);
    const info: ModelInfo = { ...choice, runtimeWasmUrl: RUNTIME_FILES[runtimeBuild].wasm, modelKey: modelKey(source), dim: 0, loadMs: 0 };
    const loaded = { info, lib, processor, tokenizer, vision, text };
    if (towers.includes('text')) info.dim = (await embedTextWith(loaded, 'a photo')).length;
    else if (towers.includes('vision')) info.dim = projectionDim(await vision());
    info.loadMs = performance.now() - started;
    return loaded;
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new Error(`Could not load the model ${source.modelId} (${currentFile}): ${why}`);
  }
}

/** The vector size the model's config states (a model loaded without its text tower cannot embed a probe sentence). */
function projectionDim(tower: PreTrainedModel): number {
  const config = tower.config as unknown as { projection_dim?: number };
  return config.projection_dim ?? 0;
}

async function embedTextWith(m: Loaded, query: string): Promise<Float32Array> {
  const inputs = m.tokenizer([query], { padding: true, truncation: true });
  const { text_embeds } = await (await m.text())(inputs);
  return l2Normalize(new Float32Array(text_embeds.data as Float32Array));
}

function model(): Promise<Loaded> {
  if (!loading) throw new Error('the search model is not loaded; check Settings');
  return loading;
}

async function embedPixelValues(m: Loaded, pixel_values: Tensor, n: number): Promise<Float32Array[]> {
  const { image_embeds } = await (await m.vision())({ pixel_values });
  const data = image_embeds.data as Float32Array;
  const dim = data.length / n;
  const out: Float32Array[] = [];
  for (let i = 0; i < n; i++) out.push(l2Normalize(data.subarray(i * dim, (i + 1) * dim)));
  return transfer(out, out.map((v) => v.buffer as ArrayBuffer));
}

const api = {
  /**
   * Loads the model once per source; a failed load is forgotten so the next call retries.
   * `towers`: the ones loaded now (the other loads on its first use); both by default, so a
   * model that cannot run is known before anything is asked of it.
   */
  async init(source: ModelSource, onProgress?: (p: LoadProgress) => void, towers: readonly Tower[] = ['vision', 'text']): Promise<ModelInfo> {
    loading = load(source, onProgress, towers);
    loading.catch(() => {
      loading = null;
    });
    return (await loading).info;
  },

  async info(): Promise<ModelInfo | null> {
    return loading ? (await loading).info : null;
  },

  /** One batched forward pass; returns one L2-normalized vector per image, in order. */
  async embedImages(images: PixelImage[]): Promise<Float32Array[]> {
    const m = await model();
    if (images.length === 0) return [];
    const raws = images.map((img) => new m.lib.RawImage(img.data, img.width, img.height, 4).rgb());
    for (const img of images) releaseBuffer(img.data);
    const { pixel_values } = await m.processor(raws);
    try {
      return await embedPixelValues(m, pixel_values as Tensor, images.length);
    } finally {
      releaseBuffer((pixel_values as Tensor).data as Float32Array);
    }
  },

  /**
   * How to prepare model input elsewhere (see core/model-input.ts), or null when this model's
   * processor does more than the shortcut reproduces; then `embedImages` is the way.
   */
  async modelInputSpec(size: number): Promise<ModelInputSpec | null> {
    const m = await model();
    const config = (m.processor as unknown as { image_processor?: { config?: Record<string, unknown> } }).image_processor?.config;
    return config ? modelInputSpec(config, size) : null;
  },

  /** Images already turned into model input (float32 CHW, `size`²), batched into one forward pass. */
  async embedModelInputs(inputs: Float32Array[], size: number): Promise<Float32Array[]> {
    const m = await model();
    if (inputs.length === 0) return [];
    const plane = 3 * size * size;
    const batch = new Float32Array(plane * inputs.length);
    inputs.forEach((x, i) => {
      batch.set(x, i * plane);
      releaseBuffer(x);
    });
    // The runtime copies its input into its own memory: the batch (4.8 MB at 8 images) can go at
    // once too. Left to the garbage collector, a batch's buffers piled up here by ~10 MB a batch
    // until V8's external-memory limit (~64 MB) forced a collection, during every import.
    try {
      return await embedPixelValues(m, new m.lib.Tensor('float32', batch, [inputs.length, 3, size, size]), inputs.length);
    } finally {
      releaseBuffer(batch);
    }
  },

  /** Loads a tower ahead of its first use (the search box got the focus). */
  async loadTower(tower: Tower): Promise<void> {
    const m = await model();
    await (tower === 'vision' ? m.vision() : m.text());
  },

  async embedText(query: string): Promise<Float32Array> {
    const v = await embedTextWith(await model(), query);
    return transfer(v, [v.buffer as ArrayBuffer]);
  },

  /**
   * Several texts in one forward pass, padded to the longest (the search quality check's label
   * prompts: thousands of short sentences); one L2-normalised vector each, in order.
   */
  async embedTexts(queries: string[]): Promise<Float32Array[]> {
    const m = await model();
    if (queries.length === 0) return [];
    const { text_embeds } = await (await m.text())(m.tokenizer(queries, { padding: true, truncation: true }));
    const data = text_embeds.data as Float32Array;
    const dim = data.length / queries.length;
    const out = queries.map((_, i) => l2Normalize(data.subarray(i * dim, (i + 1) * dim)));
    return transfer(out, out.map((v) => v.buffer as ArrayBuffer));
  },

  /** Lets another worker (ingest) call this API directly, without a hop through the page. */
  connect(port: MessagePort): void {
    expose(api, port);
  },
};

export type EmbedApi = typeof api;
expose(api);
