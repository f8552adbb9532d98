/**
 * The take-in stage of the tab that runs the import queue: claims queued jobs in batches, prepares
 * each (sniff, hash, decode, thumbnail, pHash), stores the item in one transaction per batch, so
 * it is in the library at once, and hands its model input to the indexing stage (index-stage.ts),
 * which embeds batch n while this stage prepares batch n+1. Reports progress for both. A stopped
 * run (a full disk, an error) leaves no job marked in flight, so a resume runs every file that is left.
 */
import {
  assetBySha256,
  assetSummaries,
  claimQueuedJobs,
  commitAsset,
  commitAssets,
  deleteJobs,
  getJob,
  requeueInterrupted,
  unfinishedJobs,
  updateJob,
  type StoredAsset,
} from '../db/repo';
import type { JobRecord } from '../db/schema';
import { nameInText } from '../core/display-name';
import { metadataNote } from '../core/photo-metadata';
import { indexWorkOf, takenInRecords, type Prepared, type TakenInRecords } from './asset-records';
import { DuplicateChecks } from './duplicate-checks';
import { BATCH_SIZE, IndexStage, type ModelState, type QueueModel } from './index-stage';
import { StageTimer, prepareItem, type PrepareContext } from './prepare-item';
import type { Clock, IngestEvent, IngestStorage, StillDecoder } from './ports';
import { plural } from '../core/plural';
import { applyTakeoutSidecar } from './takeout-sidecars';
import { motionOriginalId } from '../core/live-photos';

export { BATCH_SIZE, type ModelState, type QueueModel };

export function isQuotaError(err: unknown): boolean {
  return err instanceof DOMException && (err.name === 'QuotaExceededError' || err.code === 22);
}


export function storageFullMessage(notImported: number): string {
  return `Storage is full — free up space or export your library, then resume. ${plural(notImported, 'file')} not imported yet; everything already in your library is safe.`;
}

const errorText = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** Thrown inside a run to stop it when something else paused the import and says why. */
class PausedStop extends Error {}

export interface IngestQueueOptions {
  storage: IngestStorage;
  stills: StillDecoder;
  clock: Clock;
  /** This tab, as the owner of the jobs it claims. */
  ownerId: string;
  /** Whether this tab runs the queue; only that tab's queue runs. */
  isWriter(): boolean;
  /** Files other tabs are copying in now, as long as they say so. */
  othersAdding(): { done: number; total: number };
  /** How long a copying tab may stay silent before it counts as closed, ms. */
  othersSilentMs: number;
  emit(e: IngestEvent): void;
}

export class IngestQueue {
  readonly duplicates = new DuplicateChecks();
  readonly #o: IngestQueueOptions;
  #connected: QueueModel | null = null;
  readonly #timer: StageTimer;
  /** The second stage: vectors for what this stage stored. */
  readonly index: IndexStage;
  /** Items of the current import stored and handed to indexing, not yet indexed: they count as done once they are. */
  readonly #awaitingIndex = new Set<string>();
  /** Jobs taken by the running loop, so the prefetch of the next batch never takes them twice. */
  readonly #inFlight = new Set<string>();
  #running: Promise<void> | null = null;
  #paused = '';
  /** Last addedAt handed out, so "Recently added" keeps the order of a batch written in one go. */
  #lastAddedAtMs = 0;
  readonly #counters = { total: 0, done: 0, stored: 0, startedAtMs: 0, storedAtMs: 0 };
  /** Files of the drops being taken in; indexing starts with the first one rather than after the last. */
  readonly #adding = { done: 0, total: 0 };
  /** A run that has caught up with the files taken in so far waits here for the next ones. */
  #addWaiters: (() => void)[] = [];
  #idleCheck: ReturnType<typeof setTimeout> | undefined;
  /** Items already in the library that a duplicate's Takeout sidecar dated, told once per batch. */
  #takeoutUpdated: string[] = [];
  /**
   * The library's photos read into the near-duplicate checks, once per turn as the writer and only
   * when files are taken in: a start with nothing to take in reads no record for them.
   */
  #duplicatesRead: Promise<void> | null = null;
  /** Items deleted while that read runs: it may have met them still there. */
  #forgetAfterRead: string[] | null = null;

