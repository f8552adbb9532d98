// Bench-only page (built by bench/lib/bench-page.mjs into .cache/bench-pages, never shipped).
// Driven through window.bench by bench/naive.mjs, bench/video.mjs, bench/query.mjs, bench/webgpu.mjs, bench/quality.mjs and bench/prep.mjs.
//
// - naive*: the transformers.js demo way, `pipeline('image-feature-extraction')` on the page's main
//   thread, one image URL at a time (fetch + decode + processor + model per call).
// - embed*: the app's REAL embed worker (workers/embed.worker.ts) with a self-hosted model, as the
//   app loads it (threads, wasm variant, dtype chosen by the worker's own code).
// - video*: the app's REAL video worker (workers/video.worker.ts), as test/e2e/video-worker.e2e.mjs
//   does; the kept frames are handed to the embed worker in batches of 8 (the ingest worker's batch).
// - webgpuProbe: what navigator.gpu offers and what the app's backend rule makes of it.
import { transfer, wrap, type Remote } from 'comlink';
import ortWasmUrl from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.wasm?url';
import ortMjsUrl from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.mjs?url';
import type { EmbedApi, PixelImage } from '../../workers/embed.worker';
import type { ExtractOptions, VideoApi } from '../../workers/video.worker';
import { chooseBackend } from '../../src/lib/core/model-source';
import { probeWebGpu } from '../../workers/lib/webgpu';
import { DEFAULT_VIDEO_SETTINGS } from '../../src/lib/core/video-settings';
import { runQualityCheck } from '../../src/lib/quality/quality-check';
import type { PrepBenchApi } from './prep.worker';

const status = document.getElementById('status')!;
const say = (t: string) => (status.textContent = t);
const MODEL_BASE = '/models/';
/** The ingest worker's batch (workers/ingest.worker.ts BATCH_SIZE). */
const EMBED_BATCH = 8;

function onnxFilesFetched(): string[] {
  return performance
    .getEntriesByType('resource')
    .map((e) => new URL(e.name).pathname)
    .filter((p) => p.endsWith('.onnx'));
}

// ---------------------------------------------------------------- naive transformers.js pipeline

type Extractor = (input: string) => Promise<{ dims: number[]; dispose?: () => void }>;
let extractor: Extractor | null = null;
let naiveInfo: Record<string, unknown> = {};

async function naiveLoad(o: { modelId: string; dtype?: 'q8' | 'fp32'; threads?: number }) {
  const t0 = performance.now();
  const { pipeline, env } = await import('@huggingface/transformers');
  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  env.localModelPath = MODEL_BASE;
  env.useBrowserCache = false;
  const wasm = env.backends.onnx.wasm!;
  // Self-hosted runtime (the demos fetch it from a CDN; same files either way).
  wasm.wasmPaths = { wasm: new URL(ortWasmUrl, location.href).href, mjs: new URL(ortMjsUrl, location.href).href };
  if (o.threads) wasm.numThreads = o.threads;
  const opts: Record<string, unknown> = {};
  if (o.dtype) opts.dtype = o.dtype;
  extractor = (await pipeline('image-feature-extraction', o.modelId, opts)) as unknown as Extractor;
  const loadMs = performance.now() - t0;
  // ORT resolves its default thread count when the first session starts.
  const ortEnv = (globalThis as { ort?: { env?: { wasm?: { numThreads?: number } } } }).ort?.env?.wasm;
  naiveInfo = {
    loadMs,
    dtypeAsked: o.dtype ?? null,
    threadsAsked: o.threads ?? null,
    threadsSetting: wasm.numThreads ?? ortEnv?.numThreads ?? null,
    onnxFiles: onnxFilesFetched(),
    crossOriginIsolated: self.crossOriginIsolated,
    hardwareConcurrency: navigator.hardwareConcurrency,
  };
  say('naive loaded');
  return naiveInfo;
}

