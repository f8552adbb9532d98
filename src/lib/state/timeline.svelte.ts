import { filterTimeline, mergeTimeline, type TimelineColumns, type TimelineKey } from '../core/timeline';

/**
 * While an import stores batch after batch (one every few hundred milliseconds), the timeline
 * changes at most this often: each change lays out every row again (~40 ms at 100,000 items) and
 * paints a first screen of new thumbnails, ~35 ms of CPU even in a small library, which the model
 * would otherwise get (bench/results/ingest-prep-notes.md). The first addition after a quiet spell
 * shows at once.
 */
const ADD_EVERY_MS = 1000;

/**
 * Every item in timeline order (newest taken first), kept in step with adds, deletes, undo and
 * other tabs. It holds ids and dates only, as columns (no object per item): tiles are made by the
 * grid for the rows on screen.
 */
export class Timeline {
  /** Every item's id, newest taken first. */
  ids = $state.raw<readonly string[]>([]);
  /** `takenAtMs[i]` is the date taken of `ids[i]`. */
  takenAtMs = $state.raw<Float64Array>(new Float64Array(0));

  #columns: TimelineColumns = { ids: [], takenAtMs: new Float64Array(0), addedAt: new Float64Array(0) };
  #pending: TimelineKey[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** When the timeline last changed (performance.now()). */
  #changedAtMs = -Infinity;

  /** The whole library again, already in timeline order (core/timeline.ts `orderNewestFirst`). */
  reset(ordered: TimelineColumns): void {
    this.#cancelPending();
    this.#publish(ordered);
  }

  /** Items just stored (or stored again) take their place by date. */
  added(items: readonly TimelineKey[]): void {
    if (!items.length) return;
    this.#pending.push(...items);
    if (this.#timer !== undefined) return;
    const waitMs = this.#changedAtMs + ADD_EVERY_MS - performance.now();
    if (waitMs <= 0) this.flush();
    else this.#timer = setTimeout(() => this.flush(), waitMs);
  }

  /** Shows gathered additions now (an import settled). */
  flush(): void {
    const pending = this.#pending;
    this.#cancelPending();
    if (pending.length) this.#publish(mergeTimeline(this.#columns, pending));
  }

  /** Items gone from the library leave at once. */
  dropped(gone: ReadonlySet<string>): void {
    this.flush();
    const kept = filterTimeline(this.#columns, (id) => !gone.has(id));
    if (kept.ids.length !== this.#columns.ids.length) this.#publish(kept);
  }

  #cancelPending(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#pending = [];
  }

  #publish(columns: TimelineColumns): void {
    this.#changedAtMs = performance.now();
    this.#columns = columns;
    this.ids = columns.ids;
    this.takenAtMs = columns.takenAtMs;
  }
}
