#!/usr/bin/env node
// `node bench/pq-scan.mjs` — the product-quantiser code scan (ProductQuantizer.scoreCodes,
// src/lib/core/quantize.ts) over 200k codes of 128 bytes (CLIP ViT-B/32 at dim / 4), in lists of
// 1 000 as the compact index calls it: codes a whole number of words apart and word-aligned (read a
// word at a time) against the same codes one byte off alignment (read a byte at a time), in the
// same process, alternating. Random codebooks and codes: the scan's time does not depend on them.
// Prints the ratio and ns per code; merges nothing.
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadavg } from 'node:os';
import { createSsrLoader } from './lib/ssr-loader.mjs';
import { mulberry32 } from './lib/vectors.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const DIM = 512;
const CODE_BYTES = 128;
const N = 200_000;
const LIST = 1_000;
const ROUNDS = 15;
const vite = await createSsrLoader(ROOT);
const { ProductQuantizer } = await vite.ssrLoadModule('/src/lib/core/quantize.ts');
await vite.close();

const rand = mulberry32(3);
const pq = new ProductQuantizer(DIM, CODE_BYTES, Float32Array.from({ length: DIM * 256 }, () => rand() - 0.5));
const aligned = Uint8Array.from({ length: N * CODE_BYTES }, () => Math.floor(rand() * 256));
const unaligned = new Uint8Array(N * CODE_BYTES + 1).subarray(1);
unaligned.set(aligned);
const prepared = pq.prepare(Float32Array.from({ length: DIM }, () => rand() - 0.5));
const out = new Float64Array(LIST);
const scan = (codes) => {
  for (let at = 0; at < N; at += LIST) pq.scoreCodes(prepared, codes.subarray(at * CODE_BYTES, (at + LIST) * CODE_BYTES), LIST, out);
};
scan(aligned);
scan(unaligned);
const ms = { word: [], byte: [] };
for (let r = 0; r < ROUNDS; r++) {
  let t = performance.now();
  scan(aligned);
  ms.word.push(performance.now() - t);
  t = performance.now();
  scan(unaligned);
  ms.byte.push(performance.now() - t);
}
const median = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];
const word = median(ms.word);
const byte = median(ms.byte);
console.log(
  `${N} codes of ${CODE_BYTES} B in lists of ${LIST}, median of ${ROUNDS}: word reads ${word.toFixed(1)} ms (${((word * 1e6) / N).toFixed(0)} ns/code), ` +
    `byte reads ${byte.toFixed(1)} ms (${((byte * 1e6) / N).toFixed(0)} ns/code), ratio ${(word / byte).toFixed(3)}; load average ${loadavg()[0].toFixed(2)} (${process.version})`,
);
