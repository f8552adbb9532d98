/// <reference lib="webworker" />
// The import worker: wiring only. The import stage itself (queue, drop staging, the writer role
// across tabs) lives in src/lib/ingest/ and runs without a browser in unit tests; this file plugs
// in IndexedDB + OPFS, the model and video workers, canvases, Web Locks and a BroadcastChannel.
import { expose, transfer, wrap } from 'comlink';
import type { EmbedApi } from './embed.worker';
import type { VideoApi } from './video.worker';
import { openLibraryDb } from '../src/lib/db/db';
import type { VideoSettings } from '../src/lib/core/video-settings';
import { Importer } from '../src/lib/ingest/importer';
import type { ModelState } from '../src/lib/ingest/index-stage';
import type { AddedToDrop } from '../src/lib/ingest/drop-staging';
import { canvasStills, screenCopy } from '../src/lib/ingest/canvas-stills';
import { libraryStorage } from '../src/lib/ingest/library-storage';
import { IMPORT_CHANNEL, type TabMessage } from '../src/lib/ingest/tab-roles';
import type { DroppedFile, ImageEmbedder, IngestEvent, InterruptedDrop, TabChannel } from '../src/lib/ingest/ports';

export type { AddedToDrop, DroppedFile, IngestEvent, InterruptedDrop, ModelState };

function broadcastChannel(): TabChannel<TabMessage> | null {
  if (typeof BroadcastChannel === 'undefined') return null;
  const channel = new BroadcastChannel(IMPORT_CHANNEL);
  return {
    post: (m) => channel.postMessage(m),
    listen: (onMessage) => channel.addEventListener('message', (e: MessageEvent<TabMessage>) => onMessage(e.data)),
  };
}

/**
 * The embed worker through its port; pixel buffers are handed over rather than copied. The port
 * can be replaced (the model loaded again after it could not be) without restarting the import.
 */
function embedderOn(first: MessagePort): { embedder: ImageEmbedder; use(port: MessagePort): void } {
  let embed = wrap<EmbedApi>(first);
  return {
    embedder: {
      modelInputSpec: (sizePx) => embed.modelInputSpec(sizePx),
      embedModelInputs: (inputs, sizePx) => embed.embedModelInputs(transfer(inputs, inputs.map((x) => x.buffer as ArrayBuffer)), sizePx),
      embedImages: (images) => embed.embedImages(transfer(images, images.map((c) => c.data.buffer as ArrayBuffer))),
    },
    use(port) {
      embed = wrap<EmbedApi>(port);
    },
  };
}

let model: ReturnType<typeof embedderOn> | null = null;
/** Settles once `init` has connected the import: model news waits for it. */
const started = Promise.withResolvers<Importer>();

const importerReady: Promise<Importer> = openLibraryDb().then(
  (db) =>
    new Importer({
      storage: libraryStorage(db),
      stills: canvasStills,
      locks: navigator.locks,
      channel: broadcastChannel(),
      clock: { nowMs: () => Date.now(), monotonicMs: () => performance.now() },
    }),
);

const api = {
  async init(
    embedPort: MessagePort,
    videoPort: MessagePort,
    currentModelKey: string,
    settings: VideoSettings,
    onEvent: (e: IngestEvent) => void,
  ): Promise<void> {
    const importer = await importerReady;
    model = embedderOn(embedPort);
    const starting = importer.start({ embedder: model.embedder, video: wrap<VideoApi>(videoPort), modelKey: currentModelKey, videoSettings: settings, onEvent });
    started.resolve(importer);
    await starting;
  },

  /** The page's model loaded, is loading, or cannot be loaded (offline, blocked, no folder): indexing follows. */
  async modelState(state: ModelState): Promise<void> {
    (await started.promise).modelState(state);
  },

  /** A model worker started again (after the model could not be loaded): indexing uses it once it says it is ready. */
  async useModel(embedPort: MessagePort): Promise<void> {
    const importer = await started.promise;
    model?.use(embedPort);
    importer.modelState('loading');
  },

  /**
   * Copies every dropped file into the library (original bytes + a queued job) under a manifest
   * written first, so a reload mid-copy can name what never made it in. Indexing starts with the first file.
   */
  async enqueue(files: DroppedFile[], roots: FileSystemHandle[] = []): Promise<{ batchId: string; queued: number; rejected: string[] }> {
    return (await importerReady).enqueue(files, roots);
  },

  /**
   * Dropped or picked files and folders as handles: every file under them, kept with the drop's
   * manifest. Folders are remembered, so they can be scanned again for what is new.
   */
  async enqueueHandles(roots: FileSystemHandle[]): Promise<{ batchId: string; queued: number; rejected: string[] }> {
    return (await importerReady).enqueueHandles(roots);
  },

  /** Adds the files of a remembered folder that are new since it was last scanned (the page has asked for permission). */
  async scanFolder(folderId: string): Promise<{ found: number; queued: number; rejected: string[] }> {
    return (await importerReady).scanFolder(folderId);
  },

  /** Files picked again for a cut-off drop: only those it is missing are added. */
  async addMissing(dropId: string, files: DroppedFile[]): Promise<AddedToDrop> {
    return (await importerReady).addMissing(dropId, files);
  },

  /** Continues a cut-off drop from its kept handles (the page has asked for read permission again). */
  async continueDrop(dropId: string): Promise<AddedToDrop> {
    return (await importerReady).continueDrop(dropId);
  },

  /** The user lets a cut-off drop go: its missing files are no longer listed. */
  async dismissDrop(dropId: string): Promise<void> {
    return (await importerReady).dismissDrop(dropId);
  },

  /** Deleted assets no longer count as near-duplicate originals, in whichever tab runs the queue. */
  forget(ids: string[]): void {
    void importerReady.then((importer) => importer.forget(ids));
  },

  /** Items were added outside the import (a merged archive): those without a vector for this model are indexed. */
  async indexWaiting(): Promise<void> {
    (await started.promise).indexWaiting();
  },

  /** Called after the model (re)loads or space was freed. */
  async resume(): Promise<void> {
    return (await importerReady).resume();
  },

  /**
   * Runs failed jobs again from their staged bytes. Returns the ids whose bytes are gone
   * (dismissed, or never staged because storage was full): those files must be dropped again.
   */
  async retry(ids: string[]): Promise<{ requeued: string[]; gone: string[] }> {
    return (await importerReady).retry(ids);
  },

  /** Forgets failed jobs: their records and their staged bytes. Jobs still running are left alone. */
  async dismiss(ids: string[]): Promise<void> {
    return (await importerReady).dismiss(ids);
  },

  /**
   * A JPEG of a photo the page cannot decode itself (a HEIC outside Safari), long edge at most
   * `maxEdgePx`: what the viewer shows in its place. Rejects with the decoder's reason.
   */
  async screenCopy(blob: Blob, maxEdgePx: number): Promise<Blob> {
    return screenCopy(blob, maxEdgePx);
  },

  async whenIdle(): Promise<void> {
    return (await importerReady).whenIdle();
  },
};

export type IngestApi = typeof api;
expose(api);