/** One call per image, as the demos do; returns each call's duration. */
async function naiveRun(urls: string[]) {
  if (!extractor) throw new Error('naiveLoad first');
  const ms: number[] = [];
  let dims: number[] = [];
  const start = performance.now();
  const at: number[] = [];
  for (const u of urls) {
    const t = performance.now();
    const out = await extractor(u);
    ms.push(performance.now() - t);
    at.push((performance.now() - start) / 1000);
    dims = out.dims;
    out.dispose?.();
  }
  say(`naive: ${urls.length} images`);
  return { ms, at, outputDims: dims };
}

// ---------------------------------------------------------------- the app's embed worker

let embed: Remote<EmbedApi> | null = null;
function embedWorker(): Remote<EmbedApi> {
  embed ??= wrap<EmbedApi>(new Worker(new URL('../../workers/embed.worker.ts', import.meta.url), { type: 'module', name: 'embed' }));
  return embed;
}

async function embedLoad(modelId: string) {
  const info = await embedWorker().init({ kind: 'self-hosted', modelId, baseUrl: MODEL_BASE, dtype: 'q8' });
  say('embed loaded');
  return info;
}

function noiseImage(seed: number, px = 224): PixelImage {
  const data = new Uint8ClampedArray(px * px * 4);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < data.length; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    data[i] = i % 4 === 3 ? 255 : s >>> 24;
  }
  return { data, width: px, height: px };
}

/** Batches of 8 noise frames until three in a row agree within 10 % (WASM tiers up, ORT allocates). */
async function embedWarmup(maxS: number) {
  const curve: number[] = [];
  const start = performance.now();
  for (let r = 0; ; r++) {
    const batch = Array.from({ length: EMBED_BATCH }, (_, i) => noiseImage(r * 100 + i + 1));
    const t = performance.now();
    await embedWorker().embedImages(transfer(batch, batch.map((b) => b.data.buffer)));
    curve.push(performance.now() - t);
    const last = curve.slice(-3);
    if (last.length === 3 && Math.max(...last) <= 1.1 * Math.min(...last)) break;
    if (performance.now() - start > maxS * 1000) break;
  }
  say(`embed warm after ${curve.length} batches`);
  return curve;
}

async function embedTexts(queries: string[]) {
  const ms: number[] = [];
  for (const q of queries) {
    const t = performance.now();
    await embedWorker().embedText(q);
    ms.push(performance.now() - t);
  }
  return ms;
}

// ---------------------------------------------------------------- the app's video worker

let video: Remote<VideoApi> | null = null;
function videoWorker(): Remote<VideoApi> {
  video ??= wrap<VideoApi>(new Worker(new URL('../../workers/video.worker.ts', import.meta.url), { type: 'module', name: 'video' }));
  return video;
}
const keptFrames = new Map<string, PixelImage[]>();

/** The options the ingest worker passes (DEFAULT_VIDEO_SETTINGS + its 224/320/160 px constants, not exported there). */
function appVideoOptions(): ExtractOptions {
  const s = DEFAULT_VIDEO_SETTINGS;
  return { maxFrames: s.maxFrames, minSecondsBetween: s.minSecondsBetween, diversityThreshold: s.diversityThreshold, modelInputPx: 224, thumbMaxEdgePx: 320, frameThumbMaxEdgePx: 160 };
}

async function videoExtract(url: string, options: ExtractOptions, key?: string) {
  const res = await fetch(url);
  if (!res.ok) return { ok: false as const, error: `GET ${url}: HTTP ${res.status}` };
  const blob = await res.blob();
  const started = performance.now();
  try {
    const r = await videoWorker().extract(blob, options);
    const wallMs = performance.now() - started;
    if (key) keptFrames.set(key, r.frames.map((f) => f.pixels));
    return {
      ok: true as const,
      decoder: r.decoder,
      durationSec: r.durationSec,
      width: r.width,
      height: r.height,
      decodeMs: r.decodeMs,
      filterMs: r.filterMs,
      candidateCount: r.candidateCount,
      kept: r.frames.length,
      skippedBlank: r.skippedBlank,
      readableSec: r.readableSec ?? null,
      timestampsSec: r.frames.map((f) => Number(f.timestampSec.toFixed(2))),
      wallMs,
      bytes: blob.size,
    };
  } catch (err) {
    return { ok: false as const, error: err instanceof Error ? err.message : String(err) };
  }
}

