/**
 * Layout maths of the photo grid: the timeline's order, grouping an ordered list into local days,
 * cutting days into rows of square tiles for a column count, the rows' pixel offsets, the month
 * index behind the date rail and arrow-key moves (which rows are on screen is the virtualizer's
 * job: @tanstack/virtual-core, given these exact row heights). Everything is pure and synchronous
 * so the grid, a worker or a test can run it; rows live in typed arrays because a 100,000-item
 * library makes ~35,000 of them and only a screenful ever become elements.
 */

/** The fields the timeline orders by. */
export interface TimelineKey {
  id: string;
  takenAtMs: number;
  addedAt: number;
}

/** Newest first by date taken; ties by date added (newest first), then by id so the order is total. */
export function compareNewestFirst(a: TimelineKey, b: TimelineKey): number {
  return compareKeys(a.takenAtMs, a.addedAt, a.id, b.takenAtMs, b.addedAt, b.id);
}

function compareKeys(aTakenAtMs: number, aAddedAt: number, aId: string, bTakenAtMs: number, bAddedAt: number, bId: string): number {
  return bTakenAtMs - aTakenAtMs || bAddedAt - aAddedAt || (aId < bId ? -1 : aId > bId ? 1 : 0);
}

/**
 * A timeline as columns: `ids[i]` was taken at `takenAtMs[i]` and added at `addedAt[i]`, in
 * {@link compareNewestFirst} order. A 100,000-item library kept as one key object per item leaves
 * 100,000 small objects alive after a start, which grow the page's young generation to its maximum
 * until its first full collection; as columns it is three arrays.
 */
export interface TimelineColumns {
  ids: readonly string[];
  takenAtMs: Float64Array;
  addedAt: Float64Array;
}

/**
 * The indexes of `ids` in {@link compareNewestFirst} order, where index i's keys are `ids[i]`,
 * `takenAtMs[i]` and `addedAt[i]`: a permutation sorted instead of one key object per item.
 */
export function newestFirstOrder(ids: readonly string[], takenAtMs: ArrayLike<number>, addedAt: ArrayLike<number>): Uint32Array {
  const order = new Uint32Array(ids.length);
  for (let i = 0; i < order.length; i++) order[i] = i;
  return order.sort((a, b) => compareKeys(takenAtMs[a]!, addedAt[a]!, ids[a]!, takenAtMs[b]!, addedAt[b]!, ids[b]!));
}

/** `ids[i]`'s keys at index i of the other two, in any order, as ordered columns. */
export function orderNewestFirst(ids: readonly string[], takenAtMs: ArrayLike<number>, addedAt: ArrayLike<number>): TimelineColumns {
  const n = ids.length;
  const order = newestFirstOrder(ids, takenAtMs, addedAt);
  const out: TimelineColumns = { ids: Array.from(order, (i) => ids[i]!), takenAtMs: new Float64Array(n), addedAt: new Float64Array(n) };
  for (let k = 0; k < n; k++) {
    out.takenAtMs[k] = takenAtMs[order[k]!]!;
    out.addedAt[k] = addedAt[order[k]!]!;
  }
  return out;
}

/** The entries of ordered columns as keys, one at a time. */
export function* timelineKeys(ordered: TimelineColumns): Generator<TimelineKey, void, undefined> {
  for (let i = 0; i < ordered.ids.length; i++) yield { id: ordered.ids[i]!, takenAtMs: ordered.takenAtMs[i]!, addedAt: ordered.addedAt[i]! };
}

/** `keys` in any order as ordered columns. */
export function timelineColumnsOf(keys: readonly TimelineKey[]): TimelineColumns {
  return orderNewestFirst(
    keys.map((k) => k.id),
    keys.map((k) => k.takenAtMs),
    keys.map((k) => k.addedAt),
  );
}

