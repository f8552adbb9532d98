import { describe, expect, it } from 'vitest';
import { changedMaterially, fnv1a64, jaccard, membershipHash } from '../../../src/lib/core/membership';

const bytes = (s: string) => new TextEncoder().encode(s);
const ids = (n: number, prefix = 'a') => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

describe('fnv1a64', () => {
  // Reference values of the FNV-1a 64-bit test suite (isthe.com/chongo/tech/comp/fnv).
  it.each([
    ['', 'cbf29ce484222325'],
    ['a', 'af63dc4c8601ec8c'],
    ['foobar', '85944171f73967e8'],
  ])('%j → %s', (input, hex) => {
    expect(fnv1a64(bytes(input))).toBe(hex);
  });
});

describe('membershipHash', () => {
  it('does not depend on the order or repetition of members', () => {
    expect(membershipHash(['c', 'a', 'b'])).toBe(membershipHash(['a', 'b', 'c']));
    expect(membershipHash(['a', 'b', 'b'])).toBe(membershipHash(['b', 'a']));
  });

  it('changes when one member changes, and is 16 hex digits', () => {
    const h = membershipHash(ids(50));
    expect(h).toMatch(/^[0-9a-f]{16}$/);
    expect(membershipHash([...ids(49), 'x'])).not.toBe(h);
    expect(membershipHash(ids(49))).not.toBe(h);
  });
});

describe('changedMaterially', () => {
  it('is true when there was no name for these members', () => {
    expect(changedMaterially(undefined, ['a'])).toBe(true);
    expect(changedMaterially([], ['a'])).toBe(true);
  });

  it('is false for the same members in another order', () => {
    expect(changedMaterially(['a', 'b', 'c'], ['c', 'b', 'a'])).toBe(false);
  });

  it('turns true at a 25 % size change even with every old member kept', () => {
    expect(jaccard(ids(20), [...ids(20), ...ids(4, 'n')])).toBeCloseTo(20 / 24);
    expect(changedMaterially(ids(20), [...ids(20), ...ids(4, 'n')])).toBe(false); // +20 %, J = 0.83
    expect(changedMaterially(ids(20), [...ids(20), ...ids(5, 'n')])).toBe(true); // +25 %, J = 0.8
    expect(changedMaterially(ids(100), ids(80))).toBe(false); // −20 %, J = 0.8
  });

  it('turns true below a Jaccard of 0.8 at the same size', () => {
    // 100 named, 10 swapped: J = 90/110 = 0.818 → same name; 12 swapped: J = 88/112 = 0.786 → ask again.
    expect(changedMaterially(ids(100), [...ids(90), ...ids(10, 'n')])).toBe(false);
    expect(changedMaterially(ids(100), [...ids(88), ...ids(12, 'n')])).toBe(true);
  });
});