  constructor(options: IngestQueueOptions) {
    this.#o = options;
    this.#timer = new StageTimer(() => options.clock.monotonicMs());
    this.index = new IndexStage({
      storage: options.storage,
      stills: options.stills,
      clock: options.clock,
      timer: this.#timer,
      isWriter: () => options.isWriter(),
      emit: (e) => options.emit(e),
      finished: (ids) => this.#indexed(ids),
      settled: () => this.settle(),
      stopped: async (err) => {
        if (!isQuotaError(err)) {
          // Items are still taken in (browsable); only indexing waits for the user.
          const reason = `Indexing paused: ${errorText(err)}`;
          options.emit({ type: 'paused', reason, notImported: 0 });
          return reason;
        }
        // A full disk stops both stages, with one message counting what is left once both stood still.
        if (this.#paused) return this.#paused;
        this.#paused = storageFullMessage(0);
        while (this.#running) await this.#running;
        const notImported = await this.#unfinishedCount();
        this.#paused = storageFullMessage(notImported);
        options.emit({ type: 'paused', reason: this.#paused, notImported });
        return this.#paused;
      },
    });
  }

  connect(model: QueueModel): void {
    this.#connected = model;
    this.index.connect(model);
  }

  /** The model loaded, is loading, or cannot be loaded: indexing starts, waits, or lets items wait in the library. */
  setModelState(state: ModelState): void {
    this.index.setModelState(state);
    // Nothing will index them soon: this import's items count as added (progress says "Added"), then it may end.
    if (state === 'unavailable') this.#indexed([...this.#awaitingIndex]);
    this.settle();
  }

  async #unfinishedCount(): Promise<number> {
    return (await unfinishedJobs(this.#db).catch(() => [])).length;
  }

  /** Items of the current import that the indexing stage finished count as done. */
  #indexed(ids: readonly string[]): void {
    const c = this.#counters;
    let counted = 0;
    for (const id of ids) if (this.#awaitingIndex.delete(id)) counted++;
    if (counted === 0) return;
    c.done += counted;
    c.stored += counted;
    c.storedAtMs = this.#o.clock.monotonicMs();
    this.progress();
  }

  /** Only the writer runs batches, and a tab claims that role once it has started (connected). */
  get #model(): QueueModel {
    if (!this.#connected) throw new Error('the import has not been started');
    return this.#connected;
  }

  get running(): Promise<void> | null {
    return this.#running;
  }

  get #db() {
    return this.#o.storage.db;
  }

  #stillAdding(): boolean {
    return this.#adding.done < this.#adding.total;
  }

  #wakeAddWaiters(): void {
    const waiters = this.#addWaiters;
    this.#addWaiters = [];
    for (const wake of waiters) wake();
  }

  progress(): void {
    const c = this.#counters;
    const seconds = (c.storedAtMs - c.startedAtMs) / 1000;
    const remote = this.#o.othersAdding();
    const addingNow = { done: this.#adding.done + remote.done, total: this.#adding.total + remote.total };
    const clock = this.#timer.clock;
    this.#o.emit({
      type: 'progress',
      done: c.done,
      // Files other tabs have yet to copy in count from the start, as this tab's own drops do.
      total: c.total + (remote.total - remote.done),
      stored: c.stored,
      imagesPerSecond: seconds > 0 ? c.stored / seconds : 0,
      ...(clock.empty ? {} : { stages: clock.snapshot() }),
      ...(addingNow.done < addingNow.total ? { adding: addingNow } : {}),
      ...(this.index.state === 'unavailable' ? { modelMissing: true } : {}),
    });
  }

  /** A failed job keeps its staged bytes, so "Retry" can run it again until the user dismisses it. */
  async #finish(job: JobRecord, status: 'duplicate' | 'failed', message: string, assetId?: string): Promise<void> {
    // The job's id is also the id its item would have: never delete bytes an item already owns.
    if (status === 'duplicate') await this.#deleteStaged(job);
    // A Live Photo's motion file goes (or waits for Retry) with its still, and says so.
    if (job.motion) message += status === 'duplicate' ? ' (with its motion file)' : `; its motion file "${nameInText(job.motion.name)}" was not added either`;
    // A duplicate names the asset it repeats, for the Duplicates view.
    await updateJob(this.#db, job.id, { status, message, ...(assetId ? { assetId } : {}) });
    // A Takeout copy of a photo already here still brings its sidecar's date and place.
    if (status === 'duplicate' && assetId && job.takeout && (await applyTakeoutSidecar(this.#db, assetId, job.takeout))) this.#takeoutUpdated.push(assetId);
    this.#counters.done++;
    this.#o.emit({ type: 'job', id: job.id, name: job.name, status, message });
  }

  #prepareContext(): PrepareContext {
    return {
      storage: this.#o.storage,
      stills: this.#o.stills,
      video: this.#model.video,
      videoSettings: this.#model.videoSettings,
      duplicates: this.duplicates,
      timer: this.#timer,
      finish: (job, status, message, assetId) => this.#finish(job, status, message, assetId),
    };
  }

  /** Forgets what the loop holds for a job it has finished with (stored or not). */
  #release(jobId: string, sha256?: string): void {
    this.#inFlight.delete(jobId);
    this.duplicates.release(jobId, sha256);
  }

  async #takeBatch(): Promise<Prepared[] | null> {
    const { ownerId } = this.#o;
    const jobs = await claimQueuedJobs(this.#db, BATCH_SIZE, this.#inFlight, ownerId);
    // Files still being taken in: wait for a full batch rather than end the run or send a thin one.
    while (jobs.length < BATCH_SIZE && this.#stillAdding() && !this.#paused) {
      await new Promise<void>((wake) => this.#addWaiters.push(wake));
      jobs.push(...(await claimQueuedJobs(this.#db, BATCH_SIZE - jobs.length, new Set([...this.#inFlight, ...jobs.map((j) => j.id)]), ownerId)));
    }
    if (jobs.length === 0) return null;
    await this.#readDuplicates();
    const ctx = this.#prepareContext();
    const prepared: Prepared[] = [];
    for (const job of jobs) {
      this.#inFlight.add(job.id);
      try {
        const p = await prepareItem(ctx, job);
        if (p) prepared.push(p);
        else this.#inFlight.delete(job.id);
      } catch (err) {
        this.#inFlight.delete(job.id);
        if (isQuotaError(err)) throw err;
        await this.#finish(job, 'failed', `could not be processed: ${errorText(err)}`);
        this.#release(job.id);
      }
    }
    this.progress();
    if (this.#takeoutUpdated.length) {
      const changedIds = this.#takeoutUpdated.splice(0);
      this.#o.emit({ type: 'metadata', done: changedIds.length, total: changedIds.length, changedIds });
    }
    return prepared;
  }

  /** One item, alone in its transaction: false when the same file was stored meanwhile. */
  async #storeOne(p: Prepared, record: TakenInRecords): Promise<boolean> {
    try {
      await commitAsset(this.#db, p.job.id, record);
    } catch (err) {
      if (err instanceof DOMException && err.name === 'ConstraintError') {
        const existing = await assetBySha256(this.#db, p.sha256);
        await this.#finish(p.job, 'duplicate', `already in your library as "${existing ? nameInText(existing.name) : 'another file'}"`, existing?.id);
        return false;
      }
      throw err;
    }
    return true;
  }

  /** The library's view of an item once its records are committed. */
  #afterStored(p: Prepared, record: TakenInRecords): void {
    const id = p.job.id;
    this.duplicates.addStored(id, p.job.name, p.pHash, p.pHashStructure, p.motion?.kind === 'live' ? p.motion.sha256 : undefined);
    const c = this.#counters;
    if (this.index.state === 'unavailable') {
      c.done++;
      c.stored++;
      c.storedAtMs = this.#o.clock.monotonicMs();
    } else this.#awaitingIndex.add(id);
    const notes: string[] = [];
    if (p.kind === 'video' && p.video.readableSec !== undefined)
      notes.push(`the file is cut short: only the first ${p.video.readableSec.toFixed(1)} s could be read (kept)`);
    if (p.nearDuplicateOf) notes.push(`looks like a near-duplicate of "${nameInText(p.nearDuplicateOf.name)}" (kept, marked in the library)`);
    const metadata = p.kind === 'image' && p.metadata ? metadataNote(p.metadata.ignored, record.asset.takenAtSource) : undefined;
    if (metadata) notes.push(metadata);
    if (notes.length) this.#o.emit({ type: 'job', id, name: p.job.name, status: 'stored', message: notes.join('; ') });
  }

  /**
   * Stores a prepared batch without its vectors, so its items are in the library at once, then
   * hands their model input to the indexing stage.
   */
  async #takeIn(batch: Prepared[]): Promise<void> {
    if (batch.length === 0) return;
    const records = batch.map((p) => {
      // Distinct times, so "Recently added" keeps the order of a batch written in one go.
      const addedAtMs = (this.#lastAddedAtMs = Math.max(this.#o.clock.nowMs(), this.#lastAddedAtMs + 1));
      return takenInRecords(p, addedAtMs);
    });
    const stored: Prepared[] = [];
    this.index.reserve(batch.map((p) => p.job.id));
    try {
      await this.#timer.timed('store', async () => {
        // One transaction for the whole batch: a commit per item cost more than the writes. If it
        // fails (the same file stored meanwhile, a record the store refuses), each item is tried
        // alone so one bad item cannot take the others down; a full disk stops both ways.
        let together = false;
        try {
          await commitAssets(this.#db, batch.map((p, i) => ({ jobId: p.job.id, record: records[i] })));
          together = true;
        } catch (err) {
          if (isQuotaError(err)) throw err;
        }
        for (let i = 0; i < batch.length; i++) {
          const p = batch[i];
          if (together || (await this.#storeOne(p, records[i]))) {
            this.#afterStored(p, records[i]);
            stored.push(p);
          }
        }
      }, batch.length);
    } finally {
      const storedIds = new Set(stored.map((p) => p.job.id));
      this.index.release(batch.filter((p) => !storedIds.has(p.job.id)).map((p) => p.job.id));
      // Items of the batch stored before a failure (a full disk) are in the library: the page must know.
      if (stored.length) {
        this.#o.emit({ type: 'stored', ids: [...storedIds], assets: batch.flatMap((p, i) => (storedIds.has(p.job.id) ? [records[i].asset] : [])) });
        this.index.handOff(stored.map(indexWorkOf));
      }
    }
    for (const p of batch) this.#release(p.job.id, p.sha256);
    this.progress();
    this.index.reportWaiting();
  }

  /** Prepares and stores batch after batch; the indexing stage embeds batch n meanwhile. */
  async #run(): Promise<void> {
    const c = this.#counters;
    if (c.done === 0) {
      c.startedAtMs = c.storedAtMs = this.#o.clock.monotonicMs();
      this.#timer.clock.reset();
    }
    try {
      for (;;) {
        await this.index.room();
        if (this.#paused) throw new PausedStop();
        const batch = await this.#takeBatch();
        if (!batch) break;
        if (this.#paused) {
          for (const p of batch) this.#release(p.job.id, p.sha256);
          throw new PausedStop();
        }
        try {
          await this.#takeIn(batch);
        } catch (err) {
          for (const p of batch) this.#release(p.job.id, p.sha256);
          throw err;
        }
      }
    } catch (err) {
      // No job may stay marked in flight: a resume would skip it forever and the import would end short.
      this.#inFlight.clear();
      this.duplicates.clearInFlight();
      throw err;
    }
  }

  /** Jobs a stopped run left "processing" go back to the queue; a full disk may refuse even that, so init and resume repeat it. */
  async #requeueQuietly(): Promise<void> {
    await requeueInterrupted(this.#db).catch(() => undefined);
  }

  /** Starts a run unless one runs, the import is paused, or another tab runs the queue. */
  kick(): void {
    if (this.#running || this.#paused || !this.#o.isWriter()) return;
    this.#running = this.#run()
      .catch(async (err: unknown) => {
        await this.#requeueQuietly();
        // Stopped by the other stage, or already said: one message.
        if (err instanceof PausedStop || this.#paused) return;
        const notImported = (await unfinishedJobs(this.#db).catch(() => [])).length;
        this.#paused = isQuotaError(err) ? storageFullMessage(notImported) : `Import paused: ${errorText(err)}`;
        this.#o.emit({ type: 'paused', reason: this.#paused, notImported });
      })
      .finally(() => {
        this.#running = null;
        this.settle();
      });
  }

  /**
   * Ends an import once nothing runs and no tab is still copying files in: counts reset and every
   * tab refreshes. While a drop is still being taken in, its next file starts a new run with the same counts.
   */
  settle(): void {
    clearTimeout(this.#idleCheck);
    if (this.#running || this.#paused || this.#stillAdding()) return;
    // Items of this import still on their way to the model: the import ends once they are searchable.
    if (this.#awaitingIndex.size > 0 && this.index.state !== 'unavailable') return;
    if (this.#o.othersAdding().total > 0) {
      // Another tab is copying: look again once it has said more, or has gone silent (closed).
      this.#idleCheck = setTimeout(() => this.settle(), this.#o.othersSilentMs);
      return;
    }
    const c = this.#counters;
    c.total = c.done = c.stored = 0;
    this.#timer.clock.reset();
    this.#o.emit({ type: 'idle' });
  }

  /** Reads the library's photos into the near-duplicate checks, unless read since this tab became the writer. */
  #readDuplicates(): Promise<void> {
    this.#duplicatesRead ??= (async () => {
      const deleted: string[] = (this.#forgetAfterRead = []);
      try {
        this.duplicates.load(await assetSummaries(this.#db));
        this.duplicates.forget(deleted);
      } finally {
        this.#forgetAfterRead = null;
      }
    })().catch((err: unknown) => {
      this.#duplicatesRead = null;
      throw err;
    });
    return this.#duplicatesRead;
  }

  /** This tab now runs the queue: what a previous writer left in flight runs here. */
  async takeOver(): Promise<void> {
    // Another writer may have taken files in meanwhile: the checks read the library again before the next file.
    this.#duplicatesRead = null;
    await this.#requeueQuietly();
    const pending = await unfinishedJobs(this.#db);
    this.#counters.total += pending.length;
    if (pending.length) {
      this.#o.emit({ type: 'resumed', left: pending.length });
      this.kick();
    }
    // Items taken in but never indexed (a reload, a closed writer, a model that was missing) wait in the library.
    this.index.kick();
    this.index.reportWaiting();
  }

  /** Files another tab copied in (or queued again) are waiting: count them and run. */
  queuedElsewhere(count: number): void {
    this.#counters.total += count;
    this.kick();
  }

  /** Called after the model (re)loads or space was freed. */
  async resume(): Promise<void> {
    this.#paused = '';
    if (!this.#running) await this.#requeueQuietly();
    this.kick();
    this.index.resume();
  }

  /** Deleted items will never be indexed: those of this import count as done. */
  forgotten(ids: readonly string[]): void {
    this.#forgetAfterRead?.push(...ids);
    this.index.forget(ids);
    this.#indexed(ids);
    this.settle();
  }

  /**
   * Marks failed jobs queued again when their staged bytes are still here. Returns the ids whose
   * bytes are gone (dismissed, or never staged because storage was full): those files must be dropped again.
   */
  async requeueFailed(ids: readonly string[]): Promise<{ requeued: string[]; gone: string[] }> {
    const requeued: string[] = [];
    const gone: string[] = [];
    for (const id of ids) {
      const job = await getJob(this.#db, id);
      if (!job || job.status !== 'failed' || !(await this.#o.storage.originals.get(id, job.blobLocation))) {
        gone.push(id);
        continue;
      }
      await updateJob(this.#db, id, { status: 'queued', message: undefined });
      requeued.push(id);
    }
    return { requeued, gone };
  }

  /** Jobs queued again in this tab (the writer's) count and run. */
  retried(count: number): void {
    this.#counters.total += count;
    this.progress();
    this.#paused = '';
    this.kick();
  }

  /** Forgets failed jobs: their records and their staged bytes. Jobs still running are left alone. */
  async dismiss(ids: readonly string[]): Promise<void> {
    const failed: JobRecord[] = [];
    for (const id of ids) {
      const job = await getJob(this.#db, id);
      if (job?.status === 'failed') failed.push(job);
    }
    for (const job of failed) await this.#deleteStaged(job);
    await deleteJobs(this.#db, failed.map((j) => j.id));
  }

  /** A job's staged bytes, a Live Photo's motion file included, unless an item owns them. */
  async #deleteStaged(job: JobRecord): Promise<void> {
    await this.#o.storage.originals.deleteUnowned(job.id, job.blobLocation);
    if (job.motion) await this.#o.storage.originals.deleteUnowned(motionOriginalId(job.id), job.motion.blobLocation);
  }

  /** Once neither stage runs. */
  async whenIdle(): Promise<void> {
    while (this.#running || this.index.running) await (this.#running ?? this.index.running);
  }

  // ---- files being copied in (see drop-staging.ts)

  /** A drop starts copying `count` files: a new drop is the user asking to go on. */
  addingStarted(count: number): void {
    this.#paused = '';
    this.#adding.total += count;
    if (this.#o.isWriter()) this.#counters.total += count;
  }

  /** One file of a drop is in, or was named as not added. */
  fileTaken(): void {
    this.#adding.done++;
    this.#wakeAddWaiters();
  }

  /** A file could not be copied in: it no longer counts toward this import. */
  fileRefused(): void {
    if (this.#o.isWriter()) this.#counters.total--;
  }

  /** A drop finished copying (`taken` of its `count` files went through). */
  addingEnded(taken: number, count: number): void {
    this.#adding.done -= taken;
    this.#adding.total -= count;
    this.#wakeAddWaiters();
  }

  /** This tab's own copying, as other tabs are told. */
  get adding(): { done: number; total: number } {
    return { ...this.#adding };
  }

  /** The disk filled up while copying files in: indexing stops too, and what is queued waits for space. */
  stopForFullDisk(): void {
    if (this.#o.isWriter()) this.#paused = storageFullMessage(0);
  }

  /** Once the run has stopped at its next batch, says how many files are not imported. */
  async reportFullDisk(refused: number): Promise<void> {
    while (this.#running) await this.#running;
    const notImported = refused + (await unfinishedJobs(this.#db)).length;
    this.#paused = storageFullMessage(notImported);
    this.#o.emit({ type: 'paused', reason: this.#paused, notImported });
  }
}
