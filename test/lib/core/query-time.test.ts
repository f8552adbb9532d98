import { describe, expect, it } from 'vitest';
import { parseTimeQuery, YEAR_SPAN_FROM } from '../../../src/lib/core/query-time';
import { inTimeFilter, unionOfFilters, withoutTimePhrase, type TimeFilter } from '../../../src/lib/core/time-spans';

// Tokyo has no daylight saving time: local midnight is UTC 15:00 of the day before, all year.
const ZONE = 'Asia/Tokyo';
const OFFSET_MS = 9 * 3600_000;
/** Local midnight in Tokyo of y-m-d (month 1-based; overflow allowed). */
const at = (y: number, m: number, d = 1) => Date.UTC(y, m - 1, d) - OFFSET_MS;
// Sunday 6 December 2026, 12:00 in Tokyo.
const NOW_MS = Date.UTC(2026, 11, 6, 12) - OFFSET_MS;
const parse = (q: string) => parseTimeQuery(q, { nowMs: NOW_MS, timeZone: ZONE });
const plain = (f: TimeFilter) => ({ fromMs: f.fromMs, toMs: f.toMs, label: f.label });

describe('parseTimeQuery: one time phrase', () => {
  it.each([
    // query, CLIP text, [from, to), chip label
    ['beach 2019', 'beach', at(2019, 1), at(2020, 1), '2019'],
    ['red 2019', 'red', at(2019, 1), at(2020, 1), '2019'],
    ['in 2018', '', at(2018, 1), at(2019, 1), '2018'],
    ['dog in paris 2021', 'dog in paris', at(2021, 1), at(2022, 1), '2021'],
    ['2019-2021', '', at(2019, 1), at(2022, 1), '2019–2021'],
    ['boats 2019–21', 'boats', at(2019, 1), at(2022, 1), '2019–2021'],
    ['boats from 2019 to 2021', 'boats', at(2019, 1), at(2022, 1), '2019–2021'],
    ['boats between 2019 and 2021', 'boats', at(2019, 1), at(2022, 1), '2019–2021'],
    ['july 2023', '', at(2023, 7), at(2023, 8), 'July 2023'],
    ['beach July 2023', 'beach', at(2023, 7), at(2023, 8), 'July 2023'],
    ['party in dec 2020', 'party', at(2020, 12), at(2021, 1), 'December 2020'],
    ['summer of 2019', '', at(2019, 6), at(2019, 9), 'Summer 2019'],
    ['winter 2020', '', at(2019, 12), at(2020, 3), 'Winter 2019–20'],
    ['last summer', '', at(2026, 6), at(2026, 9), 'Summer 2026'],
    ['picnic last spring', 'picnic', at(2026, 3), at(2026, 6), 'Spring 2026'],
    // Now is December 2026: the winter that began this month is "this winter"; the last ended in February.
    ['snow this winter', 'snow', at(2026, 12), at(2027, 3), 'Winter 2026–27'],
    ['snow last winter', 'snow', at(2025, 12), at(2026, 3), 'Winter 2025–26'],
    ['yesterday', '', at(2026, 12, 5), at(2026, 12, 6), '5 Dec 2026'],
    ['cake today', 'cake', at(2026, 12, 6), at(2026, 12, 7), '6 Dec 2026'],
    ['3 days ago', '', at(2026, 12, 3), at(2026, 12, 4), '3 Dec 2026'],
    // Weeks start on Monday; 6 December 2026 is a Sunday.
    ['last week', '', at(2026, 11, 23), at(2026, 11, 30), '23 – 29 Nov 2026'],
    ['this week', '', at(2026, 11, 30), at(2026, 12, 7), '30 Nov – 6 Dec 2026'],
    ['past week', '', at(2026, 11, 30), at(2026, 12, 7), '30 Nov – 6 Dec 2026'],
    ['last month', '', at(2026, 11), at(2026, 12), 'November 2026'],
    ['dinner last year', 'dinner', at(2025, 1), at(2026, 1), '2025'],
    ['last sunday', '', at(2026, 11, 29), at(2026, 11, 30), '29 Nov 2026'],
    ['dog on 14 july 2023', 'dog', at(2023, 7, 14), at(2023, 7, 15), '14 Jul 2023'],
    ['last weekend', '', at(2026, 11, 28), at(2026, 11, 30), '28 – 29 Nov 2026'],
    ['this weekend', '', at(2026, 12, 5), at(2026, 12, 7), '5 – 6 Dec 2026'],
    ['dog 5 years ago', 'dog', at(2021, 1), at(2022, 1), '2021'],
    ['two months ago', '', at(2026, 10), at(2026, 11), 'October 2026'],
    ['a week ago', '', at(2026, 11, 23), at(2026, 11, 30), '23 – 29 Nov 2026'],
    ['hiking june to august 2023', 'hiking', at(2023, 6), at(2023, 9), 'June – August 2023'],
    ['ski between december and february 2020', 'ski', at(2019, 12), at(2020, 3), 'December – February 2020'],
    ['kids 2019.', 'kids', at(2019, 1), at(2020, 1), '2019'],
    ['fire last night', 'fire', at(2026, 12, 5), at(2026, 12, 6), '5 Dec 2026'],
    ['2023-07-14', '', at(2023, 7, 14), at(2023, 7, 15), '14 Jul 2023'],
    ['fireworks july 4 2023', 'fireworks', at(2023, 7, 4), at(2023, 7, 5), '4 Jul 2023'],
  ])('%j', (query, text, fromMs, toMs, label) => {
    const got = parse(query);
    expect(got.text).toBe(text);
    expect(got.filters.map(plain)).toEqual([{ fromMs, toMs, label }]);
  });
});

