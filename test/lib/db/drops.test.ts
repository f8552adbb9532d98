import 'fake-indexeddb/auto';
import { describe, expect, it, vi } from 'vitest';
import { libraryDbs } from '../../helpers/library-db';
import { claimQueuedJobs, deleteDrop, getDrop, jobsOfDrop, listDrops, putDrop, putJobs, requeueInterrupted } from '../../../src/lib/db/repo';
import type { JobRecord, JobStatus } from '../../../src/lib/db/schema';

const { open: fresh } = libraryDbs('drops');

const job = (id: string, createdAt: number, status: JobStatus = 'queued', batchId = 'drop-1'): JobRecord => ({
  id,
  name: `${id}.jpg`,
  mime: 'image/jpeg',
  sizeBytes: 10,
  status,
  batchId,
  createdAt,
  updatedAt: createdAt,
  blobLocation: 'opfs',
});

describe('repo: claiming queued jobs (one writer, no job taken twice)', () => {
  it('claims the oldest queued jobs and marks them processing for the claimer', async () => {
    const db = await fresh();
    await putJobs(db, [job('c', 3), job('a', 1), job('b', 2), job('s', 0, 'staging'), job('d', 4, 'stored')]);
    const got = await claimQueuedJobs(db, 2, new Set(), 'tab-1');
    expect(got.map((j) => [j.id, j.status, j.claimedBy])).toEqual([
      ['a', 'processing', 'tab-1'],
      ['b', 'processing', 'tab-1'],
    ]);
    expect((await claimQueuedJobs(db, 10, new Set(), 'tab-1')).map((j) => j.id)).toEqual(['c']);
  });

  it('a batch of claims is one read of the queue and one write per job, whatever the batch size', async () => {
    const db = await fresh();
    await putJobs(db, Array.from({ length: 20 }, (_, i) => job(`j${String(i).padStart(2, '0')}`, i)));
    // Every answer the claim waits for from the jobs store is a round trip to the browser's storage:
    // reads are counted by their answers (a cursor answers once per step), writes by their calls.
    let answers = 0;
    const counted = <T extends IDBRequest>(request: T): T => {
      request.addEventListener('success', () => answers++);
      return request;
    };
    const openCursor = IDBIndex.prototype.openCursor;
    const getAll = IDBIndex.prototype.getAll;
    const spies = [
      vi.spyOn(IDBIndex.prototype, 'openCursor').mockImplementation(function (this: IDBIndex, ...args) {
        return counted(openCursor.apply(this, args));
      }),
      vi.spyOn(IDBIndex.prototype, 'getAll').mockImplementation(function (this: IDBIndex, ...args) {
        return counted(getAll.apply(this, args));
      }),
      vi.spyOn(IDBObjectStore.prototype, 'put'),
      vi.spyOn(IDBCursor.prototype, 'update'),
    ];
    try {
      const got = await claimQueuedJobs(db, 8, new Set(['j00', 'j02']), 'tab-1');
      expect(got.map((j) => j.id)).toEqual(['j01', 'j03', 'j04', 'j05', 'j06', 'j07', 'j08', 'j09']);
      expect(answers + spies.slice(2).reduce((n, s) => n + s.mock.calls.length, 0)).toBe(1 + 8);
    } finally {
      for (const s of spies) s.mockRestore();
    }
    expect((await jobsOfDrop(db, 'drop-1')).filter((j) => j.status === 'processing').map((j) => j.id)).toEqual(['j01', 'j03', 'j04', 'j05', 'j06', 'j07', 'j08', 'j09']);
  });

  it('two claims at the same moment never get the same job', async () => {
    const db = await fresh();
    await putJobs(db, Array.from({ length: 40 }, (_, i) => job(`j${String(i).padStart(2, '0')}`, i)));
    const [x, y] = await Promise.all([claimQueuedJobs(db, 25, new Set(), 'tab-x'), claimQueuedJobs(db, 25, new Set(), 'tab-y')]);
    const ids = [...x, ...y].map((j) => j.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toHaveLength(40);
  });

  it('a claimed job interrupted by a closed tab goes back to the queue', async () => {
    const db = await fresh();
    await putJobs(db, [job('a', 1)]);
    await claimQueuedJobs(db, 1, new Set(), 'tab-gone');
    expect(await requeueInterrupted(db)).toBe(1);
    expect((await claimQueuedJobs(db, 1, new Set(), 'tab-2')).map((j) => j.id)).toEqual(['a']);
  });
});

describe('repo: drop manifests', () => {
  it('keeps a drop with its entries until it is removed, and finds its jobs', async () => {
    const db = await fresh();
    await putDrop(db, { id: 'drop-1', createdAtMs: 5, entries: [{ name: 'a.jpg', path: 'a.jpg', sizeBytes: 10, lastModifiedMs: 1 }] });
    await putJobs(db, [job('a', 1, 'staging'), job('b', 2, 'queued', 'drop-2')]);
    expect((await getDrop(db, 'drop-1'))?.entries[0].name).toBe('a.jpg');
    expect((await jobsOfDrop(db, 'drop-1')).map((j) => j.id)).toEqual(['a']);
    await deleteDrop(db, 'drop-1');
    expect(await listDrops(db)).toEqual([]);
  });
});
