// Every item's summary as the page keeps it: the columns the summaries worker handed over, read a
// row at a time, plus the summaries of items added or changed since. A 100,000-item library kept
// as one summary object each (with two boxed dates) leaves ~10 MB of small objects alive after a
// start: V8 copies them through the page's young generation, which grows to its maximum (~48 MB
// committed) and gives the memory back only at the page's first full collection, half a minute
// later. As columns the same library is a few typed arrays and the ids the message brought;
// summaries are made for what asks (the tiles on screen, the viewer, an open album).
import { LruCache } from './lru';
import { addedAtAt, columnsShared, summaryAtRow, takenAtMsAt, type ColumnsShared, type ItemSummary, type ItemSummaryColumns, type SharedPlaces } from './item-summary';
import { orderNewestFirst, type TimelineColumns } from './timeline';

/**
 * How many summaries made from rows are kept, so the grid's tiles and an open album get the same
 * object on every read (a few screens of the largest window).
 */
const MADE_KEPT = 2000;

const NO_COLUMNS: ItemSummaryColumns = {
  ids: [],
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
  /** The rows of items still as the columns say (not deleted, not changed since). */
  readonly #rowOf: Map<string, number>;
  /** Summaries of items added or changed after the columns were read. */
  readonly #changed = new Map<string, ItemSummary>();
  readonly #made = new LruCache<string, ItemSummary>(MADE_KEPT);

  /** `columns` (none: an empty table); summaries of one place share one object of `places`. */
  constructor(columns: ItemSummaryColumns = NO_COLUMNS, places: SharedPlaces = new Map()) {
    this.#columns = columns;
    this.#shared = columnsShared(columns, places);
    this.#rowOf = new Map();
    columns.ids.forEach((id, row) => this.#rowOf.set(id, row));
  }

  get size(): number {
    return this.#rowOf.size + this.#changed.size;
  }

  has(id: string): boolean {
    return this.#changed.has(id) || this.#rowOf.has(id);
  }

  get(id: string): ItemSummary | undefined {
    const changed = this.#changed.get(id);
    if (changed) return changed;
    const row = this.#rowOf.get(id);
    if (row === undefined) return undefined;
    let made = this.#made.get(id);
    if (!made) this.#made.set(id, (made = summaryAtRow(this.#columns, this.#shared, row)));
    return made;
  }

  /** Adds an item, or replaces what is known of it. */
  set(summary: ItemSummary): void {
    this.#rowOf.delete(summary.id);
    this.#made.delete(summary.id);
    this.#changed.set(summary.id, summary);
  }

  delete(id: string): void {
    this.#rowOf.delete(id);
    this.#made.delete(id);
    this.#changed.delete(id);
  }

  /** Every item's id, in no particular order. */
  ids(): string[] {
    return [...this.#rowOf.keys(), ...this.#changed.keys()];
  }

  /**
   * Every item's summary, in no particular order. Each is made as it is reached and is garbage once
   * the caller moves on, unless it keeps it: filter while iterating rather than gathering them all.
   */
  *summaries(): Generator<ItemSummary, void, undefined> {
    for (const [id, row] of this.#rowOf) yield this.#made.get(id) ?? summaryAtRow(this.#columns, this.#shared, row);
    yield* this.#changed.values();
  }

  /** Every item in timeline order, read from the columns without a summary each. */
  timeline(): TimelineColumns {
    const n = this.size;
    const ids = new Array<string>(n);
    const takenAtMs = new Float64Array(n);
    const addedAt = new Float64Array(n);
    let k = 0;
    for (const [id, row] of this.#rowOf) {
      ids[k] = id;
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
}
