/**
 * Resolves in a later task, after whatever messages are already waiting, unlike a microtask
 * (which would starve them) and without the 4 ms clamp nested timeouts get.
 */
export function nextTask(): Promise<void> {
  if (typeof MessageChannel === 'undefined') return new Promise((resolve) => setTimeout(resolve, 0));
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      resolve();
    };
    channel.port2.postMessage(null);
  });
}

export interface SliceOptions<P> {
  /** Work this long before giving the event loop back. */
  sliceMs?: number;
  /** The last step's value of each slice (e.g. progress). */
  onSlice?: (last: P) => void;
  yieldNow?: () => Promise<void>;
  now?: () => number;
  /** Asked between slices: true ends the run with a `StoppedError` (the user cancelled it). */
  stopped?: () => boolean;
}

/** A run in slices ended early because `stopped()` said so. */
export class StoppedError extends Error {
  constructor() {
    super('stopped before the end');
    this.name = 'StoppedError';
  }
}

/**
 * Runs a generator's steps in slices of about `sliceMs`, giving the event loop back between
 * them, so a worker in the middle of a scan of several seconds still answers the calls that
 * arrive meanwhile (a search waits one slice, not the whole scan).
 */
export async function runInSlices<P, R>(steps: Generator<P, R>, options: SliceOptions<P> = {}): Promise<R> {
  const { sliceMs = 16, onSlice, yieldNow = nextTask, now = () => performance.now(), stopped = () => false } = options;
  // A stop can arrive only while the event loop is given back: asked then, not at every step.
  if (stopped()) throw new StoppedError();
  let sliceStart = now();
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
    if (now() - sliceStart >= sliceMs) {
      onSlice?.(step.value);
      await yieldNow();
      if (stopped()) throw new StoppedError();
      sliceStart = now();
    }
  }
}
