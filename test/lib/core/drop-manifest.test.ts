import { describe, expect, it } from 'vitest';
import { fileKey, matchMissing, missingEntries, newSinceLastScan, type DropEntry } from '../../../src/lib/core/drop-manifest';

const entry = (path: string, sizeBytes: number, lastModifiedMs = 1000): DropEntry => ({ name: path.split('/').pop()!, path, sizeBytes, lastModifiedMs });

describe('drop manifest: which files of a cut-off drop never made it in', () => {
  const entries = [entry('trip/a.jpg', 10), entry('trip/b.jpg', 20), entry('trip/c.jpg', 30), entry('trip/d.jpg', 40)];

  it('a file is in once its job got past staging, whatever became of it after', () => {
    const missing = missingEntries(entries, [
      { entryIndex: 0, status: 'stored' },
      { entryIndex: 1, status: 'staging' },
      { entryIndex: 3, status: 'failed' },
    ]);
    expect(missing.map((m) => [m.index, m.path])).toEqual([
      [1, 'trip/b.jpg'],
      [2, 'trip/c.jpg'],
    ]);
  });

  it("a Live Photo's motion file is in with its still's job, and missing with it while that job is staging", () => {
    const pair = [entry('trip/IMG_1.JPG', 10), entry('trip/IMG_1.MOV', 20), entry('trip/IMG_2.JPG', 30), entry('trip/IMG_2.MOV', 40)];
    const missing = missingEntries(pair, [
      { entryIndex: 0, status: 'queued', motion: { entryIndex: 1 } },
      { entryIndex: 2, status: 'staging', motion: { entryIndex: 3 } },
    ]);
    expect(missing.map((m) => m.path)).toEqual(['trip/IMG_2.JPG', 'trip/IMG_2.MOV']);
  });

  it('jobs without an entry index (older imports) take nothing away', () => {
    expect(missingEntries(entries, [{ status: 'queued' }])).toHaveLength(4);
  });

  it('a whole folder picked again adds only the missing files, each once', () => {
    const missing = missingEntries(entries, [
      { entryIndex: 0, status: 'stored' },
      { entryIndex: 3, status: 'queued' },
    ]);
    const picked = entries.map((e) => ({ name: e.name, sizeBytes: e.sizeBytes, lastModifiedMs: e.lastModifiedMs, path: e.path }));
    expect(matchMissing(missing, picked)).toEqual([
      [1, 1],
      [2, 2],
    ]);
  });

  it('the same name with another size is another file and is not taken', () => {
    const missing = missingEntries([entry('a.jpg', 10)], []);
    expect(matchMissing(missing, [{ name: 'a.jpg', sizeBytes: 11, lastModifiedMs: 1000, path: '' }])).toEqual([]);
  });

  it('two files of one name in different folders: the one at the same path wins', () => {
    const missing = missingEntries([entry('2023/IMG_1.jpg', 10), entry('2024/IMG_1.jpg', 10)], [{ entryIndex: 0, status: 'stored' }]);
    const picked = [
      { name: 'IMG_1.jpg', sizeBytes: 10, lastModifiedMs: 1000, path: 'photos/2023/IMG_1.jpg' },
      { name: 'IMG_1.jpg', sizeBytes: 10, lastModifiedMs: 1000, path: 'photos/2024/IMG_1.jpg' },
    ];
    expect(matchMissing(missing, picked)).toEqual([[1, 1]]);
  });

  it('loose files picked again match by name and size, the same modification time preferred', () => {
    const missing = missingEntries([entry('x/a.jpg', 10, 5000)], []);
    const picked = [
      { name: 'a.jpg', sizeBytes: 10, lastModifiedMs: 1, path: '' },
      { name: 'a.jpg', sizeBytes: 10, lastModifiedMs: 5000, path: '' },
    ];
    expect(matchMissing(missing, picked)).toEqual([[0, 1]]);
  });
});

describe('remembered folders: what is new since the last scan', () => {
  const file = (path: string, sizeBytes: number, lastModifiedMs: number) => ({ name: path.split('/').pop()!, path, sizeBytes, lastModifiedMs });

  it('files seen at the last scan are left out; a new file, and a changed one, are new', () => {
    const before = [file('f/a.jpg', 10, 1), file('f/b.jpg', 20, 2)];
    const now = [file('f/a.jpg', 10, 1), file('f/b.jpg', 21, 3), file('f/sub/c.jpg', 30, 4)];
    expect(newSinceLastScan(before.map(fileKey), now)).toEqual([1, 2]);
  });

  it('an unchanged folder has nothing new', () => {
    const files = [file('f/a.jpg', 10, 1)];
    expect(newSinceLastScan(files.map(fileKey), files)).toEqual([]);
  });

  it('keys of different files never collide through their separators', () => {
    expect(fileKey(file('a1', 0, 1))).not.toBe(fileKey(file('a', 10, 1)));
  });
});
