/**
 * The import stage of one tab, put together: the queue (ingest-queue.ts), the copying-in of
 * drops (drop-staging.ts) and the single-writer role across tabs (tab-roles.ts), over ports the
 * caller supplies. The ingest worker is a thin shell over this class; unit tests drive it with fakes.
 */
import type { VideoSettings } from '../core/video-settings';
import { DropStaging, type AddedToDrop, type Enqueued } from './drop-staging';
import { IngestQueue, type ModelState } from './ingest-queue';
import { readMissingMetadata } from './metadata-pass';
import type { Clock, DroppedFile, ImageEmbedder, IngestEvent, IngestStorage, LockManagerPort, StillDecoder, TabChannel, VideoDecoder } from './ports';
import { REMOTE_ADDING_STALE_MS, TabRoles, type TabMessage } from './tab-roles';

export interface ImporterPorts {
  storage: IngestStorage;
  stills: StillDecoder;
  locks: LockManagerPort;
  /** Null where the browser has no BroadcastChannel: this tab then works alone. */
  channel: TabChannel<TabMessage> | null;
  clock: Clock;
  /** This tab, on the channel and as the owner of the jobs it claims. */
  tabId?: string;
}

export interface ImporterStart {
  embedder: ImageEmbedder;
  video: VideoDecoder;
  modelKey: string;
  videoSettings: VideoSettings;
  /** Whether the model can index yet; 'loading' until the page says otherwise. */
  modelState?: ModelState;
  onEvent(e: IngestEvent): void;
}

export class Importer {
  readonly tabs: TabRoles;
  readonly queue: IngestQueue;
  readonly drops: DropStaging;
  #toPage: (e: IngestEvent) => void = () => undefined;
  readonly #storage: IngestStorage;
  readonly #clock: Clock;

