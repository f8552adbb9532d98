// What the page keeps of every item: the fields the grid, its tiles, selection, favourites,
// albums, search results, clusters, duplicates and places read to draw and decide without waiting.
// The full record (hashes, mime, size in bytes, camera, position, a video's keyframe times, where
// the original lives) stays in IndexedDB and is read when something really needs it (the viewer's
// original and info panel, duplicates' sizes, export). At 100,000 items the full records held
// 55–85 MB of the page's heap; summaries of one fixed shape hold ~31 MB: the id and name strings,
// one object and two boxed dates each, and one place object per distinct place
// (bench/item-summary-heap.mjs measures both).
import type { AssetRecord, AssetType, ItemMotion, ItemPlace } from './records';
import { newestFirstOrder } from './timeline';
import { releaseBuffer, replacedColumn } from './typed-columns';

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
 * The summary of a record. Every property is set, in one order, so all summaries share one hidden
 * class in V8 (an object with a property missing is of another shape, and a mix of shapes costs
 * more memory and slower reads). Nothing of `record` is kept but its strings, so a page of records
 * read at start is garbage once summarised.
 */
export function itemSummaryOf(record: AssetRecord, places: SharedPlaces): ItemSummary {
  return summary(
    record.id,
    record.name,
    record.type,
    record.takenAtMs,
    record.addedAt,
    record.width,
    record.height,
    record.favourite === true,
    record.durationSec,
    record.motion ? MOTION_KINDS[record.motion.kind] : undefined,
    record.nearDuplicateOf ? { name: record.nearDuplicateOf.name } : undefined,
    record.place ? sharedPlace(record.place, places) : undefined,
    record.gps !== undefined,
    record.placeVersion,
  );
}

/**
 * Every summary is made by this one literal, whether from a record or from columns: one property
 * order, one hidden class, and one allocation site (V8 learns there that summaries live long and
 * then makes them in its old generation directly, instead of copying each through the young one).
 */
function summary(
  id: string,
  name: string,
  type: AssetType,
  takenAtMs: number,
  addedAt: number,
  width: number,
  height: number,
  favourite: boolean,
  durationSec: number | undefined,
  motion: ItemSummary['motion'],
  nearDuplicateOf: ItemSummary['nearDuplicateOf'],
  place: ItemPlace | undefined,
  hasPosition: boolean,
  placeVersion: number | undefined,
): ItemSummary {
  return { id, name, type, takenAtMs, addedAt, width, height, favourite, durationSec, motion, nearDuplicateOf, place, hasPosition, placeVersion };
}

/**
 * Many summaries as columns, the form they cross from one thread to another in: numbers, flags and
 * names in typed arrays (handed over by transfer), the ids as keys of one object, each distinct
 * place once. A
 * structured clone of 100,000 summary objects writes every property's name with every object (about
 * 25 MB at 100k), which the receiving page keeps until its next full collection, half a minute
 * after a start; as columns the message is a few MB and the typed arrays are not copied. The names
 * stay UTF-8 bytes until a summary is made: 100,000 name strings are ~3 MB of small objects that
 * would grow the page's young generation (a string made from a message is made young and survives).
 * The ids cannot wait (the timeline lists them all), but a message's property keys are made where
 * V8 keeps its property names, in the old generation, while strings in a list are made young and
 * copied twice before they are promoted: ~5 MB of ids that would grow the young generation too.
 */
export interface ItemSummaryColumns {
  /** Each row's id → that row (null prototype where it is made; the receiver reads own keys only). */
  rowOf: Record<string, number>;
  /** Every row's name as UTF-8, one after the other. */
  nameBytes: Uint8Array;
  /** Where row i's name ends in `nameBytes` (it starts where row i − 1's ends, or at 0). */
  nameEnds: Uint32Array;
  /** Per row, NUMBERS_PER_ROW of them: takenAtMs, addedAt, width, height, durationSec, placeVersion (NaN: none). */
  numbers: Float64Array;
  /** Per row: bit 0 a video, bit 1 favourite, bit 2 has a position, bits 3–4 the motion kind (MOTION_CODES). */
  flags: Uint8Array;
  /** Per row: its place in `places`, or -1. */
  placeOf: Int32Array;
  places: ItemPlace[];
  /** The rows with a near-duplicate, and that item's name for each. */
  nearDuplicateRows: number[];
  nearDuplicateNames: string[];
}