/** Embeds the kept frames of `key` in batches of 8 through the embed worker; the time is the sum of the batches. */
async function embedKept(key: string) {
  const frames = keptFrames.get(key);
  if (!frames) throw new Error(`no kept frames under ${key}`);
  const batchMs: number[] = [];
  for (let i = 0; i < frames.length; i += EMBED_BATCH) {
    const chunk = frames.slice(i, i + EMBED_BATCH);
    const t = performance.now();
    const vecs = await embedWorker().embedImages(transfer(chunk, chunk.map((c) => c.data.buffer)));
    batchMs.push(performance.now() - t);
    if (vecs.length !== chunk.length) throw new Error(`embedImages returned ${vecs.length} vectors for ${chunk.length} frames`);
  }
  keptFrames.delete(key);
  return { frames: frames.length, batches: batchMs.length, batchMs, embedMs: batchMs.reduce((a, b) => a + b, 0) };
}

// ---------------------------------------------------------------- WebGPU and memory

async function webgpuProbe() {
  const { facts, error } = await probeWebGpu(15_000);
  const cores = navigator.hardwareConcurrency || 1;
  return { facts, error, appChoice: chooseBackend(facts, self.crossOriginIsolated, cores), crossOriginIsolated: self.crossOriginIsolated };
}

/** A short WebGPU throughput run (only called when a hardware adapter exists): transformers.js, batch 1, the app's dtype. */
async function webgpuRun(modelId: string, n: number) {
  const { CLIPVisionModelWithProjection, env } = await import('@huggingface/transformers');
  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  env.localModelPath = MODEL_BASE;
  env.useBrowserCache = false;
  env.backends.onnx.wasm!.wasmPaths = { wasm: new URL(ortWasmUrl, location.href).href, mjs: new URL(ortMjsUrl, location.href).href };
  const { Tensor } = await import('@huggingface/transformers');
  const model = await CLIPVisionModelWithProjection.from_pretrained(modelId, { device: 'webgpu', dtype: 'q8' });
  const px = new Float32Array(3 * 224 * 224).map((_, i) => ((i * 2654435761) % 1000) / 250 - 2);
  const feed = { pixel_values: new Tensor('float32', px, [1, 3, 224, 224]) };
  for (let i = 0; i < 3; i++) await model(feed);
  const t = performance.now();
  for (let i = 0; i < n; i++) await model(feed);
  return { imagesPerSecond: (n * 1000) / (performance.now() - t), n };
}

async function measureMemory(timeoutMs = 20_000) {
  const p = performance as Performance & { measureUserAgentSpecificMemory?: () => Promise<{ bytes: number }> };
  if (!p.measureUserAgentSpecificMemory) return { available: false, bytes: null };
  try {
    const r = await Promise.race([p.measureUserAgentSpecificMemory(), new Promise<null>((res) => setTimeout(() => res(null), timeoutMs))]);
    return r ? { available: true, bytes: r.bytes } : { available: true, bytes: null, error: `no answer within ${timeoutMs} ms` };
  } catch (err) {
    return { available: true, bytes: null, error: err instanceof Error ? err.message : String(err) };
  }
}

// ---------------------------------------------------------------- the app's search quality check

/**
 * The app's own check (src/lib/quality/quality-check.ts) with the embed worker loaded by
 * embedLoad, on files the bench placed in the served folder: `path` is what a folder picker
 * would give (`<folder>/<label>/<file>`), `url` where the page fetches it.
 */
