import { describe, expect, it } from 'vitest';
import { parsePlaceQuery } from '../../../src/lib/core/query-place';
import { countryAliases, groupPlaces, inPlaces, placeKeysOf, placeLine, type PlaceKey } from '../../../src/lib/core/places';
import type { ItemPlace } from '../../../src/lib/core/records';

const LISBON: ItemPlace = { city: 'Lisbon', region: 'Lisbon', country: 'Portugal', countryCode: 'PT' };
const PORTO: ItemPlace = { city: 'Porto', region: 'Porto', country: 'Portugal', countryCode: 'PT' };
const PARIS: ItemPlace = { city: 'Paris', region: 'Île-de-France', country: 'France', countryCode: 'FR' };
const PARIS_TX: ItemPlace = { city: 'Paris', region: 'Texas', country: 'United States', countryCode: 'US' };
const ZURICH: ItemPlace = { city: 'Zürich', region: 'Zurich', country: 'Switzerland', countryCode: 'CH' };
const NICE: ItemPlace = { city: 'Nice', region: "Provence-Alpes-Côte d'Azur", country: 'France', countryCode: 'FR' };
const SPAIN_ONLY: ItemPlace = { region: 'Andalusia', country: 'Spain', countryCode: 'ES' };
const GEORGIA: ItemPlace = { city: 'Tbilisi', region: 'Tbilisi', country: 'Georgia', countryCode: 'GE' };
const LIBRARY: PlaceKey[] = [LISBON, PORTO, PARIS, PARIS_TX, ZURICH, NICE, SPAIN_ONLY, GEORGIA].flatMap(placeKeysOf);

const parse = (q: string) => parsePlaceQuery(q, LIBRARY);

describe('parsePlaceQuery: place phrases', () => {
  it.each([
    // query, CLIP text, [chip label, phrase]
    ['in Lisbon', '', [['Lisbon', 'in Lisbon']]],
    ['lisbon', '', [['Lisbon', 'lisbon']]],
    ['dog in paris', 'dog', [['Paris', 'in paris']]],
    ['red in lisbon', 'red', [['Lisbon', 'in lisbon']]],
    ['Spain', '', [['Spain', 'Spain']]],
    ['photos from portugal', '', [['Portugal', 'from portugal']]],
    ['pictures taken in Porto', '', [['Porto', 'in Porto']]],
    ['beach near porto', 'beach', [['Porto', 'near porto']]],
    ['ZURICH', '', [['Zürich', 'ZURICH']]],
    ['zürich lake', 'lake', [['Zürich', 'zürich']]],
    ['Île-de-France', '', [['Île-de-France', 'Île-de-France']]],
    ['ile-de-france at night', 'at night', [['Île-de-France', 'ile-de-france']]],
    ['lisbon or porto', '', [['Lisbon', 'lisbon'], ['Porto', 'porto']]],
    ['trams in lisbon and porto', 'trams and', [['Lisbon', 'in lisbon'], ['Porto', 'porto']]],
    ['andalusia', '', [['Andalusia', 'andalusia']]],
    // A common word counts as a place only with a preposition or alone.
    ['nice sunset', 'nice sunset', []],
    ['sunset in nice', 'sunset', [['Nice', 'in nice']]],
    ['nice', '', [['Nice', 'nice']]],
    ['georgia with her dog', 'georgia with her dog', []],
    ['mountains in georgia', 'mountains', [['Georgia', 'in georgia']]],
    // Not at a word boundary, or not a place of this library.
    ['parisian cafe', 'parisian cafe', []],
    ['dog in berlin', 'dog in berlin', []],
    ['lisbon-2019.jpg', 'lisbon-2019.jpg', []],
    ['', '', []],
  ])('%j → CLIP %j', (query, text, chips) => {
    const q = parse(query);
    expect(q.text).toBe(text);
    expect(q.filters.map((f) => [f.label, f.phrase])).toEqual(chips);
  });

  it('a name several places share is one filter over all of them', () => {
    const { filters } = parse('in paris');
    expect(filters).toHaveLength(1);
    expect(new Set(filters[0]!.keys)).toEqual(new Set(['city:FR:Île-de-France:Paris', 'city:US:Texas:Paris']));
    expect(inPlaces(PARIS_TX, new Set(filters[0]!.keys))).toBe(true);
    expect(inPlaces(LISBON, new Set(filters[0]!.keys))).toBe(false);
  });

  it('a city named like its region matches the items of the region too', () => {
    const keys = new Set(parse('lisbon').filters[0]!.keys);
    expect(keys).toEqual(new Set(['region:PT:Lisbon', 'city:PT:Lisbon:Lisbon']));
    expect(inPlaces({ region: 'Lisbon', country: 'Portugal', countryCode: 'PT' }, keys)).toBe(true);
  });

  it('a country finds its cities; a place finds nothing without a place', () => {
    const keys = new Set(parse('portugal').filters[0]!.keys);
    expect([LISBON, PORTO, PARIS].map((p) => inPlaces(p, keys))).toEqual([true, true, false]);
    expect(inPlaces(undefined, keys)).toBe(false);
  });
});

describe('places of the library', () => {
  it("countries are found under their names in the user's languages too", () => {
    const aliases = countryAliases(LIBRARY, ['de', 'fr']);
    expect(aliases.find((k) => k.name === 'Spanien')?.key).toBe('country:ES');
    expect(aliases.find((k) => k.name === 'Espagne')?.key).toBe('country:ES');
    // Names the library already has are not repeated ("Portugal" in German and French).
    expect(aliases.filter((k) => k.key === 'country:PT')).toEqual([]);
    expect(aliases.every((k) => k.level === 'country')).toBe(true);
    const { text, filters } = parsePlaceQuery('strand in spanien', [...LIBRARY, ...aliases]);
    expect([text, filters.map((f) => [f.label, f.keys])]).toEqual(['strand', [['Spanien', ['country:ES']]]]);
  });

  it('one line without repeated names', () => {
    expect(placeLine(LISBON)).toBe('Lisbon, Portugal');
    expect(placeLine(PARIS)).toBe('Paris, Île-de-France, France');
    expect(placeLine(SPAIN_ONLY)).toBe('Andalusia, Spain');
  });

  it('groups country → city, most items first, with the newest as covers', () => {
    const items = [
      { id: 'a', takenAtMs: 1, place: LISBON },
      { id: 'b', takenAtMs: 5, place: LISBON },
      { id: 'c', takenAtMs: 3, place: PORTO },
      { id: 'd', takenAtMs: 2, place: PARIS },
      { id: 'e', takenAtMs: 9 },
      { id: 'f', takenAtMs: 4, place: { country: 'Portugal', countryCode: 'PT' } },
      ...Array.from({ length: 20 }, (_, i) => ({ id: `l${i}`, takenAtMs: 100 + i, place: LISBON })),
    ];
    const groups = groupPlaces(items);
    expect(groups.map((g) => [g.name, g.count])).toEqual([['Portugal', 24], ['France', 1]]);
    expect(groups[0]!.places.map((p) => [p.name, p.within, p.count])).toEqual([['Lisbon', 'Lisbon, Portugal', 22], ['Porto', 'Porto, Portugal', 1]]);
    expect(groups[0]!.places[0]!.coverIds).toEqual(['l19', 'l18', 'l17']);
  });
});
