import 'fake-indexeddb/auto';
import { describe, expect, it, vi } from 'vitest';
import { libraryDbs } from '../../helpers/library-db';
import { FakeBroadcast, FakeEmbedder, FakeLocks, openTab, pngFile, statusCounts } from '../../helpers/ingest-fakes';
import { countUnindexed, deleteAssetRecords } from '../../../src/lib/db/repo';
import type { ExtractOptions, ExtractedVideo, VideoDecoder } from '../../../src/lib/ingest/ports';
import type { AssetRecord, EmbeddingRecord } from '../../../src/lib/db/schema';
import { libraryStorage } from '../../../src/lib/ingest/library-storage';

/** An MP4 by its header (the fake decoder does not read the rest). */
const mp4File = (name: string) => new File([new Uint8Array([0, 0, 0, 16]), new TextEncoder().encode(`ftypisom${name}`)], name, { type: 'video/mp4' });

/** Keyframes at `timesSec` (what the next call returns), each a flat colour by its time. */
class FakeVideo implements VideoDecoder {
  timesSec = [0.5, 2];
  readonly calls: ExtractOptions[] = [];
  async extract(_blob: Blob, options: ExtractOptions): Promise<ExtractedVideo> {
    this.calls.push(options);
    return {
      durationSec: 3, width: 64, height: 48, decoder: 'webcodecs', candidateCount: 4, skippedBlank: 0, decodeMs: 0, filterMs: 0,
      poster: { blob: pngFile('poster.png'), width: 64, height: 48 },
      frames: this.timesSec.map((t) => ({
        timestampSec: t,
        pixels: { data: new Uint8ClampedArray(options.modelInputPx ** 2 * 4).fill(t * 100), width: options.modelInputPx, height: options.modelInputPx },
        thumbnail: pngFile(`frame-${t}.png`),
      })),
    };
  }
}

const dbs = libraryDbs('index-stage');
const shared = () => ({ locks: new FakeLocks(), broadcast: new FakeBroadcast() });
const photos = (n: number, prefix = 'photo') => Array.from({ length: n }, (_, i) => pngFile(`${prefix}-${String(i).padStart(2, '0')}.png`));

