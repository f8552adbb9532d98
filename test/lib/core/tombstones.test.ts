import { describe, expect, it } from 'vitest';
import {
  DEFAULT_UNDO_WINDOW_MS,
  deletedLabel,
  dueTombstones,
  isDue,
  nextExpiryMs,
  undoAllowed,
  undoWindowMs,
} from '../../../src/lib/core/tombstones';

const t = (id: string, expiresAtMs: number) => ({ id, expiresAtMs });

describe('tombstones: undo allowed and due are exact complements around the expiry', () => {
  it.each([
    // [nowMs, undo allowed, due]
    [9_999, true, false],
    [10_000, false, true],
    [10_001, false, true],
    [0, true, false],
  ])('at %d ms with expiry 10000: undo %s, due %s', (nowMs, undo, due) => {
    expect(undoAllowed(t('a', 10_000), nowMs)).toBe(undo);
    expect(isDue(t('a', 10_000), nowMs)).toBe(due);
  });

  it('dueTombstones returns only expired ones, earliest first (ties by id)', () => {
    const all = [t('late', 30), t('b', 10), t('future', 31), t('a', 10), t('now', 20)];
    expect(dueTombstones(all, 30).map((x) => x.id)).toEqual(['a', 'b', 'now', 'late']);
    expect(dueTombstones(all, 9)).toEqual([]);
    expect(dueTombstones([], 100)).toEqual([]);
  });

  it('a tombstone another tab wrote a moment ago is never due, whatever the order of tabs', () => {
    const fromOtherTab = t('x', 1_000 + DEFAULT_UNDO_WINDOW_MS);
    for (const nowMs of [1_000, 1_001, 1_000 + DEFAULT_UNDO_WINDOW_MS - 1]) expect(dueTombstones([fromOtherTab], nowMs)).toEqual([]);
  });

  it('nextExpiryMs is the earliest expiry still to come, null when none', () => {
    expect(nextExpiryMs([t('a', 50), t('b', 20), t('c', 10)], 15)).toBe(20);
    expect(nextExpiryMs([t('a', 50), t('b', 20)], 20)).toBe(50);
    expect(nextExpiryMs([t('a', 50)], 50)).toBeNull();
    expect(nextExpiryMs([], 0)).toBeNull();
  });

  it.each([
    [undefined, 8000],
    ['5000', 8000],
    [Number.NaN, 8000],
    [Infinity, 8000],
    [3000, 3000],
    [2500.4, 2500],
    [10, 1000],
    [-5, 1000],
    [3_600_000, 60_000],
  ])('undo window setting %s → %d ms', (setting, ms) => {
    expect(undoWindowMs(setting)).toBe(ms);
  });

  it('labels one item by name and several by count', () => {
    expect(deletedLabel(['beach.jpg'])).toBe('Deleted beach.jpg');
    expect(deletedLabel(['a.jpg', 'b.jpg', 'c.mp4'])).toBe('Deleted 3 items');
  });
});
