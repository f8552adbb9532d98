import { transfer } from 'comlink';
import type { VideoApi } from '../../../workers/video.worker';
import { handle, type WorkerHandle } from './worker-handle';

/** Owns the video-decoding worker; the ingest worker calls it directly through a port. */
export class VideoFrames {
  #w: WorkerHandle<VideoApi>;

  constructor() {
    this.#w = handle<VideoApi>(new Worker(new URL('../../../workers/video.worker.ts', import.meta.url), { type: 'module', name: 'video' }));
  }

  connectPort(): MessagePort {
    const { port1, port2 } = new MessageChannel();
    void this.#w.api.connect(transfer(port2, [port2]));
    return port1;
  }

  terminate(): void {
    this.#w.terminate();
  }
}
