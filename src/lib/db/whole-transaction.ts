/** A readwrite transaction as far as committing it whole needs (idb's IDBPTransaction is one). */
export interface WritableTransaction {
  abort(): void;
  readonly done: Promise<void>;
}

/** Hands one write request of the transaction to `writeWhole`. */
export type IssueWrite = (request: Promise<unknown>) => void;

/**
 * Issues a transaction's writes and waits for them and the commit: every write is committed, or
 * none is. A request that fails aborts the transaction by itself, but a write that throws while
 * it is issued (a record that cannot be cloned, a full disk reported at once) does not, and the
 * writes issued before it would still commit: a batch's vectors without the rest of it, an item's
 * records deleted without its tombstone. So the transaction is aborted, then the error rethrown.
 * Once one request fails every other fails with AbortError: each gets a handler here, so none is
 * reported unhandled. `issue` may read in the same transaction before it writes.
 */
export async function writeWhole(tx: WritableTransaction, issue: (write: IssueWrite) => void | Promise<void>): Promise<void> {
  const writes: Promise<unknown>[] = [];
  const write: IssueWrite = (request) => {
    request.catch(() => undefined);
    writes.push(request);
  };
  try {
    await issue(write);
    await Promise.all([...writes, tx.done]);
  } catch (err) {
    try {
      tx.abort();
    } catch {
      /* already aborted by the failed request */
    }
    await tx.done.catch(() => undefined);
    throw err;
  }
}
