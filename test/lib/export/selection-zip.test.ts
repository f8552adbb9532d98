import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { libraryDbs } from '../../helpers/library-db';
import type { Db } from '../../../src/lib/db/db';
import { putOriginal } from '../../../src/lib/db/blob-store';
import { commitAsset } from '../../../src/lib/db/repo';
import { writeSelectionZip, ZipCancelled, type ZipProgress } from '../../../src/lib/export/selection-zip';
import { readZip } from '../../helpers/read-zip.mjs';
import { motionOriginalId } from '../../../src/lib/core/live-photos';

// Without OPFS (Node), originals live in the `blobs` store.
const { open } = libraryDbs('zip');
const TAKEN_MS = new Date(2021, 5, 14, 10, 30, 42).getTime();

async function photo(db: Db, id: string, name: string, bytes: Uint8Array, motion?: { name: string; bytes: Uint8Array }): Promise<void> {
  await putOriginal(db, id, new Blob([bytes as Uint8Array<ArrayBuffer>]));
  if (motion) await putOriginal(db, motionOriginalId(id), new Blob([motion.bytes as Uint8Array<ArrayBuffer>]));
  const live = motion ? { motion: { kind: 'live' as const, name: motion.name, mime: 'video/quicktime', sizeBytes: motion.bytes.length, sha256: 'f'.repeat(64), durationSec: 2, blobLocation: 'idb' as const } } : {};
  await commitAsset(db, 'none', {
    asset: { id, name, type: 'image', mime: 'image/jpeg', sizeBytes: bytes.length, sha256: `sha-${id}`, pHash: '0123456789abcdef', width: 4, height: 3, addedAt: 1, takenAtMs: TAKEN_MS, takenAtSource: 'file-modified', status: 'ready', blobLocation: 'idb', ...live },
    thumbnail: { id, blob: new Blob([new Uint8Array([1])]), width: 4, height: 3 },
    embedding: { id, modelId: 'm', dim: 2, vector: new Float32Array([0.6, 0.8]) },
    lineage: [],
  });
}

/** A sink that keeps what it is given, like a file's writable. */
function memorySink() {
  const chunks: Uint8Array[] = [];
  const sink = new WritableStream<Uint8Array>({ write: (c) => void chunks.push(c) });
  const bytes = () => new Uint8Array(Buffer.concat(chunks));
  return { sink, bytes };
}

const bytesOf = (n: number, seed: number) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff);

describe('export of a selection as a .zip', () => {
  it('holds exactly the chosen originals, byte for byte, under unique names, dated with the date taken', async () => {
    const db = await open();
    const files = { a: bytesOf(70_000, 1), b: bytesOf(5, 2), c: bytesOf(1234, 3), d: bytesOf(10, 4) };
    await photo(db, 'a', 'IMG_1.jpg', files.a);
    await photo(db, 'b', 'IMG_1.jpg', files.b);
    await photo(db, 'c', '../evil.jpg', files.c);
    await photo(db, 'd', 'not-chosen.jpg', files.d);
    const { sink, bytes } = memorySink();
    const progress: ZipProgress[] = [];
    const result = await writeSelectionZip(db, ['a', 'b', 'c', 'gone'], sink, { onProgress: (p) => progress.push(p), progressEveryMs: 0 });

    expect(result).toMatchObject({ files: 3, missing: [] });
    const entries = readZip(bytes());
    expect(result.sizeBytes).toBe(bytes().length);
    expect(entries.map((e) => e.name)).toEqual(['IMG_1.jpg', 'IMG_1 (2).jpg', '_evil.jpg']);
    expect(entries.map((e, i) => Buffer.from(e.data).equals([files.a, files.b, files.c][i]!))).toEqual([true, true, true]);
    for (const e of entries) expect(Math.abs(e.modified.getTime() - TAKEN_MS)).toBeLessThanOrEqual(2000);
    const last = progress.at(-1)!;
    expect(last).toEqual({ doneFiles: 3, totalFiles: 3, writtenBytes: bytes().length, totalBytes: 70_000 + 5 + 1234 });
  });

  it("a Live Photo's motion file follows its still, as the phone named it", async () => {
    const db = await open();
    const still = bytesOf(300, 1);
    const movie = bytesOf(900, 2);
    await photo(db, 'a', 'IMG_0101.JPG', still, { name: 'IMG_0101.MOV', bytes: movie });
    await photo(db, 'b', 'other.jpg', bytesOf(10, 3));
    const { sink, bytes } = memorySink();
    const progress: ZipProgress[] = [];
    const result = await writeSelectionZip(db, ['a', 'b'], sink, { onProgress: (p) => progress.push(p), progressEveryMs: 0 });
    expect(result).toMatchObject({ files: 3, missing: [] });
    const entries = readZip(bytes());
    expect(entries.map((e) => e.name)).toEqual(['IMG_0101.JPG', 'IMG_0101.MOV', 'other.jpg']);
    expect(Buffer.from(entries[1]!.data).equals(movie)).toBe(true);
    expect(progress.at(-1)).toMatchObject({ doneFiles: 3, totalFiles: 3, totalBytes: 300 + 900 + 10 });
  });

  it('an item whose original is not on this device is left out and named', async () => {
    const db = await open();
    await photo(db, 'a', 'kept.jpg', bytesOf(10, 1));
    await photo(db, 'b', 'lost.jpg', bytesOf(10, 2));
    await db.delete('blobs', 'b');
    const { sink, bytes } = memorySink();
    const result = await writeSelectionZip(db, ['a', 'b'], sink);
    expect(result).toMatchObject({ files: 1, missing: ['lost.jpg'] });
    expect(readZip(bytes()).map((e) => e.name)).toEqual(['kept.jpg']);
  });

  it('Cancel stops the export and aborts the sink', async () => {
    const db = await open();
    for (let i = 0; i < 5; i++) await photo(db, `p${i}`, `p${i}.jpg`, bytesOf(100_000, i));
    let aborted = false;
    const sink = new WritableStream<Uint8Array>({ abort: () => void (aborted = true) });
    let chunks = 0;
    const run = writeSelectionZip(db, ['p0', 'p1', 'p2', 'p3', 'p4'], sink, { cancelled: () => ++chunks > 3 });
    await expect(run).rejects.toBeInstanceOf(ZipCancelled);
    expect(aborted).toBe(true);
  });
});
