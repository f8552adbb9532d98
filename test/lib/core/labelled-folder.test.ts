import { describe, expect, it } from 'vitest';
import { MAX_LABELS, parseCsv, readLabelledFolder, sideFiles } from '../../../src/lib/core/labelled-folder';

function read(paths: string[], csv?: string, moments?: string) {
  const r = readLabelledFolder(paths, csv, moments);
  if (!r.ok) throw new Error(r.message);
  return r.folder;
}

describe('readLabelledFolder, one subfolder per label', () => {
  it('labels each photo and video by its top subfolder and drops the picked folder\'s name', () => {
    const f = read(['set/red/a.png', 'set/red/deeper/b.JPG', 'set/blue/c.jpeg', 'set/blue/clip.mp4', 'set/notes.txt', 'set/loose.jpg', 'set/blue/.DS_Store']);
    expect(f.labels).toEqual(['blue', 'red']);
    expect(f.files).toEqual([
      { index: 0, path: 'red/a.png', kind: 'image', label: 1 },
      { index: 1, path: 'red/deeper/b.JPG', kind: 'image', label: 1 },
      { index: 2, path: 'blue/c.jpeg', kind: 'image', label: 0 },
      { index: 3, path: 'blue/clip.mp4', kind: 'video', label: 0 },
    ]);
    expect(f.ignored).toEqual([
      { path: 'notes.txt', reason: 'not a photo or video' },
      { path: 'loose.jpg', reason: 'no label (not in a subfolder)' },
    ]);
  });

  it('reads underscores as spaces for the text model, and keeps a label with markup as written', () => {
    const markup = '<img src=x onerror="alert(1)"> & co';
    const f = read(['s/great_white_shark/1.jpg', `s/${markup}/2.jpg`]);
    expect(f.labels).toEqual([markup, 'great_white_shark']);
    expect(f.labelTexts).toEqual([markup, 'great white shark']);
  });

  it('says what is missing: no media, no labels, one label, too many labels', () => {
    expect(readLabelledFolder(['s/readme.txt'])).toEqual({ ok: false, message: 'This folder has no photos or videos.' });
    const none = readLabelledFolder(['s/a.jpg', 's/b.png']);
    expect(none.ok || none.message).toMatch(/^No labels found: put the photos in one subfolder per label/);
    expect(readLabelledFolder(['s/cats/a.jpg', 's/cats/b.jpg'])).toEqual({ ok: false, message: 'Only one label (“cats”): the check compares labels, so it needs at least two.' });
    const many = Array.from({ length: 10_000 }, (_, i) => `s/label ${i}/x.jpg`);
    expect(readLabelledFolder(many)).toEqual({ ok: false, message: `10,000 labels are more than the check compares (at most ${MAX_LABELS.toLocaleString('en')}).` });
    expect(readLabelledFolder(many.slice(0, MAX_LABELS)).ok).toBe(true);
  });
});

describe('readLabelledFolder with a labels CSV', () => {
  const paths = ['set/labels.csv', 'set/img/1.jpg', 'set/img/2.jpg', 'set/other/3.jpg', 'set/4.png'];
  it('takes labels from the CSV by path or by a unique file name, header skipped', () => {
    expect(sideFiles(paths)).toEqual({ csv: 'set/labels.csv', moments: null });
    const f = read(paths, 'file,label\nimg/1.jpg,tench\n"2.jpg","goldfish, the fish"\n4.png,tench\n');
    expect(f.labels).toEqual(['goldfish, the fish', 'tench']);
    expect(f.files.map((x) => [x.path, f.labels[x.label]])).toEqual([
      ['img/1.jpg', 'tench'],
      ['img/2.jpg', 'goldfish, the fish'],
      ['4.png', 'tench'],
    ]);
    expect(f.ignored).toEqual([{ path: 'other/3.jpg', reason: 'not in the labels CSV' }]);
  });
  it('an empty CSV gives no labels', () => {
    expect(readLabelledFolder(paths, '').ok).toBe(false);
  });
});

describe('moments JSON', () => {
  it('keeps moments of labelled videos with a query and a time', () => {
    const paths = ['s/moments.json', 's/dogs/walk.mp4', 's/cats/nap.mp4', 's/cats/a.jpg'];
    expect(sideFiles(paths).moments).toBe('s/moments.json');
    const json = JSON.stringify([
      { file: 'dogs/walk.mp4', query: 'a dog jumping', atSec: 12.5 },
      { file: 'cats/a.jpg', query: 'a cat', atSec: 1 },
      { file: 'cats/nap.mp4', query: '', atSec: 3 },
      { file: 'cats/nap.mp4', query: 'a yawn', atSec: -1 },
    ]);
    expect(read(paths, undefined, json).moments).toEqual([{ path: 'dogs/walk.mp4', query: 'a dog jumping', atSec: 12.5 }]);
    expect(read(paths, undefined, '{ not json').moments).toEqual([]);
  });
});

describe('parseCsv', () => {
  it.each([
    ['a,b\r\nc,d', [['a', 'b'], ['c', 'd']]],
    ['"x ""y""",z\n\n', [['x "y"', 'z']]],
    ['\uFEFFf,"multi\nline"', [['f', 'multi\nline']]],
  ])('%j', (text, rows) => {
    expect(parseCsv(text)).toEqual(rows);
  });
});