const NUMBERS_PER_ROW = 6;
const VIDEO = 1;
const FAVOURITE = 2;
const HAS_POSITION = 4;
const MOTION_SHIFT = 3;
/** Motion kind ↔ its code in bits 3–4 of a row's flags (0: none). */
const MOTION_CODES: ReadonlyArray<ItemMotion['kind']> = ['live', 'motion-photo'];

const orNaN = (x: number | undefined): number => (x === undefined ? Number.NaN : x);
const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder();
const orUndefined = (x: number): number | undefined => (Number.isNaN(x) ? undefined : x);

/** `summaries` as columns, in their order; the typed arrays' buffers are the transfer list ({@link columnBuffers}). */
export function itemSummaryColumns(summaries: readonly ItemSummary[]): ItemSummaryColumns {
  const rows = new ItemSummaryRows(summaries.length);
  for (const s of summaries) rows.add(s);
  return rows.columns('as added');
}

/**
 * Item summaries gathered as columns one at a time, in any order, then handed out as
 * {@link ItemSummaryColumns} in the timeline's order or as added. Reading a library's records a
 * page at a time into these keeps no object per item: at 100,000 items, summary objects
 * sorted before their columns were made held ~30 MB of a worker's heap at once, and an ended
 * worker's heap pages stay with the renderer for half a minute after a start. What stays per item
 * on the heap is its id (the timeline's last tie-break and the columns' `rowOf` keys).
 */
export class ItemSummaryRows {
  #ids: string[] = [];
  #numbers: Float64Array;
  #flags: Uint8Array;
  /** Per row: its place in #places, or -1. */
  #placeOf: Int32Array;
  #places: ItemPlace[] = [];
  #placeIndex = new Map<ItemPlace, number>();
  #nameBytes: Uint8Array;
  #nameEnds: Uint32Array;
  #nameEnd = 0;
  /** Row → the name of the item it nearly duplicates. */
  #nearDuplicateNames = new Map<number, string>();

  /** `expectedRows`: room made at first (more rows grow the columns). */
  constructor(expectedRows = 1024) {
    const rows = Math.max(1, expectedRows);
    this.#numbers = new Float64Array(rows * NUMBERS_PER_ROW);
    this.#flags = new Uint8Array(rows);
    this.#placeOf = new Int32Array(rows);
    this.#nameEnds = new Uint32Array(rows);
    this.#nameBytes = new Uint8Array(rows * 16);
  }

  get size(): number {
    return this.#ids.length;
  }

