import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Tower } from '../../../workers/embed.worker';
import { TowerKeeper, type TowerRuntime } from '../../../workers/lib/tower-keeper';

/** A runtime that records what was asked of it; `ended` tells whether the keeper ended it. */
interface FakeApi {
  id: number;
  ended: boolean;
  calls: string[];
}

function keeperWith(options: { idleMs?: number; failStarts?: number; leanFor?: Tower[] } = {}) {
  const started: Array<{ towers: Tower[]; api: FakeApi }> = [];
  const changes: Tower[][] = [];
  const idleEnds: number[] = [];
  let failStarts = options.failStarts ?? 0;
  const keeper = new TowerKeeper<FakeApi>({
    idleMs: options.idleMs ?? 30_000,
    leanFor: options.leanFor,
    now: () => Date.now(),
    onChange: (towers) => changes.push(towers),
    onIdleEnd: () => idleEnds.push(started.length),
    start: async (towers): Promise<TowerRuntime<FakeApi>> => {
      if (failStarts-- > 0) throw new Error('model files missing');
      const api: FakeApi = { id: started.length + 1, ended: false, calls: [] };
      started.push({ towers, api });
      return { api, towers: new Set(towers), end: () => (api.ended = true) };
    },
  });
  return { keeper, started, changes, idleEnds };
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

  it('says when it ended the runtime for idleness, and not when the runtime was ended or replaced otherwise', async () => {
    const { keeper, started, idleEnds } = keeperWith({ idleMs: 5_000, leanFor: ['vision'] });
    // The first load's check: both towers, ended at once.
    await keeper.open(['vision', 'text']);
    keeper.endIfUnused();
    // An import right after: a new runtime, then idle.
    await keeper.use('vision', call('batch'));
    await keeper.open(['vision', 'text']);
    // Replaced by an image-only runtime for the next import's call.
    await keeper.use('vision', call('batch'));
    expect(started.map((s) => s.towers)).toEqual([['vision', 'text'], ['vision'], ['vision', 'text'], ['vision']]);
    expect(idleEnds).toEqual([]);
    await vi.advanceTimersByTimeAsync(4_999);
    expect(idleEnds).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(started[3]!.api.ended).toBe(true);
    expect(idleEnds).toEqual([4]);
    keeper.end();
    expect(idleEnds).toEqual([4]);
  });

  it('starts a runtime with only the tower the first call needs, and reuses it', async () => {
    const { keeper, started } = keeperWith();
    expect(await keeper.use('text', call('query'))).toBe(1);
    expect(await keeper.use('text', call('query'))).toBe(1);
    expect(started.map((s) => s.towers)).toEqual([['text']]);
    expect(keeper.towers).toEqual(['text']);
  });

  it('ends the runtime after idleMs without a call, and starts it again on the next call', async () => {
    const { keeper, started, changes } = keeperWith({ idleMs: 5_000 });
    await keeper.use('vision', call('batch'));
    await vi.advanceTimersByTimeAsync(4_999);
    expect(started[0]!.api.ended).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(started[0]!.api.ended).toBe(true);
    expect(keeper.towers).toEqual([]);
    expect(await keeper.use('text', call('query'))).toBe(2);
    expect(started.map((s) => s.towers)).toEqual([['vision'], ['text']]);
    expect(changes).toEqual([['vision'], [], ['text']]);
  });

  it('counts idle time from the end of the last call, and never ends a runtime while a call runs on it', async () => {
    const { keeper, started } = keeperWith({ idleMs: 1_000 });
    const long = keeper.use('vision', call('batch', 60_000));
    await vi.advanceTimersByTimeAsync(59_000);
    expect(started[0]!.api.ended).toBe(false);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(await long).toBe(1);
    await vi.advanceTimersByTimeAsync(999);
    expect(started[0]!.api.ended).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(started[0]!.api.ended).toBe(true);
  });

  it('loads the other tower in the running runtime when a call asks for it', async () => {
    const { keeper, started, changes } = keeperWith();
    await keeper.use('vision', call('batch'));
    expect(await keeper.use('text', call('query'))).toBe(1);
    expect(keeper.towers.sort()).toEqual(['text', 'vision']);
    expect(started).toHaveLength(1);
    expect(changes).toEqual([['vision'], ['vision', 'text']]);
  });

  it('calls made while a runtime starts wait for it and share it', async () => {
    const { keeper, started } = keeperWith();
    const [a, b, c] = await Promise.all([keeper.use('vision', call('batch')), keeper.use(null, call('spec')), keeper.use('text', call('query'))]);
    expect([a, b, c]).toEqual([1, 1, 1]);
    expect(started).toHaveLength(1);
    expect(started[0]!.api.calls).toEqual(['batch', 'spec', 'query']);
  });

  it('rejects the calls of a start that failed, and tries again on the next call', async () => {
    const { keeper, started } = keeperWith({ failStarts: 1 });
    await expect(keeper.use('text', call('query'))).rejects.toThrow('model files missing');
    expect(await keeper.use('text', call('query'))).toBe(1);
    expect(started).toHaveLength(1);
  });

  it('open ends the old runtime at once and loads the towers asked for; a shorter idleMs applies at once', async () => {
    const { keeper, started } = keeperWith();
    await keeper.use('text', call('query'));
    await keeper.open(['vision', 'text']);
    expect(started[0]!.api.ended).toBe(true);
    expect(keeper.towers.sort()).toEqual(['text', 'vision']);
    keeper.idleMs = 500;
    await vi.advanceTimersByTimeAsync(500);
    expect(started[1]!.api.ended).toBe(true);
  });

  it('keeps the runtime holdMs after a call that asks for it, and idleMs after the others', async () => {
    const { keeper, started } = keeperWith({ idleMs: 30_000 });
    await keeper.use('text', call('query'), 180_000);
    await vi.advanceTimersByTimeAsync(60_000);
    // A later call without a hold does not shorten the search's.
    await keeper.use('vision', call('batch'));
    await vi.advanceTimersByTimeAsync(119_999);
    expect(started[0]!.api.ended).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(started[0]!.api.ended).toBe(true);

    // Without a hold, idleMs after the last call.
    await keeper.use('vision', call('batch'));
    await vi.advanceTimersByTimeAsync(30_000);
    expect(started[1]!.api.ended).toBe(true);
  });

  it('a hold ends with its runtime: the next runtime is released after idleMs', async () => {
    const { keeper, started } = keeperWith({ idleMs: 1_000 });
    await keeper.use('text', call('query'), 180_000);
    keeper.end();
    await keeper.use('vision', call('batch'));
    await vi.advanceTimersByTimeAsync(1_000);
    expect(started[1]!.api.ended).toBe(true);
  });

  it('an image call replaces a runtime whose text tower only the first load used', async () => {
    const { keeper, started, changes } = keeperWith({ leanFor: ['vision'] });
    await keeper.open(['vision', 'text']);
    // A use that names no tower (the load's own prompts, the input spec) leaves the runtime replaceable.
    await keeper.use(null, call('prompts'));
    expect(await keeper.use('vision', call('batch'))).toBe(2);
    expect(started[0]!.api.ended).toBe(true);
    expect(started[1]!.towers).toEqual(['vision']);
    expect(changes).toEqual([['vision', 'text'], [], ['vision']]);
    // Replaced once: later image calls share the new runtime.
    expect(await keeper.use('vision', call('batch'))).toBe(2);
  });

  it('a search keeps the runtime of the first load, and an import after it shares that runtime', async () => {
    const { keeper, started } = keeperWith({ leanFor: ['vision'] });
    await keeper.open(['vision', 'text']);
    expect(await keeper.use('text', call('query'))).toBe(1);
    expect(await keeper.use('vision', call('batch'))).toBe(1);
    expect(started).toHaveLength(1);
    expect(keeper.towers.sort()).toEqual(['text', 'vision']);
  });

  it('never replaces a runtime while a call runs on it', async () => {
    const { keeper, started } = keeperWith({ leanFor: ['vision'] });
    await keeper.open(['vision', 'text']);
    const running = keeper.use(null, call('prompts', 5_000));
    const batch = keeper.use('vision', call('batch'));
    await vi.advanceTimersByTimeAsync(5_000);
    expect([await running, await batch]).toEqual([1, 1]);
    expect(started).toHaveLength(1);
  });

  it('endIfUnused ends a runtime no call asked a tower of, and keeps one a call is using or used', async () => {
    const { keeper, started } = keeperWith();
    await keeper.open(['vision', 'text']);
    await keeper.use(null, call('prompts'));
    keeper.endIfUnused();
    expect(started[0]!.api.ended).toBe(true);
    expect(keeper.towers).toEqual([]);

    await keeper.open(['vision', 'text']);
    const batch = keeper.use('vision', call('batch', 1_000));
    await vi.advanceTimersByTimeAsync(0);
    keeper.endIfUnused();
    expect(started[1]!.api.ended).toBe(false);
    await vi.advanceTimersByTimeAsync(1_000);
    await batch;
    keeper.endIfUnused();
    expect(started[1]!.api.ended).toBe(false);
  });
});
