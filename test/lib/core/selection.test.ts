import { describe, expect, it } from 'vitest';
import { clickSelection, emptySelection, favouriteTarget, groupState, rangeBetween, selectionAnnouncement, setMany, withoutGone, type SelectionState } from '../../../src/lib/core/selection';

const LIST = ['a', 'b', 'c', 'd', 'e', 'f'];
const plain = { shift: false, toggle: false };
const shift = { shift: true, toggle: false };
const toggle = { shift: false, toggle: true };
const sorted = (s: SelectionState) => [...s.selected].sort();

function clicks(steps: Array<[string, typeof plain]>, list = LIST): SelectionState {
  return steps.reduce((s, [id, how]) => clickSelection(s, id, list, how), emptySelection());
}

describe('selection: clicks, ranges and toggles', () => {
  it('a plain click toggles one item and becomes the anchor', () => {
    expect(sorted(clicks([['b', plain]]))).toEqual(['b']);
    expect(clicks([['b', plain]]).anchor).toBe('b');
    expect(sorted(clicks([['b', plain], ['b', plain]]))).toEqual([]);
  });

  it('Shift-click selects the range from the anchor, both ends included, in either direction', () => {
    expect(sorted(clicks([['b', plain], ['d', shift]]))).toEqual(['b', 'c', 'd']);
    expect(sorted(clicks([['e', plain], ['b', shift]]))).toEqual(['b', 'c', 'd', 'e']);
  });

  it('the anchor stays through Shift-clicks: a second Shift-click re-ranges from the same anchor and adds', () => {
    const s = clicks([['c', plain], ['e', shift], ['a', shift]]);
    expect(sorted(s)).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(s.anchor).toBe('c');
  });

  it('Shift-click on a selected item deselects the range (the clicked item decides)', () => {
    const s = clicks([['a', plain], ['f', shift], ['b', plain], ['d', shift]]);
    // b was toggled off and became the anchor; d was selected, so b..d goes off.
    expect(sorted(s)).toEqual(['a', 'e', 'f']);
  });

  it('Ctrl/Cmd-click toggles one item without touching the others', () => {
    const s = clicks([['a', plain], ['c', shift], ['b', toggle], ['f', toggle]]);
    expect(sorted(s)).toEqual(['a', 'c', 'f']);
    expect(s.anchor).toBe('f');
  });

  it('Shift-click without an anchor, or with an anchor not in this list, toggles the one item', () => {
    expect(sorted(clicks([['d', shift]]))).toEqual(['d']);
    const fromOtherView = clickSelection({ selected: new Set(['x']), anchor: 'x' }, 'c', LIST, shift);
    expect([...fromOtherView.selected].sort()).toEqual(['c', 'x']);
    expect(fromOtherView.anchor).toBe('c');
  });

  it('rangeBetween is null for ids not listed', () => {
    expect(rangeBetween(LIST, 'a', 'zz')).toBeNull();
    expect(rangeBetween(LIST, 'f', 'd')).toEqual(['d', 'e', 'f']);
  });
});

describe('selection: days, deletes and words', () => {
  it('a day header sets its day at once, and reads all / some / none', () => {
    const day = ['b', 'c', 'd'];
    let selected = setMany(new Set(['a']), day, true);
    expect([...selected].sort()).toEqual(['a', 'b', 'c', 'd']);
    expect(groupState(selected, day)).toBe('all');
    selected = setMany(selected, ['c'], false);
    expect(groupState(selected, day)).toBe('some');
    selected = setMany(selected, day, false);
    expect(groupState(selected, day)).toBe('none');
    expect([...selected]).toEqual(['a']);
  });

  it('deleted items leave the selection and cannot stay the anchor; unrelated deletes change nothing', () => {
    const s = clicks([['b', plain], ['d', shift]]);
    expect(withoutGone(s, new Set(['z']))).toBe(s);
    const after = withoutGone(s, new Set(['b', 'c']));
    expect(sorted(after)).toEqual(['d']);
    expect(after.anchor).toBeNull();
  });

  it('announces the count, and the clearing', () => {
    expect(selectionAnnouncement(3)).toBe('3 selected');
    expect(selectionAnnouncement(12000)).toBe('12,000 selected');
    expect(selectionAnnouncement(0)).toBe('Selection cleared');
  });

  it('Favourite marks all unless all already are', () => {
    expect(favouriteTarget([false, true])).toBe(true);
    expect(favouriteTarget([false])).toBe(true);
    expect(favouriteTarget([true, true])).toBe(false);
  });
});
