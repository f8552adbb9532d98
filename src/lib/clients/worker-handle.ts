import { transfer, wrap, type Remote } from 'comlink';

export interface WorkerHandle<T> {
  api: Remote<T>;
  worker: Worker;
  terminate(): void;
}

/**
 * Wraps a module worker. Long work stops by the worker's own means (the index worker's
 * `cancelScan()`, the naming worker's `cancel()`), which keeps the worker and what it holds,
 * or by `terminate()`, which rejects its pending calls.
 */
export function handle<T>(worker: Worker): WorkerHandle<T> {
  return { api: wrap<T>(worker), worker, terminate: () => worker.terminate() };
}

/** A new channel whose far end goes to a worker's `connect`: another worker calls that one directly through the port returned. */
export function portTo(connect: (port: MessagePort) => Promise<void>): MessagePort {
  const { port1, port2 } = new MessageChannel();
  void connect(transfer(port2, [port2]));
  return port1;
}
