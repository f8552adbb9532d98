import { describe, expect, it } from 'vitest';
import {
  columnsFor,
  compareNewestFirst,
  groupByDay,
  keepInPlace,
  layoutRows,
  localDayKey,
  filterTimeline,
  mergeTimeline,
  orderNewestFirst,
  timelineColumnsOf,
  timelineKeys,
  neighbourIndex,
  newestAdded,
  monthAtRow,
  monthIndex,
  ROW_HEADER,
  ROW_TILES,
  rowAtOffset,
  rowOfItem,
  type GridLayout,
} from '../../../src/lib/core/timeline';

// Local-time dates, so the tests hold in any time zone.
const at = (y: number, m: number, d: number, h = 12) => new Date(y, m - 1, d, h).getTime();
const HEIGHTS = { tilesPx: 100, headerPx: 40 };

/** Rows as readable tuples: ['h', day's first item, day count] or ['t', first item, tiles]. */
const rowsOf = (l: GridLayout) => Array.from({ length: l.rows }, (_, r) => [l.kind[r] === ROW_HEADER ? 'h' : 't', l.first[r], l.count[r]]);

describe('compareNewestFirst', () => {
  it('orders by date taken, then date added, then id', () => {
    const items = [
      { id: 'b', takenAtMs: 10, addedAt: 5 },
      { id: 'a', takenAtMs: 10, addedAt: 5 },
      { id: 'c', takenAtMs: 30, addedAt: 1 },
      { id: 'd', takenAtMs: 10, addedAt: 9 },
    ];
    expect(items.sort(compareNewestFirst).map((i) => i.id)).toEqual(['c', 'd', 'a', 'b']);
  });

  it('orders columns by date taken, then date added, then id, with their dates', () => {
    const ordered = orderNewestFirst(['b', 'a', 'c', 'd'], [10, 10, 30, 10], [5, 5, 1, 9]);
    expect(ordered.ids).toEqual(['c', 'd', 'a', 'b']);
    expect([...ordered.takenAtMs]).toEqual([30, 10, 10, 10]);
    expect([...ordered.addedAt]).toEqual([1, 9, 5, 5]);
  });

  it('merges new items into ordered columns, replacing ones with the same id', () => {
    const ordered = timelineColumnsOf([
      { id: 'z', takenAtMs: 10, addedAt: 0 },
      { id: 'x', takenAtMs: 50, addedAt: 0 },
      { id: 'y', takenAtMs: 30, addedAt: 0 },
    ]);
    expect(ordered.ids).toEqual(['x', 'y', 'z']);
    const merged = mergeTimeline(ordered, [
      { id: 'n1', takenAtMs: 5, addedAt: 0 },
      { id: 'n2', takenAtMs: 40, addedAt: 0 },
      { id: 'y', takenAtMs: 60, addedAt: 7 },
    ]);
    expect(merged.ids).toEqual(['y', 'x', 'n2', 'z', 'n1']);
    expect([...merged.takenAtMs]).toEqual([60, 50, 40, 10, 5]);
    expect([...merged.addedAt]).toEqual([7, 0, 0, 0, 0]);
    expect(ordered.ids).toEqual(['x', 'y', 'z']);
  });

  it('drops entries from ordered columns, keeping the order and the dates', () => {
    const ordered = orderNewestFirst(['a', 'b', 'c'], [3, 2, 1], [0, 0, 9]);
    const kept = filterTimeline(ordered, (id) => id !== 'b');
    expect(kept.ids).toEqual(['a', 'c']);
    expect([...kept.takenAtMs]).toEqual([3, 1]);
    expect([...kept.addedAt]).toEqual([0, 9]);
  });
});

describe('newestAdded', () => {
  it('keeps the n items added last, newest first', () => {
    const items = [5, 1, 9, 3, 7, 9, 2].map((addedAt, i) => ({ id: `i${i}`, takenAtMs: 0, addedAt }));
    expect(newestAdded(items, 3).map((i) => i.id)).toEqual(['i2', 'i5', 'i4']);
    expect(newestAdded(items.slice(0, 2), 3).map((i) => i.id)).toEqual(['i0', 'i1']);
    const ordered = orderNewestFirst(items.map((i) => i.id), items.map((i) => i.takenAtMs), items.map((i) => i.addedAt));
    expect(newestAdded(timelineKeys(ordered), 3)).toEqual([
      { id: 'i2', takenAtMs: 0, addedAt: 9 },
      { id: 'i5', takenAtMs: 0, addedAt: 9 },
      { id: 'i4', takenAtMs: 0, addedAt: 7 },
    ]);
  });
});

