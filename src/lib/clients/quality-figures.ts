import type { Figures, FiguresInput } from '../core/quality';
import type { QualityFiguresApi } from '../../../workers/quality.worker';
import { handle } from './worker-handle';

/**
 * The search quality check's figures in a worker of their own, started for one report and ended
 * with it, or at once when `signal` aborts (the call then rejects with its reason).
 */
export async function figuresInWorker(input: FiguresInput, signal?: AbortSignal): Promise<Figures> {
  const w = handle<QualityFiguresApi>(new Worker(new URL('../../../workers/quality.worker.ts', import.meta.url), { type: 'module', name: 'quality' }));
  const aborted = new Promise<never>((_, reject) => {
    const stop = () => reject(signal?.reason ?? new DOMException('Cancelled', 'AbortError'));
    if (signal?.aborted) stop();
    else signal?.addEventListener('abort', stop, { once: true });
  });
  try {
    return await Promise.race([w.api.figures(input), aborted]);
  } finally {
    w.terminate();
  }
}
