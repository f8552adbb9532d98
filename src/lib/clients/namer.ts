import { proxy } from 'comlink';
import type { ClusterToName, FailReason, NamingApi, NamingEvent, NamingOptions, NamingSettings, NamingSummary, StopReason } from '../../../workers/naming.worker';
import { handle, type WorkerHandle } from './worker-handle';

export type { ClusterToName, FailReason, NamingEvent, NamingOptions, NamingSettings, NamingSummary, StopReason };

/** Names clusters with the user's Gemini key, off the page's thread; one request per cluster. */
export class Namer {
  #w: WorkerHandle<NamingApi>;

  constructor() {
    this.#w = handle<NamingApi>(new Worker(new URL('../../../workers/naming.worker.ts', import.meta.url), { type: 'module', name: 'naming' }));
  }

  /**
   * Asks for a name per cluster; `onEvent` hears each name as it arrives, each failure, the
   * request count and at most one 'stopped' (key rejected, offline or cancelled).
   */
  nameClusters(settings: NamingSettings, clusters: ClusterToName[], onEvent: (e: NamingEvent) => void, options?: NamingOptions): Promise<NamingSummary> {
    return this.#w.api.nameClusters(settings, clusters, proxy(onEvent), options);
  }

  cancel(): Promise<void> {
    return this.#w.api.cancel();
  }

  terminate(): void {
    this.#w.terminate();
  }
}
