import { describe, expect, it, vi } from 'vitest';
import { AssetSummaries, forEachSummaryRows, joinSummaryPages, packSummaryPage, unpackSummaryPage, type AssetSummaryRow } from '../../../src/lib/core/asset-summaries';
import type { AssetType } from '../../../src/lib/core/records';

/** Every summary as id → [name, type, takenAtMs], read back through the rows. */
function contents(s: AssetSummaries): Map<string, [string, AssetType, number]> {
  const out = new Map<string, [string, AssetType, number]>();
  s.forEachRow((row) => out.set(s.idAt(row), [s.name(row), s.type(row), s.takenAtMs(row)]));
  return out;
}

describe('AssetSummaries', () => {
  it('reads back what was set, by id and by row', () => {
    const s = new AssetSummaries();
    s.set('a', { name: 'IMG_1.jpg', type: 'image', takenAtMs: 1_700_000_000_123 });
    s.set('b', { name: 'clip.mp4', type: 'video', takenAtMs: -86_400_000 });
    expect(s.size).toBe(2);
    expect(s.has('a')).toBe(true);
    expect(s.rowOf('missing')).toBe(-1);
    const b = s.rowOf('b');
    expect([s.name(b), s.type(b), s.takenAtMs(b)]).toEqual(['clip.mp4', 'video', -86_400_000]);
    expect(contents(s)).toEqual(new Map([['a', ['IMG_1.jpg', 'image', 1_700_000_000_123]], ['b', ['clip.mp4', 'video', -86_400_000]]]));
  });

  it('replaces a summary set again without a second row', () => {
    const s = new AssetSummaries();
    s.set('a', { name: 'old.jpg', type: 'image', takenAtMs: 1 });
    s.set('a', { name: 'new.mp4', type: 'video', takenAtMs: 2 });
    expect(s.size).toBe(1);
    expect(contents(s)).toEqual(new Map([['a', ['new.mp4', 'video', 2]]]));
  });

  it('forgets deleted ids and reuses their rows for new ones', () => {
    const s = new AssetSummaries();
    for (const id of ['a', 'b', 'c']) s.set(id, { name: `${id}.jpg`, type: 'image', takenAtMs: id.charCodeAt(0) });
    const rowOfB = s.rowOf('b');
    expect(s.delete('b')).toBe(true);
    expect(s.delete('b')).toBe(false);
    expect(s.has('b')).toBe(false);
    expect([...contents(s).keys()].sort()).toEqual(['a', 'c']);
    s.set('d', { name: 'd.mp4', type: 'video', takenAtMs: 4 });
    expect(s.rowOf('d')).toBe(rowOfB);
    expect(contents(s)).toEqual(new Map([['a', ['a.jpg', 'image', 97]], ['c', ['c.jpg', 'image', 99]], ['d', ['d.mp4', 'video', 4]]]));
  });

  it('keeps every summary as the columns grow past their first capacity, and clear empties them', () => {
    const s = new AssetSummaries();
    const n = 5000;
    for (let i = 0; i < n; i++) s.set(`id-${i}`, { name: `IMG_${i}.jpg`, type: i % 7 === 0 ? 'video' : 'image', takenAtMs: 1_600_000_000_000 + i * 1000 });
    for (let i = 0; i < n; i += 2) s.delete(`id-${i}`);
    expect(s.size).toBe(n / 2);
    const read = contents(s);
    expect(read.size).toBe(n / 2);
    for (let i = 1; i < n; i += 2) expect(read.get(`id-${i}`)).toEqual([`IMG_${i}.jpg`, i % 7 === 0 ? 'video' : 'image', 1_600_000_000_000 + i * 1000]);
    s.clear();
    expect(s.size).toBe(0);
    expect(contents(s).size).toBe(0);
    s.set('x', { name: 'x.jpg', type: 'image', takenAtMs: 5 });
    expect(contents(s)).toEqual(new Map([['x', ['x.jpg', 'image', 5]]]));
  });
});

