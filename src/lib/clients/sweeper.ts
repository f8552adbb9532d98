import type { SweepApi, SweepResult } from '../../../workers/sweep.worker';
import { handle } from './worker-handle';

export type { SweepResult };

/** Runs one leftover sweep in a worker of its own, which ends with it. */
export async function sweepInWorker(nowMs: number, graceMs: number): Promise<SweepResult> {
  const w = handle<SweepApi>(new Worker(new URL('../../../workers/sweep.worker.ts', import.meta.url), { type: 'module', name: 'sweep' }));
  try {
    return await w.api.sweep(nowMs, graceMs);
  } finally {
    w.terminate();
  }
}
