import { wrap, type Remote } from 'comlink';

export interface WorkerHandle<T> {
  api: Remote<T>;
  worker: Worker;
  terminate(): void;
}

/** Wraps a module worker; aborting the signal terminates it (and rejects its pending calls). */
export function handle<T>(worker: Worker, signal?: AbortSignal): WorkerHandle<T> {
  const terminate = () => worker.terminate();
  signal?.addEventListener('abort', terminate, { once: true });
  return { api: wrap<T>(worker), worker, terminate };
}
