// What the page keeps of every item: the fields the grid, its tiles, selection, favourites,
// albums, search results, clusters, duplicates and places read to draw and decide without waiting.
// The full record (hashes, mime, size in bytes, camera, position, a video's keyframe times, where
// the original lives) stays in IndexedDB and is read when something really needs it (the viewer's
// original and info panel, duplicates' sizes, export). At 100,000 items the full records held
// 55–85 MB of the page's heap; summaries of one fixed shape hold ~31 MB: the id and name strings,
// one object and two boxed dates each, and one place object per distinct place
// (bench/item-summary-heap.mjs measures both).
import type { AssetRecord, AssetType, ItemMotion, ItemPlace } from './records';

export interface ItemSummary {
  id: string;
  name: string;
  type: AssetType;
  /** When it was taken (ms since the epoch): the timeline's order. */
  takenAtMs: number;
  /** When it joined the library (ms since the epoch). */
  addedAt: number;
  /** Pixels, as stored: the viewer lays the photo out at this size before it is decoded. */
  width: number;
  height: number;
  favourite: boolean;
  /** Videos only. */
  durationSec: number | undefined;
  /** A Live Photo or Motion Photo: the tile's badge and the viewer's motion player. */
  motion: { readonly kind: ItemMotion['kind'] } | undefined;
  /** The tile's near-duplicate badge. */
  nearDuplicateOf: { readonly name: string } | undefined;
  /** Shared by every summary of the same place (the same object, so it costs one per place). */
  place: ItemPlace | undefined;
  /** Whether the record has a GPS position: Places says where places come from, and its lookup pass reads these. */
  hasPosition: boolean;
  /** Which places lookup `place` reflects (`PLACE_VERSION`); undefined when none ran. */
  placeVersion: number | undefined;
}

/** The two motion kinds' summaries, shared by every summary (they say the kind only). */
const MOTION_KINDS: Readonly<Record<ItemMotion['kind'], { readonly kind: ItemMotion['kind'] }>> = {
  live: Object.freeze({ kind: 'live' }),
  'motion-photo': Object.freeze({ kind: 'motion-photo' }),
};

/** Places by their fields, so summaries of one place share one object. */
export type SharedPlaces = Map<string, ItemPlace>;

function sharedPlace(place: ItemPlace, shared: SharedPlaces): ItemPlace {
  const key = `${place.countryCode}\u0000${place.country}\u0000${place.region ?? ''}\u0000${place.city ?? ''}`;
  let kept = shared.get(key);
  if (!kept) {
    kept = Object.freeze({
      country: place.country,
      countryCode: place.countryCode,
      ...(place.region !== undefined && { region: place.region }),
      ...(place.city !== undefined && { city: place.city }),
    });
    shared.set(key, kept);
  }
  return kept;
}

/**
 * Summaries that came from another worker share their places within each message only: this makes
 * them share one object per place with every summary made here from then on.
 */
export function sharePlaces(summaries: ItemSummary[], places: SharedPlaces): void {
  for (const s of summaries) if (s.place) s.place = sharedPlace(s.place, places);
}

/**
 * The summary of a record. Every property is set, in one order, so all summaries share one hidden
 * class in V8 (an object with a property missing is of another shape, and a mix of shapes costs
 * more memory and slower reads). Nothing of `record` is kept but its strings, so a page of records
 * read at start is garbage once summarised.
 */
export function itemSummaryOf(record: AssetRecord, places: SharedPlaces): ItemSummary {
  return {
    id: record.id,
    name: record.name,
    type: record.type,
    takenAtMs: record.takenAtMs,
    addedAt: record.addedAt,
    width: record.width,
    height: record.height,
    favourite: record.favourite === true,
    durationSec: record.durationSec,
    motion: record.motion ? MOTION_KINDS[record.motion.kind] : undefined,
    nearDuplicateOf: record.nearDuplicateOf ? { name: record.nearDuplicateOf.name } : undefined,
    place: record.place ? sharedPlace(record.place, places) : undefined,
    hasPosition: record.gps !== undefined,
    placeVersion: record.placeVersion,
  };
}
