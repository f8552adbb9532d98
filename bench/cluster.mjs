#!/usr/bin/env node
// `node bench/cluster.mjs` — clustering quality and cost (src/lib/core/cluster.ts), in Node.
//
// Sets, each with a known truth:
//  (a) well separated: 24 groups of unit vectors around random centres (cos to own centre ≈ 0.75),
//      once with centres spread over the sphere and once in a narrow cone (centre–centre cos ≈ 0.7,
//      the CLIP situation);
//  (b) realistic: synthetic CLIP-like photos around the REAL CLIP ViT-B/32 text prototypes of 29
//      ImageNet classes (../shared/data/embeddings/clip_vitb32_imagenet_zeroshot), built as in
//      bench/search.mjs (modality direction, per-class image direction, per-scene direction, noise;
//      bursts of 1–16 photos per scene, class popularity Zipf 0.8) with one change: classes of one
//      family (dogs, cats, birds, vehicles, foods, landscapes) share 60 % of their image direction, so
//      fine-grained siblings (Labrador vs golden retriever) are close, as they are in CLIP. Truth =
//      the class. Skipped with a message when ../shared is absent;
//      A second draw with 300 random ImageNet classes (no families) at the largest size shows the
//      cost when a library has hundreds of clusters (the assignment pass is O(n·k·dim));
//  (c) the fixture model (test/fixtures/models/shoebox-fixture-clip) on generated colour photos
//      (12 colours × 8, noise and off-colour shapes), embedded in Node; truth = the colour.
// Reported: ARI and NMI (src/lib/core/cluster-metrics.ts) against the truth, clusters (all / of ≥ 2
// items), time; both candidate algorithms side by side; a τ sweep (DEFAULT_TAU comes from it; the
// 10k/100k sets are new draws of the same generator, so their ARI is not a held-out figure); the
// chosen one at 10k and 100k; and VLM calls per 1,000 photos: the naming requests of the app's
// ClusterService over fake IndexedDB for a library of 1,000 photos, against its clusters of ≥ 2, and
// the worst case of the same photos arriving 50 at a time, named after every batch.
// Writes bench/results/cluster.{json,md}. Options: --quick (no 100k run), env BENCH_CLUSTER_SIZES.
import 'fake-indexeddb/auto';
import { existsSync, mkdirSync, readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execFileSync } from 'node:child_process';
import { createSsrLoader } from './lib/ssr-loader.mjs';
import { gaussian, mulberry32, normalizeInPlace, randomUnit, readPrototypes } from './lib/vectors.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const PROTO_PATH = resolve(ROOT, '../shared/data/embeddings/clip_vitb32_imagenet_zeroshot/zeroshot_weights_512x1000_fp16.npy');
const CLASSES_PATH = resolve(ROOT, '../shared/data/embeddings/clip_vitb32_imagenet_zeroshot/imagenet_classes.json');
const RESULTS = join(ROOT, 'bench/results');
const QUICK = process.argv.includes('--quick');
const SIZES = process.env.BENCH_CLUSTER_SIZES ? JSON.parse(process.env.BENCH_CLUSTER_SIZES) : QUICK ? [10_000] : [10_000, 100_000];
const DIM = 512;
const COMPARE_N = 3000;
const TAUS = [0.1, 0.14, 0.18, 0.22, 0.26, 0.3, 0.35, 0.4];
const t0 = performance.now();
const log = (...a) => console.error(`[${((performance.now() - t0) / 1000).toFixed(0).padStart(4)} s]`, ...a);
const round = (x, d = 3) => (Number.isFinite(x) ? Math.round(x * 10 ** d) / 10 ** d : x);

const vite = await createSsrLoader(ROOT);
const { clusterVectors, DEFAULT_TAU } = await vite.ssrLoadModule('/src/lib/core/cluster.ts');
const { adjustedRandIndex, normalizedMutualInfo } = await vite.ssrLoadModule('/src/lib/core/cluster-metrics.ts');

// ---------------------------------------------------------------- data
function mix(parts) {
  const v = new Float32Array(DIM);
  for (const [w, u] of parts) for (let d = 0; d < DIM; d++) v[d] += w * u[d];
  return v;
}
/** Class columns `classes` of the (512, 1000) float16 prototype matrix, L2-normalised. */
const loadPrototypes = (classes) => readPrototypes(PROTO_PATH, classes).protos;

