import type { ExtractOptions, ExtractedVideo, VideoApi } from '../../../workers/video.worker';
import { handle, portTo, type WorkerHandle } from './worker-handle';

/** Owns the video-decoding worker; the ingest worker calls it directly through a port. */
export class VideoFrames {
  #w: WorkerHandle<VideoApi>;

  constructor() {
    this.#w = handle<VideoApi>(new Worker(new URL('../../../workers/video.worker.ts', import.meta.url), { type: 'module', name: 'video' }));
  }

  /** The kept frames of one video (the search quality check's videos, kept in memory only). */
  extract(blob: Blob, options: ExtractOptions): Promise<ExtractedVideo> {
    return this.#w.api.extract(blob, options);
  }

  connectPort(): MessagePort {
    return portTo((port) => this.#w.api.connect(port));
  }

  terminate(): void {
    this.#w.terminate();
  }
}
