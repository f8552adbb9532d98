/**
 * Selecting many items in an ordered list, the way file managers and photo apps do it:
 *
 * - a click on an item's checkbox, or Ctrl/Cmd-click, or Space, toggles that item and makes it
 *   the anchor;
 * - Shift-click sets every item from the anchor to the clicked one (both included, in the order
 *   shown) to the clicked item's new state (Gmail's rule: shift-clicking an unselected item
 *   selects the range, a selected one deselects it), and keeps the anchor;
 * - a day header's checkbox sets all of its day's items at once.
 *
 * Pure and immutable: every function returns a new set, so a `$state.raw` holder can swap it.
 */

export interface SelectionState {
  selected: ReadonlySet<string>;
  /** The item a Shift-click ranges from: the last item clicked without Shift. */
  anchor: string | null;
}

export interface ClickHow {
  /** Shift held: select or deselect the range from the anchor. */
  shift: boolean;
  /** Ctrl or Cmd held (or Space): toggle this item only. */
  toggle: boolean;
}

export const emptySelection = (): SelectionState => ({ selected: new Set(), anchor: null });

/** The items from `a` to `b` in `orderedIds`, both included, in list order; null when either is not listed. */
export function rangeBetween(orderedIds: readonly string[], a: string, b: string): string[] | null {
  const i = orderedIds.indexOf(a);
  const j = orderedIds.indexOf(b);
  if (i < 0 || j < 0) return null;
  return orderedIds.slice(Math.min(i, j), Math.max(i, j) + 1);
}

/**
 * The selection after a click on `id` in the list `orderedIds`. Without Shift, or when the anchor
 * is not in this list (it was removed, or belongs to another view), the click toggles `id` alone.
 */
export function clickSelection(state: SelectionState, id: string, orderedIds: readonly string[], how: ClickHow): SelectionState {
  const on = !state.selected.has(id);
  const range = how.shift && state.anchor !== null ? rangeBetween(orderedIds, state.anchor, id) : null;
  if (range) return { selected: setMany(state.selected, range, on), anchor: state.anchor };
  return { selected: setMany(state.selected, [id], on), anchor: id };
}

/** `selected` with every id in `ids` added (`on`) or taken out. */
export function setMany(selected: ReadonlySet<string>, ids: Iterable<string>, on: boolean): Set<string> {
  const next = new Set(selected);
  for (const id of ids) {
    if (on) next.add(id);
    else next.delete(id);
  }
  return next;
}

/** Whether a group's checkbox (a day header) shows checked, mixed or empty. */
export function groupState(selected: ReadonlySet<string>, groupIds: readonly string[]): 'all' | 'some' | 'none' {
  let n = 0;
  for (const id of groupIds) if (selected.has(id)) n++;
  if (n === 0) return 'none';
  return n === groupIds.length ? 'all' : 'some';
}

/** The selection without items that no longer exist; the same state when none of them was selected. */
export function withoutGone(state: SelectionState, gone: ReadonlySet<string>): SelectionState {
  let touched = false;
  for (const id of gone) if (state.selected.has(id)) touched = true;
  const anchor = state.anchor !== null && gone.has(state.anchor) ? null : state.anchor;
  if (!touched) return anchor === state.anchor ? state : { ...state, anchor };
  return { selected: setMany(state.selected, gone, false), anchor };
}

/** What the polite live region says when the selection changes. */
export function selectionAnnouncement(count: number): string {
  return count === 0 ? 'Selection cleared' : `${count.toLocaleString('en')} selected`;
}

/**
 * What "Favourite" does to a set: marks all, unless every one is already a favourite, then unmarks all.
 * Returns the state to set.
 */
export function favouriteTarget(favourites: readonly boolean[]): boolean {
  return !favourites.every(Boolean);
}
