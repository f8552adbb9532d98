/**
 * The second stage of adding an item: the model's vectors, stored beside the item the take-in
 * stage (ingest-queue.ts) already put in the library. Its queue is the library itself: every item
 * with no vector for the current model (core/index-queue.ts), so items wait across reloads, closed
 * tabs and a model that cannot be loaded, and a new model re-indexes everything by itself.
 *
 * Fast path: while the model is loaded, the take-in stage hands each item's model input over in
 * memory, and waits while a batch is already waiting, so a photo is decoded once and pixels are
 * held for at most two batches. Items that waited are read again from their stored originals.
 */
import { assetForIndexing, commitVectors, countUnindexed, unindexedAssetIds, type StoredVectors } from '../db/repo';
import { toModelInput, type ModelInputSpec } from '../core/model-input';
import { releaseBuffer } from '../core/typed-columns';
import type { AssetRecord, ThumbnailRecord } from '../db/schema';
import type { VideoSettings } from '../core/video-settings';
import { MODEL_INPUT_PX, modelImagesOf, videoExtractOptions, vectorRecords, vectorsByItem, type IndexWork } from './asset-records';
import type { StageTimer } from './prepare-item';
import type { Clock, ImageEmbedder, IngestEvent, IngestStorage, PixelImage, StillDecoder, VideoDecoder } from './ports';

/**
 * Items per batch (claimed, taken in, stored together) and images per forward pass. ONNX Runtime's
 * WASM kernels run ViT-B/32 q8 4–14 % faster per image at 16, and an import was 7–14 % faster, but
 * a mixed import of photos and videos then peaked 100 MB higher (844 against 741 MB, bench/results/
 * ingest-prep-notes.md): at 8 the peak stays lower, and progress moves twice as often.
 */
export const BATCH_SIZE = 8;
/** Items read back from storage per look at the queue (each look reads every item's key once). */
const DERIVE_CHUNK = BATCH_SIZE * 16;
/** While the model loads, this many model images (224² RGBA each) stay in memory; later items are read again. */
const LOADING_BUFFER_IMAGES = BATCH_SIZE * 4;
/** The waiting count is read at most this often (counting walks an index), ms. */
const REPORT_EVERY_MS = 250;
/** Keyframe times closer than this are the same frame, s. */
const SAME_FRAME_SEC = 1e-3;

/** Whether the model can index: loaded, still loading, or not loadable (offline, blocked, no folder). */
export type ModelState = 'loading' | 'ready' | 'unavailable';

/** The model and video decoder the stages work with, known once the page has started the import. */
export interface QueueModel {
  embedder: ImageEmbedder;
  video: VideoDecoder;
  modelKey: string;
  videoSettings: VideoSettings;
}

export interface IndexStageOptions {
  storage: IngestStorage;
  stills: StillDecoder;
  clock: Clock;
  timer: StageTimer;
  /** Only the tab that runs the import queue writes vectors. */
  isWriter(): boolean;
  emit(e: IngestEvent): void;
  /** Items this stage finished (vectors stored, or the item was gone): the take-in counts its own done. */
  finished(ids: readonly string[]): void;
  /** A run ended or the model's state changed: the import may be over. */
  settled(): void;
  /** A failure that stops indexing until resumed (a full disk, a model that fails mid-way). */
  stopped(err: unknown): Promise<string>;
}

export class IndexStage {
  readonly #o: IndexStageOptions;
  #model: QueueModel | null = null;
  #state: ModelState = 'loading';
  /** Model input handed over by the take-in stage, in the order the items were stored. */
  #buffer: IndexWork[] = [];
  /** Items handed over, reserved by the take-in stage, or being indexed: never read back twice. */
  readonly #held = new Set<string>();
  /** Items whose original could not be read again in this session (they stay waiting). */
  readonly #skipped = new Set<string>();
  #running: Promise<void> | null = null;
  #roomWaiters: (() => void)[] = [];
  #handOverWaiters: (() => void)[] = [];
  /** The model's input recipe, asked once per model: pixels become model input here rather than in the model worker. */
  #inputSpec: Promise<ModelInputSpec | null> | null = null;
  /** When the model last returned vectors (the timer's clock): a batch queued behind it starts there. */
  #modelFreeAtMs = -Infinity;
  #paused = '';
  /** How often indexing was resumed: a run that fails after a resume it began before tries again (see kick). */
  #resumes = 0;
  #reportTimer: ReturnType<typeof setTimeout> | undefined;
  #reportedAtMs = -Infinity;
  #reportAgain = false;

