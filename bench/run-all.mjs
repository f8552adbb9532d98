#!/usr/bin/env node
// `npm run bench`: every benchmark of the project in one run, under 50 minutes on a 2-core machine.
//
//   node bench/run-all.mjs [--budget-s 3000] [--only ingest,naive,...] [--reuse-search]
//
// Runs, in order, each as a child process with its own time limit (and a share of the global budget):
//   models  scripts/make-bench-model.mjs --if-missing (random-weight ViT-B/32; needs ../shared tokenizer files)
//   ingest  bench/ingest.mjs, reduced (1 repetition, 200 photos): app end to end, raw onnxruntime-web, onnxruntime-node
//   naive   bench/naive.mjs: transformers.js pipeline('image-feature-extraction') one image at a time
//   search  bench/search.mjs --quick (10k and 100k); reuses the last results when it cannot run in time
//   query   bench/query.mjs: text-query encode latency through the app's embed worker
//   quality bench/quality.mjs: the app's search quality check — the fixture model on a generated colour folder
//           (must give the figures its semantics imply), real CLIP weights (if present) on imagenet-sample-1000
//   video   bench/video.mjs: decode+filter (WebCodecs, ffmpeg.wasm) vs embed of the kept frames
//   phash   scripts/measure-phash.mjs: near-duplicate precision/recall
//   webgpu  bench/webgpu.mjs: WebGPU attempt ("no adapter" / "software adapter" is a result, not a failure)
//   cluster bench/cluster.mjs: clustering ARI/NMI against a known truth, 10k and 100k timings
//   viewer  bench/viewer.mjs: tile click → a 12-megapixel JPEG decoded and shown in the viewer (uses the grid part's build)
//   heic    bench/heic.mjs: HEIC ingest rate ÷ JPEG at the same pixels through the app, and libheif's bytes (needs heif-enc)
//   grid    bench/grid.mjs: a 100,000-item synthetic library in Chromium with the app's grid (scroll, DOM, cold start, memory)
//   firstvisit bench/first-visit.mjs: bytes a first visit downloads before the first photo (uses the grid part's build)
//   metadata    bench/metadata.mjs: exifr reading a photo's EXIF/XMP/GPS per item (Node)
//   query-parse bench/query-parse.mjs: splitting a query into date phrases and CLIP text (Node)
//   places  bench/places.mjs: the offline places table (bytes raw and gzipped, read time) and the nearest-place lookup, in Node
//   memory  bench/memory.mjs --no-probe: renderer PSS during and 45 s after a mixed photo + video import (ViT-B/32), then a search, ~3–5 min
// Then writes bench/results/<YYYY-MM-DD>.json, <YYYY-MM-DD>.md and latest.json (see bench/README.md).
// Parts that need ../shared are skipped with a message when it is absent. Scripts that write fixed
// result names (search.*, phash-threshold.*) have those files restored afterwards; this run's copies
// are kept as bench/results/run-all-<part>.{json,md}.
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startTreeCpu } from './lib/cpu-tree.mjs';
import { newestMtimeMs } from './lib/files.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const RESULTS = join(ROOT, 'bench', 'results');
const SHARED = resolve(ROOT, '..', 'shared');
const SHARED_IMAGES = join(SHARED, 'data', 'images', 'imagenet-sample-1000');
const SHARED_VIDEOS = join(SHARED, 'data', 'videos');
const SHARED_MODEL = join(SHARED, 'models', 'clip-vit-base-patch32');
const BENCH_MODEL_ID = 'clip-vit-b32-random';
const FIXTURE_MODEL_ID = 'shoebox-fixture-clip';
const CONTENDED_CORES = 0.25;
const busy = (c) => (c?.othersCores != null && c.othersCores > CONTENDED_CORES ? ' ⚠' : '');

const argv = process.argv.slice(2);
const arg = (name, fallback) => {
  const i = argv.indexOf(name);
  return i >= 0 && argv[i + 1] != null ? argv[i + 1] : fallback;
};
const BUDGET_S = Number(arg('--budget-s', 3000));
const ONLY = arg('--only', '') ? new Set(arg('--only', '').split(',')) : null;
const REUSE_SEARCH = argv.includes('--reuse-search');
/** Rebuild the report from the last run's per-part files (bench/results/latest.json → parts[].file) without running anything. */
const RENDER_ONLY = argv.includes('--render-only');
const PREV = RENDER_ONLY ? JSON.parse(readFileSync(join(RESULTS, 'latest.json'), 'utf8')) : null;

const t0 = Date.now();
const deadline = t0 + BUDGET_S * 1000;
const leftS = () => (deadline - Date.now()) / 1000;
const log = (...a) => console.log(`[run-all ${String(Math.round((Date.now() - t0) / 1000)).padStart(4)} s]`, ...a);
const round = (x, d = 2) => (x == null || !Number.isFinite(x) ? null : Number(Number(x).toFixed(d)));
const ratio = (a, b, d = 3) => (a == null || b == null || !b ? null : round(a / b, d));
const readJson = (p) => {
  try {
    return JSON.parse(readFileSync(p, 'utf8'));
  } catch {
    return null;
  }
};
const notes = [];
const note = (msg) => {
  notes.push(msg);
  log(`NOTE: ${msg}`);
};

// ---------------------------------------------------------------- child processes

function descendants(pid) {
  const children = new Map();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (!children.has(ppid)) children.set(ppid, []);
      children.get(ppid).push(Number(name));
    } catch {
      /* gone */
    }
  }
  const out = [];
  const stack = [pid];
  while (stack.length) {
    const p = stack.pop();
    for (const c of children.get(p) ?? []) {
      out.push(c);
      stack.push(c);
    }
  }
  return out;
}