  /**
   * A summary, its place kept as it is (summaries of one place share one object where they were
   * made). Nothing else of `s` is kept but its id: a summary made from a record just read is
   * garbage once added.
   */
  add(s: ItemSummary): void {
    const row = this.#ids.length;
    if (row === this.#flags.length) this.#growRows(Math.ceil(row * 1.5) + 1);
    // A UTF-16 code unit is at most 3 UTF-8 bytes.
    if (this.#nameEnd + 3 * s.name.length > this.#nameBytes.length) this.#nameBytes = replacedColumn(this.#nameBytes, Math.max(this.#nameEnd + 3 * s.name.length, Math.ceil(this.#nameBytes.length * 1.5)));
    this.#ids.push(s.id);
    this.#nameEnd += utf8Encoder.encodeInto(s.name, this.#nameBytes.subarray(this.#nameEnd)).written;
    this.#nameEnds[row] = this.#nameEnd;
    const at = row * NUMBERS_PER_ROW;
    this.#numbers[at] = s.takenAtMs;
    this.#numbers[at + 1] = s.addedAt;
    this.#numbers[at + 2] = s.width;
    this.#numbers[at + 3] = s.height;
    this.#numbers[at + 4] = orNaN(s.durationSec);
    this.#numbers[at + 5] = orNaN(s.placeVersion);
    const motion = s.motion ? MOTION_CODES.indexOf(s.motion.kind) + 1 : 0;
    this.#flags[row] = (s.type === 'video' ? VIDEO : 0) | (s.favourite ? FAVOURITE : 0) | (s.hasPosition ? HAS_POSITION : 0) | (motion << MOTION_SHIFT);
    let place = -1;
    if (s.place) {
      // Summaries of one place share one object where they were made, so this finds it by identity.
      place = this.#placeIndex.get(s.place) ?? -1;
      if (place < 0) this.#placeIndex.set(s.place, (place = this.#places.push(s.place) - 1));
    }
    this.#placeOf[row] = place;
    if (s.nearDuplicateOf) this.#nearDuplicateNames.set(row, s.nearDuplicateOf.name);
  }

  /**
   * The rows as columns, newest taken first ({@link newestFirstOrder}: date taken, then date added,
   * then id) or in the order they were added. The gathered columns are given back.
   */
  columns(order: 'newest taken first' | 'as added'): ItemSummaryColumns {
    const ids = this.#ids;
    const n = ids.length;
    const numbers = this.#numbers;
    let rowOrder: Uint32Array;
    if (order === 'as added') {
      rowOrder = new Uint32Array(n);
      for (let i = 0; i < n; i++) rowOrder[i] = i;
    } else {
      const takenAtMs = new Float64Array(n);
      const addedAt = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        takenAtMs[i] = numbers[i * NUMBERS_PER_ROW]!;
        addedAt[i] = numbers[i * NUMBERS_PER_ROW + 1]!;
      }
      rowOrder = newestFirstOrder(ids, takenAtMs, addedAt);
      releaseBuffer(takenAtMs);
      releaseBuffer(addedAt);
    }
    const cols: ItemSummaryColumns = {
      rowOf: Object.create(null) as Record<string, number>,
      nameBytes: new Uint8Array(this.#nameEnd),
      nameEnds: new Uint32Array(n),
      numbers: new Float64Array(n * NUMBERS_PER_ROW),
      flags: new Uint8Array(n),
      placeOf: new Int32Array(n),
      places: [],
      nearDuplicateRows: [],
      nearDuplicateNames: [],
    };
    // Places are numbered as they first appear in the columns' order.
    const placeNumber = new Int32Array(this.#places.length).fill(-1);
    const nameBytes = this.#nameBytes;
    let nameEnd = 0;
    for (let row = 0; row < n; row++) {
      const from = rowOrder[row]!;
      cols.rowOf[ids[from]!] = row;
      for (let at = from ? this.#nameEnds[from - 1]! : 0, end = this.#nameEnds[from]!; at < end; at++) cols.nameBytes[nameEnd++] = nameBytes[at]!;
      cols.nameEnds[row] = nameEnd;
      for (let k = 0; k < NUMBERS_PER_ROW; k++) cols.numbers[row * NUMBERS_PER_ROW + k] = numbers[from * NUMBERS_PER_ROW + k]!;
      cols.flags[row] = this.#flags[from]!;
      const place = this.#placeOf[from]!;
      if (place >= 0 && placeNumber[place]! < 0) placeNumber[place] = cols.places.push(this.#places[place]!) - 1;
      cols.placeOf[row] = place < 0 ? -1 : placeNumber[place]!;
      const nearDuplicateName = this.#nearDuplicateNames.get(from);
      if (nearDuplicateName !== undefined) {
        cols.nearDuplicateRows.push(row);
        cols.nearDuplicateNames.push(nearDuplicateName);
      }
    }
    releaseBuffer(rowOrder);
    this.#clear();
    return cols;
  }

  #growRows(rows: number): void {
    this.#numbers = replacedColumn(this.#numbers, rows * NUMBERS_PER_ROW);
    this.#flags = replacedColumn(this.#flags, rows);
    this.#placeOf = replacedColumn(this.#placeOf, rows);
    this.#nameEnds = replacedColumn(this.#nameEnds, rows);
  }

  /** Empties the rows, their buffers given back now rather than at the thread's next collection. */
  #clear(): void {
    for (const column of [this.#numbers, this.#flags, this.#placeOf, this.#nameEnds, this.#nameBytes]) releaseBuffer(column);
    this.#ids = [];
    this.#numbers = new Float64Array(0);
    this.#flags = new Uint8Array(0);
    this.#placeOf = new Int32Array(0);
    this.#nameEnds = new Uint32Array(0);
    this.#nameBytes = new Uint8Array(0);
    this.#nameEnd = 0;
    this.#places = [];
    this.#placeIndex.clear();
    this.#nearDuplicateNames.clear();
  }
}

/** The buffers of the columns' typed arrays: hand them over by transfer. */
export function columnBuffers(cols: ItemSummaryColumns): ArrayBuffer[] {
  return [cols.numbers, cols.flags, cols.placeOf, cols.nameBytes, cols.nameEnds].map((column) => column.buffer as ArrayBuffer);
}

/** What summaries made from one set of columns share: its places (as `places` keeps them) and near-duplicate names by row. */
export interface ColumnsShared {
  places: ItemPlace[];
  nearDuplicateOf: Map<number, { readonly name: string }>;
}

/** Decodes once what every summary of `cols` shares; summaries of one place share one object of `places`. */
export function columnsShared(cols: ItemSummaryColumns, places: SharedPlaces): ColumnsShared {
  const nearDuplicateOf = new Map<number, { readonly name: string }>();
  cols.nearDuplicateRows.forEach((row, k) => nearDuplicateOf.set(row, { name: cols.nearDuplicateNames[k]! }));
  return { places: cols.places.map((p) => sharedPlace(p, places)), nearDuplicateOf };
}

/** When row `row` of `cols` was taken (ms since the epoch). */
export function takenAtMsAt(cols: ItemSummaryColumns, row: number): number {
  return cols.numbers[row * NUMBERS_PER_ROW]!;
}

/** When row `row` of `cols` joined the library (ms since the epoch). */
export function addedAtAt(cols: ItemSummaryColumns, row: number): number {
  return cols.numbers[row * NUMBERS_PER_ROW + 1]!;
}

/** Whether row `row` of `cols` is a favourite, or has a GPS position: read without making its summary. */
export function rowIs(cols: ItemSummaryColumns, row: number, what: 'favourite' | 'hasPosition'): boolean {
  return (cols.flags[row]! & (what === 'favourite' ? FAVOURITE : HAS_POSITION)) !== 0;
}

/** How many rows `cols` has. */
export function rowCount(cols: ItemSummaryColumns): number {
  return cols.flags.length;
}

/** Each row's id, by row. */
export function idsByRow(cols: ItemSummaryColumns): string[] {
  const ids = new Array<string>(rowCount(cols));
  for (const id of Object.keys(cols.rowOf)) ids[cols.rowOf[id]!] = id;
  return ids;
}

/** The row of `id` in `cols`, or undefined (own keys only: an id such as "constructor" is no row unless it is one). */
export function rowOfId(cols: ItemSummaryColumns, id: string): number | undefined {
  return Object.hasOwn(cols.rowOf, id) ? cols.rowOf[id] : undefined;
}

/** The summary of row `row` of `cols`, whose id is `id` (`shared`: {@link columnsShared} of the same columns). */
export function summaryAtRow(cols: ItemSummaryColumns, shared: ColumnsShared, row: number, id: string): ItemSummary {
  const { numbers, flags, placeOf } = cols;
  const at = row * NUMBERS_PER_ROW;
  const f = flags[row]!;
  const motion = (f >> MOTION_SHIFT) & 3;
  const place = placeOf[row]!;
  return summary(
    id,
    utf8Decoder.decode(cols.nameBytes.subarray(row ? cols.nameEnds[row - 1]! : 0, cols.nameEnds[row]!)),
    f & VIDEO ? 'video' : 'image',
    numbers[at]!,
    numbers[at + 1]!,
    numbers[at + 2]!,
    numbers[at + 3]!,
    (f & FAVOURITE) !== 0,
    orUndefined(numbers[at + 4]!),
    motion > 0 ? MOTION_KINDS[MOTION_CODES[motion - 1]!] : undefined,
    shared.nearDuplicateOf.get(row),
    place >= 0 ? shared.places[place] : undefined,
    (f & HAS_POSITION) !== 0,
    orUndefined(numbers[at + 5]!),
  );
}

/** The summaries of `cols`, in row order; summaries of one place share one object of `places`. */
export function itemSummariesFromColumns(cols: ItemSummaryColumns, places: SharedPlaces): ItemSummary[] {
  const shared = columnsShared(cols, places);
  return idsByRow(cols).map((id, row) => summaryAtRow(cols, shared, row, id));
}