/** (a): `groups` centres; `cone` puts them in a narrow cone. */
function separatedSet(n, groups, cone, seed) {
  const rand = mulberry32(seed);
  const g = gaussian(rand);
  const axis = randomUnit(g);
  const centres = Array.from({ length: groups }, () => (cone ? normalizeInPlace(mix([[0.84, axis], [0.54, randomUnit(g)]])) : randomUnit(g)));
  const vectors = [];
  const truth = [];
  for (let i = 0; i < n; i++) {
    const c = i % groups;
    vectors.push(normalizeInPlace(mix([[1, centres[c]], [0.88, randomUnit(g)]])));
    truth.push(c);
  }
  return { vectors, truth };
}

const FAMILIES = {
  dogs: [207, 208, 235, 162, 254],
  cats: [281, 283, 284],
  birds: [11, 15, 22, 130, 84],
  vehicles: [817, 779, 555, 671, 404, 814],
  foods: [963, 933, 928, 954, 949, 967],
  landscapes: [978, 970, 980, 975],
};

/** (b): scenes of photos around real CLIP class prototypes (see the header); `wide` = that many random classes, no families. */
function realisticWorld(seed, wide = 0) {
  const pickRand = mulberry32(seed + 1000);
  const families = wide ? Object.fromEntries(Array.from({ length: wide }, (_, i) => [`c${i}`, [Math.floor(pickRand() * 1000)]])) : FAMILIES;
  const classes = [...new Set(Object.values(families).flat())];
  const familyOf = wide ? classes.map((_, i) => i) : Object.values(FAMILIES).flatMap((f, fi) => f.map(() => fi));
  const protos = loadPrototypes(classes);
  const rand = mulberry32(seed);
  const g = gaussian(rand);
  const modality = randomUnit(g);
  const familyImage = (wide ? classes : Object.keys(FAMILIES)).map(() => randomUnit(g));
  const classImage = classes.map((_, c) => normalizeInPlace(mix([[0.6, familyImage[familyOf[c]]], [0.8, randomUnit(g)]])));
  const perm = classes.map((_, i) => i).sort(() => rand() - 0.5);
  const cum = [];
  let total = 0;
  for (let i = 0; i < classes.length; i++) cum.push((total += 1 / (i + 1) ** 0.8));
  const pickClass = () => {
    const x = rand() * total;
    return perm[cum.findIndex((c) => c >= x)];
  };
  const generate = (n) => {
    const vectors = [];
    const truth = [];
    while (vectors.length < n) {
      const c = pickClass();
      const tau = rand();
      const a = 0.26 + 0.08 * tau;
      const k = Math.sqrt(0.12 + 0.16 * tau);
      const sc = Math.sqrt(0.55 - a * a - k * k);
      const centre = mix([[a, protos[c]], [0.6, modality], [k, classImage[c]], [sc, randomUnit(g)]]);
      const noise = Math.sqrt(0.05 + 0.3 * rand());
      const size = 1 + Math.floor(rand() * 16);
      for (let i = 0; i < size && vectors.length < n; i++) {
        vectors.push(normalizeInPlace(mix([[1, centre], [noise, randomUnit(g)]])));
        truth.push(c);
      }
    }
    return { vectors, truth };
  };
  return { generate, classes: classes.length };
}