async function qualityCheck(o: { files: Array<{ path: string; url: string }>; modelKey: string }) {
  const files = await Promise.all(o.files.map(async (f) => ({ path: f.path, blob: await (await fetch(f.url)).blob() })));
  const t = performance.now();
  let last = 0;
  const outcome = await runQualityCheck(files, embedWorker(), {
    modelKey: o.modelKey,
    onProgress: (p) => {
      if (performance.now() - last > 5000) {
        last = performance.now();
        say(`quality: ${p.phase} ${p.done}/${p.total}`);
      }
    },
  });
  return { outcome, ms: performance.now() - t };
}

// ---------------------------------------------------------------- preparation steps (bench/prep.mjs)

let prep: Remote<PrepBenchApi> | null = null;
function prepWorker(): Remote<PrepBenchApi> {
  prep ??= wrap<PrepBenchApi>(new Worker(new URL('./prep.worker.ts', import.meta.url), { type: 'module', name: 'prep' }));
  return prep;
}

const prepLoad = (urls: string[]) => prepWorker().load(urls.map((u) => new URL(u, location.href).href));
const prepStepCosts = () => prepWorker().stepCosts();
const prepAppPath = () => prepWorker().appPath();

/** Vectors of the first n loaded photos by two crop paths, through the embed worker (batches of 8); cosine per photo. */
async function prepCosine(a: 'original' | 'thumbnail' | 'decodeResized' | 'app', b: 'original' | 'thumbnail' | 'decodeResized' | 'app', n: number) {
  const cos: number[] = [];
  for (let i = 0; i < n; i += EMBED_BATCH) {
    const m = Math.min(EMBED_BATCH, n - i);
    const [ca, cb] = [await prepWorker().crops(a, i, m), await prepWorker().crops(b, i, m)];
    const va = await embedWorker().embedImages(transfer(ca, ca.map((c) => c.data.buffer)));
    const vb = await embedWorker().embedImages(transfer(cb, cb.map((c) => c.data.buffer)));
    for (let j = 0; j < va.length; j++) {
      let d = 0;
      for (let k = 0; k < va[j].length; k++) d += va[j][k] * vb[j][k];
      cos.push(d);
    }
  }
  return cos;
}

/**
 * The vision model alone (transformers.js, the app's dtype and threads) timed over `batches` batches
 * of 8, with the prep worker preparing photos at the same time or not, and ONNX Runtime's intra-op
 * threads spinning between parallel sections (its default) or not.
 */
/** The vision tower from the served model folder, with the app's dtype and threads and the given session options. */
async function localVisionModel(modelId: string, sessionOptions: Record<string, unknown>) {
  const { CLIPVisionModelWithProjection, Tensor, env } = await import('@huggingface/transformers');
  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  env.localModelPath = MODEL_BASE;
  env.useBrowserCache = false;
  env.backends.onnx.wasm!.wasmPaths = { wasm: new URL(ortWasmUrl, location.href).href, mjs: new URL(ortMjsUrl, location.href).href };
  env.backends.onnx.wasm!.numThreads = chooseBackend({ hasGpuApi: false } as never, self.crossOriginIsolated, navigator.hardwareConcurrency || 1).threads;
  const model = await CLIPVisionModelWithProjection.from_pretrained(modelId, { device: 'wasm', dtype: 'q8', session_options: sessionOptions } as never);
  return { model, Tensor, threads: env.backends.onnx.wasm!.numThreads };
}