/** Ends a child we started and everything it started (vite preview, Chromium), by pid. */
async function killTree(pid) {
  const pids = [pid, ...descendants(pid)];
  for (const p of pids) {
    try {
      process.kill(p, 'SIGTERM');
    } catch {
      /* gone */
    }
  }
  await new Promise((r) => setTimeout(r, 3000));
  for (const p of pids) {
    try {
      process.kill(p, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
}

/** Runs `node args…` with a hard limit; output is streamed with a prefix and kept (tail) for the report. */
function runNode(label, args, limitS, { nodeArgs = [], env = {} } = {}) {
  return new Promise((resolvePromise) => {
    const started = Date.now();
    log(`${label}: node ${[...nodeArgs, ...args].map((a) => relative(ROOT, a) || a).join(' ')} (limit ${Math.round(limitS)} s)`);
    const child = spawn(process.execPath, [...nodeArgs, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, FORCE_COLOR: '0', ...env } });
    let tail = '';
    const onData = (d) => {
      const s = String(d);
      tail = (tail + s).slice(-6000);
      for (const line of s.split('\n')) if (line.trim()) process.stdout.write(`    ${label} | ${line}\n`);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    let timedOut = false;
    const timer = setTimeout(async () => {
      timedOut = true;
      log(`${label}: time limit of ${Math.round(limitS)} s reached, stopping it`);
      await killTree(child.pid);
    }, limitS * 1000);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolvePromise({ code, signal, timedOut, seconds: round((Date.now() - started) / 1000, 1), tail });
    });
  });
}

// ---------------------------------------------------------------- parts

const parts = {};
const want = (name) => !ONLY || ONLY.has(name);

/** Runs one part with CPU accounting; `fn` returns { status, ... }. */
async function part(name, fn) {
  if (RENDER_ONLY) {
    const p = PREV.parts?.[name];
    if (!p) return;
    parts[name] = { ...p, data: p.file ? readJson(join(ROOT, p.file)) : null };
    for (const n of p.notes ?? []) notes.push(n);
    return;
  }
  if (!want(name)) {
    parts[name] = { status: 'not selected (--only)' };
    return;
  }
  const notesBefore = notes.length;
  const load0 = os.loadavg()[0];
  const cpu = startTreeCpu();
  const started = Date.now();
  let r;
  try {
    r = await fn();
  } catch (err) {
    r = { status: 'failed', error: String(err?.message || err) };
    note(`${name}: failed: ${r.error}`);
  }
  const c = cpu.stop();
  parts[name] = { ...r, seconds: round((Date.now() - started) / 1000, 1), cpu: c.seconds >= 1 ? c : null, loadavg1m: { start: round(load0), end: round(os.loadavg()[0]) } };
  // Timing parts only (pHash quality, search quality and the WebGPU probe do not depend on load), and only if they ran a while.
  if (c.othersCores != null && c.othersCores > CONTENDED_CORES && !['phash', 'webgpu', 'models', 'quality'].includes(name) && parts[name].seconds >= 5) {
    note(`${name}: the machine was busy — other processes used ${c.othersCores} of ${os.availableParallelism?.() ?? os.cpus().length} cores on average during this part (load average ${round(load0)} → ${round(os.loadavg()[0])}); the figures measured while they used > ${CONTENDED_CORES} core are marked ⚠`);
  }
  parts[name].notes = notes.slice(notesBefore);
  log(`${name}: ${parts[name].status} in ${parts[name].seconds} s${parts[name].cpu ? ` (CPU ours ${c.oursCores}, others ${c.othersCores})` : ''}`);
}

/** Keeps a script's fixed-name outputs as this run's copies and puts the previous files back. */
function protectOutputs(names) {
  const saved = new Map();
  for (const n of names) {
    const p = join(RESULTS, n);
    saved.set(n, existsSync(p) ? readFileSync(p) : null);
  }
  return {
    keepAs(prefix) {
      const kept = {};
      for (const n of names) {
        const p = join(RESULTS, n);
        const fresh = existsSync(p) && (saved.get(n) === null || !readFileSync(p).equals(saved.get(n)));
        if (fresh) {
          copyFileSync(p, join(RESULTS, `${prefix}${n.slice(n.indexOf('.'))}`));
          kept[n] = `bench/results/${prefix}${n.slice(n.indexOf('.'))}`;
        }
        if (saved.get(n) !== null) writeFileSync(p, saved.get(n));
        else if (fresh) rmSync(p);
      }
      return kept;
    },
  };
}

function limit(wantS, reserveS) {
  return Math.max(30, Math.min(wantS, leftS() - reserveS));
}

const haveImages = existsSync(SHARED_IMAGES);
const haveVideos = existsSync(SHARED_VIDEOS);
const haveSharedModel = existsSync(join(SHARED_MODEL, 'tokenizer.json'));
const benchModelDir = join(ROOT, '.cache', 'models', BENCH_MODEL_ID);

// Reserve (s) kept for the parts after each one, so a slow part cannot starve the rest.
const RESERVE = { ingest: 2590, naive: 2480, search: 2150, query: 2180, quality: 2120, video: 2000, phash: 1970, webgpu: 1955, cluster: 1830, metadata: 1790, queryParse: 1760, grid: 1020, viewer: 840, firstvisit: 720, places: 630, heic: 270, memory: 0 };

await part('models', async () => {
  const have = existsSync(join(benchModelDir, 'bench-model.json'));
  if (have) return { status: 'present', detail: relative(ROOT, benchModelDir) };
  if (!haveSharedModel) {
    note(`models: skipped — ${SHARED_MODEL} (CLIP tokenizer/config) not found; parts needing the ViT-B/32 bench model report null`);
    return { status: 'skipped (../shared absent)' };
  }
  const r = await runNode('models', [join(ROOT, 'scripts', 'make-bench-model.mjs'), '--if-missing'], limit(300, 900));
  return { status: r.code === 0 ? 'generated' : `failed (exit ${r.code}${r.timedOut ? ', time limit' : ''})` };
});

/** Other running `bench/ingest.mjs` processes (not ours): they build into the same .cache/bench-dist. */
function otherIngestRuns() {
  const mine = new Set([process.pid, ...descendants(process.pid)]);
  const found = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || mine.has(Number(name))) continue;
    try {
      const cmd = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0');
      if (/node$/.test(cmd[0] ?? '') && cmd.some((a) => a.endsWith('bench/ingest.mjs'))) found.push(Number(name));
    } catch {
      /* gone */
    }
  }
  return found;
}

await part('ingest', async () => {
  // bench/ingest.mjs empties and rebuilds .cache/bench-dist: a second run at the same time would pull
  // the files from under the first one. Wait (bounded) for another one to end; never touch it.
  let others = otherIngestRuns();
  if (others.length) {
    const until = Date.now() + 300_000;
    log(`ingest: another bench/ingest.mjs is running (pid ${others.join(', ')}); waiting up to 300 s for it to end`);
    while (others.length && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 5000));
      others = otherIngestRuns();
    }
    if (others.length) {
      note(`ingest: not run — another bench/ingest.mjs (pid ${others.join(', ')}) was still running after 300 s, and both use .cache/bench-dist`);
      return { status: 'not run (another bench/ingest.mjs was running)' };
    }
    note('ingest: started after waiting for another bench/ingest.mjs run to end (they share .cache/bench-dist)');
  }
  if (!haveImages) note(`ingest: ${SHARED_IMAGES} not found — bench/ingest.mjs runs the fixture model on generated images only; ViT-B/32 figures are null`);
  // 2 repetitions: ingest.mjs reports the best run other processes did not disturb, if any.
  const budget = Math.round(Math.min(420, leftS() - RESERVE.ingest - 60));
  const args = [join(ROOT, 'bench', 'ingest.mjs'), '--repeat', '2', '--fixture-n', '200', '--vit-n', '200', '--quiet-wait-s', '10', '--budget-s', String(Math.max(120, budget)), '--name', 'run-all-ingest'];
  const r = await runNode('ingest', args, limit(budget + 90, RESERVE.ingest));
  const out = readJson(join(RESULTS, 'run-all-ingest.json'));
  const fresh = out && Date.parse(out.date) >= t0;
  if (r.code !== 0 || !fresh) return { status: `failed (exit ${r.code}${r.timedOut ? ', time limit' : ''})`, tail: r.tail.slice(-1500) };
  return { status: 'ok', file: 'bench/results/run-all-ingest.json', data: out };
});

await part('naive', async () => {
  if (!haveImages) {
    note(`naive: skipped — ${SHARED_IMAGES} not found`);
    return { status: 'skipped (../shared absent)' };
  }
  const budget = Math.round(Math.min(170, leftS() - RESERVE.naive - 30));
  const r = await runNode('naive', [join(ROOT, 'bench', 'naive.mjs'), '--n', '48', '--warmup', '8', '--budget-s', String(Math.max(60, budget))], limit(budget + 40, RESERVE.naive));
  const out = readJson(join(RESULTS, 'naive.json'));
  if (r.code !== 0 || !out || Date.parse(out.date) < t0) return { status: `failed (exit ${r.code}${r.timedOut ? ', time limit' : ''})`, tail: r.tail.slice(-1500) };
  return { status: 'ok', file: 'bench/results/naive.json', data: out };
});

const SEARCH_CODE = ['bench/search.mjs', 'src/lib/index', 'src/lib/core/vector-index.ts', 'src/lib/core/hnsw.ts', 'src/lib/core/vector.ts'];
await part('search', async () => {
  const guard = protectOutputs(['search.json', 'search.md']);
  const previous = readJson(join(RESULTS, 'search.json'));
  const reuse = (why) => {
    guard.keepAs('run-all-search');
    const codeAt = newestMtimeMs(SEARCH_CODE.map((p) => join(ROOT, p)));
    const at = previous?.meta?.date ? Date.parse(previous.meta.date) : 0;
    if (previous && at > codeAt) {
      note(`search: ${why}; reused bench/results/search.json of ${previous.meta.date}, newer than the code it measured (${SEARCH_CODE.join(', ')}; newest change ${new Date(codeAt).toISOString()})`);
      return { status: 'reused previous results', file: 'bench/results/search.json', data: previous, reusedFrom: previous.meta.date };
    }
    note(`search: ${why}; the previous results (${previous?.meta?.date ?? 'none'}) are older than the code (${new Date(codeAt).toISOString()}), so the search figures are null`);
    return { status: 'not run', data: null };
  };
  if (REUSE_SEARCH) return reuse('not run (--reuse-search)');
  const room = leftS() - RESERVE.search;
  // Typically 2–4 min (--quick); refuse to start it when under 4 min are left for it.
  if (room < 240) return reuse(`not run: only ${Math.round(room)} s left for it in the ${BUDGET_S} s budget`);
  const r = await runNode('search', [join(ROOT, 'bench', 'search.mjs'), '--quick'], limit(480, RESERVE.search), { nodeArgs: ['--expose-gc'] });
  const out = readJson(join(RESULTS, 'search.json'));
  if (r.code !== 0 || !out || Date.parse(out.meta?.date) < t0) return reuse(`the run ${r.timedOut ? 'hit its time limit' : `failed (exit ${r.code})`}`);
  const kept = guard.keepAs('run-all-search');
  return { status: 'ok (--quick: 10k and 100k, no stress scenario)', file: kept['search.json'] ?? null, data: out };
});

await part('query', async () => {
  if (!existsSync(join(benchModelDir, 'bench-model.json'))) return { status: 'skipped (no bench model)' };
  const r = await runNode('query', [join(ROOT, 'bench', 'query.mjs'), '--n', '40', '--warmup', '10'], limit(120, RESERVE.query));
  const out = readJson(join(RESULTS, 'query.json'));
  if (r.code !== 0 || !out || Date.parse(out.date) < t0) return { status: `failed (exit ${r.code}${r.timedOut ? ', time limit' : ''})`, tail: r.tail.slice(-1500) };
  return { status: 'ok', file: 'bench/results/query.json', data: out };
});