/** (c): colour photos through the fixture model in Node (onnxruntime-node). */
async function fixtureSet() {
  const { AutoProcessor, CLIPVisionModelWithProjection, RawImage, env } = await import('@huggingface/transformers');
  const { CONCEPTS } = await import(join(ROOT, 'scripts/make-fixture-model.mjs'));
  const base = mkdtempSync(join(tmpdir(), 'shoebox-cluster-bench-'));
  execFileSync(process.execPath, [join(ROOT, 'scripts/make-fixture-model.mjs'), '--out', join(base, 'shoebox-fixture-clip')]);
  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  env.localModelPath = `${base}/`;
  const processor = await AutoProcessor.from_pretrained('shoebox-fixture-clip');
  const vision = await CLIPVisionModelWithProjection.from_pretrained('shoebox-fixture-clip', { dtype: 'fp32' });
  const rand = mulberry32(7);
  const vectors = [];
  const truth = [];
  const w = 96;
  const h = 72;
  for (const [ci, c] of CONCEPTS.entries()) {
    for (let k = 0; k < 8; k++) {
      const data = new Uint8ClampedArray(w * h * 3);
      const rx = Math.floor(rand() * w * 0.6);
      const ry = Math.floor(rand() * h * 0.6);
      const base = c.rgb.map((x) => x * 255 + (rand() - 0.5) * 30);
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          const inShape = x >= rx && x < rx + w * 0.3 && y >= ry && y < ry + h * 0.3;
          for (let ch = 0; ch < 3; ch++) data[(y * w + x) * 3 + ch] = (inShape ? 128 : base[ch]) + (rand() - 0.5) * 40;
        }
      }
      const { pixel_values } = await processor(new RawImage(data, w, h, 3));
      const { image_embeds } = await vision({ pixel_values });
      vectors.push(normalizeInPlace(Float32Array.from(image_embeds.data)));
      truth.push(ci);
    }
  }
  rmSync(base, { recursive: true, force: true });
  return { vectors, truth, groups: CONCEPTS.length };
}

// ---------------------------------------------------------------- measuring
function measure(set, opts = {}, memory = null) {
  const started = performance.now();
  const sample = () => {
    if (!memory) return;
    const m = process.memoryUsage();
    memory.peak = Math.max(memory.peak, m.heapUsed + m.arrayBuffers);
  };
  const r = clusterVectors(set.vectors, memory ? { ...opts, onProgress: sample } : opts);
  sample();
  const ms = performance.now() - started;
  const sizes = new Map();
  for (const l of r.labels) sizes.set(l, (sizes.get(l) ?? 0) + 1);
  const multi = [...sizes.values()].filter((s) => s >= 2);
  return {
    n: set.vectors.length,
    ari: round(adjustedRandIndex(set.truth, r.labels)),
    nmi: round(normalizedMutualInfo(set.truth, r.labels)),
    clusters: r.clusterCount,
    clustersOf2Plus: multi.length,
    itemsInClustersOf2Plus: round(multi.reduce((a, b) => a + b, 0) / set.vectors.length),
    threshold: round(r.threshold),
    background: round(r.background),
    ms: Math.round(ms),
  };
}

/** VLM calls while `n` photos arrive in batches of 50 through the app's ClusterService (fake IndexedDB). */
async function namingCalls(set, batch = 50) {
  const { openLibraryDb } = await vite.ssrLoadModule('/src/lib/db/db.ts');
  const { ClusterService } = await vite.ssrLoadModule('/src/lib/clustering/cluster-service.ts');
  const modelKey = 'bench@q8';
  const ids = set.vectors.map((_, i) => `p${String(i).padStart(6, '0')}`);
  const put = async (db, from, to) => {
    const tx = db.transaction(['assets', 'embeddings'], 'readwrite');
    for (let i = from; i < Math.min(ids.length, to); i++) {
      void tx.objectStore('assets').put({ id: ids[i], name: `${ids[i]}.jpg`, type: 'image', mime: 'image/jpeg', sizeBytes: 1, sha256: ids[i], pHash: '0', width: 1, height: 1, addedAt: i, status: 'ready', blobLocation: 'idb' });
      void tx.objectStore('embeddings').put({ id: ids[i], modelId: modelKey, dim: DIM, vector: set.vectors[i] });
    }
    await tx.done;
  };
  // A library of these photos opened for the first time: one request per cluster shown.
  const whole = await openLibraryDb(`bench-cluster-${Math.random().toString(36).slice(2)}`);
  await put(whole, 0, ids.length);
  const firstStore = new ClusterService(whole);
  const opened = await firstStore.init(modelKey);
  const requestsAtOpen = (await firstStore.namingRequests()).length;
  whole.close();

  const db = await openLibraryDb(`bench-cluster-${Math.random().toString(36).slice(2)}`);
  const store = new ClusterService(db);
  await store.init(modelKey);
  let calls = 0;
  for (let s = 0; s < ids.length; s += batch) {
    await put(db, s, s + batch);
    await store.assign(ids.slice(s, s + batch));
    for (const r of await store.namingRequests()) {
      calls++;
      await store.applyName({ clusterId: r.clusterId, membershipHash: r.membershipHash, name: `Named ${calls}` });
    }
  }
  const shown = (await store.list()).filter((c) => c.count >= 2).length;
  // The same photos clustered at once (a full re-cluster): one call per cluster of ≥ 2.
  const afterRecluster = (await store.recluster()).filter((c) => c.count >= 2).length;
  const forced = (await store.namingRequests(true)).length;
  db.close();
  return { photos: ids.length, clustersAtOpen: opened.filter((c) => c.count >= 2).length, requestsAtOpen, batch, vlmCalls: calls, clustersShownAtEnd: shown, clustersAfterRecluster: afterRecluster, requestsAfterReclusterForced: forced };
}

