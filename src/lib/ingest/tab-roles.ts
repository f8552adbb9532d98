/**
 * One tab at a time runs the import queue and writes the library's derived data: two tabs
 * working through one queue each stored the other's files a second time. The tab holding the
 * writer lock is the writer; the others copy their files in and hand them over on the channel,
 * and the writer's events reach every tab so all of them show the same counts and messages.
 */
import { deferred } from '../core/concurrency';
import type { IngestEvent, LockManagerPort, TabChannel } from './ports';

export const WRITER_LOCK = 'shoebox:import-writer';
export const IMPORT_CHANNEL = 'shoebox:import';
/** A tab copying files says so at least this often; the writer forgets a tab silent for longer (closed mid-copy). */
export const REMOTE_ADDING_STALE_MS = 2000;

export type TabMessage =
  | { kind: 'event'; from: string; event: IngestEvent }
  | { kind: 'queued'; from: string; count: number }
  | { kind: 'adding'; from: string; done: number; total: number }
  | { kind: 'resume'; from: string }
  | { kind: 'forget'; from: string; ids: string[] };

/** What a writer does with the messages of the other tabs. */
export interface WriterDuties {
  queued(count: number): void;
  /** Another tab's copying progressed (`done` of `total`; 0 of 0 when it is over). */
  adding(done: number, total: number): void;
  resume(): void;
  forget(ids: string[]): void;
}

export interface TabRolesOptions {
  tabId: string;
  locks: LockManagerPort;
  channel: TabChannel<TabMessage> | null;
  monotonicMs(): number;
  /** Events for this tab's page. */
  toPage(e: IngestEvent): void;
}

export class TabRoles {
  readonly tabId: string;
  #writer = false;
  readonly #o: TabRolesOptions;
  /** Files other tabs are copying in, by tab: shown in every tab's progress. */
  readonly #remoteAdding = new Map<string, { done: number; total: number; atMs: number }>();
  /** Settles once this tab knows whether it runs the queue: files dropped meanwhile wait for it, so none is left unrun. */
  readonly #roleKnown = deferred();
  readonly #closed = deferred();

  constructor(options: TabRolesOptions, duties: WriterDuties) {
    this.#o = options;
    this.tabId = options.tabId;
    options.channel?.listen((m) => this.#onMessage(m, duties));
  }

  get writer(): boolean {
    return this.#writer;
  }

  get roleKnown(): Promise<void> {
    return this.#roleKnown.promise;
  }

  /** What the writer says goes to every tab, so all of them show the same counts and messages. */
  emit(e: IngestEvent): void {
    this.#o.toPage(e);
    if (!this.#writer) return;
    // New items' records and vectors are for this tab's own page and index; other tabs read them from storage.
    this.post({ kind: 'event', from: this.tabId, event: e.type === 'indexed' || e.type === 'stored' ? { type: e.type, ids: e.ids } : e });
  }

  post(m: TabMessage): void {
    this.#o.channel?.post(m);
  }

  /**
   * Takes the writer lock if it is free; otherwise this tab hands its files over and waits in line,
   * taking over (and running `takeOver`, which resumes what the old writer left) when that tab closes.
   * The lock is held until the tab closes (or `close` is called).
   */
  claimWriter(takeOver: () => Promise<void>): void {
    const { locks } = this.#o;
    const run = async (tookOver: boolean) => {
      this.#writer = true;
      this.#o.toPage({ type: 'role', writer: true, tookOver });
      await takeOver();
      this.#roleKnown.resolve();
      await this.#closed.promise;
    };
    void locks.request(WRITER_LOCK, { ifAvailable: true }, async (lock) => {
      if (lock) return run(false);
      this.#roleKnown.resolve();
      void locks.request(WRITER_LOCK, {}, () => run(true));
    });
  }

  /** Lets the writer lock go (a closing tab does so by itself). */
  close(): void {
    this.#writer = false;
    this.#closed.resolve();
  }

  /** Files other tabs are copying in now; a tab silent for too long is forgotten. */
  othersAdding(): { done: number; total: number } {
    const sum = { done: 0, total: 0 };
    const now = this.#o.monotonicMs();
    for (const [tab, a] of this.#remoteAdding) {
      if (now - a.atMs > REMOTE_ADDING_STALE_MS || a.done >= a.total) this.#remoteAdding.delete(tab);
      else {
        sum.done += a.done;
        sum.total += a.total;
      }
    }
    return sum;
  }

  #onMessage(m: TabMessage, duties: WriterDuties): void {
    if (m.from === this.tabId) return;
    if (m.kind === 'event') {
      if (!this.#writer) this.#o.toPage(m.event);
      return;
    }
    if (!this.#writer) return;
    if (m.kind === 'queued') duties.queued(m.count);
    else if (m.kind === 'adding') {
      this.#remoteAdding.set(m.from, { done: m.done, total: m.total, atMs: this.#o.monotonicMs() });
      duties.adding(m.done, m.total);
    } else if (m.kind === 'resume') duties.resume();
    else if (m.kind === 'forget') duties.forget(m.ids);
  }
}
