/**
 * Copying dropped files into the library under a drop manifest: each file's job is written
 * first (status staging, so its bytes always have an owner), then its bytes, then it is queued.
 * The drop's lock is held meanwhile, so a drop cut off by a reload or a closed tab is recognised
 * on the next start: its partial copies are discarded and the files that never made it in are listed.
 */
import { deleteDrop, deleteJobs, getDrop, getFolder, jobsOfDrop, listDrops, putDrop, putJobs, updateJob } from '../db/repo';
import type { DropRecord, JobRecord } from '../db/schema';
import { matchMissing, missingEntries, newSinceLastScan, type DropEntry } from '../core/drop-manifest';
import { candidateOf, rememberFolder, walkHandle, type FoundFile } from './dropped-folders';
import { isQuotaError, type IngestQueue } from './ingest-queue';
import type { Clock, DroppedFile, InterruptedDrop, IngestStorage, LockManagerPort } from './ports';
import type { TabRoles } from './tab-roles';
import { separateJson, splitTakeoutSidecars, takeoutOfDrop } from './takeout-sidecars';
import { confirmMotion, withLiveMotion, type StageItem } from './live-pairing';
import { motionOriginalId } from '../core/live-photos';

/** Where a dropped file sits in its drop: its path in a folder, else its name. */
const pathInDrop = ({ file, path }: { file: File; path?: string }) => path || file.webkitRelativePath || file.name;

/** Held while a drop's files are copied in: a drop whose lock is free and whose manifest remains was cut off. */
export const dropLock = (dropId: string) => `shoebox:drop:${dropId}`;
/** Progress events while files are taken in: often enough to look alive, not one per file. */
const ADDING_PROGRESS_EVERY_MS = 250;
const STORAGE_FULL_NOT_ADDED = 'not added: your browser storage is full; free up space, then drop the file again';

export type Enqueued = { batchId: string; queued: number; rejected: string[] };
/** `missing`: the drop's files still not in after this attempt (a cut-off drop keeps listing them). */
export type AddedToDrop = { added: number; missing: DropEntry[] };

export interface DropStagingOptions {
  storage: IngestStorage;
  locks: LockManagerPort;
  clock: Clock;
  queue: IngestQueue;
  tabs: TabRoles;
}

export class DropStaging {
  readonly #o: DropStagingOptions;
  /** Last createdAt handed out, so jobs staged within one millisecond still run in drop order. */
  #lastCreatedAtMs = 0;

  constructor(options: DropStagingOptions) {
    this.#o = options;
  }

