import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Tower } from '../../../workers/embed.worker';
import { TowerKeeper, type TowerRuntime } from '../../../workers/lib/tower-keeper';

/** A runtime that records what was asked of it; `ended` tells whether the keeper ended it. */
interface FakeApi {
  id: number;
  ended: boolean;
  calls: string[];
}

function keeperWith(options: { idleMs?: number; otherTowerIdleMs?: number; failStarts?: number } = {}) {
  const started: Array<{ towers: Tower[]; api: FakeApi }> = [];
  let failStarts = options.failStarts ?? 0;
  const keeper = new TowerKeeper<FakeApi>({
    idleMs: options.idleMs ?? 30_000,
    otherTowerIdleMs: options.otherTowerIdleMs ?? 10_000,
    now: () => Date.now(),
    start: async (towers): Promise<TowerRuntime<FakeApi>> => {
      if (failStarts-- > 0) throw new Error('model files missing');
      const api: FakeApi = { id: started.length + 1, ended: false, calls: [] };
      started.push({ towers, api });
      return { api, towers: new Set(towers), end: () => (api.ended = true) };
    },
  });
  return { keeper, started };
}

/** A call on the runtime that takes `ms` of (fake) time. */
const call = (name: string, ms = 0) => (api: FakeApi) => {
  api.calls.push(name);
  return ms === 0 ? Promise.resolve(api.id) : new Promise<number>((resolve) => setTimeout(() => resolve(api.id), ms));
};

describe('TowerKeeper', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(0);
  });
  afterEach(() => vi.useRealTimers());

  it('starts a runtime with only the tower the first call needs, and reuses it', async () => {
    const { keeper, started } = keeperWith();
    expect(await keeper.use('text', call('query'))).toBe(1);
    expect(await keeper.use('text', call('query'))).toBe(1);
    expect(started.map((s) => s.towers)).toEqual([['text']]);
    expect(keeper.towers).toEqual(['text']);
  });

  it('ends the runtime after idleMs without a call, and starts it again on the next call', async () => {
    const { keeper, started } = keeperWith({ idleMs: 5_000 });
    await keeper.use('text', call('query'));
    await vi.advanceTimersByTimeAsync(4_999);
    expect(started[0]!.api.ended).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(started[0]!.api.ended).toBe(true);
    expect(keeper.towers).toEqual([]);
    expect(await keeper.use('text', call('query'))).toBe(2);
    expect(started.map((s) => s.towers)).toEqual([['text'], ['text']]);
  });

  it('never ends a runtime while a call runs on it, however long', async () => {
    const { keeper, started } = keeperWith({ idleMs: 1_000 });
    const long = keeper.use('vision', call('batch', 60_000));
    await vi.advanceTimersByTimeAsync(59_000);
    expect(started[0]!.api.ended).toBe(false);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(await long).toBe(1);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(started[0]!.api.ended).toBe(true);
  });

  it('loads the other tower in place while the first one is still in use', async () => {
    const { keeper, started } = keeperWith({ otherTowerIdleMs: 10_000 });
    await keeper.open(['vision', 'text']);
    await vi.advanceTimersByTimeAsync(3_000);
    expect(await keeper.use('vision', call('batch'))).toBe(1);
    expect(await keeper.use('text', call('query'))).toBe(1);
    expect(started).toHaveLength(1);
  });

  it('replaces a runtime whose other tower went unused, after the calls on it finish', async () => {
    const { keeper, started } = keeperWith({ otherTowerIdleMs: 10_000 });
    await keeper.open(['vision', 'text']);
    await vi.advanceTimersByTimeAsync(11_000);
    // text unused for 11 s: a batch of pictures gets a runtime with the image tower alone …
    expect(await keeper.use('vision', call('batch'))).toBe(2);
    expect(started.map((s) => s.towers)).toEqual([['vision', 'text'], ['vision']]);
    expect(started[0]!.api.ended).toBe(true);
    // … and a search right after the import swaps again only once the image tower is idle too.
    await vi.advanceTimersByTimeAsync(2_000);
    expect(await keeper.use('text', call('query'))).toBe(2);
    expect(keeper.towers.sort()).toEqual(['text', 'vision']);
  });

  it('lets a running call finish on the old runtime before swapping, and holds new calls meanwhile', async () => {
    const { keeper, started } = keeperWith({ otherTowerIdleMs: 10_000 });
    await keeper.use('text', call('query'));
    await vi.advanceTimersByTimeAsync(2_000);
    const slowText = keeper.use('text', call('query', 12_000)); // starts at 2 s, ends at 14 s
    await vi.advanceTimersByTimeAsync(12_500);
    // text ended 0.5 s ago: no swap, vision loads in place
    expect(await keeper.use('vision', call('batch'))).toBe(1);
    expect(await slowText).toBe(1);
    await vi.advanceTimersByTimeAsync(11_000);
    const slowVision = keeper.use('vision', call('batch', 5_000)); // text idle 11 s: swap …
    const text = keeper.use('text', call('query'));
    await vi.advanceTimersByTimeAsync(5_000);
    expect(await slowVision).toBe(2);
    expect(await text).toBe(2);
    expect(started.map((s) => s.towers)).toEqual([['text'], ['vision']]);
  });

  it('waits for running calls before a swap (a call counted as running is never cut off)', async () => {
    const { keeper, started } = keeperWith({ otherTowerIdleMs: 10_000 });
    await keeper.open(['text']);
    await vi.advanceTimersByTimeAsync(11_000);
    const imageTower = keeper.use(null, call('spec', 3_000)); // any runtime: the text one
    const batch = keeper.use('vision', call('batch')); // text idle: swap after the spec call
    await vi.advanceTimersByTimeAsync(3_000);
    expect(await imageTower).toBe(1);
    expect(started[0]!.api.calls).toEqual(['spec']);
    expect(await batch).toBe(2);
  });

  it('rejects the calls of a start that failed, and tries again on the next call', async () => {
    const { keeper, started } = keeperWith({ failStarts: 1 });
    await expect(keeper.use('text', call('query'))).rejects.toThrow('model files missing');
    expect(await keeper.use('text', call('query'))).toBe(1);
    expect(started).toHaveLength(1);
  });

  it('open ends the old runtime at once and loads the towers asked for', async () => {
    const { keeper, started } = keeperWith();
    await keeper.use('text', call('query'));
    await keeper.open(['vision', 'text']);
    expect(started[0]!.api.ended).toBe(true);
    expect(keeper.towers.sort()).toEqual(['text', 'vision']);
  });
});
