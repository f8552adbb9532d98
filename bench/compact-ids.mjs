#!/usr/bin/env node
// What a restored compact index keeps in memory after a filtered search, an add and a removal, at
// a million items: a restored index holds its ids packed as saved (core/compact-index.ts,
// core/packed-ids.ts); this bench shows whether those operations decode them all for good.
//
//   node --expose-gc bench/compact-ids.mjs [--count 1000000] [--base d7262dc] [--merge]
//
// The index: `--count` seeded unit vectors of 32 dimensions in int8 codes over 128 lists (small
// codes keep the build short; the ids' memory does not depend on the codes) under UUID-shaped ids
// (36 characters, as the app's), built once, saved, and restored in a child process per build:
// this worktree's sources, then those of `--base` (git archive), one right after the other. Each
// child restores the bytes, looks an id up once (as the start's check of the stored ids does, which
// builds the packed ids' table), then runs in turn, each followed by a full collection and a
// reading of the heap and of ArrayBuffers (process.memoryUsage):
//   - a search for the items of a place (`onlyIds`: 50 ids, with the library's id test on top),
//   - a search with a date-like test only (1 % of the items pass),
//   - one add of a new item, one removal, and the index saved;
//   - then restored again, one add as the first change (an import after a start, no search before).
// The full vectors a search re-ranks are made again from each id's seed (no float vectors held).
// --merge puts this build's JavaScript heap growth of the first filtered search and of the first add
// (compact_1m_first_filtered_search_heap_mb, compact_1m_first_add_heap_mb) into latest.json.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { argValue, ROOT, round } from './lib/bench-page.mjs';
import { mergeIntoLatest } from './lib/merge-latest.mjs';
import { createSsrLoader } from './lib/ssr-loader.mjs';
import { gaussian, mulberry32, normalizeInPlace } from './lib/vectors.mjs';

if (typeof globalThis.gc !== 'function') throw new Error('run with node --expose-gc');
const argv = process.argv.slice(2);
const CHILD = process.env.COMPACT_IDS_CHILD ? JSON.parse(process.env.COMPACT_IDS_CHILD) : null;
const COUNT = CHILD ? CHILD.count : Number(argValue(argv, '--count', '1000000'));
const BASE = argValue(argv, '--base', 'd7262dc');
const DIM = 32;
const LISTS = 128;
const K = 10;
const mb = (bytes) => round(bytes / 2 ** 20, 1);

/** The id of item `i`: UUID-shaped, its number in the last group (so the store can find its vector). */
const idOf = (i) => `${(Math.imul(i + 1, 2654435761) >>> 0).toString(16).padStart(8, '0')}-5a1e-4c0d-8e1f-${i.toString(16).padStart(12, '0')}`;
const itemOf = (id) => parseInt(id.slice(24), 16);
function vectorOf(i) {
  const g = gaussian(mulberry32(i + 1));
  return normalizeInPlace(Float32Array.from({ length: DIM }, g));
}
const store = { getVectors: (ids) => ids.map((id) => vectorOf(itemOf(id))) };

async function loadCompact(root) {
  const vite = await createSsrLoader(root);
  const core = await vite.ssrLoadModule('/src/lib/core/compact-index.ts');
  const { ScalarQuantizer } = await vite.ssrLoadModule('/src/lib/core/quantize.ts');
  await vite.close();
  return { ...core, ScalarQuantizer };
}

/** Heap and ArrayBuffers after a full collection, MB. */
function memory() {
  globalThis.gc();
  globalThis.gc();
  const m = process.memoryUsage();
  return { heapMb: mb(m.heapUsed), arrayBuffersMb: mb(m.arrayBuffers) };
}

async function child(root, bytesPath) {
  const { CompactIndex } = await loadCompact(root);
  let bytes = new Uint8Array(readFileSync(bytesPath));
  const steps = [];
  const step = async (name, run) => {
    const t = performance.now();
    const out = await run();
    const ms = round(performance.now() - t, 1);
    // Before the collection: what the step left, garbage included (its transient memory, as far as no collection ran during it).
    const left = process.memoryUsage();
    steps.push({ name, ms, leftMb: mb(left.heapUsed + left.arrayBuffers), ...memory(), ...(out === undefined ? {} : { out }) });
  };
  await step('before the restore (bytes read)', () => undefined);
  let index = CompactIndex.restore(bytes);
  bytes = null;
  await step('restored', () => undefined);
  await step('an id looked up (the start’s check)', () => index.has(idOf(7)));
  const query = vectorOf(COUNT + 1);
  const place = Array.from({ length: 50 }, (_, j) => idOf((j * 19_997 + 3) % COUNT));
  const placeSet = new Set(place);
  const probes = 13; // the app's share of 1 000 lists at 1M is ~10 %
  await step('search for the items of a place (50 ids)', async () => {
    // As the app asks (library-index.ts): the ids, and its id test on top (a build without `onlyIds` uses the test alone).
    const hits = await index.search(query, { k: K, candidates: 300, probes, onlyIds: place, filter: (id) => placeSet.has(id) }, store);
    return hits.map((h) => itemOf(h.id));
  });
  await step('search with a date-like test (1 % pass)', async () => (await index.search(query, { k: K, candidates: 300, probes, filter: (id) => itemOf(id) % 100 === 0 }, store)).map((h) => itemOf(h.id)));
  await step('one add', () => index.add('new-item-0000-4000-8000-000000000000', vectorOf(COUNT + 2)));
  await step('one removal', () => index.remove(idOf(11)));
  await step('saved', () => index.serialize().byteLength);
  const size = index.size;
  // A start whose first change is an add (an import), no search before it.
  index = null;
  await step('let go', () => undefined);
  index = CompactIndex.restore(new Uint8Array(readFileSync(bytesPath)));
  index.has(idOf(7));
  await step('restored again, an id looked up', () => undefined);
  await step('one add first', () => index.add('new-item-0000-4000-8000-000000000000', vectorOf(COUNT + 2)));
  return { size, steps };
}

