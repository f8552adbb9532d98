#!/usr/bin/env node
// What the page's item map costs per item in V8's heap: full records (what the page kept before),
// one summary object each (src/lib/core/item-summary.ts, what it kept next) and the columns it
// keeps now (src/lib/core/item-summary-table.ts), in Node (V8, as Chromium's).
//
//   node --expose-gc bench/item-summary-heap.mjs [--count 100000] [--out item-summary-heap]
//
// Two libraries of `--count` records: the grid bench's seeded records (bench/grid.mjs
// `seedLibrary`: a photo each, no camera or position) and a camera roll's (every photo with a
// camera, a third with a GPS position and one of 60 places, 4 % videos with 12 keyframe times,
// 2 % Live Photos, 1 % near-duplicates). Each record goes through structuredClone, as IndexedDB
// gives the page a fresh copy of every string. For each, the heap after a full GC is read
// before and while the page's Map (id → item) plus the timeline's list of the same objects is
// held; the records are let go page by page (5,000) as the page reads them. The columns arrive as
// the summaries worker sends them (one structured clone, typed arrays transferred) and are held with
// the timeline's columns; their typed arrays are outside V8's heap (counted as `arrayBuffers`).
import { argValue, ROOT, writeResult, log, round } from './lib/bench-page.mjs';
import { createSsrLoader } from './lib/ssr-loader.mjs';

if (typeof globalThis.gc !== 'function') throw new Error('run with node --expose-gc');
const argv = process.argv.slice(2);
const COUNT = Number(argValue(argv, '--count', '100000'));
const OUT = argValue(argv, '--out', 'item-summary-heap');
const PAGE = 5000;

const server = await createSsrLoader(ROOT);
const { itemSummaryOf, itemSummaryColumns, columnBuffers } = await server.ssrLoadModule('/src/lib/core/item-summary.ts');
const { ItemSummaryTable } = await server.ssrLoadModule('/src/lib/core/item-summary-table.ts');
await server.close();

const hex = (k, n) => k.toString(16).padStart(n, '0');
const PLACES = Array.from({ length: 60 }, (_, i) => ({ city: `City ${i}`, region: `Region ${i % 12}`, country: `Country ${i % 7}`, countryCode: `C${i % 7}` }));

function seededRecord(k) {
  return {
    id: `seed-${String(k).padStart(6, '0')}-0000-4000-8000-000000000000`, name: `IMG_${String(k).padStart(6, '0')}.jpg`, type: 'image', mime: 'image/jpeg',
    sizeBytes: 2_000_000 + k, sha256: hex(k, 64), pHash: hex((k * 2654435761) % 2 ** 32, 16), width: 4000, height: 3000,
    addedAt: 1_765_000_000_000 + k, takenAtMs: 1_100_000_000_000 + k * 6_000_000 + 123, takenAtSource: 'file-modified', status: 'ready', blobLocation: 'opfs', metadataVersion: 1,
  };
}

function cameraRollRecord(k) {
  const r = { ...seededRecord(k), id: crypto.randomUUID(), takenAtSource: 'exif', takenAtOffsetMin: 60, metadataVersion: 2, camera: { make: 'Apple', model: `iPhone ${12 + (k % 4)}`, lens: 'iPhone back dual wide camera 5.1mm f/1.6' } };
  if (k % 3 === 0) Object.assign(r, { gps: { lat: 48 + (k % 100) / 1000, lon: 2 + (k % 77) / 1000 }, place: PLACES[k % PLACES.length], placeVersion: 1 });
  if (k % 25 === 0) Object.assign(r, { type: 'video', mime: 'video/mp4', name: `VID_${k}.mp4`, durationSec: 10 + (k % 50), decoder: 'webcodecs', frameTimestampsSec: Array.from({ length: 12 }, (_, i) => i * 1.25) });
  else if (k % 50 === 1) r.motion = { kind: 'live', name: `IMG_${k}.MOV`, mime: 'video/quicktime', sizeBytes: 3_000_000, sha256: hex(k + 7, 64), durationSec: 2.5, blobLocation: 'opfs' };
  if (k % 100 === 2) r.nearDuplicateOf = { id: `near-${k}`, name: `IMG_${k - 1}.jpg`, distance: 3 };
  if (k % 20 === 0) r.favourite = true;
  return r;
}

function heapUsed() {
  globalThis.gc();
  globalThis.gc();
  return process.memoryUsage().heapUsed;
}

/** Heap bytes per item (and typed arrays' bytes per item) while the page's table of `COUNT` items and its timeline are held. */
function measureColumns(makeRecord) {
  const places = new Map();
  const summaries = [];
  for (let k = 0; k < COUNT; k++) summaries.push(itemSummaryOf(structuredClone(makeRecord(k)), places));
  const buffersBefore = process.memoryUsage().arrayBuffers;
  const sent = itemSummaryColumns(summaries);
  summaries.length = 0;
  const before = heapUsed();
  const table = new ItemSummaryTable(structuredClone(sent, { transfer: columnBuffers(sent) }), new Map());
  const timeline = table.timeline();
  const held = heapUsed() - before;
  const buffers = process.memoryUsage().arrayBuffers - buffersBefore;
  if (table.size !== COUNT || timeline.ids.length !== COUNT) throw new Error('lost items');
  return { heap: held / COUNT, buffers: buffers / COUNT };
}

/** Heap bytes per item while `count` items, made by `convert` from records read a page at a time, are held. */
function measure(makeRecord, convert) {
  const before = heapUsed();
  const byId = new Map();
  const timeline = [];
  for (let start = 0; start < COUNT; start += PAGE) {
    const page = [];
    for (let k = start; k < Math.min(COUNT, start + PAGE); k++) page.push(structuredClone(makeRecord(k)));
    for (const a of page) {
      const item = convert(a);
      byId.set(item.id, item);
      timeline.push(item);
    }
  }
  const held = heapUsed() - before;
  if (byId.size !== COUNT || timeline.length !== COUNT) throw new Error('lost items');
  return held / COUNT;
}

const result = { count: COUNT, node: process.version, libraries: {} };
for (const [name, makeRecord] of [['seeded (bench/grid.mjs)', seededRecord], ['camera roll', cameraRollRecord]]) {
  const records = measure(makeRecord, (a) => a);
  const places = new Map();
  const summaries = measure(makeRecord, (a) => itemSummaryOf(a, places));
  const columns = measureColumns(makeRecord);
  const mb = (perItem) => round((perItem * COUNT) / 2 ** 20, 1);
  result.libraries[name] = {
    recordBytesPerItem: round(records, 1),
    summaryBytesPerItem: round(summaries, 1),
    columnsHeapBytesPerItem: round(columns.heap, 1),
    columnsBufferBytesPerItem: round(columns.buffers, 1),
    recordMb: mb(records),
    summaryMb: mb(summaries),
    columnsHeapMb: mb(columns.heap),
    columnsBufferMb: mb(columns.buffers),
  };
  log(
    `${name}: full records ${round(records, 1)} B/item (${mb(records)} MB), summaries ${round(summaries, 1)} B/item (${mb(summaries)} MB), ` +
      `columns ${round(columns.heap, 1)} B/item in the heap (${mb(columns.heap)} MB) + ${round(columns.buffers, 1)} B/item of typed arrays (${mb(columns.buffers)} MB)`,
  );
}
writeResult(OUT, result);
