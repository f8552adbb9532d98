import { describe, expect, it } from 'vitest';
import { l2Normalize, VectorMatrix } from '../../../src/lib/core/vector';
import {
  decodeIndex,
  decodePackedIndex,
  encodeIndex,
  ExactIndex,
  IndexFormatError,
  IndexMismatchError,
  readIndexHeader,
  restoreIndex,
  INDEX_HEADER_BYTES,
  type DecodedIndex,
  type PackedDecodedIndex,
  type VectorIndex,
} from '../../../src/lib/core/vector-index';
import { rng, randomUnit } from '../../helpers/random';
import { formatErrorCode } from '../../helpers/index-format';



function filled(n: number, dim: number, seed = 1, modelKey = 'clip-vit-b32'): { index: ExactIndex; items: Map<string, Float32Array> } {
  const r = rng(seed);
  const index = new ExactIndex(dim, modelKey);
  const items = new Map<string, Float32Array>();
  for (let i = 0; i < n; i++) {
    const v = randomUnit(r, dim);
    items.set(`a${i}`, v);
    index.add(`a${i}`, v);
  }
  return { index, items };
}

describe('ExactIndex', () => {
  it('search equals VectorMatrix.topK (the existing exact path)', () => {
    const { index, items } = filled(300, 16);
    const m = new VectorMatrix(16);
    for (const [id, v] of items) m.add(id, v);
    const r = rng(9);
    for (let i = 0; i < 10; i++) {
      const q = randomUnit(r, 16);
      expect(index.search(q, { k: 7 })).toEqual(m.topK(q, 7));
    }
    expect(index.kind).toBe('exact');
    expect(index.size).toBe(300);
  });

  it('add replaces, remove removes, has reports', () => {
    const index = new ExactIndex(2, 'm');
    index.add('x', new Float32Array([1, 0]));
    index.add('y', new Float32Array([0, 1]));
    index.add('x', new Float32Array([0, 1])); // replace
    expect(index.size).toBe(2);
    expect(index.search(new Float32Array([1, 0]), { k: 2 }).map((h) => h.score)).toEqual([0, 0]);
    expect(index.remove('x')).toBe(true);
    expect(index.remove('x')).toBe(false);
    expect(index.has('x')).toBe(false);
    expect(index.search(new Float32Array([0, 1]), { k: 5 })).toEqual([{ id: 'y', score: 1 }]);
  });

  it('addMany: later duplicates win', () => {
    const index = new ExactIndex(2, 'm');
    index.addMany([
      { id: 'x', vector: new Float32Array([1, 0]) },
      { id: 'x', vector: new Float32Array([0, 1]) },
    ]);
    expect(index.size).toBe(1);
    expect(index.search(new Float32Array([0, 1]), { k: 1 })[0]).toEqual({ id: 'x', score: 1 });
  });

  it('filter keeps only accepted ids, also when it is selective', () => {
    const { index } = filled(200, 8);
    const q = randomUnit(rng(3), 8);
    const all = index.search(q, { k: 200 });
    for (const keep of [(id: string) => id.endsWith('7'), (id: string) => id === 'a123', () => false]) {
      const want = all.filter((h) => keep(h.id)).slice(0, 5);
      expect(index.search(q, { k: 5, filter: keep })).toEqual(want);
    }
  });

  it('k ≤ 0 or empty index gives []', () => {
    expect(new ExactIndex(3, 'm').search(new Float32Array(3), { k: 5 })).toEqual([]);
    expect(filled(5, 3).index.search(new Float32Array(3), { k: 0 })).toEqual([]);
  });

  it('rejects vectors of the wrong length', () => {
    const index = new ExactIndex(3, 'm');
    expect(() => index.add('a', new Float32Array(2))).toThrow(RangeError);
    expect(() => index.search(new Float32Array(4), { k: 1 })).toThrow(RangeError);
  });
});

