import { describe, expect, it } from 'vitest';
import {
  DEFAULT_SWEEP_GRACE_MS,
  fileOwners,
  ownerId,
  planSweep,
  sweepGraceMs,
  sweepMessage,
  unownedIds,
  updateFirstSeen,
} from '../../../src/lib/core/leftover-sweep';

const GRACE = 10 * 60_000;
const NOW = 1_800_000_000_000;
const file = (id: string, ageMs: number, sizeBytes = 100) => ({ id, lastModifiedMs: NOW - ageMs, sizeBytes });

describe('leftover sweep: what no record owns and is older than the grace period', () => {
  it('removes exactly the unowned files at least the grace period old', () => {
    const owned = new Set(['asset', 'job', 'tomb']);
    const files = [
      file('asset', GRACE * 10), // owned by an asset record
      file('job', GRACE * 10), // owned by a job of any status
      file('tomb', GRACE * 10), // owned by a tombstone
      file('orphan-old', GRACE + 1, 2_000_000),
      file('orphan-exact', GRACE, 500_000),
      file('orphan-young', GRACE - 1), // may be an import in flight in another tab
      file('orphan-new', 0),
      file('orphan-future', -60_000), // the clock went back: younger than any grace
    ];
    const plan = planSweep(files, owned, NOW, GRACE);
    expect(plan.remove.map((f) => f.id)).toEqual(['orphan-old', 'orphan-exact']);
    expect(plan.removeBytes).toBe(2_500_000);
  });

  it('owners: every asset and tombstone; every job until its item is stored, then the item alone', () => {
    const owners = fileOwners(['a1'], ['t1'], [
      { id: 'queued', stored: false },
      { id: 'staging', stored: false },
      { id: 'a1', stored: true },
      { id: 't1', stored: true },
      { id: 'deleted-long-ago', stored: true },
    ]);
    expect([...owners].sort()).toEqual(['a1', 'queued', 'staging', 't1']);
    expect(fileOwners([], [], [])).toEqual(new Set());
  });

  it('a keyframe thumbnail belongs to its asset: `${assetId}#${frameIndex}`', () => {
    expect(ownerId('abc')).toBe('abc');
    expect(ownerId('abc#0')).toBe('abc');
    expect(ownerId('abc#12')).toBe('abc');
    const plan = planSweep([file('v#0', GRACE), file('v#1', GRACE), file('gone#0', GRACE, 7), file('v', GRACE)], new Set(['v']), NOW, GRACE);
    expect(plan.remove.map((f) => f.id)).toEqual(['gone#0']);
    expect(plan.removeBytes).toBe(7);
  });

  it('nothing stored or everything owned: nothing to remove', () => {
    expect(planSweep([], new Set(), NOW, GRACE)).toEqual({ remove: [], removeBytes: 0 });
    expect(planSweep([file('a', GRACE * 100)], new Set(['a']), NOW, GRACE)).toEqual({ remove: [], removeBytes: 0 });
  });

  it('unownedIds keeps the stored order and maps keyframes to their asset', () => {
    expect(unownedIds(['c', 'a#1', 'b', 'a', 'd#0'], new Set(['a', 'b']))).toEqual(['c', 'd#0']);
  });

  it('IndexedDB entries: first-seen times are kept while unowned, started for new ones, dropped when owned again', () => {
    const first = updateFirstSeen({}, ['x', 'y'], 1000);
    expect(first).toEqual({ x: 1000, y: 1000 });
    // y got an owner (its import finished), z is new; x keeps its first sighting.
    const second = updateFirstSeen(first, ['x', 'z'], 5000);
    expect(second).toEqual({ x: 1000, z: 5000 });
    // y orphaned again later starts over; a damaged or future time starts over too.
    expect(updateFirstSeen({ ...second, w: 99_999, v: Number.NaN }, ['y', 'w', 'v'], 9000)).toEqual({ y: 9000, w: 9000, v: 9000 });
  });

  it('an IndexedDB entry is removed only when it was unowned at two sweeps a grace period apart', () => {
    const owned = new Set<string>();
    const seen1 = updateFirstSeen({}, ['blob'], NOW);
    const asFiles = (seen: Record<string, number>) => Object.entries(seen).map(([id, lastModifiedMs]) => ({ id, lastModifiedMs, sizeBytes: 3 }));
    expect(planSweep(asFiles(seen1), owned, NOW, GRACE).remove).toEqual([]);
    const seen2 = updateFirstSeen(seen1, ['blob'], NOW + GRACE - 1);
    expect(planSweep(asFiles(seen2), owned, NOW + GRACE - 1, GRACE).remove).toEqual([]);
    const seen3 = updateFirstSeen(seen2, ['blob'], NOW + GRACE);
    expect(planSweep(asFiles(seen3), owned, NOW + GRACE, GRACE).remove.map((f) => f.id)).toEqual(['blob']);
  });

  it.each([
    [undefined, DEFAULT_SWEEP_GRACE_MS],
    [null, DEFAULT_SWEEP_GRACE_MS],
    ['1000', DEFAULT_SWEEP_GRACE_MS],
    [0, 1000],
    [2000, 2000],
    [1e15, 7 * 24 * 3600_000],
  ])('grace setting %s → %d ms', (setting, ms) => {
    expect(sweepGraceMs(setting)).toBe(ms);
  });

  it.each([
    [0, 0, null],
    [1, 2_400_000, 'Removed 1 leftover file (2.4 MB) that no item used'],
    [3, 12_345_678, 'Removed 3 leftover files (12.3 MB) that no item used'],
    [2, 1234, 'Removed 2 leftover files (less than 0.1 MB) that no item used'],
    [1, 0, 'Removed 1 leftover file (0.0 MB) that no item used'],
  ])('message for %d files of %d bytes', (count, bytes, text) => {
    expect(sweepMessage(count, bytes)).toBe(text);
  });
});