describe('groupByDay', () => {
  it('groups an ordered list into runs of local days', () => {
    const dates = [at(2019, 7, 14, 20), at(2019, 7, 14, 9), at(2019, 7, 14, 0), at(2019, 7, 13, 23), at(2019, 7, 13, 1)];
    expect(groupByDay(dates)).toEqual([
      { dayKey: 20190714, first: 0, count: 3 },
      { dayKey: 20190713, first: 3, count: 2 },
    ]);
    expect(localDayKey(at(2020, 1, 2, 23))).toBe(20200102);
    expect(groupByDay([])).toEqual([]);
    // Out of order (results by relevance are not grouped, but the function must not merge days).
    expect(groupByDay([at(2019, 7, 14), at(2019, 7, 13), at(2019, 7, 14)]).map((g) => g.count)).toEqual([1, 1, 1]);
    // Midnight starts a new day; the last millisecond before it does not.
    expect(groupByDay([at(2019, 7, 15, 0), new Date(2019, 6, 14, 23, 59, 59, 999).getTime(), at(2019, 7, 14, 0)]).map((g) => g.dayKey)).toEqual([20190715, 20190714]);
  });
});

describe('layoutRows', () => {
  it('7 items on 2 days at 3 columns: header, 3 rows (the last with 1 tile), header, 1 row', () => {
    const dates = [...Array(4).fill(at(2019, 7, 14)), ...Array(3).fill(at(2019, 7, 13))];
    const days = groupByDay(dates);
    expect(days.map((d) => d.count)).toEqual([4, 3]);
    const l = layoutRows(7, days, 3, HEIGHTS);
    expect(rowsOf(l)).toEqual([
      ['h', 0, 4],
      ['t', 0, 3],
      ['t', 3, 1],
      ['h', 4, 3],
      ['t', 4, 3],
    ]);
    expect([...l.offsetsPx]).toEqual([0, 40, 140, 240, 280, 380]);
    expect([...l.rowOfGroup]).toEqual([0, 3]);
    expect([...l.group]).toEqual([0, 0, 0, 1, 1]);
  });

  it('without days, items fill rows of the column count', () => {
    const l = layoutRows(7, null, 3, HEIGHTS);
    expect(rowsOf(l)).toEqual([
      ['t', 0, 3],
      ['t', 3, 3],
      ['t', 6, 1],
    ]);
    expect(l.offsetsPx[l.rows]).toBe(300);
    expect([...l.group]).toEqual([-1, -1, -1]);
    expect(layoutRows(0, null, 3, HEIGHTS).rows).toBe(0);
  });

  it('finds the row of an item and the row at an offset', () => {
    const days = groupByDay([...Array(4).fill(at(2019, 7, 14)), ...Array(3).fill(at(2019, 7, 13))]);
    const l = layoutRows(7, days, 3, HEIGHTS);
    expect([0, 2, 3, 4, 6, 7].map((i) => rowOfItem(l, i))).toEqual([1, 1, 2, 4, 4, -1]);
    expect([0, 39, 40, 239, 240, 279, 280, 10_000, -5].map((px) => rowAtOffset(l, px))).toEqual([0, 0, 1, 2, 3, 3, 4, 4, 0]);
  });
});

describe('neighbourIndex', () => {
  // Day 1: items 0–3 (rows [0 1 2] [3]); day 2: items 4–6 (row [4 5 6]).
  const l = layoutRows(7, groupByDay([...Array(4).fill(at(2019, 7, 14)), ...Array(3).fill(at(2019, 7, 13))]), 3, HEIGHTS);
  it.each([
    [0, 'ArrowLeft', -1],
    [0, 'ArrowRight', 1],
    [3, 'ArrowRight', 4],
    [6, 'ArrowRight', -1],
    [2, 'ArrowDown', 3],
    [1, 'ArrowDown', 3],
    [3, 'ArrowDown', 4],
    [5, 'ArrowUp', 3],
    [3, 'ArrowUp', 0],
    [1, 'ArrowUp', -1],
    [5, 'ArrowDown', -1],
  ] as const)('from %i, %s → %i', (from, key, expected) => {
    expect(neighbourIndex(l, from, key)).toBe(expected);
  });
});