describe('parseTimeQuery: a month or season of any year', () => {
  it.each([
    ['snow in december', 'snow', 11, 1, 'December, any year'],
    ['december', '', 11, 1, 'December, any year'],
    ['snow december', 'snow', 11, 1, 'December, any year'],
    ['flowers in may', 'flowers', 4, 1, 'May, any year'],
    ['beach in summer', 'beach', 5, 3, 'Summer, any year'],
    ['beach summer', 'beach', 5, 3, 'Summer, any year'],
    ['leaves during fall', 'leaves', 8, 3, 'Autumn, any year'],
  ])('%j', (query, text, month0, months, label) => {
    const got = parse(query);
    expect(got.text).toBe(text);
    expect(got.filters).toHaveLength(1);
    const f = got.filters[0]!;
    expect(f.label).toBe(label);
    expect(f.spans).toHaveLength(2026 - YEAR_SPAN_FROM + 1);
    expect(f.spans![0]).toEqual({ fromMs: at(YEAR_SPAN_FROM, month0 + 1), toMs: at(YEAR_SPAN_FROM, month0 + 1 + months) });
    expect(f.spans!.at(-1)).toEqual({ fromMs: at(2026, month0 + 1), toMs: at(2026, month0 + 1 + months) });
    // In that month of 2011, not a day after.
    expect(inTimeFilter(f, at(2011, month0 + 1, 15))).toBe(true);
    expect(inTimeFilter(f, at(2011, month0 + 1 + months, 2))).toBe(false);
  });

  it('"july 4th" is that day of every year', () => {
    const [f] = parse('fireworks july 4th').filters;
    expect(f!.label).toBe('4 Jul, any year');
    expect(inTimeFilter(f!, at(2015, 7, 4) + 3600_000)).toBe(true);
    expect(inTimeFilter(f!, at(2015, 7, 5) + 3600_000)).toBe(false);
  });
});

describe('parseTimeQuery: words that only look like dates stay words', () => {
  it.each([
    'may flowers',
    'march of penguins',
    'sunday market',
    'beach may',
    'spring water',
    'fall colours',
    'summer dress on the beach',
    'dog in the evening',
    'flowers now',
    'party at 5pm',
    '1000 lanterns',
    'IMG-2019.jpg',
    'red car',
    'beach -people',
  ])('%j', (query) => {
    expect(parse(query)).toEqual({ text: query, filters: [] });
  });
});

describe('parseTimeQuery: open-ended periods', () => {
  it.each([
    ['dog since 2020', 'dog', at(2020, 1), 8.64e15, 'Since 2020', 'since 2020'],
    ['dog after july 2023', 'dog', at(2023, 8), 8.64e15, 'After July 2023', 'after july 2023'],
    ['dog before 2015', 'dog', -8.64e15, at(2015, 1), 'Before 2015', 'before 2015'],
  ])('%j', (query, text, fromMs, toMs, label, phrase) => {
    const got = parse(query);
    expect(got.text).toBe(text);
    expect(got.filters).toEqual([{ fromMs, toMs, label, phrase }]);
  });
});