async function modelUnderPrep(o: { modelId: string; spinning: boolean; batches: number; withPrep: boolean; batch?: number }) {
  const { model, Tensor } = await localVisionModel(o.modelId, o.spinning ? {} : { extra: { session: { intra_op: { allow_spinning: '0' } } } });
  const b = o.batch ?? EMBED_BATCH;
  const px = new Float32Array(3 * 224 * 224 * b).map((_, i) => ((i * 2654435761) % 1000) / 250 - 2);
  const feed = { pixel_values: new Tensor('float32', px, [b, 3, 224, 224]) };
  for (let i = 0; i < 4; i++) await model(feed);
  let prepItems = 0;
  let stop = false;
  const prepLoop = (async () => {
    while (o.withPrep && !stop) prepItems += (await prepWorker().appPath()).n;
  })();
  const ms: number[] = [];
  const t0 = performance.now();
  for (let i = 0; i < o.batches; i++) {
    const t = performance.now();
    await model(feed);
    ms.push(performance.now() - t);
  }
  const wallMs = performance.now() - t0;
  stop = true;
  await prepLoop;
  await model.dispose();
  return { ms, wallMs, imagesPerSecond: (o.batches * b * 1000) / wallMs, prepItems };
}

/**
 * Vision sessions with different ONNX Runtime session options side by side in one page (one
 * runtime, so one thread pool), timed in segments interleaved by bench/ort-options.mjs, each alone
 * or with the prep worker preparing `EMBED_BATCH` photos (the app's path) during every batch, as the
 * ingest worker does for the next batch while the model runs.
 */
const optionSessions = new Map<string, (feed: Record<string, unknown>) => Promise<unknown>>();
let optionFeed: Record<string, unknown> | null = null;

async function ortOptionsLoad(o: { modelId: string; name: string; sessionOptions: Record<string, unknown> }) {
  const t0 = performance.now();
  const { model, Tensor, threads } = await localVisionModel(o.modelId, o.sessionOptions);
  const loadMs = performance.now() - t0;
  if (!optionFeed) {
    const px = new Float32Array(3 * 224 * 224 * EMBED_BATCH).map((_, i) => ((i * 2654435761) % 1000) / 250 - 2);
    optionFeed = { pixel_values: new Tensor('float32', px, [EMBED_BATCH, 3, 224, 224]) };
  }
  const run = (feed: Record<string, unknown>) => (model as unknown as (f: Record<string, unknown>) => Promise<unknown>)(feed);
  for (let i = 0; i < 3; i++) await run(optionFeed);
  optionSessions.set(o.name, run);
  return { name: o.name, loadMs, threads };
}

async function ortOptionsSegment(o: { name: string; batches: number; prep: 'none' | 'paced' }) {
  const run = optionSessions.get(o.name)!;
  const ms: number[] = [];
  let prepMs = 0;
  let prepFrom = 0;
  const t0 = performance.now();
  for (let i = 0; i < o.batches; i++) {
    const t = performance.now();
    const prepping = o.prep === 'paced' ? prepWorker().appPath(prepFrom, EMBED_BATCH) : null;
    prepFrom += EMBED_BATCH;
    await run(optionFeed!);
    ms.push(performance.now() - t);
    if (prepping) {
      await prepping;
      prepMs += performance.now() - t;
    }
  }
  const wallMs = performance.now() - t0;
  return { name: o.name, prep: o.prep, msPerBatch: ms, wallMs, imagesPerSecond: (o.batches * EMBED_BATCH * 1000) / wallMs };
}

function env() {
  return { crossOriginIsolated: self.crossOriginIsolated, hardwareConcurrency: navigator.hardwareConcurrency, userAgent: navigator.userAgent };
}

const api = { env, modelUnderPrep, ortOptionsLoad, ortOptionsSegment, prepLoad, prepStepCosts, prepAppPath, prepCosine, appVideoOptions, naiveLoad, naiveRun, embedLoad, embedWarmup, embedTexts, videoExtract, embedKept, webgpuProbe, webgpuRun, measureMemory, qualityCheck };
declare global {
  interface Window {
    bench: typeof api;
    benchReady: boolean;
  }
}
window.bench = api;
window.benchReady = true;
say('ready');
