import { sweepInWorker } from '../clients/sweeper';
import type { Db } from '../db/db';
import { carryOutDueTombstones, getTombstones, tombstoneTimings } from '../db/tombstones';
import { DELETE_SLICE, deleteAssetRecordsInSlices, getMeta, restoreAssetRecordsInSlices, type SliceProgress } from '../db/repo';
import { nameInText } from '../core/display-name';
import { DEFAULT_UNDO_WINDOW_MS, deletedLabel, nextExpiryMs, undoAllowed, undoWindowMs } from '../core/tombstones';
import { sweepGraceMs, sweepMessage } from '../core/leftover-sweep';
import type { Notices } from './notices.svelte';

/** The delete the toast offers to undo; its tombstones in storage are what Undo restores. */
export interface PendingDelete {
  label: string;
  /** The deleted item's file name when there was one item, for the toast to show isolated. */
  name: string | null;
  ids: string[];
  /** Epoch ms; the toast goes at this instant. */
  expiresAtMs: number;
}

/** Stored settings without a control in the page (tests shorten them): the undo window and the leftover sweep's grace period. */
const UNDO_WINDOW_KEY = 'settings:undoWindowMs';
const SWEEP_GRACE_KEY = 'settings:sweepGraceMs';

/** What a delete or an undo changes elsewhere in the library. */
export interface DeletesHost {
  notices: Notices;
  /** Records are gone (`goneIds` of the `ids` asked for): search, the import queue, clusters, other tabs and the page follow. */
  removed(ids: string[], goneIds: string[]): Promise<void>;
  /** Records are back: search, clusters, other tabs and the items follow. */
  restored(ids: string[]): Promise<void>;
  /** Shows the current results again, with the restored items. */
  rerun(): Promise<void>;
  itemName(id: string): string | undefined;
  /** Files were removed from storage for good. */
  storageFreed(): void;
}

/**
 * Deletes with undo: records go at once with a tombstone each, Undo restores from the tombstones
 * while their window is open, and the original files go when it closes (in whichever tab is open).
 */
export class Deletes {
  pending = $state.raw<PendingDelete | null>(null);
  /** A large delete or undo under way: how many of its items are done. */
  progress = $state.raw<(SliceProgress & { undo: boolean }) | null>(null);

