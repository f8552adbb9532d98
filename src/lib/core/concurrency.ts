/**
 * Runs `task` over `items` with at most `limit` running at once, starting items in order.
 * Once `stopped()` returns true no further item starts; running ones finish on their own terms.
 * Resolves with the number of items that were started.
 */
export async function runPool<T>(items: readonly T[], limit: number, task: (item: T, index: number) => Promise<void>, stopped: () => boolean = () => false): Promise<number> {
  let next = 0;
  const lane = async () => {
    while (!stopped() && next < items.length) {
      const index = next++;
      await task(items[index]!, index);
    }
  };
  const lanes = Math.max(1, Math.min(Math.floor(limit), items.length));
  await Promise.all(Array.from({ length: lanes }, lane));
  return next;
}

export interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(reason: unknown): void;
}

/** A promise with its resolve and reject at hand (Promise.withResolvers, which Node 20 lacks). */
export function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}
