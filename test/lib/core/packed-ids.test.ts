import { describe, expect, it } from 'vitest';
import { rng } from '../../helpers/random';
import { fnv1a, isWellFormedUtf8, PackedIdTable, RowTally, slotsFor } from '../../../src/lib/core/packed-ids';

const utf8 = (s: string) => new TextEncoder().encode(s);

/** Packs ids as {@link PackedIdTable} reads them: the bytes and each row's start. */
function packIds(ids: readonly string[]): { bytes: Uint8Array; starts: Uint32Array } {
  const encoded = ids.map((id) => new TextEncoder().encode(id));
  const bytes = new Uint8Array(encoded.reduce((sum, b) => sum + 2 + b.length, 0));
  const starts = new Uint32Array(ids.length);
  let at = 0;
  encoded.forEach((b, row) => {
    if (b.length > 0xffff) throw new RangeError(`packIds: id ${row} is ${b.length} bytes, more than a u16 length holds`);
    starts[row] = at;
    bytes[at] = b.length & 0xff;
    bytes[at + 1] = b.length >> 8;
    bytes.set(b, at + 2);
    at += 2 + b.length;
  });
  return { bytes, starts };
}

describe('fnv1a', () => {
  it('gives the published 32-bit FNV-1a values', () => {
    // test vectors of the FNV reference code (Landon Curt Noll)
    expect(fnv1a(utf8(''))).toBe(0x811c9dc5);
    expect(fnv1a(utf8('a'))).toBe(0xe40c292c);
    expect(fnv1a(utf8('foobar'))).toBe(0xbf9cf968);
    // a slice hashes as its own bytes
    expect(fnv1a(utf8('xxfoobarxx'), 2, 8)).toBe(0xbf9cf968);
  });
});

describe('isWellFormedUtf8', () => {
  const fatal = new TextDecoder('utf-8', { fatal: true });
  const decodes = (bytes: Uint8Array) => {
    try {
      fatal.decode(bytes);
      return true;
    } catch {
      return false;
    }
  };

  it.each([
    { name: 'empty', bytes: [], want: true },
    { name: 'ASCII', bytes: [0x61, 0x00, 0x7f], want: true },
    { name: 'two, three and four bytes', bytes: [...utf8('é日🙂')], want: true },
    { name: 'the last code point', bytes: [0xf4, 0x8f, 0xbf, 0xbf], want: true },
    { name: 'a lone continuation byte', bytes: [0x80], want: false },
    { name: 'overlong two bytes', bytes: [0xc0, 0xaf], want: false },
    { name: 'overlong three bytes', bytes: [0xe0, 0x80, 0xaf], want: false },
    { name: 'overlong four bytes', bytes: [0xf0, 0x80, 0x80, 0xaf], want: false },
    { name: 'a surrogate', bytes: [0xed, 0xa0, 0x80], want: false },
    { name: 'past U+10FFFF', bytes: [0xf4, 0x90, 0x80, 0x80], want: false },
    { name: 'cut short', bytes: [0xe6, 0x97], want: false },
    { name: 'a bad third byte', bytes: [0xe6, 0x97, 0x41], want: false },
    { name: '0xff', bytes: [0x61, 0xff], want: false },
  ])('$name: $want, as a fatal TextDecoder says', ({ bytes, want }) => {
    expect(isWellFormedUtf8(Uint8Array.from(bytes))).toBe(want);
    expect(decodes(Uint8Array.from(bytes))).toBe(want);
  });

  it('agrees with a fatal TextDecoder on 20,000 random byte strings, and looks only at [from, to)', () => {
    const r = rng(7);
    // Bytes where the rules are: ASCII, continuation bytes, and every lead byte's edge values.
    const alphabet = [0x41, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc1, 0xc2, 0xdf, 0xe0, 0xe1, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xff];
    let valid = 0;
    for (let i = 0; i < 20_000; i++) {
      const bytes = Uint8Array.from({ length: 1 + Math.floor(r() * 6) }, () => alphabet[Math.floor(r() * alphabet.length)]!);
      const want = decodes(bytes);
      valid += want ? 1 : 0;
      expect(isWellFormedUtf8(bytes)).toBe(want);
      const framed = Uint8Array.from([0xff, ...bytes, 0xe0]);
      expect(isWellFormedUtf8(framed, 1, framed.length - 1)).toBe(want);
    }
    expect(valid).toBeGreaterThan(500);
  });
});