  #host: DeletesHost;
  #db: Db | null = null;
  #undoWindowMs = DEFAULT_UNDO_WINDOW_MS;
  /** Tombstones this page knows of (its own deletes and those found at start), by id: expiry in epoch ms. */
  #expiries = new Map<string, number>();
  #carryOutTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(host: DeletesHost) {
    this.#host = host;
  }

  async readSettings(db: Db): Promise<void> {
    this.#db = db;
    this.#undoWindowMs = undoWindowMs(await getMeta(db, UNDO_WINDOW_KEY));
  }

  /**
   * Deletes at once from the library and from search, in one consistent step: the records go and
   * their tombstones are written in one transaction, so Undo works from storage (after a reload,
   * from another tab) until the undo window ends; then the original files go too.
   */
  async deleteAssets(ids: string[]): Promise<void> {
    if (!this.#db || ids.length === 0 || this.progress) return;
    let tombstones;
    this.#startProgress(ids.length, false);
    try {
      // In slices, each all or nothing: a reload midway leaves every item wholly present or wholly gone.
      tombstones = await deleteAssetRecordsInSlices(this.#db, ids, Date.now(), this.#undoWindowMs, (p) => this.#showProgress(p, false));
    } finally {
      this.progress = null;
    }
    await this.#host.removed(ids, tombstones.map((t) => t.id));
    if (tombstones.length === 0) return;
    for (const t of tombstones) this.#expiries.set(t.id, t.expiresAtMs);
    this.pending = {
      label: deletedLabel(tombstones.map((t) => nameInText(t.name))),
      name: tombstones.length === 1 ? tombstones[0].name : null,
      ids: tombstones.map((t) => t.id),
      // A large delete's stored expiry carries an allowance for its slices: the toast offers Undo
      // for the usual window from the moment the delete is done.
      expiresAtMs: Math.min(tombstones[0].expiresAtMs, Date.now() + this.#undoWindowMs),
    };
    this.#host.notices.announce(this.pending.label);
    this.#scheduleCarryOut();
  }

  /** Restores from the tombstones while their undo window is open; after that the delete is final and says so. */
  async undo(): Promise<void> {
    const pending = this.pending;
    if (!pending || !this.#db) return;
    this.pending = null;
    let outcome;
    this.#startProgress(pending.ids.length, true);
    try {
      outcome = await restoreAssetRecordsInSlices(this.#db, pending.ids, (p) => this.#showProgress(p, true));
    } finally {
      this.progress = null;
    }
    const { restored, alreadyBack, final } = outcome;
    // Undone here, or in another tab meanwhile: either way the items are back and this page shows them again.
    const ids = [...restored, ...alreadyBack];
    for (const id of ids) this.#expiries.delete(id);
    if (final.length) {
      this.#host.notices.say(`Too late to undo “${pending.label}”: the time to undo has passed and the delete is final`);
      void this.#carryOut();
    }
    if (ids.length === 0) return;
    await this.#host.restored(ids);
    this.#host.notices.announce(`Restored ${ids.length === 1 ? nameInText(this.#host.itemName(ids[0]) ?? '1 item') : `${ids.length} items`}`);
    await this.#host.rerun();
  }

  /** Progress shows only for more than one slice: a smaller delete is done before it could be read. */
  #startProgress(total: number, undo: boolean): void {
    if (total > DELETE_SLICE) this.progress = { done: 0, total, undo };
  }

  #showProgress(p: SliceProgress, undo: boolean): void {
    if (this.progress) this.progress = { ...p, undo };
  }

  /**
   * At each expiry: the toast goes once its window has ended, and every due tombstone (this
   * tab's or one a closed tab left) is carried out. Tombstones not yet due are never touched:
   * another tab may still undo them.
   */
  async #carryOut(): Promise<void> {
    clearTimeout(this.#carryOutTimer);
    const db = this.#db;
    if (!db) return;
    if (this.pending && !undoAllowed(this.pending, Date.now())) this.pending = null;
    try {
      const done = await carryOutDueTombstones(db);
      if (done.length) this.#host.storageFreed();
    } finally {
      const nowMs = Date.now();
      for (const [id, expiresAtMs] of this.#expiries) if (!undoAllowed({ expiresAtMs }, nowMs)) this.#expiries.delete(id);
      this.#scheduleCarryOut();
    }
  }

  #scheduleCarryOut(): void {
    clearTimeout(this.#carryOutTimer);
    const timings = [...this.#expiries].map(([id, expiresAtMs]) => ({ id, expiresAtMs }));
    if (this.pending) timings.push({ id: '', expiresAtMs: this.pending.expiresAtMs });
    const next = nextExpiryMs(timings, Date.now());
    // A timer may fire a moment before the wall clock reaches the expiry: then nothing is due yet and it is set again.
    if (next !== null) this.#carryOutTimer = setTimeout(() => void this.#carryOut(), Math.max(1, next - Date.now()));
  }

  /**
   * Once per start, after the library shows: carries out deletes whose undo time passed while
   * no page was open, offers Undo again for the others, then removes stored files no record owns.
   */
  async tidyStorage(): Promise<void> {
    const db = this.#db;
    if (!db) return;
    try {
      await carryOutDueTombstones(db);
      const waiting = await getTombstones(db, (await tombstoneTimings(db)).map((t) => t.id));
      const open = waiting.filter((t) => undoAllowed(t, Date.now()));
      for (const t of open) this.#expiries.set(t.id, t.expiresAtMs);
      if (open.length && !this.pending) {
        this.pending = {
          label: deletedLabel(open.map((t) => nameInText(t.name))),
          name: open.length === 1 ? open[0].name : null,
          ids: open.map((t) => t.id),
          expiresAtMs: Math.max(...open.map((t) => t.expiresAtMs)),
        };
      }
      this.#scheduleCarryOut();
      const graceMs = sweepGraceMs(await getMeta(db, SWEEP_GRACE_KEY));
      // A User Timing entry, so the sweep's cost shows in the browser's performance tools (and bench/sweep.mjs).
      const startMark = performance.mark('shoebox:sweep-start');
      const swept = await sweepInWorker(Date.now(), graceMs);
      performance.measure('shoebox:sweep', { start: startMark.startTime, detail: swept });
      const message = sweepMessage(swept.removedCount, swept.removedBytes);
      if (message) {
        this.#host.notices.say(message);
        this.#host.storageFreed();
      }
    } catch (err) {
      // Tidying is retried at the next start; the library works without it.
      console.warn('Shoebox: tidying storage failed', err);
    }
  }
}
