#!/usr/bin/env node
// `node bench/million-merge.mjs` — merges the 1M figures of the last bench/million.mjs run
// (bench/results/million.json) at the app's current search settings into latest.json, without
// measuring again: for when COMPACT_SEARCH changed after the sweep that chose it.
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createSsrLoader } from './lib/ssr-loader.mjs';
import { mergeMillionKeys } from './lib/million-keys.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const resultsDir = join(ROOT, 'bench/results');
const report = JSON.parse(readFileSync(join(resultsDir, 'million.json'), 'utf8'));
const vite = await createSsrLoader(ROOT);
const { COMPACT_SEARCH, compactProbesFor } = await vite.ssrLoadModule('/src/lib/index/compact-vector-index.ts');
await vite.close();
const written = mergeMillionKeys(resultsDir, report, { search: COMPACT_SEARCH, probesFor: compactProbesFor });
if (written.length === 0) {
  console.error("million.json holds no 1M sweep row at the app's settings (COMPACT_SEARCH): nothing merged");
  process.exit(1);
}
console.log(`merged into ${written.join(', ')}`);
