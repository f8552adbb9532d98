import { afterEach, describe, expect, it, vi } from 'vitest';

// Every digest the reader computes is counted: a hostile archive must be refused before any.
const hashed = vi.hoisted(() => ({ calls: 0 }));
vi.mock('../../../src/lib/core/sha256', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../../src/lib/core/sha256')>();
  return {
    ...real,
    sha256Hex: (data: Parameters<typeof real.sha256Hex>[0]) => {
      hashed.calls++;
      return real.sha256Hex(data);
    },
  };
});

const { ARCHIVE_FORMAT, ARCHIVE_FORMAT_VERSION, ArchiveError, bytesSource, readArchive } = await import('../../../src/lib/core/archive');
const { craftTar, listEntries } = await import('../../helpers/hostile-tar');
type CraftEntry = import('../../helpers/hostile-tar').CraftEntry;

const MODEL = 'fixture-clip@q8';
const DIM = 8;
const SCHEMA = 3;
const ENTRIES = 100_000;
const enc = new TextEncoder();

const manifestWith = (counts: Record<string, number>) => ({ format: ARCHIVE_FORMAT, formatVersion: ARCHIVE_FORMAT_VERSION, schemaVersion: SCHEMA, createdAt: 1, modelKey: MODEL, dim: DIM, includesOriginals: false, counts });

const zeroCounts = { assets: 0, thumbnails: 0, embeddings: 0, frameEmbeddings: 0, lineage: 0, clusters: 0, meta: 0, originals: 0 };
/** 100,000 small thumbnail images, each a well-formed entry with the right digest. */
const thumbnails = (): CraftEntry[] => Array.from({ length: ENTRIES }, (_, i) => ({ name: `thumbnails/t${i}`, bytes: enc.encode(`thumbnail ${i}`.padEnd(64, '.')) }));

/** Reads the archive; returns the error, the number of digests computed and the time taken. */
async function refusal(bytes: Uint8Array): Promise<{ err: unknown; hashes: number; ms: number }> {
  hashed.calls = 0;
  const started = performance.now();
  const err = await readArchive(bytesSource(bytes), { schemaVersion: SCHEMA, modelKey: MODEL, dim: DIM }).then(
    () => null,
    (e: unknown) => e,
  );
  return { err, hashes: hashed.calls, ms: performance.now() - started };
}

afterEach(() => {
  hashed.calls = 0;
});

describe('archive: a hostile archive of 100,000 entries is refused before any entry is hashed', () => {
  it('when the entry count contradicts the manifest counts', async () => {
    const { err, hashes, ms } = await refusal(craftTar(thumbnails(), manifestWith({ ...zeroCounts, thumbnails: 1 })));
    console.info(`100,000 entries, count contradicts the manifest: refused in ${ms.toFixed(0)} ms, ${hashes} entries hashed`);
    expect(err).toBeInstanceOf(ArchiveError);
    expect((err as Error).message).toMatch(/counts 1 thumbnails.*lists 100000 thumbnail images/);
    expect(hashes).toBe(0);
  }, 120_000);

  it('when the last tar header declares another size than the manifest', async () => {
    // Its records entry is there, so every count agrees with the manifest.
    const entries = [{ name: 'records/thumbnails/000000.jsonl', bytes: enc.encode('{}\n') }, ...thumbnails()];
    // The tar says 100 bytes where the manifest says 64: the reader must notice from the headers alone.
    entries[ENTRIES] = { ...entries[ENTRIES], tarSize: 100 };
    const { err, hashes, ms } = await refusal(craftTar(entries, manifestWith({ ...zeroCounts, thumbnails: ENTRIES })));
    console.info(`100,000 entries, last header size contradicts the manifest: refused in ${ms.toFixed(0)} ms, ${hashes} entries hashed`);
    expect(err).toBeInstanceOf(ArchiveError);
    expect((err as Error).message).toMatch(new RegExp(`thumbnails/t${ENTRIES - 1} is larger than the manifest declares \\(100 > 64 bytes\\)`));
    expect(hashes).toBe(0);
  }, 120_000);

  it('when the manifest lists more entries than the file can hold', async () => {
    const all = thumbnails();
    const listed = all.map((e) => ({ name: e.name, sizeBytes: e.bytes.length, sha256: '0'.repeat(64) }));
    const { err, hashes, ms } = await refusal(craftTar(all.slice(0, 10), manifestWith({ ...zeroCounts, thumbnails: ENTRIES }), listed));
    console.info(`manifest of 100,000 entries in a file of 10: refused in ${ms.toFixed(0)} ms, ${hashes} entries hashed`);
    expect(err).toBeInstanceOf(ArchiveError);
    expect((err as Error).message).toMatch(/lists 100000 entries; a file of \d+ bytes holds at most \d+/);
    expect(hashes).toBe(0);
  }, 120_000);

  it('when the declared sizes need more bytes than the file has', async () => {
    const entries = thumbnails().slice(0, 1000);
    const listed = listEntries(entries).map((e, i) => (i === 500 ? { ...e, sizeBytes: 10_000_000 } : e));
    const { err, hashes } = await refusal(craftTar(entries, manifestWith({ ...zeroCounts, thumbnails: 1000 }), listed));
    expect(err).toBeInstanceOf(ArchiveError);
    expect((err as Error).message).toMatch(/truncated: its manifest declares \d+ bytes of entries/);
    expect(hashes).toBe(0);
  });
});
