import { describe, expect, it } from 'vitest';
import { resultsNote, waitingCount, waitingIds, waitingText } from '../../../src/lib/core/index-queue';

describe('the indexing queue derived from storage', () => {
  const oldestFirst = ['a', 'b', 'c', 'd', 'e', 'f'];
  const none = new Set<string>();

  it('lists the items with no vector for the model, oldest first, up to the limit', () => {
    expect(waitingIds(oldestFirst, new Set(['b', 'd']), none, none, 10)).toEqual(['a', 'c', 'e', 'f']);
    expect(waitingIds(oldestFirst, new Set(['b', 'd']), none, none, 2)).toEqual(['a', 'c']);
  });

  it('leaves out items already handed over or being embedded, and those that could not be read again', () => {
    expect(waitingIds(oldestFirst, new Set(['a']), new Set(['b', 'c']), new Set(['e']), 10)).toEqual(['d', 'f']);
  });

  it('is empty when everything has a vector, or for a limit of zero', () => {
    expect(waitingIds(oldestFirst, new Set(oldestFirst), none, none, 10)).toEqual([]);
    expect(waitingIds(oldestFirst, none, none, none, 0)).toEqual([]);
  });

  it('a new model has no vectors yet: every item waits', () => {
    expect(waitingIds(oldestFirst, none, none, none, 100)).toEqual(oldestFirst);
  });
});

describe('the waiting count', () => {
  it('is the items minus their vectors for the model, never negative', () => {
    expect(waitingCount(66, 54)).toBe(12);
    expect(waitingCount(66, 66)).toBe(0);
    expect(waitingCount(0, 3)).toBe(0);
  });

  it('reads as one line, or nothing when everything is searchable', () => {
    expect(waitingText(12, 'indexing')).toBe('12 items not yet searchable — indexing…');
    expect(waitingText(1, 'waiting-for-model')).toBe('1 item not yet searchable — waiting for the search model');
    expect(waitingText(3, 'paused')).toBe('3 items not yet searchable — indexing paused');
    expect(waitingText(0, 'indexing')).toBe('');
  });

  it('tells search results they cannot hold the waiting items yet', () => {
    expect(resultsNote(12, 'indexing')).toBe('12 items not searchable yet (indexing…), so not in these results.');
    expect(resultsNote(0, 'paused')).toBe('');
  });
});
