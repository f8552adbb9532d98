import 'fake-indexeddb/auto';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { libraryDbs } from '../../helpers/library-db';
import type { Db } from '../../../src/lib/db/db';
import type { AssetRecord } from '../../../src/lib/db/schema';
import { putOriginal } from '../../../src/lib/db/blob-store';
import { motionOriginalId } from '../../../src/lib/core/live-photos';
import { LibraryItems } from '../../../src/lib/state/items.svelte';
import { Viewer, type ViewerHost } from '../../../src/lib/state/viewer.svelte';
import type { Thumbnails } from '../../../src/lib/state/thumbnails';

// Without OPFS (Node), originals live in the `blobs` store.
const { open } = libraryDbs('viewer');

const base = { mime: 'image/jpeg', pHash: '0123456789abcdef', width: 4, height: 3, addedAt: 1, takenAtSource: 'file-modified', status: 'ready', blobLocation: 'idb' } as const;
const video: AssetRecord = { ...base, id: 'v', name: 'clip.mp4', type: 'video', mime: 'video/mp4', sha256: 'a'.repeat(64), sizeBytes: 9, takenAtMs: 3000, durationSec: 4, decoder: 'webcodecs', frameTimestampsSec: [0, 1.5, 3] };
const photo: AssetRecord = { ...base, id: 'p', name: 'IMG_1.jpg', type: 'image', sha256: 'c'.repeat(64), sizeBytes: 5, takenAtMs: 2000 };
const livePhoto: AssetRecord = {
  ...base,
  id: 'l',
  name: 'IMG_2.HEIC',
  type: 'image',
  sha256: 'd'.repeat(64),
  sizeBytes: 5,
  takenAtMs: 1000,
  motion: { kind: 'live', name: 'IMG_2.MOV', mime: 'video/quicktime', sizeBytes: 7, sha256: 'b'.repeat(64), durationSec: 2, blobLocation: 'idb' },
};

async function library(db: Db): Promise<LibraryItems> {
  for (const a of [video, photo, livePhoto]) {
    await db.put('assets', a);
    await putOriginal(db, a.id, new Blob([new Uint8Array(a.sizeBytes)]));
  }
  await putOriginal(db, motionOriginalId(livePhoto.id), new Blob([new Uint8Array(7)]));
  const thumbnails = { url: async (id: string) => `thumb:${id}` } as unknown as Thumbnails;
  const items = new LibraryItems(thumbnails);
  items.attach(db);
  await items.added([video.id, photo.id, livePhoto.id]);
  return items;
}

function viewerOf(items: LibraryItems): Viewer {
  const host = {
    items,
    deletes: {},
    clusters: { clusterOf: async () => null },
    search: { results: [], weakResults: [] },
    session: { ingesterReady: () => Promise.reject(new Error('no worker here')) },
  } as unknown as ViewerHost;
  return new Viewer(host);
}

/** Each read of full records from storage, by the ids it asked for. */
function countReads(items: LibraryItems): (id: string) => number {
  const reads = vi.spyOn(items, 'records');
  return (id) => reads.mock.calls.filter(([ids]) => ids.includes(id)).length;
}

describe('the viewer reads an item’s record once per opening', () => {
  beforeEach(() => {
    vi.stubGlobal('location', { hash: '', pathname: '/', search: '' });
    // Neighbouring photos are decoded ahead in an <img>.
    vi.stubGlobal(
      'Image',
      class {
        src = '';
        decode = async () => undefined;
      },
    );
  });
  afterEach(() => vi.unstubAllGlobals());

  it('a video: its original, its keyframe strip and the open info panel come from one read', async () => {
    const items = await library(await open());
    const readsOf = countReads(items);
    const viewer = viewerOf(items);
    viewer.toggleInfo();
    await viewer.open(video.id, [video.id]);

    await vi.waitFor(() => expect(viewer.strip.length).toBe(3));
    await vi.waitFor(() => expect(viewer.details).not.toBeNull());
    expect(viewer.originalUrl).toMatch(/^blob:/);
    expect(viewer.strip).toEqual([0, 1.5, 3].map((timestampSec, i) => ({ timestampSec, url: `thumb:v#${i}` })));
    expect(viewer.details?.record).toEqual(video);
    expect(readsOf(video.id)).toBe(1);
  });

  it('a Live Photo: its original and its motion come from one read; a photo has no strip', async () => {
    const items = await library(await open());
    const readsOf = countReads(items);
    const viewer = viewerOf(items);
    await viewer.open(livePhoto.id, [livePhoto.id]);

    await vi.waitFor(() => expect(viewer.motionUrl).toMatch(/^blob:/));
    expect(viewer.originalUrl).toMatch(/^blob:/);
    expect(viewer.strip).toEqual([]);
    expect(readsOf(livePhoto.id)).toBe(1);
  });

  it('a photo already read as a neighbour is shown without reading its record again', async () => {
    const items = await library(await open());
    const readsOf = countReads(items);
    const viewer = viewerOf(items);
    await viewer.open(video.id, [video.id, photo.id]);
    // The video's neighbour is read once it is on screen.
    await vi.waitFor(() => expect(readsOf(photo.id)).toBe(1));
    await viewer.next();

    expect(viewer.openId).toBe(photo.id);
    expect(viewer.originalUrl).toMatch(/^blob:/);
    expect(readsOf(photo.id)).toBe(1);
  });

  it('the info panel opened later shows the record as it is then (a favourite marked meanwhile)', async () => {
    const items = await library(await open());
    const viewer = viewerOf(items);
    await viewer.open(video.id, [video.id]);
    await vi.waitFor(() => expect(viewer.strip.length).toBe(3));
    await items.setFavourite([video.id], true);
    viewer.toggleInfo();

    await vi.waitFor(() => expect(viewer.details).not.toBeNull());
    expect(viewer.details?.record).toEqual({ ...video, favourite: true });
  });
});