describe('two stages: taken in, then indexed', () => {
  it('with the model loaded, every photo is decoded once and its model input goes straight to the model', async () => {
    const db = await dbs.open();
    const tab = await openTab(db, shared());
    await tab.importer.enqueue(photos(20).map((file) => ({ file })));
    await tab.importer.whenIdle();
    expect(tab.stills.decoded).toBe(20);
    expect(tab.embedder.images).toBe(20);
    expect(await countUnindexed(db, 'fake-model')).toBe(0);
    const last = tab.page.ofType('progress').at(-1)!;
    expect([last.done, last.total, last.modelMissing]).toEqual([20, 20, undefined]);
    await vi.waitFor(() => expect(tab.page.ofType('waiting').at(-1)).toEqual({ type: 'waiting', count: 0, state: 'indexing' }));
  });

  it('a photo’s stored file is read once for its checks, digest and metadata, and once more only by the decoder', async () => {
    const db = await dbs.open();
    const storage = libraryStorage(db);
    const get = storage.originals.get;
    // Every request for the bytes of a stored original (or of a part of it) goes to the browser's storage.
    let reads = 0;
    const counted = (blob: Blob): Blob => {
      const arrayBuffer = blob.arrayBuffer.bind(blob);
      const slice = blob.slice.bind(blob);
      blob.arrayBuffer = () => (reads++, arrayBuffer());
      blob.slice = (...args) => counted(slice(...args));
      return blob;
    };
    storage.originals.get = async (id, location) => {
      const blob = await get(id, location);
      return blob && counted(blob);
    };
    const tab = await openTab(db, shared(), { storage });
    await tab.importer.enqueue(photos(10).map((file) => ({ file })));
    await tab.importer.whenIdle();
    expect(tab.stills.decoded).toBe(10);
    expect(await countUnindexed(db, 'fake-model')).toBe(0);
    // Once for its checks, digest and metadata, once by the decoder.
    expect(reads).toBe(20);
  });

  it('the next batch reaches the model while the one before it is still there: two in flight at most, every vector stored', async () => {
    const db = await dbs.open();
    const embedder = new FakeEmbedder();
    let inModel = 0;
    let mostInModel = 0;
    const held: Array<() => void> = [];
    let holding = true;
    embedder.gate = async () => {
      inModel++;
      mostInModel = Math.max(mostInModel, inModel);
      if (holding) await new Promise<void>((release) => held.push(release));
      else await Promise.resolve();
      inModel--;
    };
    const tab = await openTab(db, shared(), { embedder });
    await tab.importer.enqueue(photos(40).map((file) => ({ file })));
    // The first forward pass is held: the second batch is sent meanwhile, not stored before it returns.
    await vi.waitFor(() => expect(held).toHaveLength(2));
    expect(await db.count('embeddings')).toBe(0);
    holding = false;
    for (const release of held) release();
    await tab.importer.whenIdle();
    expect(mostInModel).toBe(2);
    expect(embedder.images).toBe(40);
    expect(await countUnindexed(db, 'fake-model')).toBe(0);
    expect(new Set(tab.page.ofType('indexed').flatMap((e) => e.ids)).size).toBe(40);
  });

  it('the writer’s page gets each batch’s records with the news that it is taken in, and its vectors with the news that it is indexed; other tabs get the ids and read them', async () => {
    const name = dbs.uniqueName();
    const tabs = shared();
    const writer = await openTab(await dbs.open(name), tabs, { tabId: 'writer-tab' });
    const follower = await openTab(await dbs.open(name), tabs, { tabId: 'follower-tab' });
    await writer.importer.enqueue(photos(12).map((file) => ({ file })));
    await writer.importer.whenIdle();
    const db = await dbs.open(name);
    const stored = new Map(((await db.getAll('embeddings')) as EmbeddingRecord[]).map((e) => [e.id, e]));
    expect(stored.size).toBe(12);

    const news = writer.page.ofType('indexed');
    expect(news.flatMap((e) => e.ids).sort()).toEqual([...stored.keys()].sort());
    for (const e of news) {
      expect(e.vectors?.map((v) => v.embedding.id)).toEqual(e.ids);
      for (const v of e.vectors ?? []) {
        expect(v.embedding).toEqual(stored.get(v.embedding.id));
        expect(v.frames).toEqual([]);
      }
    }
    const assets = new Map(((await db.getAll('assets')) as AssetRecord[]).map((a) => [a.id, a]));
    const taken = writer.page.ofType('stored');
    expect(taken.flatMap((e) => e.ids).sort()).toEqual([...assets.keys()].sort());
    for (const e of taken) expect(e.assets).toEqual(e.ids.map((id) => assets.get(id)));

    await vi.waitFor(() => expect(follower.page.ofType('indexed').flatMap((e) => e.ids)).toHaveLength(12));
    expect(follower.page.ofType('indexed').every((e) => e.vectors === undefined)).toBe(true);
    expect(follower.page.ofType('stored').flatMap((e) => e.ids)).toHaveLength(12);
    expect(follower.page.ofType('stored').every((e) => e.assets === undefined)).toBe(true);
  });

  it('when the model cannot be loaded, photos are added without vectors and nothing fails; once it loads they are indexed by themselves', async () => {
    const db = await dbs.open();
    const tab = await openTab(db, shared(), { modelState: 'unavailable' });
    const idle = tab.page.next('idle');
    await tab.importer.enqueue(photos(11).map((file) => ({ file })));
    await tab.importer.whenIdle();
    await idle;
    expect(await statusCounts(db)).toEqual({ stored: 11 });
    expect([await db.count('assets'), await db.count('embeddings')]).toEqual([11, 0]);
    expect(tab.page.ofType('stored').flatMap((e) => e.ids)).toHaveLength(11);
    expect(tab.page.ofType('job')).toEqual([]);
    expect(tab.page.ofType('paused')).toEqual([]);
    const last = tab.page.ofType('progress').at(-1)!;
    expect([last.done, last.total, last.modelMissing]).toEqual([11, 11, true]);
    await vi.waitFor(() => expect(tab.page.ofType('waiting').at(-1)).toEqual({ type: 'waiting', count: 11, state: 'waiting-for-model' }));
    expect(tab.embedder.images).toBe(0);

    tab.importer.modelState('ready');
    await vi.waitFor(async () => expect(await db.count('embeddings')).toBe(11));
    await tab.importer.whenIdle();
    // Read again from the stored originals: a second decode for the items that waited.
    expect(tab.stills.decoded).toBe(22);
    expect(new Set(tab.page.ofType('indexed').flatMap((e) => e.ids)).size).toBe(11);
    await vi.waitFor(() => expect(tab.page.ofType('waiting').at(-1)).toEqual({ type: 'waiting', count: 0, state: 'indexing' }));
  });

  it('the model fails to load while items wait for it: they count as added, the import ends, no file fails', async () => {
    const db = await dbs.open();
    const tab = await openTab(db, shared(), { modelState: 'loading' });
    const idle = tab.page.next('idle');
    await tab.importer.enqueue(photos(5).map((file) => ({ file })));
    await tab.importer.whenIdle();
    // Taken in, waiting for the model: the import is not over yet.
    expect(await db.count('assets')).toBe(5);
    expect(tab.page.ofType('idle')).toEqual([]);
    tab.importer.modelState('unavailable');
    await idle;
    const last = tab.page.ofType('progress').at(-1)!;
    expect([last.done, last.total, last.modelMissing]).toEqual([5, 5, true]);
    expect(tab.page.ofType('job')).toEqual([]);
    expect(tab.embedder.images).toBe(0);
  });

  it('items that waited across a reload are indexed by the next start; a deleted one is skipped and never gets a vector', async () => {
    const name = dbs.uniqueName();
    const db = await dbs.open(name);
    const first = await openTab(db, shared(), { modelState: 'unavailable' });
    await first.importer.enqueue(photos(5).map((file) => ({ file })));
    await first.importer.whenIdle();
    first.importer.tabs.close();
    const [gone] = (await db.getAll('assets')).map((a) => a.id);
    await deleteAssetRecords(db, [gone], Date.now(), 8000);

    const next = await openTab(await dbs.open(name), shared(), { modelState: 'loading' });
    expect(next.embedder.images).toBe(0);
    next.importer.modelState('ready');
    await vi.waitFor(async () => expect(await db.count('embeddings')).toBe(4));
    await next.importer.whenIdle();
    expect(await db.get('embeddings', gone)).toBeUndefined();
    expect(await countUnindexed(db, 'fake-model')).toBe(0);
  });
});