/** The entries of `ordered` whose id `keep` accepts, in the same order. */
export function filterTimeline(ordered: TimelineColumns, keep: (id: string) => boolean): TimelineColumns {
  const rows: number[] = [];
  ordered.ids.forEach((id, i) => {
    if (keep(id)) rows.push(i);
  });
  return {
    ids: rows.map((i) => ordered.ids[i]!),
    takenAtMs: Float64Array.from(rows, (i) => ordered.takenAtMs[i]!),
    addedAt: Float64Array.from(rows, (i) => ordered.addedAt[i]!),
  };
}

/**
 * Merges `added` into ordered columns, returning new columns in the same order; entries of `added`
 * whose id is already present replace the old entry. O(n + k log k), so an import batch does not
 * re-sort 100,000 items.
 */
export function mergeTimeline(ordered: TimelineColumns, added: readonly TimelineKey[]): TimelineColumns {
  const addedIds = new Set(added.map((a) => a.id));
  const kept = addedIds.size ? filterTimeline(ordered, (id) => !addedIds.has(id)) : ordered;
  const fresh = [...added].sort(compareNewestFirst);
  const n = kept.ids.length + fresh.length;
  const out = { ids: new Array<string>(n), takenAtMs: new Float64Array(n), addedAt: new Float64Array(n) };
  const put = (k: number, id: string, takenAtMs: number, addedAt: number) => {
    out.ids[k] = id;
    out.takenAtMs[k] = takenAtMs;
    out.addedAt[k] = addedAt;
  };
  let i = 0;
  let j = 0;
  for (let k = 0; k < n; k++) {
    const f = fresh[j];
    if (i < kept.ids.length && (!f || compareKeys(kept.takenAtMs[i]!, kept.addedAt[i]!, kept.ids[i]!, f.takenAtMs, f.addedAt, f.id) <= 0)) {
      put(k, kept.ids[i]!, kept.takenAtMs[i]!, kept.addedAt[i]!);
      i++;
    } else {
      put(k, f!.id, f!.takenAtMs, f!.addedAt);
      j++;
    }
  }
  return out;
}

/** A local calendar day as one number, yyyymmdd (2019-07-14 → 20190714). */
export function localDayKey(ms: number): number {
  const d = new Date(ms);
  return d.getFullYear() * 10000 + (d.getMonth() + 1) * 100 + d.getDate();
}

/** One day's run of items in an ordered list. */
export interface DayGroup {
  /** yyyymmdd, local time. */
  dayKey: number;
  /** Index of the day's first item in the ordered list. */
  first: number;
  count: number;
}

/**
 * Consecutive items on the same local day, in list order. `takenAtMs[i]` is the date of the i-th
 * item of a list ordered by date, so each day is one run.
 */
export function groupByDay(takenAtMs: ArrayLike<number>): DayGroup[] {
  const groups: DayGroup[] = [];
  let current: DayGroup | null = null;
  // The current day's local bounds: a date inside them needs no Date object (100,000 items are
  // typically a few thousand days).
  let dayStartMs = Infinity;
  let dayEndMs = -Infinity;
  for (let i = 0; i < takenAtMs.length; i++) {
    const ms = takenAtMs[i];
    if (current && ms >= dayStartMs && ms < dayEndMs) {
      current.count++;
      continue;
    }
    const d = new Date(ms);
    const key = d.getFullYear() * 10000 + (d.getMonth() + 1) * 100 + d.getDate();
    dayStartMs = new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime();
    dayEndMs = new Date(d.getFullYear(), d.getMonth(), d.getDate() + 1).getTime();
    if (current && current.dayKey === key) current.count++;
    else groups.push((current = { dayKey: key, first: i, count: 1 }));
  }
  return groups;
}

export const ROW_HEADER = 0;
export const ROW_TILES = 1;

/**
 * The rows of a grid. Row r is a day header (`kind[r] === ROW_HEADER`, its day's items are
 * `first[r] … first[r] + count[r] - 1`) or a row of up to `columns` tiles (items `first[r]` onwards,
 * `count[r]` of them). `group[r]` is the row's day (-1 in a grid without days);
 * `rowOfGroup[g]` is the header row of day g. `offsetsPx[r]` is the top of row r and
 * `offsetsPx[rows]` the grid's height.
 */
