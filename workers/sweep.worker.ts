/// <reference lib="webworker" />
import { expose } from 'comlink';
import { openLibraryDb } from '../src/lib/db/db';
import { sweepLeftovers, type SweepResult } from '../src/lib/db/leftover-sweep';

export type { SweepResult };

const api = {
  /**
   * The start-up leftover sweep, off the page's thread: walking a folder of 10,000 originals
   * costs the page's thread long tasks (50–180 ms each, measured) when done there.
   */
  async sweep(nowMs: number, graceMs: number): Promise<SweepResult> {
    const db = await openLibraryDb();
    try {
      return await sweepLeftovers(db, nowMs, graceMs);
    } finally {
      db.close();
    }
  },
};

export type SweepApi = typeof api;
expose(api);
