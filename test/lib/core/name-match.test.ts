import { describe, expect, it } from 'vitest';
import { looksLikeFileName, nameMatchScore } from '../../../src/lib/core/name-match';

describe('looksLikeFileName', () => {
  it.each([
    // Camera and phone names.
    { q: 'IMG_2041', want: true },
    { q: 'img', want: true },
    { q: 'DSC01234', want: true },
    { q: 'DSCN0042', want: true },
    { q: 'PXL_20240101', want: true },
    { q: 'MVI_0001', want: true },
    { q: 'Screenshot', want: true },
    // Extensions, dates, numbers, separators.
    { q: 'beach.jpg', want: true },
    { q: '2023-07-04', want: true },
    { q: '42', want: true },
    { q: 'holiday_photos', want: true },
    { q: '  IMG_2041  ', want: true },
    // Plain descriptions go to semantic search alone.
    { q: 'red car', want: false },
    { q: 'dog on the beach', want: false },
    { q: 'sunset', want: false },
    { q: 'a cat in a box', want: false },
    // Too short to mean anything, even after trimming.
    { q: '', want: false },
    { q: '7', want: false },
    { q: '   .   ', want: false },
  ])('$q → $want', ({ q, want }) => {
    expect(looksLikeFileName(q)).toBe(want);
  });
});

describe('nameMatchScore', () => {
  it.each([
    // 3: exact, ignoring case, with or without the extension.
    { q: 'IMG_2041.JPG', name: 'IMG_2041.JPG', want: 3 },
    { q: 'img_2041.jpg', name: 'IMG_2041.JPG', want: 3 },
    { q: 'IMG_2041', name: 'IMG_2041.JPG', want: 3 },
    { q: 'beach', name: 'beach.jpeg', want: 3 },
    { q: 'notes', name: 'notes', want: 3 },
    { q: '  Beach  ', name: 'beach.png', want: 3 },
    // 2: prefix.
    { q: 'IMG_20', name: 'IMG_2041.JPG', want: 2 },
    { q: 'beach', name: 'beach-2019.jpg', want: 2 },
    // 1: substring.
    { q: '2041', name: 'IMG_2041.JPG', want: 1 },
    { q: '.jpg', name: 'IMG_2041.JPG', want: 1 },
    { q: 'each', name: 'beach.jpg', want: 1 },
    // 0: no match.
    { q: 'beach.png', name: 'beach.jpg', want: 0 },
    { q: 'IMG_2042', name: 'IMG_2041.JPG', want: 0 },
    { q: 'beach jpg', name: 'beach.jpg', want: 0 },
    { q: '', name: 'beach.jpg', want: 0 },
    { q: '   ', name: 'beach.jpg', want: 0 },
  ])('($q, $name) → $want', ({ q, name, want }) => {
    expect(nameMatchScore(q, name)).toBe(want);
  });

  it('orders a set of names exact > prefix > substring > none', () => {
    const names = ['x-IMG_2041.jpg', 'IMG_2041.jpg', 'IMG_20410.jpg', 'IMG_1999.jpg'];
    const ranked = names
      .map((name) => ({ name, s: nameMatchScore('IMG_2041', name) }))
      .sort((a, b) => b.s - a.s)
      .map(({ name, s }) => `${s}:${name}`);
    expect(ranked).toEqual(['3:IMG_2041.jpg', '2:IMG_20410.jpg', '1:x-IMG_2041.jpg', '0:IMG_1999.jpg']);
  });
});
