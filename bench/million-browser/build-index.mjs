// Worker thread of bench/million-browser.mjs: builds the compact index as the app does
// (CompactVectorIndex.train on a sample, then every item added) over the library's vectors in a
// SharedArrayBuffer, while the main thread serves those vectors to Chromium for seeding. Posts the
// index bytes (transferred) and the times of each step.
import { parentPort, workerData } from 'node:worker_threads';
import { createSsrLoader } from '../lib/ssr-loader.mjs';
import { mulberry32 } from '../lib/vectors.mjs';

const { root, shared, n, dim, ids, modelKey } = workerData;
const vite = await createSsrLoader(root);
const { CompactIndex } = await vite.ssrLoadModule('/src/lib/core/compact-index.ts');
const { CompactVectorIndex, COMPACT_TRAIN_SAMPLE } = await vite.ssrLoadModule('/src/lib/index/compact-vector-index.ts');
await vite.close();

const vectors = Array.from({ length: n }, (_, i) => new Float32Array(shared, i * dim * 4, dim));
const rowOf = new Map(ids.map((id, i) => [id, i]));
const store = { getVectors: (want) => want.map((id) => vectors[rowOf.get(id)]) };
// The same sample as the bench's single-threaded build (seed 5), so results compare across runs.
const sampleRand = mulberry32(5);
const sample = Array.from({ length: Math.min(COMPACT_TRAIN_SAMPLE, n) }, () => vectors[Math.floor(sampleRand() * n)]);
let t = performance.now();
const index = CompactVectorIndex.train(sample, dim, n, modelKey, store);
const trainMs = performance.now() - t;
parentPort.postMessage({ progress: `trained ${index.compact.lists} lists + PQ ${index.compact.codec.codeBytes} B in ${(trainMs / 1000).toFixed(1)} s` });
t = performance.now();
for (let i = 0; i < n; i++) {
  index.add(ids[i], vectors[i]);
  if ((i + 1) % 100_000 === 0) parentPort.postMessage({ progress: `encoded ${i + 1} of ${n} in ${((performance.now() - t) / 1000).toFixed(0)} s` });
}
const buildMs = performance.now() - t;
const lists = index.compact.lists;
const codeBytes = index.compact.codec.codeBytes;
const memoryBytes = index.compact.memoryBytes;
t = performance.now();
const bytes = index.serialize();
const serializeMs = performance.now() - t;
t = performance.now();
CompactIndex.restore(bytes);
const restoreMs = performance.now() - t;
const copy = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : bytes.slice();
parentPort.postMessage({ done: { bytes: copy, trainMs, buildMs, serializeMs, restoreMs, lists, codeBytes, memoryBytes } }, [copy.buffer]);