  constructor(options: IndexStageOptions) {
    this.#o = options;
  }

  connect(model: QueueModel): void {
    this.#model = model;
    this.#inputSpec = null;
  }

  get state(): ModelState {
    return this.#state;
  }

  get running(): Promise<void> | null {
    return this.#running;
  }

  /** The caller (the take-in stage) settles the import afterwards. */
  setModelState(state: ModelState): void {
    this.#state = state;
    this.#inputSpec = null;
    if (state === 'unavailable') {
      // Nothing will embed these soon: they wait in storage, and the memory goes.
      for (const w of this.#buffer) this.#held.delete(w.id);
      this.#buffer = [];
    }
    if (state === 'ready') this.#paused = '';
    this.#wakeRoom();
    this.#wakeHandOver();
    this.kick();
    this.reportWaiting();
  }

  /**
   * The take-in stage waits here before preparing its next batch while the model is loaded and a
   * batch is already waiting for it: memory stays bounded and the model never waits for pixels.
   */
  async room(): Promise<void> {
    while (this.#state === 'ready' && !this.#paused && this.#o.isWriter() && this.#buffer.length >= BATCH_SIZE) {
      await new Promise<void>((wake) => this.#roomWaiters.push(wake));
    }
  }

  /** Settles at the next hand-over (or change of state), for a run waiting to send its next batch. */
  #handedOver(): Promise<void> {
    return new Promise<void>((wake) => this.#handOverWaiters.push(wake));
  }

  #wakeHandOver(): void {
    const waiters = this.#handOverWaiters;
    this.#handOverWaiters = [];
    for (const wake of waiters) wake();
  }

  #wakeRoom(): void {
    const waiters = this.#roomWaiters;
    this.#roomWaiters = [];
    for (const wake of waiters) wake();
  }

  /** Items about to be stored by the take-in stage: the queue read from storage leaves them to the hand-over. */
  reserve(ids: readonly string[]): void {
    for (const id of ids) this.#held.add(id);
  }

  /** Reserved items that were not stored after all. */
  release(ids: readonly string[]): void {
    for (const id of ids) this.#held.delete(id);
  }

  /** Items just stored by the take-in stage, with their model input: kept for the model unless it cannot take them soon. */
  handOff(works: readonly IndexWork[]): void {
    for (const w of works) {
      const buffered = this.#buffer.reduce((n, b) => n + b.images.length, 0);
      const keep = this.#state === 'ready' || (this.#state === 'loading' && buffered + w.images.length <= LOADING_BUFFER_IMAGES);
      if (keep && this.#o.isWriter()) this.#buffer.push(w);
      else this.#held.delete(w.id);
    }
    this.#wakeHandOver();
    this.kick();
  }

  /** Starts indexing when the model is loaded, this tab writes, and anything waits. */
  kick(): void {
    if (this.#running || this.#state !== 'ready' || this.#paused || !this.#o.isWriter() || !this.#model) return;
    const resumes = this.#resumes;
    let again = false;
    this.#running = this.#run()
      .catch(async (err: unknown) => {
        // Resumed while this run still waited for a batch in the model (space freed meanwhile): its
        // failure may be from before the resume, so a new run tries again, and stops only if it fails too.
        if (this.#resumes !== resumes) {
          again = true;
          return;
        }
        // The take-in stage must not wait for room meanwhile: it is told to stop too when the disk is full.
        this.#paused = 'stopping';
        this.#wakeRoom();
        this.#paused = await this.#o.stopped(err);
      })
      .finally(() => {
        this.#running = null;
        // Items handed over while the run was deciding it had nothing left: they would wait for a kick that never comes.
        if (this.#buffer.length || again) this.kick();
        this.#wakeRoom();
        this.reportWaiting();
        this.#o.settled();
      });
  }

  /** Deleted items: no longer counted among those that could not be read again. */
  forget(ids: readonly string[]): void {
    for (const id of ids) this.#skipped.delete(id);
  }

  /** Space was freed or the user asked to go on. */
  resume(): void {
    this.#resumes++;
    this.#paused = '';
    this.kick();
  }

  /** Tells every tab how many items are not searchable yet, and why: soon, and at most every REPORT_EVERY_MS. */
  reportWaiting(): void {
    if (this.#reportTimer !== undefined) {
      // A change while a count is scheduled or being read: the last word must count it too.
      this.#reportAgain = true;
      return;
    }
    const waitMs = Math.max(0, this.#reportedAtMs + REPORT_EVERY_MS - this.#o.clock.monotonicMs());
    this.#reportTimer = setTimeout(() => {
      this.#reportAgain = false;
      this.#reportedAtMs = this.#o.clock.monotonicMs();
      void this.#report().finally(() => {
        this.#reportTimer = undefined;
        if (this.#reportAgain) {
          this.#reportAgain = false;
          this.reportWaiting();
        }
      });
    }, waitMs);
  }

