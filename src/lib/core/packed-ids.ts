// Ids looked up where they lie packed, without a string per id: the compact index keeps a restored
// library's ids as one run of bytes (each a little-endian u16 byte length, then its UTF-8 bytes,
// as saved), and decoding a million of them into strings and a map costs about 100 MB and a second.
// Here an open-addressing hash table (linear probing, Knuth TAOCP vol. 3 §6.4, algorithm L) maps
// each id's bytes to its row: 4 bytes per slot, at most half the slots used, so 8 MB at a million
// ids. Hash: 32-bit FNV-1a over the UTF-8 bytes (Fowler, Noll, Vo).

const EMPTY = -1;
const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', { fatal: true });

/** Ids as a snapshot saves them: per id a u16 little-endian byte length, then its UTF-8 bytes; `starts[row]` is where row's length lies in `bytes`. */
export interface PackedIds {
  bytes: Uint8Array;
  starts: Uint32Array;
}

/**
 * Whether `bytes[from … to)` is well-formed UTF-8 (RFC 3629 §4: no overlong forms, no surrogates,
 * nothing past U+10FFFF), what a fatal TextDecoder accepts, told without making a string.
 */
export function isWellFormedUtf8(bytes: Uint8Array, from = 0, to = bytes.length): boolean {
  let i = from;
  while (i < to) {
    const b = bytes[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    // The second byte's range depends on the first (RFC 3629's table); later ones are 80–BF.
    let more: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) more = 1;
    else if (b >= 0xe0 && b <= 0xef) {
      more = 2;
      if (b === 0xe0) lo = 0xa0;
      else if (b === 0xed) hi = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      more = 3;
      if (b === 0xf0) lo = 0x90;
      else if (b === 0xf4) hi = 0x8f;
    } else return false;
    if (i + more >= to) return false;
    const second = bytes[i + 1]!;
    if (second < lo || second > hi) return false;
    for (let k = 2; k <= more; k++) if ((bytes[i + k]! & 0xc0) !== 0x80) return false;
    i += more + 1;
  }
  return true;
}

/** 32-bit FNV-1a of `bytes[from … to)`. */
export function fnv1a(bytes: Uint8Array, from = 0, to = bytes.length): number {
  let h = FNV_OFFSET;
  for (let i = from; i < to; i++) h = Math.imul(h ^ bytes[i]!, FNV_PRIME);
  return h >>> 0;
}

/** Smallest power of two ≥ 2 × count (at least 8): the table stays at most half full. */
export function slotsFor(count: number): number {
  let slots = 8;
  while (slots < 2 * count) slots *= 2;
  return slots;
}

/**
 * The rows of packed ids, found by id. The bytes and starts are held, not copied: they must not
 * change while the table is in use.
 */
export class PackedIdTable {
  readonly #bytes: Uint8Array;
  readonly #starts: Uint32Array;
  readonly #slots: Int32Array;
  readonly #mask: number;
  /** UTF-8 of the id being looked up (grown for longer ids). */
  #scratch = new Uint8Array(256);

  /**
   * @param bytes  the ids: per id a u16 little-endian byte length, then that many UTF-8 bytes
   * @param starts where row r's length starts in `bytes`
   * @throws RangeError when an id occurs twice
   */
  constructor(bytes: Uint8Array, starts: Uint32Array) {
    this.#bytes = bytes;
    this.#starts = starts;
    const slots = slotsFor(starts.length);
    this.#slots = new Int32Array(slots).fill(EMPTY);
    this.#mask = slots - 1;
    for (let row = 0; row < starts.length; row++) {
      const from = starts[row]! + 2;
      const to = from + this.#lengthAt(row);
      let slot = fnv1a(bytes, from, to) & this.#mask;
      for (let other = this.#slots[slot]!; other !== EMPTY; other = this.#slots[slot]!) {
        if (this.#equals(other, bytes, from, to)) throw new RangeError(`PackedIdTable: duplicate id ${JSON.stringify(this.idAt(row))}`);
        slot = (slot + 1) & this.#mask;
      }
      this.#slots[slot] = row;
    }
  }

  /** Rows held. */
  get size(): number {
    return this.#starts.length;
  }

  /** Bytes of the table itself (the packed ids it reads are the caller's). */
  get tableBytes(): number {
    return this.#slots.byteLength;
  }

  /** Bytes of the packed ids it reads (their bytes and starts). */
  get packedBytes(): number {
    return this.#bytes.byteLength + this.#starts.byteLength;
  }

  /** The row of `id`, or -1 when it is not among the packed ids. */
  rowOf(id: string): number {
    // An id's UTF-8 takes at most 3 bytes per UTF-16 code unit.
    if (this.#scratch.length < id.length * 3) this.#scratch = new Uint8Array(id.length * 3);
    const key = this.#scratch;
    const length = utf8Encoder.encodeInto(id, key).written;
    let slot = fnv1a(key, 0, length) & this.#mask;
    for (let row = this.#slots[slot]!; row !== EMPTY; row = this.#slots[slot]!) {
      if (this.#equals(row, key, 0, length)) return row;
      slot = (slot + 1) & this.#mask;
    }
    return -1;
  }

  /** The id of `row`, decoded. */
  idAt(row: number): string {
    const from = this.#starts[row]! + 2;
    return utf8Decoder.decode(this.#bytes.subarray(from, from + this.#lengthAt(row)));
  }

  #lengthAt(row: number): number {
    const start = this.#starts[row]!;
    return this.#bytes[start]! | (this.#bytes[start + 1]! << 8);
  }

  /** Whether row's id is `key[from … to)`. */
  #equals(row: number, key: Uint8Array, from: number, to: number): boolean {
    const length = to - from;
    if (this.#lengthAt(row) !== length) return false;
    const bytes = this.#bytes;
    for (let i = 0, at = this.#starts[row]! + 2; i < length; i++) if (bytes[at + i] !== key[from + i]) return false;
    return true;
  }
}

/**
 * Which of a fixed set of rows' ids were named, as ids come in a page at a time: the ids a library
 * stores, told against an index's ids without a string or set entry per id (a byte per row).
 */
export class RowTally {
  readonly #seen: Uint8Array;
  readonly #rowOf: (id: string) => number;

  /**
   * @param rows  rows tallied: 0 … rows − 1
   * @param rowOf the row of an id, or -1 (ids at rows ≥ `rows` count as held but are not tallied)
   */
  constructor(rows: number, rowOf: (id: string) => number) {
    this.#seen = new Uint8Array(rows);
    this.#rowOf = rowOf;
  }

  /** Tallies `id`: whether its row is known. */
  mark(id: string): boolean {
    const row = this.#rowOf(id);
    if (row < 0) return false;
    if (row < this.#seen.length) this.#seen[row] = 1;
    return true;
  }

  /** The rows never marked, ascending. */
  unmarkedRows(): number[] {
    const out: number[] = [];
    for (let row = 0; row < this.#seen.length; row++) if (this.#seen[row] === 0) out.push(row);
    return out;
  }
}
