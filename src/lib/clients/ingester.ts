import { proxy, transfer } from 'comlink';
import type { AddedToDrop, DroppedFile, IngestApi, IngestEvent, InterruptedDrop, ModelState } from '../../../workers/ingest.worker';
import type { VideoSettings } from '../core/video-settings';
import { handle, type WorkerHandle } from './worker-handle';

export type { AddedToDrop, DroppedFile, IngestEvent, InterruptedDrop, ModelState };

/** Hands dropped files to the ingest worker and relays its progress. */
export class Ingester {
  #w: WorkerHandle<IngestApi>;

  constructor() {
    this.#w = handle<IngestApi>(new Worker(new URL('../../../workers/ingest.worker.ts', import.meta.url), { type: 'module', name: 'ingest' }));
  }

  start(
    ports: { embed: MessagePort; video: MessagePort },
    modelKey: string,
    videoSettings: VideoSettings,
    onEvent: (e: IngestEvent) => void,
  ): Promise<void> {
    return this.#w.api.init(transfer(ports.embed, [ports.embed]), transfer(ports.video, [ports.video]), modelKey, videoSettings, proxy(onEvent));
  }

  enqueue(files: DroppedFile[]): Promise<{ batchId: string; queued: number; rejected: string[] }> {
    return this.#w.api.enqueue(files);
  }

  /** Dropped or picked files and folders as handles: walked in the worker and kept with the drop. */
  enqueueHandles(roots: FileSystemHandle[]): Promise<{ batchId: string; queued: number; rejected: string[] }> {
    return this.#w.api.enqueueHandles(roots);
  }

  /** Files picked again for a drop a reload cut off: only the ones it is missing are added. */
  addMissing(dropId: string, files: DroppedFile[]): Promise<AddedToDrop> {
    return this.#w.api.addMissing(dropId, files);
  }

  /** Continues a cut-off drop from its kept file and folder handles. */
  continueDrop(dropId: string): Promise<AddedToDrop> {
    return this.#w.api.continueDrop(dropId);
  }

  /** Adds what is new in a remembered folder since its last scan. */
  scanFolder(folderId: string): Promise<{ found: number; queued: number; rejected: string[] }> {
    return this.#w.api.scanFolder(folderId);
  }

  dismissDrop(dropId: string): Promise<void> {
    return this.#w.api.dismissDrop(dropId);
  }

  forget(ids: string[]): Promise<void> {
    return this.#w.api.forget(ids);
  }

  /** Whether the page's model can index: items are indexed, wait for it, or wait in the library until it loads. */
  modelState(state: ModelState): Promise<void> {
    return this.#w.api.modelState(state);
  }

  /** A new model worker's port, after the model could not be loaded before. */
  useModel(embed: MessagePort): Promise<void> {
    return this.#w.api.useModel(transfer(embed, [embed]));
  }

  /** Items were added outside the import (a merged archive): those without a vector for this model are indexed. */
  indexWaiting(): Promise<void> {
    return this.#w.api.indexWaiting();
  }

  resume(): Promise<void> {
    return this.#w.api.resume();
  }

  /** A JPEG of a photo the page cannot decode itself (HEIC), long edge at most `maxEdgePx`, decoded in the worker. */
  screenCopy(blob: Blob, maxEdgePx: number): Promise<Blob> {
    return this.#w.api.screenCopy(blob, maxEdgePx);
  }

  /** Runs failed files again from their stored bytes; `gone` lists those that must be dropped again. */
  retry(jobIds: string[]): Promise<{ requeued: string[]; gone: string[] }> {
    return this.#w.api.retry(jobIds);
  }

  /** Forgets failed files and deletes their stored bytes. */
  dismiss(jobIds: string[]): Promise<void> {
    return this.#w.api.dismiss(jobIds);
  }

  terminate(): void {
    this.#w.terminate();
  }
}
