import type { Db } from './db';
import type { ItemPlace } from '../core/records';

/** Items written per transaction: one short transaction per slice keeps other writers waiting little. */
const SLICE = 200;

/**
 * Gives each of `ids` the place of its GPS position (`placeOf` runs synchronously inside the
 * transaction) and the mark of this lookup, so a pass cut off by a reload goes on where it
 * stopped. Items without a position get the mark only; items gone meanwhile are skipped.
 * Returns the ids whose place changed.
 */
export async function setPlaces(db: Db, ids: readonly string[], placeOf: (lat: number, lon: number) => ItemPlace | undefined, version: number): Promise<string[]> {
  const changed: string[] = [];
  for (let at = 0; at < ids.length; at += SLICE) {
    const tx = db.transaction('assets', 'readwrite');
    const records = await Promise.all(ids.slice(at, at + SLICE).map((id) => tx.store.get(id)));
    for (const current of records) {
      if (!current || current.placeVersion === version) continue;
      const place = current.gps ? placeOf(current.gps.lat, current.gps.lon) : undefined;
      const { place: before, ...rest } = current;
      if (JSON.stringify(before) !== JSON.stringify(place)) changed.push(current.id);
      void tx.store.put({ ...rest, ...(place ? { place } : {}), placeVersion: version });
    }
    await tx.done;
  }
  return changed;
}
