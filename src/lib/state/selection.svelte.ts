import { clickSelection, emptySelection, selectionAnnouncement, setMany, withoutGone, type ClickHow, type SelectionState } from '../core/selection';

/**
 * The items the user picked for a bulk action, across whichever grid shows them. Grids take
 * `selected` (a ReadonlySet) and call `click` and `setMany`; the rules are in core/selection.ts.
 * Every change of the count is spoken in the polite live region ("3 selected").
 */
export class Selection {
  #state = $state.raw<SelectionState>(emptySelection());
  #announce: (text: string) => void;

  constructor(announce: (text: string) => void) {
    this.#announce = announce;
  }

  /** The selected ids as a set (a new set after every change), for grids to read. */
  get selected(): ReadonlySet<string> {
    return this.#state.selected;
  }

  get count(): number {
    return this.#state.selected.size;
  }

  has(id: string): boolean {
    return this.#state.selected.has(id);
  }

  /** The selected ids, in the order they were selected. */
  ids(): string[] {
    return [...this.#state.selected];
  }

  /** A click on an item of the list `orderedIds` (the items in the order shown). */
  click(id: string, orderedIds: readonly string[], how: ClickHow): void {
    this.#set(clickSelection(this.#state, id, orderedIds, how));
  }

  /** Selects or deselects several items at once (a day header's checkbox). */
  setMany(ids: readonly string[], on: boolean): void {
    this.#set({ selected: setMany(this.#state.selected, ids, on), anchor: this.#state.anchor });
  }

  clear(): void {
    if (this.count === 0 && this.#state.anchor === null) return;
    this.#set(emptySelection());
  }

  /** Items deleted here or in another tab leave the selection. */
  dropped(gone: ReadonlySet<string>): void {
    this.#set(withoutGone(this.#state, gone));
  }

  #set(next: SelectionState): void {
    if (next === this.#state) return;
    const before = this.count;
    this.#state = next;
    if (next.selected.size !== before) this.#announce(selectionAnnouncement(next.selected.size));
  }
}