export interface GridLayout {
  rows: number;
  columns: number;
  kind: Uint8Array;
  first: Int32Array;
  count: Int32Array;
  group: Int32Array;
  rowOfGroup: Int32Array;
  offsetsPx: Float64Array;
}

export interface RowHeights {
  /** A row of tiles, tile plus the gap below it. */
  tilesPx: number;
  /** A day header. */
  headerPx: number;
}

/**
 * Rows for `total` items at `columns` per row. With `days` (from `groupByDay` over the same list)
 * each day starts with a header and its own rows; without, the items simply fill rows.
 */
export function layoutRows(total: number, days: readonly DayGroup[] | null, columns: number, heights: RowHeights): GridLayout {
  const cols = Math.max(1, Math.floor(columns));
  const groups = days ?? [{ dayKey: 0, first: 0, count: total }];
  let rows = 0;
  for (const g of groups) rows += (days ? 1 : 0) + Math.ceil(g.count / cols);
  const layout: GridLayout = {
    rows,
    columns: cols,
    kind: new Uint8Array(rows),
    first: new Int32Array(rows),
    count: new Int32Array(rows),
    group: new Int32Array(rows),
    rowOfGroup: new Int32Array(days ? days.length : 0),
    offsetsPx: new Float64Array(rows + 1),
  };
  let r = 0;
  let top = 0;
  groups.forEach((g, gi) => {
    if (days) {
      layout.kind[r] = ROW_HEADER;
      layout.first[r] = g.first;
      layout.count[r] = g.count;
      layout.group[r] = gi;
      layout.rowOfGroup[gi] = r;
      layout.offsetsPx[r] = top;
      top += heights.headerPx;
      r++;
    }
    for (let start = 0; start < g.count; start += cols) {
      layout.kind[r] = ROW_TILES;
      layout.first[r] = g.first + start;
      layout.count[r] = Math.min(cols, g.count - start);
      layout.group[r] = days ? gi : -1;
      layout.offsetsPx[r] = top;
      top += heights.tilesPx;
      r++;
    }
  });
  layout.offsetsPx[rows] = top;
  return layout;
}

/** The row holding item `index` (a tile row, never a header); -1 when out of range. */
export function rowOfItem(layout: GridLayout, index: number): number {
  let lo = 0;
  let hi = layout.rows - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (layout.first[mid] <= index) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  // A header and its day's first tile row share `first`: the search lands on the tile row.
  if (found < 0 || layout.kind[found] !== ROW_TILES || index >= layout.first[found] + layout.count[found]) return -1;
  return found;
}

/**
 * Where an arrow key moves from item `index`: ←/→ to the previous/next item, ↑/↓ to the tile row
 * above/below (skipping day headers) in the same column, or that row's last tile when it is
 * shorter. -1 when there is nowhere to go.
 */
export function neighbourIndex(layout: GridLayout, index: number, key: 'ArrowLeft' | 'ArrowRight' | 'ArrowUp' | 'ArrowDown'): number {
  const row = rowOfItem(layout, index);
  if (row < 0) return -1;
  const total = layout.first[layout.rows - 1] + layout.count[layout.rows - 1];
  if (key === 'ArrowLeft') return index > 0 ? index - 1 : -1;
  if (key === 'ArrowRight') return index + 1 < total ? index + 1 : -1;
  const step = key === 'ArrowDown' ? 1 : -1;
  for (let r = row + step; r >= 0 && r < layout.rows; r += step)
    if (layout.kind[r] === ROW_TILES) return layout.first[r] + Math.min(index - layout.first[row], layout.count[r] - 1);
  return -1;
}

/** The row at `offsetPx` from the grid's top (clamped to the first and last row). */
export function rowAtOffset(layout: GridLayout, offsetPx: number): number {
  let lo = 0;
  let hi = layout.rows - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (layout.offsetsPx[mid] <= offsetPx) lo = mid;
    else hi = mid - 1;
  }
  return Math.max(0, lo);
}

