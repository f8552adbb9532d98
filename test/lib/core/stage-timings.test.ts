import { describe, expect, it } from 'vitest';
import { STAGES, StageClock, summarize, type Stage } from '../../../src/lib/core/stage-timings';

const totals = (t: Partial<Record<Stage, [number, number]>>) => Object.entries(t).map(([stage, [totalMs, count]]) => ({ stage: stage as Stage, totalMs, count }));

describe('summarize', () => {
  // Two photos: preparing one takes 5 + 3 + 20 + 8 + 2 = 38 ms, embedding + storing one 30 + 4 = 34 ms.
  const twoPhotos = totals({ read: [10, 2], sha256: [6, 2], decode: [40, 2], resize: [16, 2], phash: [4, 2], model: [60, 2], store: [8, 2] });

  it('per-item times, shares of busy time and lane sums', () => {
    const s = summarize(twoPhotos, 100);
    expect(s.stages.map((x) => [x.stage, x.msPerItem])).toEqual([
      ['read', 5],
      ['sha256', 3],
      ['decode', 20],
      ['resize', 8],
      ['phash', 2],
      ['model', 30],
      ['store', 4],
    ]);
    expect(s.busyMs).toBe(144);
    expect(s.stages.find((x) => x.stage === 'decode')!.share).toBeCloseTo(40 / 144, 12);
    expect(s.stages.reduce((a, x) => a + x.share, 0)).toBeCloseTo(1, 12);
    expect(s.lanes).toEqual({ prepare: { totalMs: 76, msPerItem: 38 }, commit: { totalMs: 68, msPerItem: 34 } });
  });

  it('the bottleneck is the slowest stage of the slower lane, not the slowest stage overall', () => {
    const s = summarize(twoPhotos, 100);
    // model (30 ms/item) is the slowest stage, but preparing (38 ms/item) is what limits the rate.
    expect(s.criticalLane).toBe('prepare');
    expect(s.bottleneck).toBe('decode');
  });

  it('wall time below the busy sum is overlap; wall time beyond the critical lane is waiting', () => {
    const s = summarize(twoPhotos, 100);
    expect(s.overlapMs).toBe(44);
    expect(s.otherMs).toBe(24);
    const serial = summarize(twoPhotos, 200);
    expect(serial.overlapMs).toBe(0);
    expect(serial.otherMs).toBe(124);
  });

  it('a slow model makes the commit lane critical', () => {
    const s = summarize(totals({ read: [8, 8], decode: [80, 8], resize: [40, 8], model: [1600, 8], store: [16, 8] }), 1700);
    expect(s.criticalLane).toBe('commit');
    expect(s.bottleneck).toBe('model');
    expect(s.lanes.commit.msPerItem).toBe(202);
    expect(s.otherMs).toBe(84);
  });

  it('per-item time uses each stage’s own count: one 8-image forward pass over 8 photos is 1/8 of it each', () => {
    const s = summarize(totals({ model: [400, 8], read: [16, 10] }), 500);
    expect(s.stages.find((x) => x.stage === 'model')!.msPerItem).toBe(50);
    expect(s.stages.find((x) => x.stage === 'read')!.msPerItem).toBe(1.6);
  });

  it('nothing measured: zeros, no NaN, no bottleneck', () => {
    const s = summarize([], 0);
    expect(s.stages).toHaveLength(STAGES.length);
    for (const x of s.stages) expect([x.totalMs, x.count, x.msPerItem, x.share]).toEqual([0, 0, 0, 0]);
    expect([s.busyMs, s.wallMs, s.overlapMs, s.otherMs, s.criticalLane, s.bottleneck]).toEqual([0, 0, 0, 0, null, null]);
  });
});

describe('StageClock', () => {
  it('sums spans per stage and spans the wall clock from the first start to the last end', () => {
    const c = new StageClock();
    c.add('decode', 100, 130);
    c.add('model', 130, 190, 2);
    c.add('decode', 140, 150); // prepared while the model ran
    c.add('store', 190, 195);
    c.add('read', 90, 100);
    const s = c.snapshot();
    expect(s.wallMs).toBe(105);
    expect(s.stages.find((x) => x.stage === 'decode')).toMatchObject({ totalMs: 40, count: 2, msPerItem: 20 });
    expect(s.stages.find((x) => x.stage === 'model')).toMatchObject({ totalMs: 60, count: 2, msPerItem: 30 });
    expect(s.busyMs).toBe(115);
    expect(s.overlapMs).toBe(10);
  });

  it('a span whose clock went backwards counts as zero', () => {
    const c = new StageClock();
    c.add('sha256', 50, 40);
    expect(c.snapshot().stages.find((x) => x.stage === 'sha256')).toMatchObject({ totalMs: 0, count: 1 });
  });

  it('reset forgets everything', () => {
    const c = new StageClock();
    c.add('store', 0, 12);
    expect(c.empty).toBe(false);
    c.reset();
    expect(c.empty).toBe(true);
    const s = c.snapshot();
    expect([s.busyMs, s.wallMs, s.bottleneck]).toEqual([0, 0, null]);
  });
});
