import type { PlacesApi } from '../../../workers/places.worker';
import { PLACES_TABLE_PATH } from '../core/places';
import { handle } from './worker-handle';

/**
 * Looks up and stores the places of items with a GPS position, in a worker of its own that ends
 * with the pass: the places table (a few MB) is held only while there is something to look up.
 */
export async function placeItemsInWorker(ids: string[]): Promise<string[]> {
  const w = handle<PlacesApi>(new Worker(new URL('../../../workers/places.worker.ts', import.meta.url), { type: 'module', name: 'places' }));
  try {
    return await w.api.placeItems(ids, new URL(PLACES_TABLE_PATH, document.baseURI).href);
  } finally {
    w.terminate();
  }
}
