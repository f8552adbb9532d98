#!/usr/bin/env node
// `node bench/text-ranker-ab.mjs --base DIR --cache FILE` — the text ranker of another checkout
// (DIR: e.g. `git worktree add` or `git archive <ref> | tar -x -C DIR`, with node_modules linked)
// against this one's, on the same HNSW of int8 codes at 100k, in one Node process: per query the
// two alternate, each timed right after an exact scan of the library (as bench/search-codes.mjs
// times it in a worker: the ranker's memory is cold then). On a shared machine both see the same
// load, so their ratio holds where each one's p50 does not. FILE is bench/search-codes.mjs's
// `--cache` (bench/search.mjs's 100k library, built with residual codes); nothing is written.
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createSsrLoader } from './lib/ssr-loader.mjs';
import { gaussian, mulberry32 } from './lib/vectors.mjs';
import { generateLibrary, loadPrototypes, makeQueries, makeWorld } from './lib/clip-world.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const arg = (name) => {
  const at = process.argv.indexOf(name);
  return at > 0 ? process.argv[at + 1] : undefined;
};
const BASE = arg('--base');
const CACHE = arg('--cache');
if (!BASE || !CACHE) throw new Error('usage: node bench/text-ranker-ab.mjs --base DIR --cache FILE');
const N = 100_000;
const PASSES = 3;
const { protos } = loadPrototypes(gaussian(mulberry32(1), { pairs: true }), console.error);
const world = makeWorld(protos, 7, true);
const library = generateLibrary(world, N);
// bench/search.mjs draws the 10k queries first from the same world: drawn here too, so the 100k ones are its own.
makeQueries(world, protos, library, 10_000, 11 + 10_000, { text: 150, image: 150 });
const queries = makeQueries(world, protos, library, N, 11 + N, { text: 150, image: 150 }).text;
const bytes = new Uint8Array(readFileSync(CACHE));

/** A checkout's HNSW restored from the cache into its own text ranker, axes fitted and rows projected, as its index worker does. */
async function rankerOf(root) {
  const vite = await createSsrLoader(root, {});
  const { Hnsw } = await vite.ssrLoadModule('/src/lib/core/hnsw.ts');
  const { decodeIndex, ExactIndex } = await vite.ssrLoadModule('/src/lib/core/vector-index.ts');
  const { TEXT_SAMPLE, TextRanker } = await vite.ssrLoadModule('/src/lib/search/text-ranker.ts');
  const { RESCORE_EXTRA } = await vite.ssrLoadModule('/src/lib/index/choose-index.ts');
  const hnsw = Hnsw.fromDecodedInto(decodeIndex(bytes), (coder) => TextRanker.create(coder));
  const ranker = hnsw.codeStore;
  const ids = hnsw.ids();
  const step = Math.max(1, ids.length / TEXT_SAMPLE);
  const sample = [];
  for (let x = 0; x < ids.length; x += step) sample.push(hnsw.get(ids[Math.floor(x)]));
  ranker.fitAxes(sample);
  ranker.projectUpTo(hnsw.nodeCount);
  const idOf = (row) => hnsw.idOfNode(row);
  return { vite, hnsw, ExactIndex, search: (q) => hnsw.refine(q, ranker.candidates(q, 10 + RESCORE_EXTRA, idOf), 10) };
}

const load = () => Math.round(loadavg()[0] * 100) / 100;
const base = await rankerOf(resolve(BASE));
const here = await rankerOf(ROOT);
const exact = new here.ExactIndex(512, 'ab', N);
for (let node = 0; node < here.hnsw.nodeCount; node++) {
  const id = here.hnsw.idOfNode(node);
  exact.add(id, library.vectors[Number(id.slice(3))]);
}
const truth = queries.map((q) => new Set(exact.search(q, { k: 10 }).map((h) => h.id)));
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const loadAtStart = load();
const rows = { base: { ms: [], hits: 0 }, here: { ms: [], hits: 0 } };
const exactMs = [];
for (const q of queries.slice(0, 20)) {
  base.search(q);
  here.search(q);
}
for (let pass = 0; pass < PASSES; pass++) {
  queries.forEach((q, i) => {
    for (const name of pass % 2 ? ['here', 'base'] : ['base', 'here']) {
      let started = performance.now();
      exact.search(q, { k: 10 });
      exactMs.push(performance.now() - started);
      started = performance.now();
      const found = (name === 'base' ? base : here).search(q);
      rows[name].ms.push(performance.now() - started);
      if (pass === 0) rows[name].hits += found.filter((h) => truth[i].has(h.id)).length;
    }
  });
}
const exactP50 = median(exactMs);
console.log(`Node ${process.version}, load average ${loadAtStart} → ${load()}; exact scan p50 ${exactP50.toFixed(2)} ms`);
for (const [name, label] of [['base', resolve(BASE)], ['here', ROOT]]) {
  const p50 = median(rows[name].ms);
  console.log(`${label}: text p50 ${p50.toFixed(3)} ms, ÷ exact ${(p50 / exactP50).toFixed(4)}, recall@10 ${(rows[name].hits / (10 * queries.length)).toFixed(3)}`);
}
await base.vite.close();
await here.vite.close();