  get #db() {
    return this.#o.storage.db;
  }

  /**
   * Drops whose manifest remains while no tab holds their lock were cut off mid-copy (a reload, a
   * closed tab or browser). Files whose bytes were being written are discarded (partial), and each
   * file that never made it in is listed so the user can add it again.
   */
  async interruptedDrops(): Promise<InterruptedDrop[]> {
    const db = this.#db;
    const out: InterruptedDrop[] = [];
    for (const drop of await listDrops(db)) {
      await this.#o.locks.request(dropLock(drop.id), { ifAvailable: true }, async (lock) => {
        if (!lock) return; // still being copied by a tab that is open
        const jobs = await jobsOfDrop(db, drop.id);
        const partial = jobs.filter((j) => j.status === 'staging');
        for (const j of partial) {
          await this.#o.storage.originals.deletePartial(j.id, j.blobLocation);
          if (j.motion) await this.#o.storage.originals.deletePartial(motionOriginalId(j.id), j.motion.blobLocation);
        }
        if (partial.length) await deleteJobs(db, partial.map((j) => j.id));
        const missing = missingEntries(drop.entries, jobs);
        if (missing.length === 0) {
          await deleteDrop(db, drop.id);
          return;
        }
        out.push({ id: drop.id, createdAtMs: drop.createdAtMs, missing: missing.map(({ index: _, ...e }) => e), roots: drop.roots ?? [] });
      });
    }
    return out.sort((a, b) => a.createdAtMs - b.createdAtMs);
  }

  /** Copies one file in under its drop; throws (after cleaning up) when it could not be. */
  async #stageOne(drop: DropRecord, { file, entryIndex, takeout, motion }: StageItem, id: string, full: boolean): Promise<void> {
    const db = this.#db;
    const now = (this.#lastCreatedAtMs = Math.max(this.#o.clock.nowMs(), this.#lastCreatedAtMs + 1));
    const job: JobRecord = { id, name: file.name, mime: file.type, sizeBytes: file.size, status: 'staging', batchId: drop.id, entryIndex, lastModifiedMs: file.lastModified, createdAt: now, updatedAt: now, blobLocation: 'opfs', ...(takeout ? { takeout } : {}) };
    // A Live Photo's motion file is written first, under the still's job: once the job is queued both are whole.
    if (motion) job.motion = { name: motion.file.name, mime: motion.file.type, sizeBytes: motion.file.size, durationSec: motion.durationSec ?? 0, blobLocation: 'opfs', entryIndex: motion.entryIndex };
    let jobWritten = false;
    try {
      // Once the disk is full every further write fails too: stop writing, say so per file.
      if (full) throw new DOMException('storage is full', 'QuotaExceededError');
      await putJobs(db, [job]);
      jobWritten = true;
      if (job.motion) job.motion.blobLocation = await this.#o.storage.originals.put(motionOriginalId(id), motion!.file);
      const blobLocation = await this.#o.storage.originals.put(id, file);
      await updateJob(db, id, { status: 'queued', blobLocation, ...(job.motion ? { motion: job.motion } : {}) });
    } catch (err) {
      if (jobWritten) {
        if (job.motion) await this.#o.storage.originals.deletePartial(motionOriginalId(id), job.motion.blobLocation).catch(() => undefined);
        await this.#o.storage.originals.deletePartial(id, job.blobLocation).catch(() => undefined);
        await deleteJobs(db, [id]).catch(() => undefined);
      }
      throw err;
    }
  }

  /**
   * Copies files into the library under one drop, holding the drop's lock meanwhile. The manifest
   * goes when the copy ends, unless `missingAfter(queued)` says files of the drop are still missing:
   * then it stays, so they stay listed (decided under the lock, so no other tab sees it half done).
   */
  async #stage(
    drop: DropRecord,
    items: StageItem[],
    missingAfter: (queued: number) => number = () => 0,
    /**
     * Runs first under the drop's lock (reading the drop's Takeout sidecars), so the drop never looks
     * cut off meanwhile; it gets the items as they will be staged (a Live Photo's still carrying its motion).
     */
    first?: (staged: StageItem[]) => Promise<void>,
  ): Promise<{ queued: number; rejected: string[] }> {
    const { queue, tabs, clock } = this.#o;
    items = withLiveMotion(drop.entries, items);
    await tabs.roleKnown;
    const rejected: string[] = [];
    let queued = 0;
    let full = false;
    queue.addingStarted(items.length);
    let progressAtMs = 0;
    let taken = 0;
    const tell = () => {
      if (tabs.writer) queue.progress();
      else tabs.post({ kind: 'adding', from: tabs.tabId, ...queue.adding });
    };
    await this.#o.locks.request(dropLock(drop.id), {}, async () => {
      try {
        // Sidecars that cannot be read never keep their photos out.
        await first?.(items).catch(() => undefined);
        for (let i = 0; i < items.length; i++) {
          const item = await confirmMotion(items, i, () => queue.addingStarted(1));
          const id = crypto.randomUUID();
          try {
            await this.#stageOne(drop, item, id, full);
            queued++;
            if (tabs.writer) queue.kick();
            else tabs.post({ kind: 'queued', from: tabs.tabId, count: 1 });
          } catch (err) {
            if (isQuotaError(err) && !full) {
              full = true;
              queue.stopForFullDisk();
            }
            const message = isQuotaError(err) ? STORAGE_FULL_NOT_ADDED : `not added: ${err instanceof Error ? err.message : String(err)}`;
            rejected.push(item.file.name, ...(item.motion ? [item.motion.file.name] : []));
            queue.fileRefused();
            tabs.emit({ type: 'job', id, name: item.file.name, status: 'failed', message });
          } finally {
            taken++;
            queue.fileTaken();
          }
          if (clock.monotonicMs() - progressAtMs >= ADDING_PROGRESS_EVERY_MS) {
            progressAtMs = clock.monotonicMs();
            tell();
          }
        }
        // Every file is either in or was named as not added: the manifest has done its job.
        if (missingAfter(queued) === 0) await deleteDrop(this.#db, drop.id).catch(() => undefined);
      } finally {
        queue.addingEnded(taken, items.length);
      }
    });
    if (tabs.writer) queue.progress();
    else tabs.post({ kind: 'adding', from: tabs.tabId, done: 0, total: 0 });
    // The run stops at its next batch; count what is left once it has.
    if (full && tabs.writer) await queue.reportFullDisk(rejected.length);
    if (tabs.writer) queue.settle();
    return { queued, rejected };
  }

  /**
   * Copies every dropped file into the library (original bytes + a queued job) under a manifest
   * written first, so a reload mid-copy can name what never made it in. Indexing starts with the first file.
   */
  async enqueue(dropped: DroppedFile[], roots: FileSystemHandle[] = []): Promise<Enqueued> {
    // Takeout's JSON sidecars are not imported: their values travel with their media's jobs.
    const { media: files, json } = separateJson(dropped);
    const drop: DropRecord = {
      id: crypto.randomUUID(),
      createdAtMs: this.#o.clock.nowMs(),
      entries: files.map(({ file, path, root }) => ({
        name: file.name,
        sizeBytes: file.size,
        lastModifiedMs: file.lastModified,
        path: pathInDrop({ file, path }),
        ...(root !== undefined && roots[root] ? { root } : {}),
      })),
      ...(roots.length ? { roots } : {}),
    };
    await putDrop(this.#db, drop);
    const items: StageItem[] = files.map(({ file }, entryIndex) => ({ file, entryIndex }));
    const { queued, rejected } = await this.#stage(drop, items, undefined, async (staged) => {
      const { takeoutOf, notes, changedIds } = await takeoutOfDrop(this.#db, files, json, pathInDrop, this.#o.clock.nowMs());
      for (const item of staged) item.takeout = takeoutOf[item.entryIndex];
      for (const n of notes) this.#o.tabs.emit({ type: 'note', name: n.name, message: n.message });
      // Items already in the library that this drop's sidecars dated: the page reads them again.
      if (changedIds.length) this.#o.tabs.emit({ type: 'metadata', done: changedIds.length, total: changedIds.length, changedIds });
    });
    return { batchId: drop.id, queued, rejected };
  }

  /**
   * Dropped or picked files and folders as handles: every file under them, kept with the drop's
   * manifest. Folders are remembered, so they can be scanned again for what is new.
   */
  async enqueueHandles(roots: FileSystemHandle[]): Promise<Enqueued> {
    const files: DroppedFile[] = [];
    for (const [root, handle] of roots.entries()) {
      const found: FoundFile[] = [];
      await walkHandle(handle, '', found);
      for (const f of found) files.push({ ...f, root });
      if (handle.kind === 'directory') await rememberFolder(this.#db, handle as FileSystemDirectoryHandle, found, this.#o.clock.nowMs());
    }
    return this.enqueue(files, roots);
  }

  /** Adds the files of a remembered folder that are new since it was last scanned (the page has asked for permission). */
  async scanFolder(folderId: string): Promise<{ found: number; queued: number; rejected: string[] }> {
    const folder = await getFolder(this.#db, folderId);
    if (!folder) return { found: 0, queued: 0, rejected: [] };
    const found: FoundFile[] = [];
    await walkHandle(folder.handle, '', found);
    const fresh = newSinceLastScan(folder.seen, found.map(candidateOf)).map((i) => ({ ...found[i], root: 0 }));
    await rememberFolder(this.#db, folder.handle, found, this.#o.clock.nowMs());
    if (fresh.length === 0) return { found: 0, queued: 0, rejected: [] };
    const { queued, rejected } = await this.enqueue(fresh, [folder.handle]);
    return { found: fresh.length, queued, rejected };
  }

  /** Files picked or found again, matched to what a cut-off drop is missing, then copied in under that drop. */
  async addToDrop(dropId: string, found: FoundFile[]): Promise<AddedToDrop> {
    const drop = await getDrop(this.#db, dropId);
    if (!drop) return { added: 0, missing: [] };
    const missing = missingEntries(drop.entries, await jobsOfDrop(this.#db, dropId));
    const { media, takeoutOf } = await splitTakeoutSidecars(found, (f) => f.path || f.file.name, this.#o.clock.nowMs());
    const pairs = matchMissing(missing, media.map(candidateOf));
    const files = pairs.map(([entryIndex, c]) => ({ file: media[c].file, entryIndex, takeout: takeoutOf[c] }));
    const { queued } = await this.#stage(drop, files, (n) => missing.length - n);
    const left = queued === missing.length ? [] : missingEntries(drop.entries, await jobsOfDrop(this.#db, dropId));
    return { added: queued, missing: left.map(({ index: _, ...entry }) => entry) };
  }

  /** Continues a cut-off drop from its kept handles (the page has asked for read permission again). */
  async continueDrop(dropId: string): Promise<AddedToDrop> {
    const drop = await getDrop(this.#db, dropId);
    const found: FoundFile[] = [];
    for (const root of drop?.roots ?? []) await walkHandle(root, '', found);
    return this.addToDrop(dropId, found);
  }

  /** The user lets a cut-off drop go: its missing files are no longer listed. */
  async dismissDrop(dropId: string): Promise<void> {
    await deleteDrop(this.#db, dropId);
  }
}