describe('keepInPlace', () => {
  const ids = (n: number, prefix = 'i') => Array.from({ length: n }, (_, i) => `${prefix}${i}`);
  // 7 items on 2 days at 3 columns: h(0) t[0-2] t[3] h(4) t[4-6]; offsets 0 40 140 240 280 380.
  const days = groupByDay([...Array(4).fill(at(2019, 7, 14)), ...Array(3).fill(at(2019, 7, 13))]);
  const prev = layoutRows(7, days, 3, HEIGHTS);
  const prevIds = ids(7);

  it('keeps the item at the top in place when newer items arrive above it', () => {
    // Two newer items on a new day: h(new) t[n0 n1] come first (+140 px).
    const nextIds = ['n0', 'n1', ...prevIds];
    const nextDays = groupByDay([at(2020, 1, 1), at(2020, 1, 1), ...Array(4).fill(at(2019, 7, 14)), ...Array(3).fill(at(2019, 7, 13))]);
    const next = layoutRows(9, nextDays, 3, HEIGHTS);
    expect(keepInPlace(prev, prevIds, next, nextIds, 150)).toBe(290); // 10 px into the row of i3
    expect(keepInPlace(prev, prevIds, next, nextIds, 250)).toBe(390); // the second day's header
  });

  it('follows a new column count, and gives up when the item is gone or nothing was scrolled', () => {
    const next = layoutRows(7, days, 2, HEIGHTS); // h t[0 1] t[2 3] h t[4 5] t[6]: offsets 0 40 140 240 280 380
    expect(keepInPlace(prev, prevIds, next, prevIds, 160)).toBe(160); // i3 is now in the second tile row
    expect(keepInPlace(prev, prevIds, next, prevIds, 290)).toBe(290); // i4's day header, 10 px in
    expect(keepInPlace(prev, prevIds, prev, prevIds.filter((id) => id !== 'i3'), 150)).toBeNull();
    expect(keepInPlace(prev, prevIds, next, prevIds, 0)).toBeNull();
  });
});

describe('monthIndex', () => {
  it('lists years and months newest first with counts and their first header row', () => {
    const dates = [
      at(2021, 3, 5),
      at(2021, 3, 5),
      at(2021, 3, 1),
      at(2021, 1, 9),
      at(2020, 12, 31),
      at(2020, 12, 31),
      at(2020, 12, 31),
      at(2020, 12, 31),
      at(2019, 7, 14),
    ];
    const days = groupByDay(dates);
    const l = layoutRows(dates.length, days, 3, HEIGHTS);
    // Rows: h(2021-03-05) t | h(03-01) t | h(01-09) t | h(2020-12-31) t t | h(2019-07-14) t
    const years = monthIndex(days, l);
    expect(years).toEqual([
      {
        year: 2021,
        count: 4,
        months: [
          { year: 2021, month: 3, count: 3, row: 0 },
          { year: 2021, month: 1, count: 1, row: 4 },
        ],
      },
      { year: 2020, count: 4, months: [{ year: 2020, month: 12, count: 4, row: 6 }] },
      { year: 2019, count: 1, months: [{ year: 2019, month: 7, count: 1, row: 9 }] },
    ]);
    expect([0, 3, 4, 5, 8, 9, 10].map((r) => monthAtRow(years, r)?.month)).toEqual([3, 3, 1, 1, 12, 7, 7]);
    expect(monthAtRow([], 0)).toBeNull();
  });
});

describe('columnsFor', () => {
  it.each([
    [350, 100, 4, 3],
    [300, 100, 4, 3],
    [1020, 140, 6, 7],
    [1160, 140, 6, 7],
    [1600, 140, 6, 11],
  ])('%i px, tiles ≥ %i px, gap %i px → %i columns', (width, minTile, gap, expected) => {
    expect(columnsFor(width, minTile, gap)).toBe(expected);
  });
});

it('row kinds are the documented constants', () => {
  expect([ROW_HEADER, ROW_TILES]).toEqual([0, 1]);
});