describe('AssetSummaries: ids and names as bytes', () => {
  it('keeps ids and names of any script, and tells apart ids that share their bytes up to a point', () => {
    const s = new AssetSummaries();
    const ids = ['café', 'cafe\u0301', '日本語', '🙂', 'a', 'ab', ''];
    ids.forEach((id, i) => s.set(id, { name: `${id} № ${i}.jpg`, type: 'image', takenAtMs: i }));
    expect(s.size).toBe(7);
    for (const [i, id] of ids.entries()) expect([s.idAt(s.rowOf(id)), s.name(s.rowOf(id)), s.takenAtMs(s.rowOf(id))]).toEqual([id, `${id} № ${i}.jpg`, i]);
    for (const missing of ['caf', 'cafés', '日本', 'abc']) expect(s.rowOf(missing)).toBe(-1);
  });

  it('cuts a name longer than 65 535 bytes at the last whole character before it', () => {
    const s = new AssetSummaries();
    // 'é' is 2 bytes: 32 768 of them are 65 536 bytes, one byte too many, so the last one goes
    s.set('long', { name: 'é'.repeat(32_768), type: 'image', takenAtMs: 0 });
    expect(s.name(s.rowOf('long'))).toBe('é'.repeat(32_767));
  });

  it('gives back its spare room once read, and grows again after', () => {
    const s = new AssetSummaries();
    for (let i = 0; i < 3000; i++) s.set(`id-${String(i).padStart(4, '0')}`, { name: `IMG_${String(i).padStart(4, '0')}.jpg`, type: 'image', takenAtMs: i });
    s.delete('id-0000');
    const before = contents(s);
    s.trim();
    // texts: 2 999 live ids of 7 bytes and names of 12, each after 2 length bytes; 3 000 rows (one free) × 17 bytes of columns; 8 192 slots × 4
    expect(s.heldBytes).toBe(2999 * (2 + 7 + 2 + 12) + 3000 * 17 + 8192 * 4);
    expect(contents(s)).toEqual(before);
    s.set('id-0000', { name: 'back.jpg', type: 'video', takenAtMs: -1 });
    s.set('new', { name: 'new.jpg', type: 'image', takenAtMs: 7 });
    expect(s.size).toBe(3001);
    expect(contents(s).get('new')).toEqual(['new.jpg', 'image', 7]);
    expect(contents(s).get('id-0000')).toEqual(['back.jpg', 'video', -1]);
  });

  /** 20 000 random sets, renames and deletes of 3000 ids, on `s` and on a map; checks they agree. */
  function randomSteps(s: AssetSummaries): void {
    const model = new Map<string, [string, AssetType, number]>();
    let seed = 11;
    const next = () => (seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32;
    for (let step = 0; step < 20_000; step++) {
      const id = `id-${Math.floor(next() * 3000)}`;
      const roll = next();
      if (roll < 0.3) {
        expect(s.delete(id)).toBe(model.delete(id));
      } else {
        const fields: [string, AssetType, number] = [`IMG_${step}${'x'.repeat(step % 40)}.jpg`, roll < 0.4 ? 'video' : 'image', step];
        s.set(id, { name: fields[0], type: fields[1], takenAtMs: fields[2] });
        model.set(id, fields);
      }
    }
    expect(s.size).toBe(model.size);
    expect(contents(s)).toEqual(model);
    for (let i = 0; i < 3000; i++) expect(s.has(`id-${i}`)).toBe(model.has(`id-${i}`));
  }

  it('stays the same as a map through 20 000 sets, renames and deletes (its table rebuilt and its bytes compacted along the way)', () => {
    randomSteps(new AssetSummaries());
  });

  it('gives back each buffer it outgrows at once, and reads nothing from one given back', () => {
    // A buffer given back is moved into a message never delivered: detached, its views empty.
    const given: number[] = [];
    const post = MessagePort.prototype.postMessage as (message: unknown, transfer: Transferable[]) => void;
    const spy = vi.spyOn(MessagePort.prototype, 'postMessage').mockImplementation(function (this: MessagePort, message: unknown, transfer?: unknown) {
      const list = (transfer ?? []) as Transferable[];
      for (const t of list) if (t instanceof ArrayBuffer) given.push(t.byteLength);
      return post.call(this, message, list);
    });
    try {
      randomSteps(new AssetSummaries());
      // The text buffer, the four columns and the hash table each outgrown more than once.
      expect(given.length).toBeGreaterThanOrEqual(12);
    } finally {
      spy.mockRestore();
    }
  });
});

describe('AssetSummaries.newestTaken', () => {
  it('lists the kept ids newest taken first, ties by id, the first k, and counts them all', () => {
    const s = new AssetSummaries();
    const taken: Array<[string, number]> = [['b', 20], ['a', 20], ['c', 30], ['d', 10], ['e', 40]];
    for (const [id, takenAtMs] of taken) s.set(id, { name: `${id}.jpg`, type: id === 'e' ? 'video' : 'image', takenAtMs });
    expect(s.newestTaken(10, () => true)).toEqual({ ids: ['e', 'c', 'a', 'b', 'd'], total: 5 });
    expect(s.newestTaken(2, (row) => s.type(row) === 'image')).toEqual({ ids: ['c', 'a'], total: 4 });
    expect(s.newestTaken(3, (row) => s.idAt(row) !== 'c')).toEqual({ ids: ['e', 'a', 'b'], total: 4 });
    expect(s.newestTaken(3, () => false)).toEqual({ ids: [], total: 0 });
  });
});

describe('a page of summaries as columns', () => {
  it('joins pages into one with every row in order, and unpacks it in steps of any size', () => {
    const rows: AssetSummaryRow[] = Array.from({ length: 7 }, (_, i) => ({ id: `id-${i}`, name: i % 2 ? `фото ${i}.jpg` : '', type: i % 3 ? 'image' : 'video', takenAtMs: i * 1000 - 3 }));
    const joined = joinSummaryPages([packSummaryPage(rows.slice(0, 3)), packSummaryPage([]), packSummaryPage(rows.slice(3))]);
    expect(unpackSummaryPage(joined)).toEqual(rows);
    for (const size of [1, 2, 3, 7, 50]) {
      const steps: AssetSummaryRow[][] = [];
      forEachSummaryRows(joined, size, (some) => steps.push(some));
      expect(steps.map((s) => s.length)).toEqual(Array.from({ length: Math.ceil(7 / size) }, (_, i) => Math.min(size, 7 - i * size)));
      expect(steps.flat()).toEqual(rows);
    }
    expect(unpackSummaryPage(joinSummaryPages([]))).toEqual([]);
  });

  it('unpacks a page of a whole large library (more rows than a call takes arguments)', () => {
    const rows: AssetSummaryRow[] = Array.from({ length: 200_000 }, (_, i) => ({ id: `id-${i}`, name: `${i}.jpg`, type: 'image', takenAtMs: i }));
    const back = unpackSummaryPage(packSummaryPage(rows));
    expect(back).toHaveLength(200_000);
    expect(back[199_999]).toEqual(rows[199_999]);
  });

  it('gives back the rows it was made of, in order, of any script, and an empty page', () => {
    const rows: AssetSummaryRow[] = [
      { id: 'seed-000001-0000-4000-8000-000000000000', name: 'IMG_000001.jpg', type: 'image', takenAtMs: 1_700_000_000_123 },
      { id: 'é', name: '', type: 'video', takenAtMs: -86_400_000 },
      { id: '日本語', name: 'фото 🙂.heic', type: 'image', takenAtMs: 0.5 },
    ];
    const page = packSummaryPage(rows);
    expect(page.types).toHaveLength(3);
    expect(page.takenAtMs).toHaveLength(3);
    // Every byte is an id's or a name's: no room left over.
    expect(page.text.byteLength).toBe(rows.reduce((sum, r) => sum + 4 + new TextEncoder().encode(r.id + r.name).byteLength, 0));
    expect(unpackSummaryPage(page)).toEqual(rows);
    expect(unpackSummaryPage(packSummaryPage([]))).toEqual([]);
  });

  it('cuts a name longer than 65 535 bytes as AssetSummaries does, and refuses an unknown type', () => {
    const name = 'é'.repeat(40_000);
    const [row] = unpackSummaryPage(packSummaryPage([{ id: 'a', name, type: 'image', takenAtMs: 1 }]));
    const held = new AssetSummaries();
    held.set('a', { name, type: 'image', takenAtMs: 1 });
    expect(row!.name).toBe(held.name(held.rowOf('a')));
    expect(row!.name).toBe('é'.repeat(32_767));
    expect(() => packSummaryPage([{ id: 'a', name: 'x', type: 'sound' as AssetType, takenAtMs: 1 }])).toThrow(/Unknown asset type/);
  });
});