  constructor({ storage, stills, locks, channel, clock, tabId = crypto.randomUUID() }: ImporterPorts) {
    this.#storage = storage;
    this.#clock = clock;
    this.tabs = new TabRoles(
      { tabId, locks, channel, monotonicMs: () => clock.monotonicMs(), toPage: (e) => this.#toPage(e) },
      {
        queued: (count) => this.queue.queuedElsewhere(count),
        adding: (done, total) => {
          this.queue.progress();
          if (done >= total) this.queue.settle();
        },
        resume: () => void this.resume(),
        forget: (ids) => this.forget(ids),
      },
    );
    this.queue = new IngestQueue({
      storage,
      stills,
      clock,
      ownerId: tabId,
      isWriter: () => this.tabs.writer,
      othersAdding: () => this.tabs.othersAdding(),
      othersSilentMs: REMOTE_ADDING_STALE_MS,
      emit: (e) => this.tabs.emit(e),
    });
    this.drops = new DropStaging({ storage, locks, clock, queue: this.queue, tabs: this.tabs });
  }

  /** Lists drops a reload cut off, then runs the queue here or hands files to the tab that does. */
  async start({ embedder, video, modelKey, videoSettings, modelState = 'loading', onEvent }: ImporterStart): Promise<void> {
    this.queue.connect({ embedder, video, modelKey, videoSettings });
    // Also counts what waits to be searchable, so every tab shows it at once; the writer's news follows.
    this.queue.setModelState(modelState);
    this.#toPage = onEvent;
    onEvent({ type: 'role', writer: false });
    const cutOff = await this.drops.interruptedDrops();
    if (cutOff.length) onEvent({ type: 'interrupted', drops: cutOff });
    this.tabs.claimWriter(() =>
      this.queue
        .takeOver()
        // A pass that fails (storage gone away) leaves its photos unmarked: the next writer reads them.
        .then(() => this.#readMissingMetadata().catch(() => undefined))
        .catch((err: unknown) => {
          this.tabs.emit({ type: 'paused', reason: `Import paused: ${err instanceof Error ? err.message : String(err)}`, notImported: 0 });
        }),
    );
  }

  #metadataPass: Promise<void> | null = null;

  /**
   * The writer reads the metadata of photos taken in before it was read (or merged from an
   * archive); a reload goes on where it stopped. One pass at a time.
   */
  #readMissingMetadata(): Promise<void> {
    this.#metadataPass ??= this.#metadataPassOnce().finally(() => (this.#metadataPass = null));
    return this.#metadataPass;
  }

  async #metadataPassOnce(): Promise<void> {
    let total = 0;
    const changedIds = await readMissingMetadata(this.#storage, {
      nowMs: () => this.#clock.nowMs(),
      onProgress: (done, all) => {
        total = all;
        if (done < all) this.tabs.emit({ type: 'metadata', done, total: all });
      },
      stopped: () => !this.tabs.writer,
    });
    if (total) this.tabs.emit({ type: 'metadata', done: total, total, changedIds });
  }

  enqueue(files: DroppedFile[], roots: FileSystemHandle[] = []): Promise<Enqueued> {
    return this.drops.enqueue(files, roots);
  }

  enqueueHandles(roots: FileSystemHandle[]): Promise<Enqueued> {
    return this.drops.enqueueHandles(roots);
  }

  scanFolder(folderId: string): Promise<{ found: number; queued: number; rejected: string[] }> {
    return this.drops.scanFolder(folderId);
  }

  /** Files picked again for a cut-off drop: only those it is missing are added. */
  addMissing(dropId: string, files: DroppedFile[]): Promise<AddedToDrop> {
    return this.drops.addToDrop(dropId, files.map(({ file, path }) => ({ file, path: path || file.webkitRelativePath || '' })));
  }

  continueDrop(dropId: string): Promise<AddedToDrop> {
    return this.drops.continueDrop(dropId);
  }

  dismissDrop(dropId: string): Promise<void> {
    return this.drops.dismissDrop(dropId);
  }

  /** Deleted assets no longer count as near-duplicate originals, in whichever tab runs the queue. */
  forget(ids: string[]): void {
    this.queue.duplicates.forget(ids);
    this.queue.forgotten(ids);
    if (!this.tabs.writer) this.tabs.post({ kind: 'forget', from: this.tabs.tabId, ids });
  }

  /**
   * The page's model loaded, is loading, or cannot be loaded. Every tab keeps its own; the writer's
   * decides whether items are indexed now or wait in the library.
   */
  modelState(state: ModelState): void {
    this.queue.setModelState(state);
  }

  /** Items were added outside the import (a merged archive): the writer indexes those without a vector for this model. */
  indexWaiting(): void {
    if (!this.tabs.writer) {
      this.tabs.post({ kind: 'resume', from: this.tabs.tabId });
      return;
    }
    this.queue.index.kick();
    this.queue.index.reportWaiting();
    void this.#readMissingMetadata().catch(() => undefined);
  }

  /** Called after the model (re)loads or space was freed. */
  async resume(): Promise<void> {
    if (!this.tabs.writer) {
      this.tabs.post({ kind: 'resume', from: this.tabs.tabId });
      return;
    }
    await this.queue.resume();
  }

  /**
   * Runs failed jobs again from their staged bytes. Returns the ids whose bytes are gone
   * (dismissed, or never staged because storage was full): those files must be dropped again.
   */
  async retry(ids: string[]): Promise<{ requeued: string[]; gone: string[] }> {
    const outcome = await this.queue.requeueFailed(ids);
    const count = outcome.requeued.length;
    if (count && this.tabs.writer) this.queue.retried(count);
    else if (count) this.tabs.post({ kind: 'queued', from: this.tabs.tabId, count });
    return outcome;
  }

  /** Forgets failed jobs: their records and their staged bytes. Jobs still running are left alone. */
  dismiss(ids: string[]): Promise<void> {
    return this.queue.dismiss(ids);
  }

  whenIdle(): Promise<void> {
    return this.queue.whenIdle();
  }
}
