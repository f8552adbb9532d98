/**
 * Places of items: what a lookup in the places table (places-table.ts) becomes on a record, the
 * keys an item is found by (its city, its region, its country), and the library's places grouped
 * country → city for the Places view.
 */
import type { ItemPlace } from './records';

/** What a position is near, from the places table (places-table.ts); `city` only within its city radius. */
export interface PlaceHit {
  city?: string;
  region?: string;
  countryCode: string;
  /** Great-circle distance to the place the answer came from, km. */
  distanceKm: number;
}

/** Format of the table file (places-table.ts); a new format gets a new address, so no cache serves the old one. */
export const PLACES_TABLE_FORMAT = 1;
/** Served beside the app, fetched by the places worker on first need (never precached). */
export const PLACES_TABLE_PATH = `places/places-v${PLACES_TABLE_FORMAT}.bin`;

/** Bump when the table or the lookup rule changes: items with an older mark are looked up again. */
export const PLACE_VERSION = 1;

/** Lower case without accents, for comparing names: "Zürich" and "zurich" are the same. */
export function foldName(s: string): string {
  return s.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase().trim();
}

let englishRegions: Intl.DisplayNames | null = null;

/** English name of an ISO country code ("PT" → "Portugal"); the code itself where unknown. */
export function countryName(code: string): string {
  try {
    englishRegions ??= new Intl.DisplayNames(['en'], { type: 'region' });
    return englishRegions.of(code) ?? code;
  } catch {
    return code;
  }
}

/**
 * The library's countries under their names in other languages (the user's own: "Spanien",
 * "Espagne"), so a query in those words finds them too. Same keys; names equal to a known one are left out.
 */
export function countryAliases(keys: readonly PlaceKey[], locales: readonly string[]): PlaceKey[] {
  const known = new Set(keys.map((k) => foldName(k.name)));
  const out: PlaceKey[] = [];
  for (const locale of locales) {
    let names: Intl.DisplayNames;
    try {
      names = new Intl.DisplayNames([locale], { type: 'region' });
    } catch {
      continue;
    }
    for (const k of keys) {
      if (k.level !== 'country') continue;
      const name = names.of(k.key.slice('country:'.length));
      if (!name || known.has(foldName(name))) continue;
      known.add(foldName(name));
      out.push({ ...k, name });
    }
  }
  return out;
}

/** The record's place for a lookup answer (undefined far from any place). */
export function placeOfHit(hit: PlaceHit | null): ItemPlace | undefined {
  if (!hit) return undefined;
  return {
    ...(hit.city ? { city: hit.city } : {}),
    ...(hit.region ? { region: hit.region } : {}),
    country: countryName(hit.countryCode),
    countryCode: hit.countryCode,
  };
}

/** One line for the info panel: "Lisbon, Lisbon, Portugal" without repeating a name. */
export function placeLine(place: ItemPlace): string {
  const parts = [place.city, place.region, place.country].filter((p): p is string => !!p);
  return parts.filter((p, i) => parts.indexOf(p) === i).join(', ');
}

export type PlaceLevel = 'city' | 'region' | 'country';

/** A place an item can be found by: its country, its region, or its city. */
export interface PlaceKey {
  level: PlaceLevel;
  /** "country:PT", "region:PT:Lisbon", "city:PT:Lisbon:Lisbon". */
  key: string;
  /** What the place is called. */
  name: string;
  /** Where it lies, for telling namesakes apart ("Lisbon, Portugal"). */
  within: string;
}

/** The keys of an item's place, country first. */
export function placeKeysOf(place: ItemPlace): PlaceKey[] {
  const cc = place.countryCode;
  const keys: PlaceKey[] = [{ level: 'country', key: `country:${cc}`, name: place.country, within: '' }];
  if (place.region) keys.push({ level: 'region', key: `region:${cc}:${place.region}`, name: place.region, within: place.country });
  if (place.city) keys.push({ level: 'city', key: `city:${cc}:${place.region ?? ''}:${place.city}`, name: place.city, within: placeLine({ ...place, city: undefined }) });
  return keys;
}

/** One card of the Places view: a city (or a region, for items known only that far). */
export interface PlaceCard {
  key: string;
  name: string;
  /** "Lisbon, Portugal". */
  within: string;
  count: number;
  /** Newest taken first, at most COVERS_PER_PLACE. */
  coverIds: string[];
}

export interface CountryGroup {
  key: string;
  name: string;
  count: number;
  places: PlaceCard[];
}

export const COVERS_PER_PLACE = 3;

interface PlacedItem {
  id: string;
  takenAtMs: number;
  place?: ItemPlace;
}

/**
 * The library's places: countries with the most items first (ties by name), each with its cities
 * (or its regions, for items without a city) in the same order. Items without a place are left out.
 */
export function groupPlaces(items: Iterable<PlacedItem>): CountryGroup[] {
  const countries = new Map<string, { group: CountryGroup; cards: Map<string, PlaceCard & { newest: PlacedItem[] }> }>();
  for (const item of items) {
    if (!item.place) continue;
    const keys = placeKeysOf(item.place);
    const country = keys[0]!;
    let entry = countries.get(country.key);
    if (!entry) countries.set(country.key, (entry = { group: { key: country.key, name: country.name, count: 0, places: [] }, cards: new Map() }));
    entry.group.count++;
    const finest = keys[keys.length - 1]!;
    if (finest.level === 'country') continue;
    let card = entry.cards.get(finest.key);
    if (!card) entry.cards.set(finest.key, (card = { key: finest.key, name: finest.name, within: finest.within, count: 0, coverIds: [], newest: [] }));
    card.count++;
    card.newest.push(item);
    // Keeps only the newest few: a city of 10,000 photos must not sort them all.
    if (card.newest.length > COVERS_PER_PLACE * 4) card.newest = newestFirst(card.newest).slice(0, COVERS_PER_PLACE);
  }
  const byCountThenName = <T extends { count: number; name: string }>(a: T, b: T) => b.count - a.count || a.name.localeCompare(b.name);
  return [...countries.values()]
    .map(({ group, cards }) => ({
      ...group,
      places: [...cards.values()].map(({ newest, ...card }) => ({ ...card, coverIds: newestFirst(newest).slice(0, COVERS_PER_PLACE).map((i) => i.id) })).sort(byCountThenName),
    }))
    .sort(byCountThenName);
}

function newestFirst(items: PlacedItem[]): PlacedItem[] {
  return [...items].sort((a, b) => b.takenAtMs - a.takenAtMs || (a.id < b.id ? -1 : 1));
}

/** Whether an item's place is, or lies in, one of the places `keys` names. */
export function inPlaces(place: ItemPlace | undefined, keys: ReadonlySet<string>): boolean {
  return !!place && placeKeysOf(place).some((k) => keys.has(k.key));
}