/**
 * Where the grid should be scrolled (px from its top) after it changed from `prev` to `next`
 * (items added or removed, another column count) so that what was at the top of the screen stays
 * there: the same day header, or the row of the same item. null when nothing was scrolled or that
 * item is gone.
 */
export function keepInPlace(prev: GridLayout, prevIds: readonly string[], next: GridLayout, nextIds: readonly string[], scrolledPx: number): number | null {
  if (scrolledPx <= 0 || prev.rows === 0 || next.rows === 0) return null;
  const row = rowAtOffset(prev, scrolledPx);
  const index = nextIds.indexOf(prevIds[prev.first[row]]);
  if (index < 0) return null;
  let nextRow = rowOfItem(next, index);
  if (nextRow < 0) return null;
  // A header stays a header while its day still starts with the same item.
  if (prev.kind[row] === ROW_HEADER && nextRow > 0 && next.kind[nextRow - 1] === ROW_HEADER && next.first[nextRow - 1] === index) nextRow--;
  const intoRowPx = Math.min(scrolledPx - prev.offsetsPx[row], next.offsetsPx[nextRow + 1] - next.offsetsPx[nextRow]);
  return next.offsetsPx[nextRow] + intoRowPx;
}

/** One month of the rail: its items and the header row of its newest day. */
export interface MonthEntry {
  year: number;
  /** 1–12 */
  month: number;
  count: number;
  row: number;
}

export interface YearEntry {
  year: number;
  count: number;
  /** Newest first, like the grid. */
  months: MonthEntry[];
}

/** Years and months of a grid grouped by day (newest first), with counts and where each month starts. */
export function monthIndex(days: readonly DayGroup[], layout: GridLayout): YearEntry[] {
  const years: YearEntry[] = [];
  days.forEach((d, gi) => {
    const year = Math.floor(d.dayKey / 10000);
    const month = Math.floor(d.dayKey / 100) % 100;
    let y = years.at(-1);
    if (!y || y.year !== year) years.push((y = { year, count: 0, months: [] }));
    let m = y.months.at(-1);
    if (!m || m.month !== month) y.months.push((m = { year, month, count: 0, row: layout.rowOfGroup[gi] }));
    m.count += d.count;
    y.count += d.count;
  });
  return years;
}

/** The month whose rows contain `row` (the last month starting at or before it); null when there are none. */
export function monthAtRow(years: readonly YearEntry[], row: number): MonthEntry | null {
  let at: MonthEntry | null = null;
  for (const y of years)
    for (const m of y.months) {
      if (m.row > row) return at ?? m;
      at = m;
    }
  return at;
}

/**
 * How many square tiles fit across `widthPx`: as many as keep each tile at least `minTilePx`,
 * and never fewer than `minColumns` (a phone still shows a grid, not a column of photos).
 */
export function columnsFor(widthPx: number, minTilePx: number, gapPx: number, minColumns = 3): number {
  return Math.max(minColumns, Math.floor((widthPx + gapPx) / (minTilePx + gapPx)));
}

/** yyyymmdd → a Date at local noon (noon keeps the day right across DST shifts). */
export function dayKeyDate(dayKey: number): Date {
  return new Date(Math.floor(dayKey / 10000), (Math.floor(dayKey / 100) % 100) - 1, dayKey % 100, 12);
}

/** The `n` items added last, newest first, in one pass (no sort of the whole library). */
export function newestAdded<T extends TimelineKey>(items: Iterable<T>, n: number): T[] {
  const top: T[] = [];
  const newer = (a: T, b: T) => b.addedAt - a.addedAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  for (const item of items) {
    if (top.length === n && newer(item, top[n - 1]) >= 0) continue;
    let i = top.length === n ? n - 1 : top.length;
    while (i > 0 && newer(item, top[i - 1]) < 0) {
      top[i] = top[i - 1];
      i--;
    }
    top[i] = item;
  }
  return top;
}