await part('quality', async () => {
  const r = await runNode('quality', [join(ROOT, 'bench', 'quality.mjs')], limit(900, RESERVE.quality));
  const out = readJson(join(RESULTS, 'quality.json'));
  if (!out || Date.parse(out.date) < t0) return { status: `failed (exit ${r.code}${r.timedOut ? ', time limit' : ''})`, tail: r.tail.slice(-1500) };
  if (!out.fixture?.matchesExpected) note(`quality: the fixture model's figures differ from what its semantics imply: ${out.fixture?.differences?.join('; ')}`);
  return { status: out.fixture?.matchesExpected ? 'ok' : 'fixture figures differ', file: 'bench/results/quality.json', data: out };
});

await part('video', async () => {
  if (!haveVideos) {
    note(`video: skipped — ${SHARED_VIDEOS} not found`);
    return { status: 'skipped (../shared absent)' };
  }
  if (!existsSync(join(benchModelDir, 'bench-model.json'))) return { status: 'skipped (no bench model)' };
  const budget = Math.round(Math.min(220, leftS() - RESERVE.video - 30));
  const r = await runNode('video', [join(ROOT, 'bench', 'video.mjs'), '--budget-s', String(Math.max(60, budget))], limit(budget + 45, RESERVE.video));
  const out = readJson(join(RESULTS, 'video.json'));
  if (r.code !== 0 || !out || Date.parse(out.date) < t0) return { status: `failed (exit ${r.code}${r.timedOut ? ', time limit' : ''})`, tail: r.tail.slice(-1500) };
  return { status: 'ok', file: 'bench/results/video.json', data: out };
});

await part('phash', async () => {
  if (!haveImages) {
    note(`phash: skipped — ${SHARED_IMAGES} not found`);
    return { status: 'skipped (../shared absent)' };
  }
  const guard = protectOutputs(['phash-threshold.json', 'phash-threshold.md']);
  const r = await runNode('phash', [join(ROOT, 'scripts', 'measure-phash.mjs')], limit(150, RESERVE.phash));
  const out = readJson(join(RESULTS, 'phash-threshold.json'));
  const kept = guard.keepAs('run-all-phash');
  if (r.code !== 0 || !out || Date.parse(out.meta?.date) < t0) return { status: `failed (exit ${r.code}${r.timedOut ? ', time limit' : ''})`, tail: r.tail.slice(-1500) };
  return { status: 'ok', file: kept['phash-threshold.json'] ?? null, data: out };
});

await part('webgpu', async () => {
  const r = await runNode('webgpu', [join(ROOT, 'bench', 'webgpu.mjs')], limit(90, RESERVE.webgpu));
  const out = readJson(join(RESULTS, 'webgpu.json'));
  if (!out || Date.parse(out.date) < t0) return { status: `failed (exit ${r.code}${r.timedOut ? ', time limit' : ''})`, data: { status: 'error', detail: r.tail.slice(-300) } };
  return { status: 'ok', file: 'bench/results/webgpu.json', data: out };
});

await part('cluster', async () => {
  const r = await runNode('cluster', [join(ROOT, 'bench', 'cluster.mjs')], limit(240, RESERVE.cluster), { nodeArgs: ['--expose-gc'] });
  const out = readJson(join(RESULTS, 'cluster.json'));
  if (r.code !== 0 || !out || Date.parse(out.date) < t0) return { status: `failed (exit ${r.code}${r.timedOut ? ', time limit' : ''})`, tail: r.tail.slice(-1500) };
  for (const n of out.notes ?? []) note(`cluster: ${n}`);
  return { status: 'ok', file: 'bench/results/cluster.json', data: out };
});

await part('metadata', async () => {
  const r = await runNode('metadata', [join(ROOT, 'bench', 'metadata.mjs')], limit(90, RESERVE.metadata));
  const out = readJson(join(RESULTS, 'metadata.json'));
  if (r.code !== 0 || !out || Date.parse(out.date) < t0) return { status: `failed (exit ${r.code}${r.timedOut ? ', time limit' : ''})`, tail: r.tail.slice(-1500) };
  return { status: 'ok', file: 'bench/results/metadata.json', data: out };
});

await part('query-parse', async () => {
  const r = await runNode('query-parse', [join(ROOT, 'bench', 'query-parse.mjs')], limit(60, RESERVE.queryParse));
  const out = readJson(join(RESULTS, 'query-parse.json'));
  if (r.code !== 0 || !out || Date.parse(out.date) < t0) return { status: `failed (exit ${r.code}${r.timedOut ? ', time limit' : ''})`, tail: r.tail.slice(-1500) };
  return { status: 'ok', file: 'bench/results/query-parse.json', data: out };
});

await part('grid', async () => {
  const r = await runNode('grid', [join(ROOT, 'bench', 'grid.mjs'), '--count', '100000'], limit(900, RESERVE.grid));
  const out = readJson(join(RESULTS, 'grid.json'));
  if (r.code !== 0 || !out || Date.parse(out.date) < t0) return { status: `failed (exit ${r.code}${r.timedOut ? ', time limit' : ''})`, tail: r.tail.slice(-1500) };
  return { status: 'ok', file: 'bench/results/grid.json', data: out };
});

await part('viewer', async () => {
  const dist = join(ROOT, '.cache', 'grid-dist');
  if (!existsSync(join(dist, 'index.html'))) return { status: 'skipped (no build: the grid part did not run)' };
  const r = await runNode('viewer', [join(ROOT, 'bench', 'viewer.mjs')], limit(180, RESERVE.viewer), { env: { E2E_OUT_DIR: dist } });
  const out = readJson(join(RESULTS, 'viewer.json'));
  if (r.code !== 0 || !out || Date.parse(out.date) < t0) return { status: `failed (exit ${r.code}${r.timedOut ? ', time limit' : ''})`, tail: r.tail.slice(-1500) };
  return { status: 'ok', file: 'bench/results/viewer.json', data: out };
});

await part('firstvisit', async () => {
  const dist = join(ROOT, '.cache', 'grid-dist');
  if (!existsSync(join(dist, 'index.html'))) return { status: 'skipped (no build: the grid part did not run)' };
  const r = await runNode('firstvisit', [join(ROOT, 'bench', 'first-visit.mjs')], limit(120, RESERVE.firstvisit), { env: { E2E_OUT_DIR: dist } });
  const out = readJson(join(RESULTS, 'first-visit.json'));
  if (r.code !== 0 || !out || Date.parse(out.date) < t0) return { status: `failed (exit ${r.code}${r.timedOut ? ', time limit' : ''})`, tail: r.tail.slice(-1500) };
  return { status: 'ok', file: 'bench/results/first-visit.json', data: out };
});

await part('places', async () => {
  const r = await runNode('places', [join(ROOT, 'bench', 'places.mjs')], limit(90, RESERVE.places));
  const out = readJson(join(RESULTS, 'places.json'));
  if (r.code !== 0 || !out || Date.parse(out.date) < t0) return { status: `failed (exit ${r.code}${r.timedOut ? ', time limit' : ''})`, tail: r.tail.slice(-1500) };
  return { status: 'ok', file: 'bench/results/places.json', data: out };
});

