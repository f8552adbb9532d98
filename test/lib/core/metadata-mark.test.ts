import { describe, expect, it } from 'vitest';
import { markAfterArrival, markAfterPass, metadataWalkAfter, type MetadataReadMark } from '../../../src/lib/core/metadata-mark';

const V = 3;
const mark = (readThroughAddedAtMs: number | null, generation = 0, version = V): MetadataReadMark => ({ version, readThroughAddedAtMs, generation });

describe('where a metadata pass walks from', () => {
  it.each([
    ['no mark yet (a library from before the mark, or a new one)', undefined, null],
    ['a mark of this reading', mark(1000), 1000],
    ['a mark of an older reading (the version was raised)', mark(1000, 0, V - 1), null],
    ['a mark whose records arrived before it', mark(null, 4), null],
  ])('%s', (_, m, after) => {
    expect(metadataWalkAfter(m, V)).toBe(after);
  });
});

describe('the mark after records were written from outside the import order', () => {
  it('stays as it is when every arriving record was read at this version', () => {
    expect(markAfterArrival(mark(1000, 2), [{ addedAt: 10, metadataVersion: V }, { addedAt: 2000, metadataVersion: V }], V)).toBeNull();
    expect(markAfterArrival(undefined, [], V)).toBeNull();
  });

  it('keeps its point but moves its generation on for unread records added after it', () => {
    expect(markAfterArrival(mark(1000, 2), [{ addedAt: 1001 }, { addedAt: 5000, metadataVersion: V - 1 }], V)).toEqual(mark(1000, 3));
  });

  it('forgets its point when an unread record was added at or before it (an undone delete, an archive merged in)', () => {
    expect(markAfterArrival(mark(1000, 2), [{ addedAt: 2000 }, { addedAt: 1000 }], V)).toEqual(mark(null, 3));
    expect(markAfterArrival(mark(1000, 2), [{ addedAt: 5, metadataVersion: V - 1 }], V)).toEqual(mark(null, 3));
    // A record the walk by addedAt could not place.
    expect(markAfterArrival(mark(1000, 2), [{ addedAt: Number.NaN }], V)).toEqual(mark(null, 3));
  });

  it('starts a mark that says nothing is read when there was none, or one of an older reading', () => {
    expect(markAfterArrival(undefined, [{ addedAt: 7 }], V)).toEqual(mark(null, 1));
    expect(markAfterArrival(mark(1000, 5, V - 1), [{ addedAt: 2000 }], V)).toEqual(mark(null, 6));
  });
});

describe('the mark a pass leaves once it read every record it walked', () => {
  it('moves past the last record walked', () => {
    expect(markAfterPass(undefined, undefined, 1234, V)).toEqual(mark(1234, 0));
    expect(markAfterPass(mark(1000, 2), mark(1000, 2), 1500, V)).toEqual(mark(1500, 2));
    expect(markAfterPass(mark(null, 4), mark(null, 4), 900, V)).toEqual(mark(900, 4));
  });

  it('walked from an older reading: the new one starts from the last record walked', () => {
    expect(markAfterPass(mark(5000, 1, V - 1), mark(5000, 1, V - 1), 800, V)).toEqual(mark(800, 1));
  });

  it('writes nothing when nothing was walked past a mark that stays the same', () => {
    expect(markAfterPass(mark(1000, 2), mark(1000, 2), null, V)).toBeNull();
  });

  it('an empty library is marked once as read through nothing', () => {
    expect(markAfterPass(undefined, undefined, null, V)).toEqual(mark(null, 0));
    expect(markAfterPass(mark(null, 0), mark(null, 0), null, V)).toBeNull();
  });

  it('leaves the stored mark alone when unread records arrived after the walk', () => {
    expect(markAfterPass(mark(1000, 2), mark(1000, 3), 1500, V)).toBeNull();
    expect(markAfterPass(undefined, mark(null, 1), 1500, V)).toBeNull();
  });

  it('never moves back when the walk met only records before the mark', () => {
    expect(markAfterPass(mark(1000, 0), mark(1000, 0), 400, V)).toBeNull();
  });
});
