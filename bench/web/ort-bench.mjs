// Raw onnxruntime-web inference in the page, without the app: the ceiling the app's ingest can reach
// in this browser with this model. Same ORT build and wasm variant as the app on the CPU (the wasm-only
// bundle + ort-wasm-simd-threaded), same thread rule (min(4, cores) when cross-origin isolated).
//
// Driven by bench/ingest.mjs through window.__ortBench (so it can account CPU per segment):
//   await __ortBench.load(modelUrl, threads?, variant?) -> { variant, threads, crossOriginIsolated, hardwareConcurrency, loadMs }
//     threads defaults to the app's rule and can only be set once per page (ORT starts its pthreads once);
//     variant 'plain' (default) is the app's build on the CPU, the wasm-only bundle with
//     ort-wasm-simd-threaded.{mjs,wasm}; 'asyncify' the WebGPU-capable build the app runs WebGPU with.
//   await __ortBench.warmup(batch, maxS)     -> [{ atS, ms }] runs until the last 3 agree within 10 %
//   await __ortBench.segment(batch, seconds) -> { batch, runs, msPerBatch, imagesPerSecond }
let ort = null;

const status = document.getElementById('status');
const say = (t) => (status.textContent = t);
let session = null;
const feeds = new Map();

function feed(batch) {
  if (!feeds.has(batch)) {
    const data = new Float32Array(batch * 3 * 224 * 224);
    let s = 7;
    for (let i = 0; i < data.length; i++) {
      s = (Math.imul(s, 1103515245) + 12345) >>> 0;
      data[i] = (s / 4294967296) * 4 - 2; // roughly the range of CLIP-normalised pixels
    }
    feeds.set(batch, { pixel_values: new ort.Tensor('float32', data, [batch, 3, 224, 224]) });
  }
  return feeds.get(batch);
}

window.__ortBench = {
  async load(modelUrl, threadsWanted, variant = 'plain') {
    const plain = variant === 'plain';
    ort = await import(plain ? './ort.wasm.bundle.min.mjs' : './ort.webgpu.bundle.min.mjs');
    const appRule = self.crossOriginIsolated ? Math.max(1, Math.min(4, navigator.hardwareConcurrency || 1)) : 1;
    const threads = threadsWanted ?? appRule;
    const base = plain ? 'ort-wasm-simd-threaded' : 'ort-wasm-simd-threaded.asyncify';
    ort.env.wasm.wasmPaths = {
      wasm: new URL(`./${base}.wasm`, import.meta.url).href,
      mjs: new URL(`./${base}.mjs`, import.meta.url).href,
    };
    ort.env.wasm.numThreads = threads;
    ort.env.wasm.proxy = false;
    const t0 = performance.now();
    const bytes = new Uint8Array(await (await fetch(modelUrl)).arrayBuffer());
    session = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'] });
    say('loaded');
    return { variant: plain ? 'plain' : 'asyncify', threads, crossOriginIsolated: self.crossOriginIsolated, hardwareConcurrency: navigator.hardwareConcurrency, loadMs: performance.now() - t0 };
  },

  // V8 first runs the wasm as baseline (Liftoff) code and swaps in optimised (TurboFan) code as
  // functions get hot, and ORT allocates on first runs: the first runs are much slower.
  async warmup(batch, maxS) {
    const curve = [];
    const start = performance.now();
    for (;;) {
      const r0 = performance.now();
      await session.run(feed(batch));
      curve.push({ atS: (r0 - start) / 1000, ms: performance.now() - r0 });
      const last = curve.slice(-3).map((x) => x.ms);
      if (last.length === 3 && Math.max(...last) <= 1.1 * Math.min(...last)) break;
      if (performance.now() - start > maxS * 1000) break;
    }
    say(`warm after ${curve.length} runs`);
    return curve;
  },

  async segment(batch, seconds) {
    await session.run(feed(batch)); // a new shape allocates new buffers
    let n = 0;
    const start = performance.now();
    while (performance.now() - start < seconds * 1000 || n < 2) {
      await session.run(feed(batch));
      n++;
    }
    const ms = performance.now() - start;
    say(`batch ${batch}: ${n} runs`);
    return { batch, runs: n, msPerBatch: ms / n, imagesPerSecond: (n * batch * 1000) / ms };
  },
};
say('ready');