// ---------------------------------------------------------------- run
const out = { date: new Date().toISOString(), machine: { cpus: cpus().length, model: cpus()[0]?.model, loadAtStart: loadavg().map((x) => round(x, 2)) }, defaultTau: DEFAULT_TAU, notes: [] };

log('(a) well separated');
out.separated = {};
for (const [name, cone] of [['spread', false], ['cone', true]]) {
  const set = separatedSet(COMPARE_N, 24, cone, cone ? 11 : 10);
  out.separated[name] = { 'average-linkage': measure(set), leader: measure(set, { method: 'leader' }) };
  log(name, JSON.stringify(out.separated[name]));
}

const haveShared = existsSync(PROTO_PATH) && existsSync(CLASSES_PATH);
if (!haveShared) {
  out.notes.push(`(b) skipped: ${PROTO_PATH} not found (../shared absent); cluster_ari / cluster_nmi are null`);
  log(out.notes.at(-1));
} else {
  const world = realisticWorld(5);
  const names = JSON.parse(readFileSync(CLASSES_PATH, 'utf8'));
  out.realistic = { classes: Object.fromEntries(Object.entries(FAMILIES).map(([f, cs]) => [f, cs.map((c) => names[c])])) };
  const set = world.generate(COMPARE_N);
  log('(b) methods at', COMPARE_N);
  out.realistic.methods = { 'average-linkage': measure(set), leader: measure(set, { method: 'leader' }) };
  log(JSON.stringify(out.realistic.methods));
  log('(b) tau sweep');
  out.realistic.tauSweep = TAUS.map((tau) => ({ tau, ...measure(set, { tau }), leader: measure(set, { tau, method: 'leader' }) }));
  for (const r of out.realistic.tauSweep) log(`tau ${r.tau}: ARI ${r.ari} NMI ${r.nmi} clusters ${r.clustersOf2Plus}; leader ARI ${r.leader.ari}`);
  out.realistic.scale = [];
  for (const n of SIZES) {
    const big = realisticWorld(6).generate(n);
    global.gc?.();
    const before = process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
    const memory = { peak: before };
    const m = measure(big, {}, memory);
    m.peakGrowthMB = round((memory.peak - before) / 2 ** 20, 1);
    m.vectorsMB = round((n * DIM * 4) / 2 ** 20, 1);
    out.realistic.scale.push(m);
    log(`(b) n=${n}: ${JSON.stringify(m)}`);
  }
  const WIDE = Number(process.env.BENCH_CLUSTER_WIDE ?? (QUICK ? 0 : 300));
  if (WIDE) {
    const n = SIZES.at(-1);
    const wideWorld = realisticWorld(9, WIDE);
    out.realistic.wide = { classes: wideWorld.classes, ...measure(wideWorld.generate(n)) };
    log(`(b) ${WIDE} random classes, n=${n}: ${JSON.stringify(out.realistic.wide)}`);
  }
  log('(b) naming calls for 1,000 photos');
  out.realistic.naming = await namingCalls(realisticWorld(8).generate(1000));
  log(JSON.stringify(out.realistic.naming));
}

log('(c) fixture model');
try {
  const set = await fixtureSet();
  out.fixture = { photos: set.vectors.length, colours: set.groups, 'average-linkage': measure(set), leader: measure(set, { method: 'leader' }) };
  log(JSON.stringify(out.fixture));
} catch (err) {
  out.fixture = null;
  out.notes.push(`(c) fixture model not run: ${err instanceof Error ? err.message : String(err)}`);
  log(out.notes.at(-1));
}

