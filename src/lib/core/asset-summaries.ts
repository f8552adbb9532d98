// What search needs of every asset to filter, list by date and match file names, held in columns:
// a row per asset; its id and name as UTF-8 in one byte buffer, type and date taken in typed
// arrays, and the rows found by id through an open-addressing hash table over those bytes (linear
// probing with deleted marks, Knuth TAOCP vol. 3 §6.4; FNV-1a hash, core/packed-ids.ts).
// A million summaries as strings in a map cost about 100 MB of the worker's JavaScript heap (an id
// string, a name string and a map entry each), which its garbage collector traces on every major
// collection and whose size sets how much garbage it lets pile up before the next one (each page
// of asset records read at start leaves some); in bytes they cost about 60 MB outside that heap.
import type { AssetType } from './records';
import { fnv1a } from './packed-ids';
import { releaseBuffer, replacedColumn, resizedColumn } from './typed-columns';

/** The fields of an asset record a summary keeps. */
export interface AssetSummaryFields {
  name: string;
  type: AssetType;
  takenAtMs: number;
}

/** Row codes of the types: a byte each. */
const TYPES: readonly AssetType[] = ['image', 'video'];
const INITIAL_ROWS = 1024;
const INITIAL_TEXT_BYTES = 64 * 1024;
/** A row's text offset when the row is free. */
const FREE = 0xffffffff;
const EMPTY = -1;
const DELETED = -2;
/** A text's byte length is stored in two bytes: a longer name is cut (file names are at most a few hundred bytes). */
const MAX_TEXT_BYTES = 0xffff;

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder();

/** An asset's summary with its id, as a page of them is read. */
export interface AssetSummaryRow extends AssetSummaryFields {
  id: string;
}

/**
 * A page of summaries as columns, handed from the thread that reads them to the index worker by
 * transfer: a structured clone of a thousand objects is a serialized message of ~100 KB that the
 * receiving worker keeps with its message event until its next full collection (~10 MB at
 * 100,000 assets, half a minute after a start), where transferred buffers can be given back as
 * soon as they are read.
 */
export interface AssetSummaryPage {
  /** Per row its id then its name, each a little-endian u16 byte length then its UTF-8 bytes (cut as {@link AssetSummaries} cuts it). */
  text: Uint8Array;
  /** Row codes of the types (a byte each). */
  types: Uint8Array;
  takenAtMs: Float64Array;
}

/** Writes `text`'s UTF-8, cut at a character boundary past {@link MAX_TEXT_BYTES}, with its length before it, at `at`; where the next goes. */
function putText(out: Uint8Array, at: number, text: string): number {
  let length = utf8Encoder.encodeInto(text, out.subarray(at + 2)).written;
  if (length > MAX_TEXT_BYTES) {
    length = MAX_TEXT_BYTES;
    while ((out[at + 2 + length]! & 0xc0) === 0x80) length--;
  }
  out[at] = length & 0xff;
  out[at + 1] = length >> 8;
  return at + 2 + length;
}

/** Columns of a page of summaries ({@link AssetSummaryPage}). */
export function packSummaryPage(rows: readonly AssetSummaryRow[]): AssetSummaryPage {
  let room = 0;
  // An id or name takes at most 3 bytes of UTF-8 per UTF-16 code unit.
  for (const row of rows) room += 4 + 3 * (row.id.length + row.name.length);
  const text = new Uint8Array(room);
  const types = new Uint8Array(rows.length);
  const takenAtMs = new Float64Array(rows.length);
  let at = 0;
  rows.forEach((row, i) => {
    const typeCode = TYPES.indexOf(row.type);
    if (typeCode < 0) throw new Error(`Unknown asset type ${row.type}`);
    at = putText(text, at, row.id);
    at = putText(text, at, row.name);
    types[i] = typeCode;
    takenAtMs[i] = row.takenAtMs;
  });
  return { text: text.slice(0, at), types, takenAtMs };
}

/** The rows of a page of summaries handed over as columns. */
export function unpackSummaryPage(page: AssetSummaryPage): AssetSummaryRow[] {
  let rows: AssetSummaryRow[] = [];
  forEachSummaryRows(page, Math.max(1, page.types.length), (all) => (rows = all));
  return rows;
}

/**
 * The rows of `page` in order, `size` at a time: a page of a whole library is unpacked in steps,
 * so the row objects and strings of one step are garbage before the next is made.
 */
