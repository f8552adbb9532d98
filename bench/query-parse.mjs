#!/usr/bin/env node
// query_parse_ms: time to split a search query into its date phrases and the text CLIP reads
// (parseTimeQuery, src/lib/core/query-time.ts), median over a table of phrases, in Node. The
// search box loads that module (and chrono-node with it) on first need; its one-off costs are
// measured apart: loading chrono-node, and the first parse (chrono builds its patterns then).
//
//   node bench/query-parse.mjs [--rounds 200] [--merge-latest]
//
// Writes bench/results/query-parse.json; --merge-latest also adds the keys to latest.json's
// summary and a line to the last run's dated Markdown (bench/lib/merge-latest.mjs).
import { writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createSsrLoader } from './lib/ssr-loader.mjs';
import { mergeIntoLatest } from './lib/merge-latest.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const RESULTS = join(ROOT, 'bench', 'results');
const argv = process.argv.slice(2);
const roundsArg = argv.indexOf('--rounds');
const ROUNDS = roundsArg >= 0 ? Number(argv[roundsArg + 1]) : 200;

/** Queries people type, with and without dates: what the search box parses on every search. */
const PHRASES = [
  'beach 2019',
  'snow in december',
  'last summer',
  'july 2023',
  'in Lisbon',
  'dog in paris 2021',
  '14 july 2023',
  'yesterday',
  'birthday 3 days ago',
  'last friday',
  'red 2019',
  'sunset in august 2018',
  'christmas 2020',
  'photos from 5 years ago',
  'winter 2017 mountains',
  'cat',
  'a red car parked by the sea',
  '2019-07-14',
  'IMG_1234.jpg',
  'spring 2022 cherry blossoms',
];

const ms = (t0) => performance.now() - t0;
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const round = (x, d = 4) => Number(x.toFixed(d));

// chrono-node cold, before anything else of ours loads it: the lazy chunk's main cost.
let t0 = performance.now();
await import('chrono-node');
const chronoLoadMs = ms(t0);

const vite = await createSsrLoader(ROOT);
try {
  t0 = performance.now();
  const { parseTimeQuery } = await vite.ssrLoadModule('/src/lib/core/query-time.ts');
  const moduleLoadMs = ms(t0);
  const nowMs = Date.UTC(2026, 11, 6, 12);
  const opts = { nowMs, timeZone: 'Europe/Lisbon' };
  t0 = performance.now();
  parseTimeQuery(PHRASES[0], opts);
  const firstParseMs = ms(t0);
  for (let r = 0; r < 20; r++) for (const q of PHRASES) parseTimeQuery(q, opts);
  const perPhrase = PHRASES.map((q) => {
    const times = [];
    for (let r = 0; r < ROUNDS; r++) {
      const t = performance.now();
      parseTimeQuery(q, opts);
      times.push(performance.now() - t);
    }
    const parsed = parseTimeQuery(q, opts);
    return { query: q, medianMs: round(median(times)), text: parsed.text, filters: parsed.filters.map((f) => f.phrase) };
  });
  const all = perPhrase.map((p) => p.medianMs);
  const result = {
    date: new Date().toISOString(),
    node: process.version,
    rounds: ROUNDS,
    phrases: PHRASES.length,
    summary: {
      query_parse_ms: round(median(all)),
      query_parse_max_phrase_ms: round(Math.max(...all)),
      query_parse_chrono_load_ms: round(chronoLoadMs, 1),
      query_parse_first_ms: round(firstParseMs, 2),
    },
    queryTimeModuleLoadMs: round(moduleLoadMs, 1),
    note: 'query_parse_ms: median over the phrases of each phrase\'s median of `rounds` parses (Node, after 20 warm-up rounds; timeZone Europe/Lisbon). chrono_load: `import("chrono-node")` cold in Node; first: the first parse after loading. The query-time module load through Vite includes its transform and is not a browser figure.',
    perPhrase,
  };
  writeFileSync(join(RESULTS, 'query-parse.json'), `${JSON.stringify(result, null, 1)}\n`);
  console.log(JSON.stringify(result.summary));
  if (argv.includes('--merge-latest')) {
    const s = result.summary;
    const written = mergeIntoLatest(RESULTS, s, {
      query_parse_ms: `${s.query_parse_ms} ms — parseTimeQuery (date phrases → chips, rest → CLIP), median over ${PHRASES.length} phrases × ${ROUNDS} parses, Node ${process.version}; slowest phrase ${s.query_parse_max_phrase_ms} ms. One-off on first use: chrono-node load ${s.query_parse_chrono_load_ms} ms, first parse ${s.query_parse_first_ms} ms (bench/query-parse.mjs, ${result.date}).`,
    });
    console.log(`merged into ${written.map((p) => p.slice(ROOT.length + 1)).join(', ') || 'nothing (no latest.json)'}`);
  }
} finally {
  await vite.close();
}
