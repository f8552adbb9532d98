#!/usr/bin/env node
// `node bench/million-node-merge.mjs` — merges the 1M figures that bench/million-browser.mjs measured in
// Node (BENCH_N=1000000 BENCH_BROWSER=0; bench/results/million-browser-1m.json) into latest.json: the
// sweep row at the app's COMPACT_SEARCH settings per query kind (the next wider swept share where
// the exact one was not swept), the compact index's typed arrays per item and its bytes.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './lib/bench-page.mjs';
import { createSsrLoader } from './lib/ssr-loader.mjs';
import { mergeIntoLatest } from './lib/merge-latest.mjs';

const resultsDir = join(ROOT, 'bench/results');
const { meta, node } = JSON.parse(readFileSync(join(resultsDir, 'million-browser-1m.json'), 'utf8'));
const vite = await createSsrLoader(ROOT);
const { COMPACT_SEARCH } = await vite.ssrLoadModule('/src/lib/index/compact-vector-index.ts');
await vite.close();
const rowFor = (kind) => {
  const { probeShare, candidates } = COMPACT_SEARCH[kind];
  const rows = node.sweep.filter((r) => r.candidates === candidates && r.probeShare >= probeShare - 1e-4).sort((a, b) => a.probeShare - b.probeShare);
  return rows[0];
};
const text = rowFor('text');
const image = rowFor('image');
const p50 = Math.max(text.text.p50, image.image.p50);
const recall = Math.round(((text.text.recall + image.image.recall) / 2) * 1000) / 1000;
const loadNote = `Node main thread, ${meta.date}, load average ${meta.loadAverage1m.start} → ${meta.loadAverage1m.end} on 2 shared cores: timings inflated several times by other jobs`;
const written = mergeIntoLatest(
  resultsDir,
  {
    search_1m_p50_ms: p50,
    search_1m_recall_at_10: recall,
    search_1m_exact_p50_ms: node.exactP50Ms,
    search_1m_codes_scanned_per_query: { text: text.scannedPerQuery, image: image.scannedPerQuery },
  },
  {
    search_1m_p50_ms: `${p50} ms: the slower kind's p50 at 1M synthetic CLIP-like items with the app's settings (text: ${text.probes} of ${node.lists} lists, ${text.candidates} candidates, p50 ${text.text.p50} ms; image: ${image.probes} lists, ${image.candidates} candidates, p50 ${image.image.p50} ms; full vectors from memory); the exact scan's p50 in the same run ${node.exactP50Ms} ms (${loadNote}; bench/million-browser.mjs)`,
    search_1m_recall_at_10: `${recall} = mean of text ${text.text.recall} and image ${image.image.recall} at the settings above, against the exact scan at 1M`,
    search_1m_codes_scanned_per_query: `codes scored per query at 1M (the work of a search, independent of load): text ${text.scannedPerQuery}, image ${image.scannedPerQuery} (of 1,000,000)`,
  },
);
console.log(`merged into ${written.join(', ')}`);