export function forEachSummaryRows(page: AssetSummaryPage, size: number, visit: (rows: AssetSummaryRow[]) => void): void {
  const { text, types, takenAtMs } = page;
  let at = 0;
  const next = (): string => {
    const from = at + 2;
    at = from + (text[at]! | (text[at + 1]! << 8));
    return utf8Decoder.decode(text.subarray(from, at));
  };
  for (let start = 0; start < types.length; start += size) {
    const end = Math.min(types.length, start + size);
    const rows = new Array<AssetSummaryRow>(end - start);
    for (let i = start; i < end; i++) {
      const id = next();
      rows[i - start] = { id, name: next(), type: TYPES[types[i]!]!, takenAtMs: takenAtMs[i]! };
    }
    visit(rows);
  }
}

/** One page of the rows of `pages`, in their order (a read packs a thousand rows at a time, then joins them). */
export function joinSummaryPages(pages: readonly AssetSummaryPage[]): AssetSummaryPage {
  const sum = (of: (p: AssetSummaryPage) => number) => pages.reduce((total, p) => total + of(p), 0);
  const text = new Uint8Array(sum((p) => p.text.length));
  const types = new Uint8Array(sum((p) => p.types.length));
  const takenAtMs = new Float64Array(types.length);
  let textAt = 0;
  let rowAt = 0;
  for (const p of pages) {
    text.set(p.text, textAt);
    types.set(p.types, rowAt);
    takenAtMs.set(p.takenAtMs, rowAt);
    textAt += p.text.length;
    rowAt += p.types.length;
  }
  return { text, types, takenAtMs };
}

export class AssetSummaries {
  /** Ids and names: each a little-endian u16 byte length, then its UTF-8 bytes. */
  #text = new Uint8Array(INITIAL_TEXT_BYTES);
  #textUsed = 0;
  /** Bytes of #text no row points to any more (deleted rows, replaced names): compacted once they are most of it. */
  #textGarbage = 0;
  /** Row → offset of its id in #text, FREE for a free row (reused by the next new id). */
  #idAt = new Uint32Array(INITIAL_ROWS).fill(FREE);
  #nameAt = new Uint32Array(INITIAL_ROWS);
  #types = new Uint8Array(INITIAL_ROWS);
  #takenAtMs = new Float64Array(INITIAL_ROWS);
  /** Rows ever handed out (live and free). */
  #rows = 0;
  #size = 0;
  #freeRows: number[] = [];
  /** Hash table: slot → row, EMPTY, or DELETED (a removed id: probing goes on past it). */
  #slots = new Int32Array(2 * INITIAL_ROWS).fill(EMPTY);
  /** Slots not EMPTY (live and deleted): kept at most half the table. */
  #slotsTaken = 0;
  /** UTF-8 of the text being looked up or added. */
  #scratch = new Uint8Array(256);

  get size(): number {
    return this.#size;
  }

  has(id: string): boolean {
    return this.rowOf(id) >= 0;
  }

  /** The row of `id`, or -1 when it has no summary. Rows are valid until the next set or delete. */
  rowOf(id: string): number {
    return this.#find(this.#encode(id));
  }

  idAt(row: number): string {
    return this.#decode(this.#idAt[row]!);
  }

  name(row: number): string {
    return this.#decode(this.#nameAt[row]!);
  }

