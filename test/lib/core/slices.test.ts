import { describe, expect, it } from 'vitest';
import { nextTask, runInSlices, StoppedError } from '../../../src/lib/core/slices';
import { allPairSteps, drainScan } from '../../../src/lib/core/duplicates';

function* counted(steps: number, onStep: (i: number) => void = () => undefined): Generator<number, string> {
  for (let i = 1; i <= steps; i++) {
    onStep(i);
    yield i;
  }
  return `done after ${steps}`;
}

/** A clock that moves `msPerRead` every time it is read, so slices have a known length. */
const steppingClock = (msPerRead: number) => {
  let t = 0;
  return () => (t += msPerRead);
};

describe('runInSlices', () => {
  it("returns the generator's value after running every step", async () => {
    let ran = 0;
    expect(await runInSlices(counted(100, () => ran++))).toBe('done after 100');
    expect(ran).toBe(100);
  });

  it('gives the event loop back once per slice and reports the last step of each slice', async () => {
    let yields = 0;
    const seen: number[] = [];
    // The clock moves 5 ms per read, read at each slice start and after each step: a slice of
    // 16 ms is over after its 4th step (20 ms).
    await runInSlices(counted(12), { sliceMs: 16, now: steppingClock(5), onSlice: (p) => seen.push(p), yieldNow: async () => void yields++ });
    expect(seen).toEqual([4, 8, 12]);
    expect(yields).toBe(3);
  });

  it('lets a message that arrives during a long scan run before the scan ends', async () => {
    let step = 0;
    const busy = (ms: number) => {
      const end = performance.now() + ms;
      while (performance.now() < end);
    };
    let answeredAtStep = -1;
    const scan = runInSlices(counted(60, (i) => ((step = i), busy(2))), { sliceMs: 10 });
    void nextTask().then(() => (answeredAtStep = step));
    await scan;
    expect(answeredAtStep).toBeGreaterThan(0);
    expect(answeredAtStep).toBeLessThan(60);
  });

  it('without slices the same message waits for the whole scan (what slicing prevents)', async () => {
    let step = 0;
    let answeredAtStep = -1;
    const task = nextTask().then(() => (answeredAtStep = step));
    for (const _ of counted(60, (i) => (step = i)));
    await task;
    expect(answeredAtStep).toBe(60);
  });
});

describe('runInSlices stopped', () => {
  it('ends at the first slice boundary after a stop, without running the remaining steps', async () => {
    let ran = 0;
    let stop = false;
    // 5 ms per clock read and 16 ms slices: 4 steps a slice; the stop comes during the 2nd yield.
    const run = runInSlices(counted(100, () => ran++), {
      sliceMs: 16,
      now: steppingClock(5),
      yieldNow: async () => {
        if (ran === 8) stop = true;
      },
      stopped: () => stop,
    });
    await expect(run).rejects.toBeInstanceOf(StoppedError);
    expect(ran).toBe(8);
  });

  it('does not start when already stopped', async () => {
    let ran = 0;
    await expect(runInSlices(counted(10, () => ran++), { stopped: () => true })).rejects.toThrow('stopped before the end');
    expect(ran).toBe(0);
  });

  it('runs to the end when never stopped', async () => {
    expect(await runInSlices(counted(20), { sliceMs: 16, now: steppingClock(5), yieldNow: async () => undefined, stopped: () => false })).toBe('done after 20');
  });
});

describe('allPairSteps', () => {
  it('steps through the rows and returns the same pairs as one pass', () => {
    const unit = (x: number, y: number) => Float32Array.from([x, y].map((v) => v / Math.hypot(x, y)));
    const items = Array.from({ length: 130 }, (_, i) => ({ id: `i${i}`, type: 'image' as const, vector: unit(1, i % 2 ? 0.01 * i : 5) }));
    const progress: number[] = [];
    const steps = allPairSteps(items, 0.999);
    let r = steps.next();
    while (!r.done) {
      expect(r.value.total).toBe(130);
      progress.push(r.value.done);
      r = steps.next();
    }
    expect(progress).toEqual([64, 128, 130]);
    expect(r.value.length).toBeGreaterThan(0);
    expect(r.value).toEqual(drainScan(allPairSteps(items, 0.999)));
  });
});