describe('parseTimeQuery: several phrases and leftovers', () => {
  it('keeps the negative terms and the words between phrases', () => {
    const got = parse('beach -people in 2019 or summer 2021');
    expect(got.text).toBe('beach -people or');
    expect(got.filters.map((f) => f.label)).toEqual(['2019', 'Summer 2021']);
    expect(got.filters.map((f) => f.phrase)).toEqual(['in 2019', 'summer 2021']);
  });

  it('several filters are alternatives: their spans merge into one sorted list', () => {
    const { filters } = parse('2019 2018 july 2019');
    expect(unionOfFilters(filters)).toEqual([{ fromMs: at(2018, 1), toMs: at(2020, 1) }]);
  });

  it('is case-blind and keeps the typed words of the phrase', () => {
    const got = parse('Beach In JULY 2023');
    expect(got.text).toBe('Beach');
    expect(got.filters[0]!.phrase).toBe('In JULY 2023');
  });

  it('reads a year after the next one as a number, not a date', () => {
    expect(parse('route 2099').filters).toEqual([]);
  });
});

describe('parseTimeQuery: time zones', () => {
  it('a month in Lisbon starts at local midnight, an hour before UTC in summer', () => {
    const [f] = parseTimeQuery('july 2023', { nowMs: NOW_MS, timeZone: 'Europe/Lisbon' }).filters;
    expect(f!.fromMs).toBe(Date.UTC(2023, 6, 1) - 3600_000);
    expect(f!.toMs).toBe(Date.UTC(2023, 7, 1) - 3600_000);
  });

  it('"yesterday" depends on the zone\'s own date at the reference instant', () => {
    // 23:30 UTC on 5 Dec is already 6 Dec in Tokyo, still 5 Dec in Lisbon.
    const nowMs = Date.UTC(2026, 11, 5, 23, 30);
    expect(parseTimeQuery('yesterday', { nowMs, timeZone: ZONE }).filters[0]!.label).toBe('5 Dec 2026');
    expect(parseTimeQuery('yesterday', { nowMs, timeZone: 'Europe/Lisbon' }).filters[0]!.label).toBe('4 Dec 2026');
  });

  it("the machine's zone gives the same ranges as that zone named", () => {
    const machineZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    for (const q of ['beach 2019', 'july 2023', 'last week', 'snow in december', 'winter 2020']) {
      expect(parseTimeQuery(q, { nowMs: NOW_MS })).toEqual(parseTimeQuery(q, { nowMs: NOW_MS, timeZone: machineZone }));
    }
  });
});

describe('parseTimeQuery: speed', () => {
  it('parses a query in well under a millisecond (query_parse_ms)', () => {
    const queries = ['beach 2019', 'snow in december', 'last summer', 'july 2023', 'dog in paris 2021', 'red car', 'may flowers', 'yesterday', '2019-2021', 'dog on 14 july 2023'];
    for (const q of queries) parseTimeQuery(q, { nowMs: NOW_MS }); // chrono's first call builds its parsers
    const rounds = 50;
    const t0 = performance.now();
    for (let i = 0; i < rounds; i++) for (const q of queries) parseTimeQuery(q, { nowMs: NOW_MS });
    const perQueryMs = (performance.now() - t0) / (rounds * queries.length);
    console.log(`query_parse_ms ${perQueryMs.toFixed(4)}`);
    expect(perQueryMs).toBeLessThan(1);
  });
});

describe('withoutTimePhrase', () => {
  it.each([
    ['red 2019', '2019', 'red'],
    ['beach in July 2023 sunset', 'in July 2023', 'beach sunset'],
    ['2019', '2019', ''],
    ['red car', '2019', 'red car'],
  ])('%j without %j', (query, phrase, want) => {
    expect(withoutTimePhrase(query, { phrase })).toBe(want);
  });

  it('removing the chip of a parsed phrase leaves the other phrases to parse again', () => {
    const parsed = parse('dog in 2019 and last summer');
    const rest = withoutTimePhrase('dog in 2019 and last summer', parsed.filters[0]!);
    expect(rest).toBe('dog and last summer');
    expect(parse(rest).filters.map((f) => f.label)).toEqual(['Summer 2026']);
  });
});