  type(row: number): AssetType {
    return TYPES[this.#types[row]!]!;
  }

  takenAtMs(row: number): number {
    return this.#takenAtMs[row]!;
  }

  /** Adds or replaces the summary of `id`. */
  set(id: string, fields: AssetSummaryFields): void {
    const typeCode = TYPES.indexOf(fields.type);
    if (typeCode < 0) throw new Error(`Unknown asset type ${fields.type}`);
    const idLength = this.#encode(id);
    let row = this.#find(idLength);
    if (row < 0) {
      row = this.#freeRows.pop() ?? this.#rows++;
      if (row >= this.#types.length) this.#grow(row + 1);
      this.#idAt[row] = this.#append(this.#scratch, idLength);
      this.#insert(row);
      this.#size++;
    } else {
      this.#textGarbage += this.#entryBytes(this.#nameAt[row]!);
    }
    const nameLength = this.#encode(fields.name);
    this.#nameAt[row] = this.#append(this.#scratch, nameLength);
    this.#types[row] = typeCode;
    this.#takenAtMs[row] = fields.takenAtMs;
    this.#compactIfMostlyGarbage();
  }

  delete(id: string): boolean {
    const slot = this.#slotOf(this.#encode(id));
    if (slot < 0) return false;
    const row = this.#slots[slot]!;
    this.#slots[slot] = DELETED;
    this.#textGarbage += this.#entryBytes(this.#idAt[row]!) + this.#entryBytes(this.#nameAt[row]!);
    this.#idAt[row] = FREE;
    this.#freeRows.push(row);
    this.#size--;
    this.#compactIfMostlyGarbage();
    return true;
  }

  clear(): void {
    this.#text = new Uint8Array(INITIAL_TEXT_BYTES);
    this.#textUsed = 0;
    this.#textGarbage = 0;
    this.#idAt = new Uint32Array(INITIAL_ROWS).fill(FREE);
    this.#nameAt = new Uint32Array(INITIAL_ROWS);
    this.#types = new Uint8Array(INITIAL_ROWS);
    this.#takenAtMs = new Float64Array(INITIAL_ROWS);
    this.#rows = 0;
    this.#size = 0;
    this.#freeRows = [];
    this.#slots = new Int32Array(2 * INITIAL_ROWS).fill(EMPTY);
    this.#slotsTaken = 0;
  }

  /** Bytes of the buffers held (texts, columns, hash table), spare room included. */
  get heldBytes(): number {
    return this.#text.byteLength + this.#idAt.byteLength + this.#nameAt.byteLength + this.#types.byteLength + this.#takenAtMs.byteLength + this.#slots.byteLength;
  }

  /**
   * Gives back the spare room of the buffers, which grow by half again (up to a third of them is
   * room: tens of MB at a million rows), once a library's summaries are read; later sets grow them again.
   */
  trim(): void {
    this.#compact(this.#textUsed - this.#textGarbage);
    const rows = this.#rows;
    this.#idAt = replacedColumn(this.#idAt, rows);
    this.#nameAt = replacedColumn(this.#nameAt, rows);
    this.#types = replacedColumn(this.#types, rows);
    this.#takenAtMs = replacedColumn(this.#takenAtMs, rows);
  }

  /** Calls `visit` with every asset's row, in no particular order (ids are decoded only when asked for: {@link idAt}). */
  forEachRow(visit: (row: number) => void): void {
    // The column is read again each time: a row set by `visit` may have grown it (and given the old one back).
    for (let row = 0; row < this.#rows; row++) if (this.#idAt[row] !== FREE) visit(row);
  }

  /**
   * The ids of the rows `keep` accepts, newest taken first (the same date: by id), the first `k`
   * of them, and how many it accepted. Rows are sorted, not [id, date] pairs: a million of those
   * would be a million short-lived arrays and boxed dates.
   */
  newestTaken(k: number, keep: (row: number) => boolean): { ids: string[]; total: number } {
    const kept: number[] = [];
    this.forEachRow((row) => {
      if (keep(row)) kept.push(row);
    });
    const takenAtMs = this.#takenAtMs;
    kept.sort((a, b) => takenAtMs[b]! - takenAtMs[a]! || (this.idAt(a) < this.idAt(b) ? -1 : 1));
    return { ids: kept.slice(0, k).map((row) => this.idAt(row)), total: kept.length };
  }

  /** Writes the UTF-8 of `text` into #scratch (cut at a character boundary past {@link MAX_TEXT_BYTES}); its byte length. */
  #encode(text: string): number {
    if (this.#scratch.length < text.length * 3) this.#scratch = new Uint8Array(text.length * 3);
    let length = utf8Encoder.encodeInto(text, this.#scratch).written;
    if (length > MAX_TEXT_BYTES) {
      length = MAX_TEXT_BYTES;
      while ((this.#scratch[length]! & 0xc0) === 0x80) length--;
    }
    return length;
  }

  #decode(offset: number): string {
    return utf8Decoder.decode(this.#text.subarray(offset + 2, offset + 2 + this.#lengthAt(offset)));
  }

  #lengthAt(offset: number): number {
    return this.#text[offset]! | (this.#text[offset + 1]! << 8);
  }

  #entryBytes(offset: number): number {
    return 2 + this.#lengthAt(offset);
  }

  /** The row whose id is #scratch[0 … length), or -1. */
  #find(length: number): number {
    const slot = this.#slotOf(length);
    return slot < 0 ? -1 : this.#slots[slot]!;
  }

  /** The hash table slot of the id #scratch[0 … length), or -1. */
  #slotOf(length: number): number {
    const mask = this.#slots.length - 1;
    for (let slot = fnv1a(this.#scratch, 0, length) & mask; ; slot = (slot + 1) & mask) {
      const row = this.#slots[slot]!;
      if (row === EMPTY) return -1;
      if (row !== DELETED && this.#textEquals(this.#idAt[row]!, length)) return slot;
    }
  }

  /** Whether the text at `offset` is #scratch[0 … length). */
  #textEquals(offset: number, length: number): boolean {
    if (this.#lengthAt(offset) !== length) return false;
    const text = this.#text;
    const key = this.#scratch;
    for (let i = 0, at = offset + 2; i < length; i++) if (text[at + i] !== key[i]) return false;
    return true;
  }

  /** Appends bytes[0 … length) as a text entry; its offset. */
  #append(bytes: Uint8Array, length: number): number {
    let outgrown: Uint8Array | null = null;
    if (this.#textUsed + 2 + length > this.#text.length) {
      outgrown = this.#text;
      // By half again, not double: at a million rows the spare room is a few MB, not tens.
      this.#text = resizedColumn(this.#text.subarray(0, this.#textUsed), Math.max(this.#textUsed + 2 + length, Math.ceil(this.#text.length * 1.5)));
    }
    const offset = this.#textUsed;
    this.#text[offset] = length & 0xff;
    this.#text[offset + 1] = length >> 8;
    this.#text.set(bytes.subarray(0, length), offset + 2);
    this.#textUsed += 2 + length;
    // The outgrown buffer goes now (the buffers it grows through as a library is read add up to
    // twice the last), unless the bytes being appended are read from it.
    if (outgrown && outgrown.buffer !== bytes.buffer) releaseBuffer(outgrown);
    return offset;
  }

  /** Puts `row` (its id in #text) into the hash table, growing or cleaning the table first when it would be over half taken. */
  #insert(row: number): void {
    if (2 * (this.#slotsTaken + 1) > this.#slots.length) {
      // The rehash puts every live row in, this one too (its id is in #text already).
      this.#rehash(this.#size + 1 > this.#slots.length / 4 ? this.#slots.length * 2 : this.#slots.length);
      return;
    }
    const offset = this.#idAt[row]!;
    const mask = this.#slots.length - 1;
    let slot = fnv1a(this.#text, offset + 2, offset + 2 + this.#lengthAt(offset)) & mask;
    while (this.#slots[slot]! >= 0) slot = (slot + 1) & mask;
    if (this.#slots[slot] === EMPTY) this.#slotsTaken++;
    this.#slots[slot] = row;
  }

  /** A table of `slots` slots holding the live rows only (deleted marks dropped). */
  #rehash(slots: number): void {
    releaseBuffer(this.#slots);
    this.#slots = new Int32Array(slots).fill(EMPTY);
    this.#slotsTaken = 0;
    const mask = slots - 1;
    this.forEachRow((row) => {
      const offset = this.#idAt[row]!;
      let slot = fnv1a(this.#text, offset + 2, offset + 2 + this.#lengthAt(offset)) & mask;
      while (this.#slots[slot] !== EMPTY) slot = (slot + 1) & mask;
      this.#slots[slot] = row;
      this.#slotsTaken++;
    });
  }

  /** Copies the live texts into a new buffer once garbage is most of it (and more than the first buffer). */
  #compactIfMostlyGarbage(): void {
    if (2 * this.#textGarbage <= this.#textUsed || this.#textGarbage < INITIAL_TEXT_BYTES) return;
    this.#compact(Math.max(INITIAL_TEXT_BYTES, Math.ceil((this.#textUsed - this.#textGarbage) * 1.5)));
  }

  /** Copies the live texts into a new buffer of `capacity` bytes (at least their length). */
  #compact(capacity: number): void {
    const old = this.#text;
    this.#text = new Uint8Array(capacity);
    this.#textUsed = 0;
    this.#textGarbage = 0;
    const move = (offset: number) => this.#append(old.subarray(offset + 2), old[offset]! | (old[offset + 1]! << 8));
    this.forEachRow((row) => {
      this.#idAt[row] = move(this.#idAt[row]!);
      this.#nameAt[row] = move(this.#nameAt[row]!);
    });
    releaseBuffer(old);
  }

  #grow(rows: number): void {
    // By half again, not double: at a million rows the spare capacity is a few MB, not eight.
    const capacity = Math.max(rows, Math.ceil(this.#types.length * 1.5));
    this.#idAt = replacedColumn(this.#idAt, capacity, FREE);
    this.#nameAt = replacedColumn(this.#nameAt, capacity);
    this.#types = replacedColumn(this.#types, capacity);
    this.#takenAtMs = replacedColumn(this.#takenAtMs, capacity);
  }
}