if (CHILD) {
  process.stdout.write(JSON.stringify(await child(CHILD.root, CHILD.bytesPath)));
  process.exit(0);
}

const work = mkdtempSync(join(tmpdir(), 'compact-ids-'));
try {
  const baseRoot = join(work, 'base');
  execFileSync('bash', ['-c', `mkdir -p ${baseRoot} && git -C ${ROOT} archive ${BASE} src | tar -x -C ${baseRoot}`]);
  const { CompactIndex, ScalarQuantizer, trainCoarseCentroids } = await loadCompact(ROOT);
  const t = performance.now();
  const sample = Array.from({ length: 20_000 }, (_, j) => vectorOf(Math.floor((j * COUNT) / 20_000)));
  const centroids = trainCoarseCentroids(sample, DIM, { lists: LISTS, iterations: 4 });
  const index = new CompactIndex(ScalarQuantizer.train(sample, DIM), centroids, COUNT);
  for (let i = 0; i < COUNT; i++) index.add(idOf(i), vectorOf(i));
  const bytesPath = join(work, 'index.bin');
  writeFileSync(bytesPath, index.serialize());
  console.error(`[compact-ids] ${COUNT} items built and saved in ${round((performance.now() - t) / 1000, 1)} s, load ${loadavg()[0].toFixed(1)}`);
  const results = {};
  for (const [name, root] of [['this build', ROOT], [`base ${BASE}`, baseRoot]]) {
    const run = spawnSync(process.execPath, ['--expose-gc', process.argv[1]], { env: { ...process.env, COMPACT_IDS_CHILD: JSON.stringify({ root, bytesPath, count: COUNT }) }, encoding: 'utf8', maxBuffer: 1 << 24 });
    if (run.status !== 0) throw new Error(`${name}: ${run.stderr}`);
    results[name] = JSON.parse(run.stdout);
  }
  const names = Object.keys(results);
  console.log(`| step | ${names.map((n) => `${n}: heap / ArrayBuffers MB after a collection, heap + ArrayBuffers before it (ms)`).join(' | ')} |`);
  console.log(`|---|${names.map(() => '---:').join('|')}|`);
  results[names[0]].steps.forEach((s, k) => {
    console.log(`| ${s.name} | ${names.map((n) => { const r = results[n].steps[k]; return `${r.heapMb} / ${r.arrayBuffersMb}, ${r.leftMb} (${r.ms})`; }).join(' | ')} |`);
  });
  const answers = (n) => JSON.stringify(results[n].steps.map((s) => s.out));
  console.log(`the same answers (hits, sizes) in both builds: ${names.every((n) => answers(n) === answers(names[0])) ? 'yes' : 'NO'}`);
  const load = loadavg().map((x) => x.toFixed(1)).join(' ');
  console.log(`load average at the end: ${load}`);
  /** Growth of the JavaScript heap (after a collection) over the step before `name`. */
  const heapGrowth = (n, name) => {
    const steps = results[n].steps;
    const k = steps.findIndex((st) => st.name === name);
    return round(steps[k].heapMb - steps[k - 1].heapMb, 1);
  };
  const [mine, base] = names;
  const figures = {
    compact_1m_first_filtered_search_heap_mb: heapGrowth(mine, 'search for the items of a place (50 ids)'),
    compact_1m_first_add_heap_mb: heapGrowth(mine, 'one add first'),
  };
  const baseline = { compact_1m_first_filtered_search_heap_mb: heapGrowth(base, 'search for the items of a place (50 ids)'), compact_1m_first_add_heap_mb: heapGrowth(base, 'one add first') };
  console.log(`JavaScript heap growth, MB: ${JSON.stringify(figures)}; ${BASE}: ${JSON.stringify(baseline)}`);
  if (COUNT === 1_000_000 && argv.includes('--merge')) {
    const how = `node --expose-gc bench/compact-ids.mjs (a restored compact index of 1M UUID ids in Node, load ${load})`;
    mergeIntoLatest(join(ROOT, 'bench/results'), figures, {
      compact_1m_first_filtered_search_heap_mb: `${figures.compact_1m_first_filtered_search_heap_mb} MB of JavaScript heap kept by the first search for the items of a place after a start, against ${baseline.compact_1m_first_filtered_search_heap_mb} MB in ${BASE} (every id decoded); ${how}`,
      compact_1m_first_add_heap_mb: `${figures.compact_1m_first_add_heap_mb} MB kept by the first add after a start, against ${baseline.compact_1m_first_add_heap_mb} MB in ${BASE}; ${how}`,
    });
  }
  console.log(JSON.stringify(results));
} finally {
  rmSync(work, { recursive: true, force: true });
}
