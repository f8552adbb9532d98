// The 1M figures of bench/million.mjs at the app's own search settings (COMPACT_SEARCH and
// compactProbesFor in src/lib/index/compact-vector-index.ts), merged into latest.json: by
// bench/million.mjs at the end of a run, and by bench/million-merge.mjs from the saved
// bench/results/million.json when the settings changed after the sweep (nothing measured again).
import { mergeIntoLatest } from './merge-latest.mjs';

const round = (x, d = 3) => Math.round(x * 10 ** d) / 10 ** d;
const RECALL_GOAL = 0.95;
const P50_GOAL_MS = 20;

/**
 * @param resultsDir  bench/results
 * @param report      the contents of million.json ({ meta, sizes })
 * @param app         { search: COMPACT_SEARCH, probesFor: compactProbesFor }
 * @returns the files written; [] when the 1M sweep holds no row at the app's settings
 */
export function mergeMillionKeys(resultsDir, report, app) {
  const big = report.sizes.find((s) => s.n === 1_000_000);
  if (!big) return [];
  // the variant the app uses: residual PQ of dim / 4 bytes (128 at 512 dimensions)
  const name = Object.keys(big.codecs).find((k) => /^pq128-ivf\d+-residual$/.test(k));
  if (!name) return [];
  const r = big.codecs[name];
  const lists = big.lists ?? Number(/ivf(\d+)/.exec(name)[1]);
  const rowFor = (kind) => {
    const knobs = app.search[kind];
    const probes = app.probesFor(lists, kind);
    return r.sweep.find((row) => row.probes === probes && row.candidates === knobs.candidates && (row.rerankBatch ?? null) === (knobs.rerankBatch ?? null));
  };
  const text = rowFor('text');
  const image = rowFor('image');
  if (!text || !image) return [];
  const nText = big.queries.text;
  const nImage = big.queries.image;
  const p50 = Math.max(text.text.p50, image.image.p50);
  const recall = round((text.text.recall * nText + image.image.recall * nImage) / (nText + nImage));
  const scanned = Math.round((text.scannedPerQuery.text * nText + image.scannedPerQuery.image * nImage) / (nText + nImage));
  const goalMet = text.text.recall >= RECALL_GOAL && image.image.recall >= RECALL_GOAL;
  const settingOf = (row) => `${row.probes} of ${lists} lists probed, ${row.candidates} candidates read ${row.rerankBatch ?? 'all'} at a time (${row.fetchedPerQuery} read per query)`;
  const p50Note = (ms) => (ms <= P50_GOAL_MS ? `goal ≤ ${P50_GOAL_MS} ms met` : `above the ${P50_GOAL_MS} ms goal at this load`);
  const where = `Node main thread, measured ${big.measuredAt}, load average ${big.loadAverage1m.start} → ${big.loadAverage1m.end} on 2 shared cores, timings inflated by other jobs; bench/million.mjs`;
  const bytesPerItem = { memory: Math.round(r.memoryBytesPerItem), storage: 512 * 4 + r.codeBytes };
  return mergeIntoLatest(
    resultsDir,
    {
      search_1m_p50_ms: p50,
      search_1m_text_p50_ms: text.text.p50,
      search_1m_image_p50_ms: image.image.p50,
      search_1m_recall_at_10: recall,
      search_1m_exact_p50_ms: big.exact.all.p50,
      search_1m_codes_scanned_per_query: scanned,
      bytes_per_item: bytesPerItem,
      memory_1m_mb: r.memoryMB,
    },
    {
      search_1m_p50_ms: `${p50} ms: the slower query kind's p50 (not the median over all queries, which a half of fast image queries pulls down) at 1M synthetic CLIP-like items with the app's settings: text p50 ${text.text.p50} ms, image ${image.image.p50} ms (${p50Note(p50)}); ${name} codes, re-ranked exactly with vectors from memory; the exact scan took ${big.exact.all.p50} ms in the same run (${where})`,
      search_1m_text_p50_ms: `${text.text.p50} ms p50 of ${nText} text queries at 1M (${p50Note(text.text.p50)}), recall@10 ${text.text.recall}; ${settingOf(text)}; same run as search_1m_p50_ms`,
      search_1m_image_p50_ms: `${image.image.p50} ms p50 of ${nImage} image queries at 1M (${p50Note(image.image.p50)}), recall@10 ${image.image.recall}; ${settingOf(image)}; same run as search_1m_p50_ms`,
      search_1m_recall_at_10: `${recall} over all queries (text ${text.text.recall}, image ${image.image.recall}) against the exact scan at 1M in the same run, the app's settings; goal ${RECALL_GOAL} ${goalMet ? 'met by both kinds' : 'NOT met'}`,
      search_1m_codes_scanned_per_query: `${scanned} PQ codes scored per query at 1M, mean over all queries (text ${text.scannedPerQuery.text}, image ${image.scannedPerQuery.image}; ${r.codeBytes} table look-ups each; the work of a search, independent of load), the app's settings`,
      bytes_per_item: `${bytesPerItem.memory} B in memory per item at 1M (${r.codeBytes} B of code + list membership + the id string and its map entry), ${bytesPerItem.storage} B in storage (float32 vector + code)`,
      memory_1m_mb: `${r.memoryMB} MB: the Node heap + ArrayBuffers the compact index adds at 1M (codes, lists, ids), NOT the browser's renderer + workers; the full vectors stay in storage`,
    },
  );
}
