import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { libraryDbs } from '../../helpers/library-db';
import { claimQueuedJobs, deleteJobs, failedJobs, getJob, putJobs, updateJob } from '../../../src/lib/db/repo';
import type { JobRecord, JobStatus } from '../../../src/lib/db/schema';

const { open: fresh } = libraryDbs('failed-jobs');

function job(id: string, createdAt: number, status: JobStatus, message?: string): JobRecord {
  return { id, name: `${id}.jpg`, mime: 'image/jpeg', sizeBytes: 10, status, batchId: 'b', createdAt, updatedAt: createdAt, blobLocation: 'opfs', ...(message ? { message } : {}) };
}

describe('repo: failed jobs (listed until dismissed, retried by re-queueing)', () => {
  it('failedJobs lists only failed jobs, oldest first, with their messages', async () => {
    const db = await fresh();
    await putJobs(db, [
      job('c', 30, 'failed', 'not a photo or video Shoebox can read'),
      job('a', 10, 'failed', 'the file is empty (0 bytes)'),
      job('b', 20, 'stored'),
      job('d', 40, 'duplicate', 'already in your library as "x.jpg"'),
      job('e', 50, 'queued'),
    ]);
    const got = await failedJobs(db);
    expect(got.map((j) => [j.id, j.message])).toEqual([
      ['a', 'the file is empty (0 bytes)'],
      ['c', 'not a photo or video Shoebox can read'],
    ]);
  });

  it('a retried job leaves the failed list and is next in the queue, in its original order', async () => {
    const db = await fresh();
    await putJobs(db, [job('old', 10, 'failed', 'could not be decoded'), job('new', 20, 'queued')]);
    await updateJob(db, 'old', { status: 'queued', message: undefined });
    expect(await failedJobs(db)).toEqual([]);
    expect((await claimQueuedJobs(db, 10, new Set(), 'tab')).map((j) => j.id)).toEqual(['old', 'new']);
    expect((await getJob(db, 'old'))?.message).toBeUndefined();
  });

  it('deleteJobs removes exactly the given jobs; unknown ids are ignored', async () => {
    const db = await fresh();
    await putJobs(db, [job('a', 1, 'failed'), job('b', 2, 'failed'), job('c', 3, 'stored')]);
    await deleteJobs(db, ['a', 'nope']);
    expect(await getJob(db, 'a')).toBeUndefined();
    expect((await failedJobs(db)).map((j) => j.id)).toEqual(['b']);
    expect((await getJob(db, 'c'))?.status).toBe('stored');
  });
});