const al = out.realistic?.methods?.['average-linkage'];
const ld = out.realistic?.methods?.leader;
out.choice = al && ld
  ? `average linkage: realistic set ARI ${al.ari} / NMI ${al.nmi} vs leader ${ld.ari} / ${ld.nmi} at n = ${COMPARE_N}`
  : 'realistic set not run; the choice rests on the well-separated sets';
out.summary = {
  set: 'realistic (b), n = 10000, default τ',
  cluster_ari: out.realistic?.scale?.find((s) => s.n === 10_000)?.ari ?? null,
  cluster_nmi: out.realistic?.scale?.find((s) => s.n === 10_000)?.nmi ?? null,
};
out.seconds = round((performance.now() - t0) / 1000, 1);
await vite.close();

mkdirSync(RESULTS, { recursive: true });
writeFileSync(join(RESULTS, 'cluster.json'), `${JSON.stringify(out, null, 2)}\n`);
const md = [];
md.push(`# Clustering (${out.date.slice(0, 10)})`, '');
md.push(`\`node bench/cluster.mjs\`, Node ${process.version}, ${out.machine.cpus} × ${out.machine.model}, load at start ${out.machine.loadAtStart.join(' ')}. τ = ${DEFAULT_TAU} (threshold T = b + (1 − b)·τ). ${out.seconds} s in all.`, '');
md.push(`Choice: ${out.choice}.`, '');
md.push('| set | method | n | ARI | NMI | clusters (≥ 2 items) | share in clusters ≥ 2 | T | ms |', '|---|---|---|---|---|---|---|---|---|');
const row = (set, method, m) => md.push(`| ${set} | ${method} | ${m.n} | ${m.ari} | ${m.nmi} | ${m.clusters} (${m.clustersOf2Plus}) | ${m.itemsInClustersOf2Plus} | ${m.threshold} | ${m.ms} |`);
for (const [name, r] of Object.entries(out.separated)) for (const [method, m] of Object.entries(r)) row(`(a) well separated, ${name}, 24 groups`, method, m);
if (out.realistic) {
  for (const [method, m] of Object.entries(out.realistic.methods)) row('(b) realistic, 29 classes', method, m);
  for (const m of out.realistic.scale) row('(b) realistic, 29 classes', 'average-linkage', m);
  if (out.realistic.wide) row(`(b) realistic, ${out.realistic.wide.classes} random ImageNet classes, no families`, 'average-linkage', out.realistic.wide);
}
if (out.fixture) for (const method of ['average-linkage', 'leader']) row(`(c) fixture model, ${out.fixture.colours} colours`, method, out.fixture[method]);
if (out.realistic) {
  md.push('', 'τ sweep, realistic set, n = 3000 (ARI / NMI / clusters of ≥ 2):', '', '| τ | average linkage | leader |', '|---|---|---|');
  for (const r of out.realistic.tauSweep) md.push(`| ${r.tau} | ${r.ari} / ${r.nmi} / ${r.clustersOf2Plus} | ${r.leader.ari} / ${r.leader.nmi} / ${r.leader.clustersOf2Plus} |`);
  const nm = out.realistic.naming;
  md.push('', `VLM calls per 1,000 photos (realistic set; naming requests of the app's ClusterService): **${nm.requestsAtOpen}** for a library of 1,000 photos opened and named once, against ${nm.clustersAtOpen} clusters of ≥ 2 (goal: equal). Worst case, the same photos arriving ${nm.batch} at a time with every request answered after each batch: ${nm.vlmCalls} calls (a growing cluster is named again at each +25 %), ${nm.clustersShownAtEnd} clusters of ≥ 2 at the end; a full re-cluster then gives ${nm.clustersAfterRecluster}.`);
  md.push('', `Memory at scale: peak growth of heap + ArrayBuffers while clustering, sampled at each phase (the input vectors not included): ${out.realistic.scale.map((s) => `${s.n}: ${s.peakGrowthMB} MB (vectors ${s.vectorsMB} MB)`).join('; ')}.`);
}
md.push('', `\`cluster_ari\` / \`cluster_nmi\` in the bench summary are the realistic set at n = 10,000: ${out.summary.cluster_ari} / ${out.summary.cluster_nmi}.`);
for (const n of out.notes) md.push('', `Note: ${n}`);
writeFileSync(join(RESULTS, 'cluster.md'), `${md.join('\n')}\n`);
log('wrote bench/results/cluster.{json,md}');
