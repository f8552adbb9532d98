import { describe, expect, it } from 'vitest';
import { runPool } from '../../../src/lib/core/concurrency';

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('runPool', () => {
  it('never runs more than the limit at once and starts items in order', async () => {
    let running = 0;
    let peak = 0;
    const started: number[] = [];
    const n = await runPool([30, 5, 20, 5, 10, 5], 2, async (ms, i) => {
      started.push(i);
      peak = Math.max(peak, ++running);
      await tick(ms);
      running--;
    });
    expect(n).toBe(6);
    expect(peak).toBe(2);
    expect(started).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('starts nothing new once stopped, and lets running items finish', async () => {
    let stop = false;
    const finished: number[] = [];
    const n = await runPool([0, 1, 2, 3, 4], 2, async (i) => {
      await tick(5);
      if (i === 1) stop = true;
      finished.push(i);
    }, () => stop);
    expect(n).toBe(3);
    expect(finished.sort()).toEqual([0, 1, 2]);
  });

  it('handles no items and a limit above the item count', async () => {
    expect(await runPool([], 3, async () => undefined)).toBe(0);
    expect(await runPool([1], 3, async () => undefined)).toBe(1);
  });
});