  async #report(): Promise<void> {
    // Every tab counts for itself on start; from then on the writer's counts reach every tab.
    const model = this.#model;
    if (!model) return;
    const stored = await countUnindexed(this.#o.storage.db, model.modelKey).catch(() => null);
    if (stored === null) return;
    // Items whose original is not here (an archive merged without originals) cannot be indexed by this model.
    const count = Math.max(0, stored - this.#skipped.size);
    this.#o.emit({ type: 'waiting', count, state: this.#state !== 'ready' ? 'waiting-for-model' : this.#paused ? 'paused' : 'indexing' });
  }

  async #run(): Promise<void> {
    const model = this.#model!;
    let queue: string[] = [];
    // The batch sent before this one, in the model or being stored. The next batch is sent while
    // it runs, so the model worker starts it the moment the previous forward pass ends instead of
    // idling through a commit and two worker hops; at most two batches are in flight.
    let previous: Promise<void> | null = null;
    const run = { failed: false };
    try {
      for (;;) {
        if (this.#state !== 'ready' || this.#paused || !this.#o.isWriter()) return;
        if (previous && !this.#buffer.length) {
          // The take-in stage is preparing the next batch: it is sent as soon as it is handed
          // over, while this one is still in the model; the queue in storage is read only once
          // the batch in flight is done.
          const inFlightDone = await Promise.race([previous.then(() => true, () => true), this.#handedOver().then(() => false)]);
          if (inFlightDone) {
            await previous;
            previous = null;
          }
          continue;
        }
        let batch: IndexWork[];
        if (this.#buffer.length) {
          batch = this.#buffer.splice(0, BATCH_SIZE);
          this.#wakeRoom();
        } else {
          if (!queue.length) {
            // Items of the batch in flight are held: the queue read from storage leaves them out.
            queue = await unindexedAssetIds(this.#o.storage.db, model.modelKey, this.#held, this.#skipped, DERIVE_CHUNK);
          }
          if (!queue.length) return;
          const ids = queue.splice(0, BATCH_SIZE).filter((id) => !this.#held.has(id));
          this.reserve(ids);
          batch = await this.#readAgain(ids, model).catch((err: unknown) => {
            this.release(ids);
            throw err;
          });
          if (batch.length === 0) continue;
        }
        const ids = batch.map((w) => w.id);
        const indexing = this.#index(batch, model, run).finally(() => this.release(ids));
        // Awaited below, once the batch before it is done; a failure meanwhile is not unhandled.
        indexing.catch(() => undefined);
        try {
          await previous;
        } catch (err) {
          // The run stops: the batch just sent is let finish (or fail) before the items are let go.
          await indexing.catch(() => undefined);
          throw err;
        }
        previous = indexing;
      }
    } finally {
      await previous;
    }
  }

  /** The model input of items that waited, made again from their stored originals. */
  async #readAgain(ids: readonly string[], model: QueueModel): Promise<IndexWork[]> {
    const works: IndexWork[] = [];
    const done: string[] = [];
    for (const id of ids) {
      const stored = await assetForIndexing(this.#o.storage.db, id, model.modelKey);
      // Deleted, or indexed by the hand-over meanwhile.
      if (!stored || stored.indexed) {
        this.release([id]);
        done.push(id);
        continue;
      }
      try {
        const work = await this.#o.timer.timed('decode', () => this.#decodeAgain(stored.asset, stored.keyframes, model));
        if (work) works.push(work);
        else throw new Error('nothing to decode');
      } catch {
        this.#skipped.add(id);
        this.release([id]);
        done.push(id);
      }
    }
    if (done.length) this.#o.finished(done);
    return works;
  }

  async #decodeAgain(
    asset: AssetRecord,
    keyframes: ReadonlyArray<ThumbnailRecord | undefined>,
    model: QueueModel,
  ): Promise<IndexWork | null> {
    const { stills, storage } = this.#o;
    const blob = await storage.originals.get(asset.id, asset.blobLocation);
    if (!blob) return null;
    if (asset.type === 'image') {
      const still = await stills.decodeImage(blob);
      try {
        return { id: asset.id, kind: 'image', images: [still.centerCrop(MODEL_INPUT_PX)] };
      } finally {
        still.close();
      }
    }
    const times = asset.frameTimestampsSec ?? [];
    if (times.length === 0) return null;
    // The kept keyframes again at the model's size: the same decoder and settings choose the same
    // frames; a frame it does not find again is read from its kept thumbnail.
    const found = await model.video
      .extract(blob, videoExtractOptions(model.videoSettings, asset.decoder))
      .then((v) => v.frames)
      .catch(() => []);
    const images: PixelImage[] = [];
    for (const [i, t] of times.entries()) {
      const frame = found.find((f) => Math.abs(f.timestampSec - t) < SAME_FRAME_SEC);
      if (frame) {
        images.push(frame.pixels);
        continue;
      }
      const thumb = keyframes[i];
      if (!thumb) return null;
      const still = await stills.decodePoster(thumb.blob);
      try {
        images.push(still.centerCrop(MODEL_INPUT_PX));
      } finally {
        still.close();
      }
    }
    return { id: asset.id, kind: 'video', images, frameTimestampsSec: times };
  }

  /** The model's vectors for every image of a batch, BATCH_SIZE images per forward pass. */
  async #embed(batch: readonly IndexWork[], { embedder }: QueueModel): Promise<Float32Array[]> {
    const timer = this.#o.timer;
    const images = modelImagesOf(batch);
    this.#inputSpec ??= embedder.modelInputSpec(MODEL_INPUT_PX).catch(() => null);
    const spec = await this.#inputSpec;
    const vectors: Float32Array[] = [];
    for (let i = 0; i < images.length; i += BATCH_SIZE) {
      const chunk = images.slice(i, i + BATCH_SIZE);
      // Rescale/normalize/CHW here (counted as "resize"), so the model worker only runs the model.
      const inputs = spec ? await timer.timed('resize', () => chunk.map((c) => toModelInput(c.data, MODEL_INPUT_PX, spec)), 0) : null;
      // The pixels are not needed once they are model input (an item that fails is read again
      // from its original): given back now, since this worker collects garbage rarely (a batch of
      // videos brings up to 8 × 24 frames).
      if (inputs) for (const c of chunk) releaseBuffer(c.data);
      const sentMs = timer.nowMs();
      vectors.push(...(await (inputs ? embedder.embedModelInputs(inputs, MODEL_INPUT_PX) : embedder.embedImages(chunk))));
      // The embed worker round trip, transfer included: what the pipeline waits for. A batch sent
      // while the one before was still in the model counts from that one's return, so no time is
      // booked twice.
      timer.add('model', Math.max(sentMs, this.#modelFreeAtMs), chunk.length);
      this.#modelFreeAtMs = timer.nowMs();
    }
    return vectors;
  }

  /**
   * Embeds a batch and stores its vectors; items deleted meanwhile get none. A batch sent while an
   * earlier one of the run failed stores nothing: the run stops, and its items wait like the rest.
   */
  async #index(batch: readonly IndexWork[], model: QueueModel, run: { failed: boolean }): Promise<void> {
    const { modelKey, videoSettings } = model;
    let ids: string[];
    let records: StoredVectors[];
    try {
      const embedded = await this.#embed(batch, model);
      if (run.failed) return;
      const vectors = vectorsByItem(batch, embedded, videoSettings);
      const addedAtMs = this.#o.clock.nowMs();
      records = batch.map((w, i) => vectorRecords(w, vectors[i], { addedAtMs, modelKey, videoSettings }));
      ids = await this.#o.timer.timed('store', () => commitVectors(this.#o.storage.db, records), 0);
    } catch (err) {
      run.failed = true;
      throw err;
    }
    if (ids.length) {
      const written = new Set(ids);
      const news = records.flatMap(({ embedding, frames }, i) => (written.has(embedding.id) ? [{ type: batch[i].kind, embedding, frames }] : []));
      this.#o.emit({ type: 'indexed', ids, vectors: news });
    }
    this.#o.finished(batch.map((w) => w.id));
    this.reportWaiting();
  }
}
