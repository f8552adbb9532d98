/// <reference lib="webworker" />
import { expose } from 'comlink';
import { openLibraryDb } from '../src/lib/db/db';
import { setPlaces } from '../src/lib/db/place-repo';
import { nearestPlace, readPlacesTable, type PlacesTable } from '../src/lib/core/places-table';
import { PLACE_VERSION, placeOfHit } from '../src/lib/core/places';
import type { ItemPlace } from '../src/lib/core/records';

/** How the table came to this worker: what the bench and the diagnostics report. */
export interface TableLoad {
  bytes: number;
  fetchMs: number;
  parseMs: number;
}

let table: Promise<{ table: PlacesTable; load: TableLoad }> | null = null;

/**
 * The places table, fetched from the app's own files on first need (the service worker caches it
 * then). The page resolves its address: it knows where the app is served from.
 */
function loadTable(tableUrl: string): Promise<{ table: PlacesTable; load: TableLoad }> {
  table ??= (async () => {
    const t0 = performance.now();
    const res = await fetch(tableUrl);
    if (!res.ok) throw new Error(`The places table could not be read (HTTP ${res.status})`);
    const file = await res.arrayBuffer();
    const t1 = performance.now();
    const parsed = readPlacesTable(await unpacked(file));
    return { table: parsed, load: { bytes: file.byteLength, fetchMs: t1 - t0, parseMs: performance.now() - t1 } };
  })().catch((err: unknown) => {
    table = null;
    throw err;
  });
  return table;
}

/** The table file is gzipped; a host that sent it with Content-Encoding has had it unpacked by the browser already. */
async function unpacked(file: ArrayBuffer): Promise<ArrayBuffer> {
  const head = new Uint8Array(file, 0, Math.min(2, file.byteLength));
  if (head[0] !== 0x1f || head[1] !== 0x8b) return file;
  return new Response(new Blob([file]).stream().pipeThrough(new DecompressionStream('gzip'))).arrayBuffer();
}

const api = {
  /** Looks up the places of `ids` from their GPS positions and stores them; returns the ids whose place changed. */
  async placeItems(ids: string[], tableUrl: string): Promise<string[]> {
    const { table: t } = await loadTable(tableUrl);
    const db = await openLibraryDb();
    try {
      return await setPlaces(db, ids, (lat, lon) => placeOfHit(nearestPlace(t, lat, lon)), PLACE_VERSION);
    } finally {
      db.close();
    }
  },

  /** Places of positions, without storing anything (the bench). */
  async lookup(points: Array<{ lat: number; lon: number }>, tableUrl: string): Promise<{ places: Array<ItemPlace | undefined>; load: TableLoad; lookupMs: number }> {
    const { table: t, load } = await loadTable(tableUrl);
    const t0 = performance.now();
    const places = points.map((p) => placeOfHit(nearestPlace(t, p.lat, p.lon)));
    return { places, load, lookupMs: performance.now() - t0 };
  },
};

export type PlacesApi = typeof api;
expose(api);