describe('a video that waited for the model', () => {
  it('gets its kept keyframes again from the same decoder; a keyframe not found again is read from its kept thumbnail', async () => {
    const db = await dbs.open();
    const video = new FakeVideo();
    const tab = await openTab(db, shared(), { modelState: 'unavailable', video });
    await tab.importer.enqueue([{ file: mp4File('clip.mp4') }]);
    await tab.importer.whenIdle();
    expect([await db.count('assets'), await db.count('embeddings'), await db.count('frameEmbeddings')]).toEqual([1, 0, 0]);
    const decodedAtTakeIn = tab.stills.decoded;

    // This time the decoder finds only the first keyframe again.
    video.timesSec = [0.5];
    tab.importer.modelState('ready');
    await vi.waitFor(async () => expect(await db.count('embeddings')).toBe(1));
    await tab.importer.whenIdle();
    expect(video.calls.at(-1)).toMatchObject({ decoder: 'webcodecs', modelInputPx: 224 });
    const frames = (await db.getAll('frameEmbeddings')).sort((a, b) => a.frameIndex - b.frameIndex);
    expect(frames.map((f) => [f.frameIndex, f.timestampSec, f.modelId])).toEqual([[0, 0.5, 'fake-model'], [1, 2, 'fake-model']]);
    // One still decoded again: the second keyframe's thumbnail.
    expect(tab.stills.decoded - decodedAtTakeIn).toBe(1);
    expect(tab.embedder.images).toBe(2);
  });
});
