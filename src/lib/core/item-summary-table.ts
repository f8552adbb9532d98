// Every item's summary as the page keeps it: the columns the summaries worker handed over, read a
// row at a time, plus the summaries of items added or changed since. A 100,000-item library kept
// as one summary object each (with two boxed dates) leaves ~10 MB of small objects alive after a
// start: V8 copies them through the page's young generation, which grows to its maximum (~48 MB
// committed) and gives the memory back only at the page's first full collection, half a minute
// later. As columns the same library is a few typed arrays and the ids the message brought (as one
// object's keys: see `ItemSummaryColumns`); summaries are made for what asks (the tiles on screen,
// the viewer, an open album).
import { LruCache } from './lru';
import {
  addedAtAt,
  columnsShared,
  idsByRow,
  rowCount,
  rowIs,
  rowOfId,
  summaryAtRow,
  takenAtMsAt,
  type ColumnsShared,
  type ItemSummary,
  type ItemSummaryColumns,
  type SharedPlaces,
} from './item-summary';
import { orderNewestFirst, type TimelineColumns } from './timeline';

/**
 * How many summaries made from rows are kept, so the grid's tiles and an open album get the same
 * object on every read (a few screens of the largest window).
 */
const MADE_KEPT = 2000;

const NO_COLUMNS: ItemSummaryColumns = {
  rowOf: {},
  nameBytes: new Uint8Array(0),
  nameEnds: new Uint32Array(0),
  numbers: new Float64Array(0),
  flags: new Uint8Array(0),
  placeOf: new Int32Array(0),
  places: [],
  nearDuplicateRows: [],
  nearDuplicateNames: [],
};

export class ItemSummaryTable {
  readonly #columns: ItemSummaryColumns;
  readonly #shared: ColumnsShared;
  /** Each row's id (the strings the columns' keys are). */
  readonly #idAt: string[];
  /** 1 for a row whose item was deleted or changed since the columns were read. */
  readonly #rowGone: Uint8Array;
  /** Rows not gone. */
  #rowsLive: number;
  /** Summaries of items added or changed after the columns were read. */
  readonly #changed = new Map<string, ItemSummary>();
  readonly #made = new LruCache<string, ItemSummary>(MADE_KEPT);

  /** `columns` (none: an empty table); summaries of one place share one object of `places`. */
  constructor(columns: ItemSummaryColumns = NO_COLUMNS, places: SharedPlaces = new Map()) {
    this.#columns = columns;
    this.#shared = columnsShared(columns, places);
    this.#idAt = idsByRow(columns);
    this.#rowsLive = rowCount(columns);
    this.#rowGone = new Uint8Array(this.#rowsLive);
  }

  get size(): number {
    return this.#rowsLive + this.#changed.size;
  }

  has(id: string): boolean {
    return this.#changed.has(id) || this.#liveRow(id) >= 0;
  }

  get(id: string): ItemSummary | undefined {
    const changed = this.#changed.get(id);
    if (changed) return changed;
    const row = this.#liveRow(id);
    if (row < 0) return undefined;
    let made = this.#made.get(id);
    if (!made) this.#made.set(id, (made = summaryAtRow(this.#columns, this.#shared, row, id)));
    return made;
  }

  /** Adds an item, or replaces what is known of it. */
  set(summary: ItemSummary): void {
    this.#leaveRow(summary.id);
    this.#changed.set(summary.id, summary);
  }

  delete(id: string): void {
    this.#leaveRow(id);
    this.#changed.delete(id);
  }

  /** Every item's id, in no particular order. */
  ids(): string[] {
    const ids = this.#idAt.filter((_, row) => !this.#rowGone[row]);
    for (const id of this.#changed.keys()) ids.push(id);
    return ids;
  }

  /**
   * Every item's summary (`only`: the favourites, or those with a GPS position), in no particular
   * order. Each is made as it is reached and is garbage once the caller moves on, unless it keeps
   * it: filter while iterating rather than gathering them all. `only` is read from the columns, so
   * the items it leaves out cost no summary.
   */
  *summaries(only?: 'favourite' | 'hasPosition'): Generator<ItemSummary, void, undefined> {
    for (let row = 0; row < this.#idAt.length; row++) {
      if (this.#rowGone[row] || (only && !rowIs(this.#columns, row, only))) continue;
      const id = this.#idAt[row]!;
      yield this.#made.get(id) ?? summaryAtRow(this.#columns, this.#shared, row, id);
    }
    for (const s of this.#changed.values()) if (!only || s[only]) yield s;
  }

  /** Every item in timeline order, read from the columns without a summary each. */
  timeline(): TimelineColumns {
    const n = this.size;
    const ids = new Array<string>(n);
    const takenAtMs = new Float64Array(n);
    const addedAt = new Float64Array(n);
    let k = 0;
    for (let row = 0; row < this.#idAt.length; row++) {
      if (this.#rowGone[row]) continue;
      ids[k] = this.#idAt[row]!;
      takenAtMs[k] = takenAtMsAt(this.#columns, row);
      addedAt[k++] = addedAtAt(this.#columns, row);
    }
    for (const s of this.#changed.values()) {
      ids[k] = s.id;
      takenAtMs[k] = s.takenAtMs;
      addedAt[k++] = s.addedAt;
    }
    return orderNewestFirst(ids, takenAtMs, addedAt);
  }

  /** The row of `id` while the columns still say what it is, else -1. */
  #liveRow(id: string): number {
    const row = rowOfId(this.#columns, id);
    return row === undefined || this.#rowGone[row] ? -1 : row;
  }

  #leaveRow(id: string): void {
    const row = this.#liveRow(id);
    if (row < 0) return;
    this.#rowGone[row] = 1;
    this.#rowsLive--;
    this.#made.delete(id);
  }
}