describe('slotsFor', () => {
  it('is the least power of two at least twice the count, at least 8', () => {
    expect([0, 1, 4, 5, 8, 9, 1000, 1_000_000].map(slotsFor)).toEqual([8, 8, 8, 16, 16, 32, 2048, 2_097_152]);
  });
});

describe('packIds', () => {
  it('writes a little-endian u16 byte length before each UTF-8 id, and where each starts', () => {
    const { bytes, starts } = packIds(['ab', '', 'é']);
    expect([...bytes]).toEqual([2, 0, 0x61, 0x62, 0, 0, 2, 0, 0xc3, 0xa9]);
    expect([...starts]).toEqual([0, 4, 6]);
  });
});

describe('PackedIdTable', () => {
  const ids = ['a1b2', 'café', '日本語', '🙂 smile', '', 'a1b', 'a1b2c'];
  const { bytes, starts } = packIds(ids);

  it('finds the row of every id, ASCII or not, and -1 for ids it does not hold', () => {
    const table = new PackedIdTable(bytes, starts);
    expect(table.size).toBe(7);
    expect(ids.map((id) => table.rowOf(id))).toEqual([0, 1, 2, 3, 4, 5, 6]);
    // prefixes, extensions and other normal forms are other ids
    for (const missing of ['a1', 'a1b2c3', 'cafe\u0301', 'café ', '日本', '🙂']) expect(table.rowOf(missing)).toBe(-1);
    expect(ids.map((_, row) => table.idAt(row))).toEqual(ids);
    expect(table.tableBytes).toBe(16 * 4);
  });

  it('reads ids at any offset of a larger buffer and grows its scratch for long ids', () => {
    const long = 'x'.repeat(1000);
    const packed = packIds(['short', long]);
    const inside = new Uint8Array(packed.bytes.length + 10);
    inside.set(packed.bytes, 10);
    const table = new PackedIdTable(inside.subarray(10), packed.starts);
    expect(table.rowOf(long)).toBe(1);
    expect(table.rowOf('short')).toBe(0);
    expect(table.rowOf(long + 'x')).toBe(-1);
  });

  it('holds 20 000 UUID-like ids: each found at its row, none of 2 000 others', () => {
    const r = rng(3);
    const hex = (n: number) => Array.from({ length: n }, () => Math.floor(r() * 16).toString(16)).join('');
    const uuid = () => `${hex(8)}-${hex(4)}-4${hex(3)}-a${hex(3)}-${hex(12)}`;
    const many = Array.from({ length: 20_000 }, uuid);
    const others = Array.from({ length: 2_000 }, uuid);
    expect(new Set([...many, ...others]).size).toBe(22_000);
    const packed = packIds(many);
    const table = new PackedIdTable(packed.bytes, packed.starts);
    expect(table.tableBytes).toBe(65_536 * 4);
    expect(many.every((id, row) => table.rowOf(id) === row)).toBe(true);
    expect(others.filter((id) => table.rowOf(id) !== -1)).toEqual([]);
  });

  it('refuses an id packed twice', () => {
    const twice = packIds(['a', 'b', 'a']);
    expect(() => new PackedIdTable(twice.bytes, twice.starts)).toThrow(/duplicate id "a"/);
  });
});

describe('RowTally', () => {
  it('tells which ids are held and lists the rows never marked', () => {
    const rowOf = new Map([['a', 0], ['b', 1], ['c', 2], ['d', 3], ['late', 9]]);
    const tally = new RowTally(4, (id) => rowOf.get(id) ?? -1);
    expect(['b', 'x', 'd', 'b', 'late'].map((id) => tally.mark(id))).toEqual([true, false, true, true, true]);
    // 'late' (row 9, past the rows tallied) counts as held and is not listed
    expect(tally.unmarkedRows()).toEqual([0, 2]);
  });
});