await part('heic', async () => {
  if (!haveImages) return { status: 'skipped (../shared images absent)' };
  const dist = join(ROOT, '.cache', 'heic-dist');
  const built = await runNode('heic-build', [join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--outDir', dist, '--emptyOutDir'], limit(120, RESERVE.heic));
  if (built.code !== 0) return { status: `failed (build exit ${built.code})`, tail: built.tail.slice(-1500) };
  // The first run encodes the HEVC pictures (~10 s each here) into .cache/bench-heic; later runs reuse them.
  const budget = Math.round(Math.max(60, Math.min(300, leftS() - RESERVE.heic - 30)));
  const r = await runNode('heic', [join(ROOT, 'bench', 'heic.mjs'), '--budget-s', String(budget)], limit(budget + 60, RESERVE.heic), { env: { E2E_OUT_DIR: dist } });
  const out = readJson(join(RESULTS, 'heic.json'));
  if (r.code !== 0 || !out || Date.parse(out.date) < t0) return { status: `${/heif-enc is not installed/.test(r.tail) ? 'skipped (no heif-enc)' : `failed (exit ${r.code}${r.timedOut ? ', time limit' : ''})`}`, tail: r.tail.slice(-1500) };
  return { status: 'ok', file: 'bench/results/heic.json', data: out };
});

await part('memory', async () => {
  if (!haveImages) return { status: 'skipped (../shared images absent)' };
  const r = await runNode('memory', [join(ROOT, 'bench', 'memory.mjs'), '--no-probe'], limit(330, RESERVE.memory));
  const out = readJson(join(RESULTS, 'memory.json'));
  if (r.code !== 0 || !out || Date.parse(out.date) < t0) return { status: `failed (exit ${r.code}${r.timedOut ? ', time limit' : ''})`, tail: r.tail.slice(-1500) };
  return { status: 'ok', file: 'bench/results/memory.json', data: out };
});

// ---------------------------------------------------------------- figures

const ingest = parts.ingest?.data ?? null;
const naive = parts.naive?.data ?? null;
const search = parts.search?.data ?? null;
const query = parts.query?.data ?? null;
const quality = parts.quality?.data ?? null;
const qualityReal = quality?.imagenet?.status === 'ok' ? quality.imagenet.figures : null;
const video = parts.video?.data ?? null;
const phash = parts.phash?.data ?? null;
const webgpu = parts.webgpu?.data ?? null;
const cluster = parts.cluster?.data ?? null;
const grid = parts.grid?.data ?? null;
const viewerOpen = parts.viewer?.data ?? null;
const firstVisit = parts.firstvisit?.data ?? null;
const metadataRead = parts.metadata?.data ?? null;
const queryParse = parts['query-parse']?.data ?? null;
const places = parts.places?.data ?? null;
const heic = parts.heic?.data ?? null;
const importMemory = parts.memory?.data ?? null;

const vit = ingest?.summary?.app?.[BENCH_MODEL_ID]?.best ?? null;
const fixture = ingest?.summary?.app?.[FIXTURE_MODEL_ID]?.best ?? null;
const ortRuns = ingest?.ortWeb?.ok ? ingest.ortWeb.runs : [];
const rawBest = ortRuns.reduce((a, b) => ((b.bestImagesPerSecond ?? -1) > (a?.bestImagesPerSecond ?? -1) ? b : a), null);
const nodeBest = ingest?.summary?.node?.best ?? null;
const naiveSame = naive?.variants?.find((v) => v.variant === 'same') ?? null;
const naiveDefault = naive?.variants?.find((v) => v.variant === 'default') ?? null;

const s100 = search?.scenarios?.find((s) => s.n === 100000) ?? null;
const searchBusy = parts.search?.status?.startsWith('ok') ? busy(parts.search.cpu) : '';
// verdict100k is computed at the run's largest size: only a 100k figure if that size was 100k.
const text100 = s100 ? search?.verdict100k?.textQueries ?? null : null;
const image100 = s100 ? search?.verdict100k?.imageQueries ?? null : null;
if (search && !s100) notes.push('search: the results hold no n = 100000 scenario (BENCH_SIZES?), so the 100k figures are null');
/** The HNSW the app uses, in the search results: `ts` (src/lib/core/hnsw.ts) in the current format, `hnsw` (hnswlib-wasm) in the earlier one. */
const hnsw100 = s100?.ts ? { impl: 'TS HNSW (src/lib/core/hnsw.ts)', r: s100.ts } : s100?.hnsw ? { impl: 'hnswlib-wasm (bench/lib/hnswlib-wasm-index.ts)', r: s100.hnsw } : null;
/** Index memory at 100k from the search bench, the first field it reports of these. */
function index100kMemory() {
  const h = hnsw100?.r;
  if (!h) return { mb: null, field: null };
  const key = s100.ts ? 'ts' : 'hnsw';
  for (const f of ['memoryMB', 'wasmHeapMB', 'rssDeltaMB']) if (Number.isFinite(h[f])) return { mb: h[f], field: `scenarios[n=100000].${key}.${f}` };
  return { mb: null, field: null };
}
const mem100 = index100kMemory();
const encodeP50 = query?.encodeMs?.p50 ?? null;
const wc = video?.summary?.webcodecs ?? null;
const ff = video?.summary?.ffmpeg ?? null;
const ph10 = phash?.thresholds?.find((r) => r.threshold === 10) ?? null;

const summary = {
  ingest_e2e_img_per_s: vit?.steadyImagesPerSecond ?? null,
  ingest_raw_img_per_s: rawBest?.bestImagesPerSecond != null ? round(rawBest.bestImagesPerSecond) : null,
  ingest_naive_img_per_s: naiveSame?.steady?.imagesPerSecond ?? null,
  ingest_native_img_per_s: nodeBest?.inferImagesPerSecond != null ? round(nodeBest.inferImagesPerSecond) : null,
  ingest_e2e_over_raw: null,
  ingest_e2e_over_naive: null,
  ingest_e2e_over_native: null,
  search_100k_recall_at_10: text100?.recall ?? null,
  search_100k_p50_ms: text100?.p50 ?? null,
  search_100k_p99_ms: text100?.p99 ?? null,
  search_100k_exact_p50_ms: s100?.exact?.latencyMs?.p50 ?? null,
  query_e2e_100k_p50_ms: encodeP50 != null && text100?.p50 != null ? round(encodeP50 + text100.p50, 1) : null,
  video_decode_filter_over_embed: wc?.ratioOfSums ?? null,
  cluster_ari: cluster?.summary?.cluster_ari ?? null,
  cluster_nmi: cluster?.summary?.cluster_nmi ?? null,
  phash_precision: ph10 ? round(ph10.precision, 4) : null,
  phash_recall: ph10 ? round(ph10.recall, 4) : null,
  memory_100k_mb: mem100.mb != null ? round(mem100.mb, 1) : null,
  grid_100k_scroll_p95_frame_ms: grid?.summary?.grid_100k_scroll_p95_frame_ms ?? null,
  grid_100k_dom_nodes: grid?.summary?.grid_100k_dom_nodes ?? null,
  cold_start_100k_ms: grid?.summary?.cold_start_100k_ms ?? null,
  memory_100k_browser_mb: grid?.summary?.memory_100k_browser_mb ?? null,
  memory_ingest_peak_mb: importMemory?.summary?.memory_ingest_peak_mb ?? null,
  memory_settled_mb: importMemory?.summary?.memory_settled_mb ?? null,
  viewer_open_ms: viewerOpen?.summary?.viewer_open_ms ?? null,
  first_visit_bytes: firstVisit?.summary?.first_visit_bytes ?? null,
  metadata_ms_per_item: metadataRead?.summary?.metadata_ms_per_item ?? null,
  query_parse_ms: queryParse?.summary?.query_parse_ms ?? null,
  place_lookup_us: places?.summary?.place_lookup_us ?? null,
  places_table_bytes: places?.summary?.places_table_bytes ?? null,
  places_table_unpacked_bytes: places?.summary?.places_table_unpacked_bytes ?? null,
  quality_fixture_as_implied: quality?.fixture ? quality.fixture.matchesExpected : null,
  quality_top1: qualityReal?.top1 ?? null,
  quality_top5: qualityReal?.top5 ?? null,
  quality_ensemble_top1: qualityReal?.ensembleTop1 ?? null,
  quality_recall_at_1: qualityReal?.recallAt1 ?? null,
  quality_recall_at_5: qualityReal?.recallAt5 ?? null,
  quality_recall_at_10: qualityReal?.recallAt10 ?? null,
  quality_map: qualityReal?.meanAveragePrecision ?? null,
  quality_weaker_true_share: qualityReal?.trueFoldedShare ?? null,
  quality_wrong_above_share: qualityReal?.wrongAboveShare ?? null,
  quality_similar_min_cosine: qualityReal?.similarMinCosine ?? null,
  heic_over_jpeg_ingest: heic?.summary?.heic_over_jpeg_ingest ?? null,
  libheif_wasm_bytes: heic?.summary?.libheif_wasm_bytes ?? null,
  libheif_wasm_gzip_bytes: heic?.summary?.libheif_wasm_gzip_bytes ?? null,
  libheif_glue_bytes: heic?.summary?.libheif_glue_bytes ?? null,
  libheif_glue_gzip_bytes: heic?.summary?.libheif_glue_gzip_bytes ?? null,
  machine: null,
  browser: null,
  backend: null,
  model: null,
  notes: null,
};
summary.ingest_e2e_over_raw = ratio(summary.ingest_e2e_img_per_s, summary.ingest_raw_img_per_s);
summary.ingest_e2e_over_naive = ratio(summary.ingest_e2e_img_per_s, summary.ingest_naive_img_per_s);
summary.ingest_e2e_over_native = ratio(summary.ingest_e2e_img_per_s, summary.ingest_native_img_per_s);

// Why a figure is null, or what it stands for.
const nullWhy = (key, why) => {
  if (summary[key] == null) notes.push(`${key} is null: ${why}`);
};
const ingestWhy = parts.ingest?.status === 'ok' ? 'bench/ingest.mjs did not report it (see its skipped list)' : `the ingest part ${parts.ingest?.status ?? 'did not run'}`;
nullWhy('ingest_e2e_img_per_s', ingestWhy);
nullWhy('ingest_raw_img_per_s', ingestWhy);
nullWhy('ingest_native_img_per_s', ingestWhy);
nullWhy('ingest_naive_img_per_s', `the naive part ${parts.naive?.status ?? 'did not run'}`);
for (const k of ['search_100k_recall_at_10', 'search_100k_p50_ms', 'search_100k_p99_ms', 'search_100k_exact_p50_ms']) nullWhy(k, `the search part ${parts.search?.status ?? 'did not run'}`);
nullWhy('query_e2e_100k_p50_ms', `needs both the query part (${parts.query?.status ?? 'not run'}) and the search part (${parts.search?.status ?? 'not run'})`);
nullWhy('video_decode_filter_over_embed', `the video part ${parts.video?.status ?? 'did not run'}`);
nullWhy('phash_precision', `the phash part ${parts.phash?.status ?? 'did not run'}`);
nullWhy('phash_recall', `the phash part ${parts.phash?.status ?? 'did not run'}`);
nullWhy('memory_100k_mb', `no 100k index memory figure in the search results (${parts.search?.status ?? 'not run'})`);
nullWhy('viewer_open_ms', `the viewer part ${parts.viewer?.status ?? 'did not run'}`);
nullWhy('first_visit_bytes', `the firstvisit part ${parts.firstvisit?.status ?? 'did not run'}`);
nullWhy('metadata_ms_per_item', `the metadata part ${parts.metadata?.status ?? 'did not run'}`);
nullWhy('query_parse_ms', `the query-parse part ${parts['query-parse']?.status ?? 'did not run'}`);
for (const k of ['place_lookup_us', 'places_table_bytes', 'places_table_unpacked_bytes']) nullWhy(k, `the places part ${parts.places?.status ?? 'did not run'}`);
nullWhy('quality_fixture_as_implied', `the quality part ${parts.quality?.status ?? 'did not run'}`);
const qualityKeys = ['quality_top1', 'quality_top5', 'quality_ensemble_top1', 'quality_recall_at_1', 'quality_recall_at_5', 'quality_recall_at_10', 'quality_map', 'quality_weaker_true_share', 'quality_wrong_above_share', 'quality_similar_min_cosine'];
if (!qualityReal) notes.push(`${qualityKeys.join(', ')} are null: ${quality?.imagenet?.note ?? `the quality part ${parts.quality?.status ?? 'did not run'}`}`);
if (quality?.fixture) notes.push(`quality_fixture_as_implied: the fixture model on the generated colour folder (scripts/lib/colour-folder.mjs) gave ${quality.fixture.matchesExpected ? 'exactly' : 'NOT'} the figures its colour semantics imply (top-1 8/9, top-5 1, recall@1/5/10 1, mAP 1, green → red once, 0 of 9 true matches folded, 3 of 27 wrong ones above, similar shots from 0.96; bench/README.md).`);
if (qualityReal) notes.push(`quality_*: the app's check on imagenet-sample-1000 (${qualityReal.images} photos, ${qualityReal.labels} labels, OpenAI's class names) with ${quality.imagenet.model}; ensemble top-1 uses ${qualityReal.ensemble}; cut-off figures at z ${qualityReal.cutoffZ}, measured z ${qualityReal.measuredZ}.`);
for (const k of ['heic_over_jpeg_ingest', 'libheif_wasm_bytes', 'libheif_wasm_gzip_bytes', 'libheif_glue_bytes', 'libheif_glue_gzip_bytes']) nullWhy(k, `the heic part ${parts.heic?.status ?? 'did not run'}`);
if (heic) notes.push(`heic_over_jpeg_ingest: ${heic.pictures.count} pictures ${heic.pictures.width}×${heic.pictures.height} as JPEG q${heic.pictures.jpegQuality} and HEIC q${heic.pictures.heicQuality} (heif-enc), imported through the built app with the fixture model, best of each (bench/heic.mjs); libheif_*: dist/assets/libheif-*.{wasm,js}, fetched by the import worker when the first HEIC is decoded, then kept in the service worker's runtime cache (not precached).`);
for (const k of ['grid_100k_scroll_p95_frame_ms', 'grid_100k_dom_nodes', 'cold_start_100k_ms', 'memory_100k_browser_mb']) nullWhy(k, `the grid part ${parts.grid?.status ?? 'did not run'}`);
for (const k of ['memory_ingest_peak_mb', 'memory_settled_mb']) nullWhy(k, `the memory part ${parts.memory?.status ?? 'did not run'}`);
if (importMemory) notes.push(`memory_ingest_peak_mb, memory_settled_mb: ${importMemory.photos} photos + ${importMemory.videos} videos dropped at once on the built app with ${importMemory.model}; renderer PSS (page + all its workers) every 250 ms, the highest until "Indexed N of N", and the median of the last 3 s of the ${importMemory.settleS} s after (bench/memory.mjs; its probe, run alone, says what holds it).`);
if (grid) notes.push(`grid_100k_*, cold_start_100k_ms, memory_100k_browser_mb: ${grid.how} (bench/grid.mjs); cold start = the browser opened again offline on the same profile until the first screen of thumbnails is painted, median of ${grid.coldStartMs?.length ?? '—'}; memory = renderer PSS (page + its workers) 15 s after that start.`);
nullWhy('cluster_ari', cluster ? 'the realistic set needs ../shared/data/embeddings' : `the cluster part ${parts.cluster?.status ?? 'did not run'}`);
nullWhy('cluster_nmi', cluster ? 'the realistic set needs ../shared/data/embeddings' : `the cluster part ${parts.cluster?.status ?? 'did not run'}`);
if (cluster?.summary?.cluster_ari != null) notes.push(`cluster_ari / cluster_nmi: ${cluster.summary.set} (bench/cluster.mjs); the well-separated and fixture-model figures are in the table.`);
if (summary.query_e2e_100k_p50_ms != null) {
  notes.push(
    `query_e2e_100k_p50_ms = text encode p50 in Chromium (${encodeP50} ms, app embed worker, random-weight text tower, bench/query.mjs) + HNSW text-query search p50 at 100k (${text100.p50} ms, ef ${text100.ef}, ` +
      'bench/search.mjs in Node, not a browser worker); the two were measured separately and added; render time is NOT included (not measured).',
  );
}
if (summary.search_100k_recall_at_10 != null) notes.push(`search_100k_*: ${hnsw100?.impl ?? 'HNSW'}, text queries at the app's ef (${text100.ef}), bench/search.mjs of ${search.meta?.date}; image queries (ef ${image100?.ef}) are in the table.`);
if (summary.memory_100k_mb != null) notes.push(`memory_100k_mb: index memory at 100k items from bench/search.mjs (${mem100.field}; Node process, not the browser). Browser JS heaps at the end of the video run are in the table.`);
if (summary.ingest_e2e_img_per_s != null) {
  notes.push(
    'ingest_e2e_img_per_s: the app steady rate (after the first 20 images) with the random-weight ViT-B/32, 200 photos, best of the runs (bench/ingest.mjs prefers runs other processes did not disturb); ingest_raw_img_per_s: onnxruntime-web alone on pre-made tensors in the same browser, best batch size; ' +
      'ingest_native_img_per_s: onnxruntime-node inference only, same model file, batch 8, 2 threads; ingest_naive_img_per_s: transformers.js pipeline one image at a time, same file, dtype q8 and thread count as the app.',
  );
  const stages = vit?.stages;
  notes.push(
    stages
      ? `Per-stage breakdown (ViT-B/32 run, ms per item; the table is in bench/results/run-all-ingest.md): ${stages.groups.map((g) => `${g.key} ${g.msPerItem}`).join(', ')}. ${stages.summary}`
      : 'Per-stage breakdown: not in this run (the app run with ViT-B/32 did not report its stage table).',
  );
}
if (ingest?.skipped?.length) for (const s of ingest.skipped) notes.push(`ingest: ${s}`);
if (naive?.notes?.length) for (const s of naive.notes) notes.push(`naive: ${s}`);
if (video?.notes?.length) for (const s of video.notes) notes.push(`video: ${s}`);
const contended = [];
for (const x of [vit, fixture].filter(Boolean)) if (x.contended) contended.push(`app ingest (${x.modelId})`);
if (naiveSame?.contended) contended.push('naive (same dtype)');
if (busy(rawBest?.bestCpu)) contended.push('raw onnxruntime-web');
if (busy(nodeBest?.cpu)) contended.push('onnxruntime-node');
if (query?.contended) contended.push('query encode');
if (wc?.anyContended) contended.push('video (WebCodecs)');
if (contended.length) notes.push(`Measured while other processes used > ${CONTENDED_CORES} core: ${contended.join(', ')}.`);
if (summary.ingest_e2e_over_naive != null && Boolean(vit?.contended) !== Boolean(naiveSame?.contended)) {
  const perCore = ratio(vit?.imagesPerOurCoreSecond, naiveSame?.steady?.imagesPerOurCoreSecond, 2);
  notes.push(
    `ingest_e2e_over_naive compares ${vit?.contended ? 'a contended' : 'an undisturbed'} app run with ${naiveSame?.contended ? 'a contended' : 'an undisturbed'} naive run (other processes: ${vit?.cpu?.othersCores ?? '—'} vs ${naiveSame?.cpu?.othersCores ?? '—'} cores), so it ${vit?.contended ? 'understates' : 'overstates'} the gain; ` +
      `per CPU-second our processes got, the ratio is ${perCore ?? '—'} (table).`,
  );
}
for (const [key, a, b, an, bn] of [
  ['ingest_e2e_over_raw', vit, { contended: Boolean(busy(rawBest?.bestCpu)) }, 'app', 'raw onnxruntime-web'],
  ['ingest_e2e_over_native', vit, { contended: Boolean(busy(nodeBest?.cpu)) }, 'app', 'onnxruntime-node'],
]) {
  if (summary[key] != null && Boolean(a?.contended) !== Boolean(b?.contended)) notes.push(`${key}: the ${a?.contended ? an : bn} figure was measured under contention and the ${a?.contended ? bn : an} one was not; the ratio is skewed accordingly.`);
}
if (searchBusy) notes.push(`search: bench/search.mjs ran while other processes used ${parts.search.cpu.othersCores} cores on average (it has no per-measurement accounting); its latencies are marked ⚠.`);

const cpus = os.cpus();
summary.machine = `${cpus[0]?.model ?? 'unknown CPU'}, ${os.availableParallelism?.() ?? cpus.length} cores, ${round(os.totalmem() / 2 ** 30, 1)} GiB RAM, ${os.type()} ${os.release()} ${os.arch()}`;
const chromium = ingest?.versions?.chromium ?? naive?.versions?.chromium ?? video?.versions?.chromium ?? webgpu?.chromium ?? null;
summary.browser = chromium ? `Chromium ${chromium} headless=new (--disable-gpu; the WebGPU attempt without it)` : null;
const webgpuText = webgpu ? `WebGPU attempt: ${webgpu.status}${webgpu.detail ? ` (${webgpu.detail})` : ''}` : 'WebGPU attempt not run';
summary.backend = `${vit?.backend ?? video?.model?.reason ?? 'WASM'}; ${webgpuText}`;
const modelNote = video?.model?.note ?? naive?.model?.note ?? null;
summary.model = `${BENCH_MODEL_ID}: full-size CLIP ViT-B/32, RANDOM weights, q8 (scripts/make-bench-model.mjs)${modelNote ? ` — ${modelNote}` : ''}`;

const pkg = (name) => readJson(join(ROOT, 'node_modules', name, 'package.json'))?.version ?? null;
const versions = {
  node: process.version,
  chromium,
  transformers: pkg('@huggingface/transformers'),
  onnxruntimeWeb: pkg('onnxruntime-web'),
  onnxruntimeNode: pkg('onnxruntime-node'),
  hnswlibWasm: pkg('hnswlib-wasm'),
  mediabunny: pkg('mediabunny'),
  ffmpegCore: pkg('@ffmpeg/core'),
  sharp: pkg('sharp'),
  vite: pkg('vite'),
  app: ingest?.versions?.gitCommit ? `${ingest.versions.gitCommit}${ingest.versions.gitDirty ? ' with local changes' : ''}` : null,
};

// ---------------------------------------------------------------- table rows

const f = (x, d = 2) => (x == null ? '—' : typeof x === 'number' ? String(round(x, d)) : String(x));
const rows = [];
const row = (figure, value, unit, baseline, baselineValue, r, goal, items) => rows.push({ figure, value, unit, baseline, baselineValue, ratio: r, goal, items });
const cont = (x) => (x?.contended ? ' ⚠' : '');

row('Ingest end to end, app steady (`ingest_e2e_img_per_s`)' + cont(vit), summary.ingest_e2e_img_per_s, 'img/s', `raw onnxruntime-web inference, batch ${rawBest?.batch ?? '—'} (\`ingest_raw_img_per_s\`)${busy(rawBest?.bestCpu)}`, summary.ingest_raw_img_per_s, summary.ingest_e2e_over_raw, '≥ 0.90', `${vit?.images ?? '—'} photos, best of ${ingest?.summary?.app?.[BENCH_MODEL_ID]?.reps ?? '—'} runs; raw: best of ${rawBest?.segments?.length ?? '—'} 4-s segments after warm-up`);
row('Ingest end to end vs naive (`ingest_e2e_over_naive`)', summary.ingest_e2e_img_per_s, 'img/s', 'transformers.js pipeline, 1 image per call, same file/dtype/threads (`ingest_naive_img_per_s`)' + cont(naiveSame), summary.ingest_naive_img_per_s, summary.ingest_e2e_over_naive, '≥ 1.5', naiveSame ? `naive: ${naiveSame.steady.basis ?? `${naiveSame.steady.images} images`}, after ${naiveSame.warmup.images} warm-up` : '—');
row(
  'Ingest vs naive, images per CPU-second our processes got (less sensitive to other load)',
  vit?.imagesPerOurCoreSecond ?? null,
  'img/core-s',
  'naive, same file/dtype/threads',
  naiveSame?.steady?.imagesPerOurCoreSecond ?? null,
  ratio(vit?.imagesPerOurCoreSecond, naiveSame?.steady?.imagesPerOurCoreSecond),
  '—',
  'app: whole import incl. warm-up; naive: steady images; ORT spin-waiting counts as use',
);
row('Ingest end to end vs native (`ingest_e2e_over_native`)', summary.ingest_e2e_img_per_s, 'img/s', `onnxruntime-node inference, batch ${nodeBest?.batch ?? '—'}, ${nodeBest?.threads ?? '—'} threads (\`ingest_native_img_per_s\`)${busy(nodeBest?.cpu)}`, summary.ingest_native_img_per_s, summary.ingest_e2e_over_native, '≥ 0.3', `${nodeBest?.images ?? '—'} images, best of ${ingest?.summary?.node?.reps ?? '—'} runs`);
row('Naive at the library defaults (dtype and threads unset)' + cont(naiveDefault), naiveDefault?.steady?.imagesPerSecond ?? null, 'img/s', 'naive, same dtype and threads as the app', summary.ingest_naive_img_per_s, ratio(naiveDefault?.steady?.imagesPerSecond, summary.ingest_naive_img_per_s), '—', naiveDefault ? `resolved: ${naiveDefault.onnxFilesFetched?.map((p) => p.split('/').pop()).join(', ')}, ${naiveDefault.resolvedThreads} thread(s); ${naiveDefault.steady.images} images` : '—');
row('Raw onnxruntime-web in Chromium (WASM penalty)', summary.ingest_raw_img_per_s, 'img/s', 'onnxruntime-node inference (native)', summary.ingest_native_img_per_s, ratio(summary.ingest_raw_img_per_s, summary.ingest_native_img_per_s), '—', `batch ${rawBest?.batch ?? '—'}, ${ingest?.ortWeb?.threads ?? '—'} threads`);
row('Ingest warm-up rate (first ~24 photos)', vit?.warmup?.imagesPerSecond ?? null, 'img/s', 'app steady rate', summary.ingest_e2e_img_per_s, ratio(vit?.warmup?.imagesPerSecond, summary.ingest_e2e_img_per_s), '—', 'first minute vs steady state');
row('Ingest pipeline only (tiny fixture model)' + cont(fixture), fixture?.steadyImagesPerSecond ?? null, 'img/s', 'app steady with ViT-B/32', summary.ingest_e2e_img_per_s, ratio(fixture?.steadyImagesPerSecond, summary.ingest_e2e_img_per_s), '—', `${fixture?.images ?? '—'} photos: staging, decode, SHA-256, pHash, thumbnail, storage, worker hops`);
row('Search 100k, text queries, recall@10 (`search_100k_recall_at_10`)', summary.search_100k_recall_at_10, '', 'exact scan', 1, summary.search_100k_recall_at_10, '≥ 0.98', `${hnsw100?.impl ?? '—'}, ef ${text100?.ef ?? '—'}, ${s100?.queries?.text ?? '—'} queries × 2 passes`);
row('Search 100k, text queries, p50 (`search_100k_p50_ms`)' + searchBusy, summary.search_100k_p50_ms, 'ms', 'exact scan p50 (`search_100k_exact_p50_ms`)', summary.search_100k_exact_p50_ms, ratio(summary.search_100k_p50_ms, summary.search_100k_exact_p50_ms), '≤ 2 ms', 'Node, synthetic CLIP-like vectors');
row('Search 100k, text queries, p99 (`search_100k_p99_ms`)' + searchBusy, summary.search_100k_p99_ms, 'ms', 'exact scan p99', s100?.exact?.latencyMs?.p99 ?? null, ratio(summary.search_100k_p99_ms, s100?.exact?.latencyMs?.p99), '≤ 10 ms', '');
row('Search 100k, image queries, recall@10 / p50' + searchBusy, image100 ? `${image100.recall} / ${image100.p50} ms` : null, '', 'exact scan p50', summary.search_100k_exact_p50_ms, ratio(image100?.p50, summary.search_100k_exact_p50_ms), 'recall ≥ 0.98', `ef ${image100?.ef ?? '—'}`);
row('Text-query encode p50 (browser, app embed worker)' + cont(query), encodeP50, 'ms', '—', null, null, '—', `${query?.queries ?? '—'} queries after ${query?.warmupMs?.length ?? '—'} warm-up; p99 ${query?.encodeMs?.p99 ?? '—'} ms`);
row('Query end to end at 100k, p50 (`query_e2e_100k_p50_ms`) = encode + index search, no render', summary.query_e2e_100k_p50_ms, 'ms', 'encode + exact scan', encodeP50 != null && summary.search_100k_exact_p50_ms != null ? round(encodeP50 + summary.search_100k_exact_p50_ms, 1) : null, ratio(summary.query_e2e_100k_p50_ms, encodeP50 != null && summary.search_100k_exact_p50_ms != null ? encodeP50 + summary.search_100k_exact_p50_ms : null), '—', 'sum of two separate measurements');
row('Video decode+filter ÷ embed, WebCodecs (`video_decode_filter_over_embed`)', wc ? `${wc.decodeFilterMs} ms ÷ ${wc.embedMs} ms` : null, '', 'embed of the kept frames', null, summary.video_decode_filter_over_embed, '≤ 0.5', wc ? `${wc.videos} videos, ${wc.framesKept} frames kept; median per video ${wc.medianRatio}, worst ${wc.worstRatio}; ${wc.videosMeetingGoal}/${wc.videos} meet the goal` : '—');
row('Video decode+filter ÷ embed, ffmpeg.wasm forced', ff ? `${ff.decodeFilterMs} ms ÷ ${ff.embedMs} ms` : null, '', 'WebCodecs ratio', summary.video_decode_filter_over_embed, ff?.ratioOfSums ?? null, '≤ 0.5', ff ? `${ff.videos} videos; median ${ff.medianRatio}, worst ${ff.worstRatio}` : '—');
row('pHash precision at t = 10 (`phash_precision`)', summary.phash_precision, '', '—', null, null, '—', ph10 ? `${phash.meta.originals} originals (${phash.meta.distinctPairs} distinct pairs), ${phash.meta.variantPairs} variant pairs` : '—');
row('pHash recall at t = 10 (`phash_recall`)', summary.phash_recall, '', '—', null, null, '—', ph10 ? `variants: ${Object.entries(ph10.recallByVariant).map(([k, v]) => `${k} ${round(v * 100, 1)} %`).join(', ')}` : '—');
row('Timeline fast scroll at 100k, p95 frame (`grid_100k_scroll_p95_frame_ms`)' + busy(parts.grid?.cpu), summary.grid_100k_scroll_p95_frame_ms, 'ms', 'one frame at 60 Hz', 16.7, ratio(summary.grid_100k_scroll_p95_frame_ms, 16.7), '≤ 16.7', grid?.scroll?.frames ? `${grid.scroll.frames} frames, one screen per frame, p50 ${grid.scroll.p50FrameMs} ms, worst ${grid.scroll.maxFrameMs} ms; headless, no GPU` : '—');
row('Timeline DOM nodes at most while scrolling 100k (`grid_100k_dom_nodes`)', summary.grid_100k_dom_nodes, 'nodes', 'goal', 1500, ratio(summary.grid_100k_dom_nodes, 1500), '≤ 1,500', grid ? `${grid.items} items` : '—');
row('Cold start of a 100k library, offline (`cold_start_100k_ms`)' + busy(parts.grid?.cpu), summary.cold_start_100k_ms, 'ms', 'goal', 1500, ratio(summary.cold_start_100k_ms, 1500), '≤ 1,500', grid ? `starts ${grid.coldStartMs.join(', ')} ms; index first built in ${round(grid.indexBuildMs / 1000, 0)} s` : '—');
row('Renderer PSS during a mixed photo + video import (`memory_ingest_peak_mb`)' + busy(parts.memory?.cpu), summary.memory_ingest_peak_mb, 'MB', 'goal', 700, ratio(summary.memory_ingest_peak_mb, 700), '≤ 700', importMemory ? `${importMemory.photos} photos + ${importMemory.videos} videos, ${importMemory.model}; page + all workers` : '—');
row('Renderer PSS 30 s after that import (`memory_settled_mb`)', summary.memory_settled_mb, 'MB', 'goal', 400, ratio(summary.memory_settled_mb, 400), '≤ 400', importMemory ? 'no GC forced; Chromium gives back ~340 MB of it (decoded-video shared memory) under memory pressure' : '—');
row('Browser memory after that start (`memory_100k_browser_mb`)', summary.memory_100k_browser_mb, 'MB', 'goal', 400, ratio(summary.memory_100k_browser_mb, 400), '≤ 400', grid ? 'renderer PSS: page + its workers, incl. the loaded model' : '—');
row('Viewer open, 12-megapixel JPEG (`viewer_open_ms`)' + busy(parts.viewer?.cpu), summary.viewer_open_ms, 'ms', 'goal', 300, ratio(summary.viewer_open_ms, 300), '≤ 300', viewerOpen ? `tile click → original decoded and painted, median of the runs after a warm-up (bench/viewer.mjs)` : '—');
row('Place lookup, GPS → city, region, country (`place_lookup_us`)' + busy(parts.places?.cpu), summary.place_lookup_us, 'µs', 'anywhere on the globe (mostly open sea: few places in either radius)', places?.anywhere?.medianUs ?? null, ratio(summary.place_lookup_us, places?.anywhere?.medianUs), '—', places ? `${places.places} GeoNames places; a ${round(places.fileBytes / 1e6, 2)} MB gzipped file (\`places_table_bytes\`, ${round(places.unpackedBytes / 1e6, 2)} MB unpacked: \`places_table_unpacked_bytes\`), downloaded once, the first time an item has a GPS position, then cached by the service worker; unpacked and read in ${places.readMs} ms (Node)` : '—');
row('Search quality check, fixture model on the colour folder (`quality_fixture_as_implied`)', summary.quality_fixture_as_implied == null ? null : summary.quality_fixture_as_implied ? 'as implied' : 'DIFFERS', '', 'the figures the fixture implies', null, null, 'exactly', quality?.fixture ? `9 photos, 4 labels (bench/quality.mjs, ${quality.fixture.ms} ms)` : '—');
row('Zero-shot top-1, imagenet-sample-1000 (`quality_top1`)', summary.quality_top1, '', `ensemble, ${qualityReal?.ensemble ?? '—'} (\`quality_ensemble_top1\`)`, summary.quality_ensemble_top1, ratio(summary.quality_top1, summary.quality_ensemble_top1), '—', qualityReal ? `${qualityReal.images} photos, ${qualityReal.labels} labels` : quality?.imagenet?.status ?? '—');
row('Text → photo mAP, imagenet-sample-1000 (`quality_map`)', summary.quality_map, '', 'recall@1 (`quality_recall_at_1`)', summary.quality_recall_at_1, null, '—', qualityReal ? `recall@5 ${qualityReal.recallAt5}, @10 ${qualityReal.recallAt10}; true matches folded ${qualityReal.trueFoldedShare}, wrong above ${qualityReal.wrongAboveShare}` : quality?.imagenet?.status ?? '—');
row('Index memory at 100k (`memory_100k_mb`)', summary.memory_100k_mb, 'MB', 'raw float32 vectors, 100k × 512 × 4 B', 195.3, ratio(summary.memory_100k_mb, 195.3), '—', mem100.field ? `${hnsw100.impl}, ${mem100.field} (Node)` : '—');
row('First visit, bytes downloaded before the first photo (`first_visit_bytes`)', summary.first_visit_bytes != null ? round(summary.first_visit_bytes / 1e6, 2) : null, 'MB', 'every file of the build', firstVisit ? round(firstVisit.baseline.bytes / 1e6, 1) : null, firstVisit?.summary?.first_visit_over_build ?? null, '≤ 2.1', firstVisit ? `${firstVisit.firstVisit.requests} files, ${round(firstVisit.firstVisit.uncompressedBytes / 1e6, 2)} MB uncompressed; the first photo then adds ${round(firstVisit.firstDrop.bytes / 1e6, 1)} MB (model runtime + the model; fixture model here) (bench/first-visit.mjs)` : '—');
const heicBest = (f) => (heic ? heic.runs[f].reduce((a, b) => (b.imgPerS > a.imgPerS ? b : a)) : null);
row('HEIC ingest ÷ JPEG at the same pixels (`heic_over_jpeg_ingest`)' + busy(parts.heic?.cpu), heic?.summary?.heic_ingest_img_per_s ?? null, 'img/s', 'the same pictures as JPEG', heic?.summary?.jpeg_ingest_img_per_s ?? null, summary.heic_over_jpeg_ingest, '—', heic ? `${heic.pictures.count} pictures ${heic.pictures.width}×${heic.pictures.height}, fixture model; decode ${heicBest('heic').decodeMsPerItem} vs ${heicBest('jpeg').decodeMsPerItem} ms/item; libheif ${summary.libheif_wasm_bytes} B wasm + ${summary.libheif_glue_bytes} B glue (${summary.libheif_wasm_gzip_bytes} + ${summary.libheif_glue_gzip_bytes} B gzip), fetched on the first HEIC` : '—');
const vm = video?.memory;
row('Browser memory at the end of the video run: renderer PSS (page + embed and video workers)', vm?.process?.rendererMB ?? null, 'MB', '—', null, null, '—', vm ? `all Chromium processes ${vm.process?.chromiumTotalMB ?? '—'} MB PSS; page main-thread JS heap (CDP JSHeapUsedSize) ${vm.cdp?.jsHeapUsedMB ?? '—'} MB; measureUserAgentSpecificMemory: ${vm.userAgentSpecific?.bytes ? `${round(vm.userAgentSpecific.bytes / 2 ** 20, 1)} MB` : 'no answer once ONNX Runtime threads run'}` : '—');
const sep = cluster?.separated?.cone?.['average-linkage'];
const c10k = cluster?.realistic?.scale?.find((s) => s.n === 10_000);
const c100k = cluster?.realistic?.scale?.find((s) => s.n === 100_000);
row('Cluster ARI / NMI, realistic set, 10k (`cluster_ari`, `cluster_nmi`)' + busy(parts.cluster?.cpu), summary.cluster_ari != null ? `${summary.cluster_ari} / ${summary.cluster_nmi}` : null, '', 'leader alternative at 3k (ARI)', cluster?.realistic?.methods?.leader?.ari ?? null, null, '—', c10k ? `29 CLIP ImageNet classes; ${c10k.clustersOf2Plus} clusters of ≥ 2; ${c10k.ms} ms at 10k, ${c100k ? `${c100k.ms} ms at 100k` : '100k not run'}; well separated (cone) ARI ${sep?.ari ?? '—'}; fixture model ARI ${cluster?.fixture?.['average-linkage']?.ari ?? '—'}` : '—');
const cn = cluster?.realistic?.naming;
row('VLM naming calls per 1,000 photos', cn?.requestsAtOpen ?? null, '', 'clusters of ≥ 2', cn?.clustersAtOpen ?? null, ratio(cn?.requestsAtOpen, cn?.clustersAtOpen), '= clusters', cn ? `arriving ${cn.batch} at a time and named after every batch: ${cn.vlmCalls} calls` : '—');
row('Photo metadata read per item (`metadata_ms_per_item`)' + busy(parts.metadata?.cpu), summary.metadata_ms_per_item, 'ms', 'a 1920 × 1080 camera JPEG with date, offset, camera, lens, GPS', metadataRead?.summary?.metadata_ms_per_item_with_exif ?? null, ratio(summary.metadata_ms_per_item, metadataRead?.summary?.metadata_ms_per_item_with_exif), '—', metadataRead ? `exifr in Node, ${metadataRead.summary.photos} fixture photos × ${metadataRead.summary.rounds} rounds` : '—');
row('Query date-phrase parse, median (`query_parse_ms`)' + busy(parts['query-parse']?.cpu), summary.query_parse_ms, 'ms', 'chrono-node load on first use (once)', queryParse?.summary?.query_parse_chrono_load_ms ?? null, null, '—', queryParse ? `${queryParse.phrases} phrases × ${queryParse.rounds} parses in Node; slowest phrase ${queryParse.summary.query_parse_max_phrase_ms} ms; first parse ${queryParse.summary.query_parse_first_ms} ms` : '—');
row('WebGPU attempt', webgpu ? webgpu.status : null, '', '—', null, null, '—', webgpu?.detail ?? '—');

// ---------------------------------------------------------------- write

summary.notes = notes;
const totalS = RENDER_ONLY ? PREV.totalSeconds : round((Date.now() - t0) / 1000, 1);
const date = RENDER_ONLY ? new Date(PREV.date) : new Date();
const day = date.toISOString().slice(0, 10);
const slimParts = Object.fromEntries(Object.entries(parts).map(([k, v]) => [k, { status: v.status, seconds: v.seconds, file: v.file ?? null, cpu: v.cpu, loadavg1m: v.loadavg1m, notes: v.notes ?? [], ...(v.reusedFrom ? { reusedFrom: v.reusedFrom } : {}), ...(v.tail ? { tail: v.tail } : {}) }]));
const result = {
  date: date.toISOString(),
  generatedBy: 'npm run bench (bench/run-all.mjs)',
  totalSeconds: totalS,
  budgetSeconds: BUDGET_S,
  summary,
  versions,
  parts: slimParts,
  table: rows,
  details: {
    ingest: ingest ? { app: ingest.summary?.app ? Object.fromEntries(Object.entries(ingest.summary.app).map(([k, v]) => [k, { ...v.best, timeline: undefined, cpuSeries: undefined }])) : null, ortWeb: ortRuns.map(({ segments, ...r }) => r), node: nodeBest, ratios: ingest.ratios } : null,
    naive: naive?.variants ?? null,
    search100k: s100 ? { implementation: hnsw100?.impl ?? null, exact: s100.exact, text: text100, image: image100, memoryMB: mem100.mb, restoreMs: hnsw100?.r?.restoreMs ?? null, buildS: round((hnsw100?.r?.buildMs ?? NaN) / 1000, 1) } : null,
    query: query ? { encodeMs: query.encodeMs, model: query.model } : null,
    video: video ? { summary: video.summary, videos: video.videos, memory: video.memory } : null,
    phashAt10: ph10,
    webgpu,
    grid: grid ? { how: grid.how, seed: grid.seed, indexBuildMs: grid.indexBuildMs, coldStartMs: grid.coldStartMs, memory: grid.memory, scroll: grid.scroll } : null,
    cluster: cluster ? { choice: cluster.choice, summary: cluster.summary, separated: cluster.separated, realistic: cluster.realistic ? { methods: cluster.realistic.methods, scale: cluster.realistic.scale, naming: cluster.realistic.naming } : null, fixture: cluster.fixture } : null,
  },
};
mkdirSync(RESULTS, { recursive: true });
writeFileSync(join(RESULTS, `${day}.json`), `${JSON.stringify(result, null, 2)}\n`);
writeFileSync(join(RESULTS, 'latest.json'), `${JSON.stringify(result, null, 2)}\n`);

const md = [];
md.push(`# Shoebox benchmarks — ${day}`, '');
md.push(`Generated by \`npm run bench\` (bench/run-all.mjs) on ${date.toISOString()} in ${Math.floor(totalS / 60)} min ${Math.round(totalS % 60)} s (budget ${Math.round(BUDGET_S / 60)} min). How to reproduce and what each figure means: bench/README.md.`, '');
md.push(`- Machine: ${summary.machine}`);
md.push(`- Browser: ${summary.browser ?? '—'}`);
md.push(`- Backend: ${summary.backend}`);
md.push(`- Model: ${summary.model}`);
md.push(`- Versions: ${Object.entries(versions).map(([k, v]) => `${k} ${v ?? '—'}`).join(', ')}`);
md.push(`- Load: ${Object.entries(parts).filter(([, v]) => v.cpu).map(([k, v]) => `${k} ${v.seconds} s (others ${v.cpu.othersCores ?? '—'} cores)`).join('; ')}`);
md.push('');
md.push('| Figure | Value | Baseline | Baseline value | Ratio | Goal | Items / repeats |');
md.push('|---|---:|---|---:|---:|---|---|');
for (const r of rows) md.push(`| ${r.figure} | ${r.value == null ? '—' : `${f(r.value, r.unit ? 2 : 3)}${r.unit && typeof r.value === 'number' ? ` ${r.unit}` : ''}`} | ${r.baseline} | ${r.baselineValue == null ? '—' : `${f(r.baselineValue)}${r.unit && typeof r.baselineValue === 'number' ? ` ${r.unit}` : ''}`} | ${f(r.ratio, 3)} | ${r.goal} | ${r.items || '—'} |`);
md.push('');
md.push('⚠ = other processes used more than 0.25 core during that measurement (a shared machine); the figure is depressed by contention.', '');
md.push('## Notes', '');
for (const n of notes) md.push(`- ${n}`);
md.push('');
md.push(`Per-part results: ${Object.entries(parts).filter(([, v]) => v.file).map(([k, v]) => `${k} → \`${v.file}\``).join(', ')}.`, '');
writeFileSync(join(RESULTS, `${day}.md`), `${md.join('\n')}\n`);
log(`wrote bench/results/${day}.json, bench/results/${day}.md and bench/results/latest.json (total ${totalS} s)`);
console.log(md.join('\n'));
