import { compareNewestFirst, mergeNewestFirst, type TimelineKey } from '../core/timeline';

/**
 * Every item in timeline order (newest taken first), kept in step with adds, deletes, undo and
 * other tabs. It holds ids and dates only: tiles are made by the grid for the rows on screen.
 */
export class Timeline {
  /** Every item's id, newest taken first. */
  ids = $state.raw<readonly string[]>([]);
  /** `takenAtMs[i]` is the date taken of `ids[i]`. */
  takenAtMs = $state.raw<Float64Array>(new Float64Array(0));

  #keys: TimelineKey[] = [];

  /** The whole library again; `items` may come in any order (nearly ordered sorts fastest). */
  reset(items: readonly TimelineKey[]): void {
    this.#publish([...items].sort(compareNewestFirst));
  }

  /** Items just stored (or stored again) take their place by date. */
  added(items: readonly TimelineKey[]): void {
    if (items.length) this.#publish(mergeNewestFirst(this.#keys, items));
  }

  /** Items gone from the library leave at once. */
  dropped(gone: ReadonlySet<string>): void {
    const kept = this.#keys.filter((k) => !gone.has(k.id));
    if (kept.length !== this.#keys.length) this.#publish(kept);
  }

  #publish(keys: TimelineKey[]): void {
    this.#keys = keys;
    this.ids = keys.map((k) => k.id);
    this.takenAtMs = Float64Array.from(keys, (k) => k.takenAtMs);
  }
}