describe('serialisation', () => {
  it('round trip gives identical results, header and ids (incl. non-ASCII ids)', async () => {
    const { index } = filled(120, 12, 5, 'clip-vit-b32/q8 ✓');
    index.add('фото/IMG_0001.jpg', randomUnit(rng(77), 12));
    index.remove('a3');
    const bytes = index.serialize();
    expect(bytes.byteLength % 4).toBe(0);
    const header = readIndexHeader(bytes);
    expect(header).toMatchObject({ kind: 'exact', dim: 12, count: 120, modelKey: 'clip-vit-b32/q8 ✓', version: 1, byteLength: bytes.byteLength });
    const back = await restoreIndex(bytes);
    expect(back).toBeInstanceOf(ExactIndex);
    expect(back.size).toBe(index.size);
    expect(back.has('фото/IMG_0001.jpg')).toBe(true);
    expect(back.has('a3')).toBe(false);
    const r = rng(11);
    for (let i = 0; i < 10; i++) {
      const q = randomUnit(r, 12);
      expect(back.search(q, { k: 10 })).toEqual(index.search(q, { k: 10 }));
    }
    expect(ExactIndex.restore(bytes).serialize()).toEqual(ExactIndex.restore(back.serialize() as Uint8Array).serialize());
  });

  it('restores from an unaligned view (bytes inside a bigger buffer)', async () => {
    const bytes = filled(10, 5).index.serialize();
    const host = new Uint8Array(bytes.byteLength + 3);
    host.set(bytes, 3);
    const back = await restoreIndex(host.subarray(3));
    expect(back.size).toBe(10);
  });

  it('an empty index round-trips', async () => {
    const back = await restoreIndex(new ExactIndex(4, 'm').serialize());
    expect(back.size).toBe(0);
    expect(back.dim).toBe(4);
  });

  const good = (): Uint8Array => filled(20, 6).index.serialize();
  const code = formatErrorCode;

  it.each([
    { name: 'empty', mutate: () => new Uint8Array(0), want: 'truncated' },
    { name: 'header only', mutate: (b: Uint8Array) => b.slice(0, INDEX_HEADER_BYTES), want: 'truncated' },
    { name: 'cut in the payload', mutate: (b: Uint8Array) => b.slice(0, b.byteLength - 8), want: 'truncated' },
    { name: 'one byte short', mutate: (b: Uint8Array) => b.slice(0, b.byteLength - 1), want: 'truncated' },
    { name: 'trailing bytes', mutate: (b: Uint8Array) => Uint8Array.from([...b, 0, 0, 0, 0]), want: 'length' },
    { name: 'bad magic', mutate: (b: Uint8Array) => ((b[0] = 0x50), b), want: 'magic' },
    { name: 'future version', mutate: (b: Uint8Array) => ((b[4] = 2), b), want: 'version' },
    { name: 'unknown kind', mutate: (b: Uint8Array) => ((b[6] = 9), b), want: 'kind' },
    { name: 'dim 0', mutate: (b: Uint8Array) => (b.fill(0, 8, 12), b), want: 'field' },
    { name: 'count larger than the ids section', mutate: (b: Uint8Array) => ((b[14] = 0xff), b), want: 'field' },
    { name: 'flipped bit in a vector', mutate: (b: Uint8Array) => ((b[b.byteLength - 5]! ^= 0x10), b), want: 'checksum' },
    { name: 'flipped bit in an id', mutate: (b: Uint8Array) => ((b[INDEX_HEADER_BYTES + 16 + 3]! ^= 0x01), b), want: 'checksum' },
  ])('rejects corrupt bytes: $name', ({ mutate, want }) => {
    const bytes = mutate(good());
    expect(code(() => decodeIndex(bytes))).toBe(want);
    return expect(restoreIndex(bytes)).rejects.toBeInstanceOf(IndexFormatError);
  });

  it('rejects a non-Uint8Array with a clear error', () => {
    expect(code(() => readIndexHeader(new ArrayBuffer(64) as unknown as Uint8Array))).toBe('field');
  });

  it('model-key and dim mismatch are detectable from the header and rejected on request', async () => {
    const bytes = filled(5, 6, 1, 'clip-vit-b32').index.serialize();
    expect(readIndexHeader(bytes).modelKey).toBe('clip-vit-b32');
    await expect(restoreIndex(bytes, { expectedModelKey: 'siglip-b16' })).rejects.toBeInstanceOf(IndexMismatchError);
    await expect(restoreIndex(bytes, { expectedDim: 512 })).rejects.toThrow(/dim/);
    expect(() => ExactIndex.restore(bytes, 'siglip-b16')).toThrow(IndexMismatchError);
    expect((await restoreIndex(bytes, { expectedModelKey: 'clip-vit-b32', expectedDim: 6 })).size).toBe(5);
  });

  it('dispatches other kinds to the registered restorer, and says so when none is', async () => {
    const bytes = encodeIndex({ kind: 'hnsw', dim: 3, modelKey: 'm', ids: ['a', 'b'] }, 4, (out) => out.set([1, 2, 3, 4]));
    await expect(restoreIndex(bytes)).rejects.toThrow(/no restorer registered for kind 'hnsw'/);
    let seen: DecodedIndex | undefined;
    const fake = {} as VectorIndex;
    const got = await restoreIndex(bytes, {
      restorers: {
        hnsw: (d) => {
          seen = d;
          return fake;
        },
      },
    });
    expect(got).toBe(fake);
    expect(seen?.ids).toEqual(['a', 'b']);
    expect([...seen!.payload]).toEqual([1, 2, 3, 4]);
  });

  it('gives packed restorers the ids as they lie (bounds and UTF-8 checked, none decoded), before the others', async () => {
    const bytes = encodeIndex({ kind: 'hnsw', dim: 3, modelKey: 'm', ids: ['a', 'é', ''] }, 4, (out) => out.set([1, 2, 3, 4]));
    let seen: PackedDecodedIndex | undefined;
    const fake = {} as VectorIndex;
    const got = await restoreIndex(bytes, {
      packedRestorers: {
        hnsw: (d) => {
          seen = d;
          return fake;
        },
      },
      restorers: { hnsw: () => ({}) as VectorIndex },
    });
    expect(got).toBe(fake);
    expect(seen).not.toHaveProperty('ids');
    const { bytes: idBytes, starts } = seen!.packedIds;
    expect([...starts]).toEqual([0, 3, 7]);
    expect([...idBytes.subarray(0, 9)]).toEqual([1, 0, 0x61, 2, 0, 0xc3, 0xa9, 0, 0]);
    expect([...seen!.payload]).toEqual([1, 2, 3, 4]);
    expect(decodeIndex(bytes).ids).toEqual(['a', 'é', '']);
  });

  it('rejects an id that is not UTF-8 even with a valid checksum, packed or decoded', () => {
    // Written before the checksum is: the second id's first byte (after the header, the model key padded to 4, the first id) made 0xff.
    const bytes = encodeIndex({ kind: 'exact', dim: 1, modelKey: 'm', ids: ['a', 'b'] }, 8, (out) => (new Uint8Array(out.buffer)[INDEX_HEADER_BYTES + 4 + 3 + 2] = 0xff));
    expect(code(() => decodeIndex(bytes))).toBe('field');
    expect(code(() => decodePackedIndex(bytes))).toBe('field');
    expect(() => decodePackedIndex(bytes)).toThrow(/id 1 is not valid UTF-8/);
  });

  it('rejects duplicate ids even with a valid checksum', () => {
    const bytes = encodeIndex({ kind: 'exact', dim: 1, modelKey: 'm', ids: ['a', 'a'] }, 8, () => {});
    expect(code(() => decodeIndex(bytes))).toBe('field');
  });

  it('rejects an exact payload of the wrong size', async () => {
    const bytes = encodeIndex({ kind: 'exact', dim: 2, modelKey: 'm', ids: ['a'] }, 4, () => {});
    await expect(restoreIndex(bytes)).rejects.toMatchObject({ code: 'payload' });
  });
});
