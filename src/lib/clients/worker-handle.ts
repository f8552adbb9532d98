import { wrap, type Remote } from 'comlink';

export interface WorkerHandle<T> {
  api: Remote<T>;
  worker: Worker;
  terminate(): void;
}

/**
 * Wraps a module worker. Long work stops by the worker's own means (the naming worker's
 * `cancel()`) or by `terminate()`, which rejects its pending calls.
 */
export function handle<T>(worker: Worker): WorkerHandle<T> {
  return { api: wrap<T>(worker), worker, terminate: () => worker.terminate() };
}
