import { proxy, transfer } from 'comlink';
import type { IngestApi, IngestEvent } from '../../../workers/ingest.worker';
import type { VideoSettings } from '../core/video-settings';
import { handle, type WorkerHandle } from './worker-handle';

export type { IngestEvent };

/** Hands dropped files to the ingest worker and relays its progress. */
export class Ingester {
  #w: WorkerHandle<IngestApi>;

  constructor(signal?: AbortSignal) {
    this.#w = handle<IngestApi>(new Worker(new URL('../../../workers/ingest.worker.ts', import.meta.url), { type: 'module', name: 'ingest' }), signal);
  }

  start(
    ports: { embed: MessagePort; video: MessagePort },
    modelKey: string,
    videoSettings: VideoSettings,
    onEvent: (e: IngestEvent) => void,
  ): Promise<{ resumed: number }> {
    return this.#w.api.init(transfer(ports.embed, [ports.embed]), transfer(ports.video, [ports.video]), modelKey, videoSettings, proxy(onEvent));
  }

  enqueue(files: File[]): Promise<{ batchId: string; queued: number; rejected: string[] }> {
    return this.#w.api.enqueue(files);
  }

  forget(ids: string[]): Promise<void> {
    return this.#w.api.forget(ids);
  }

  resume(): Promise<void> {
    return this.#w.api.resume();
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
