import { describe, expect, it } from 'vitest';
import { plural } from '../../../src/lib/core/plural';

describe('plural', () => {
  it.each([
    [0, 'file', undefined, '0 files'],
    [1, 'file', undefined, '1 file'],
    [2, 'file', undefined, '2 files'],
    [1, 'refused copy', 'refused copies', '1 refused copy'],
    [3, 'refused copy', 'refused copies', '3 refused copies'],
    [5, 'photo or video', 'photos and videos', '5 photos and videos'],
  ])('%i %s → %s', (n, one, many, expected) => {
    expect(plural(n, one, many)).toBe(expected);
  });
});
