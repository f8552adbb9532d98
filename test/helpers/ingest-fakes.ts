/**
 * Fakes for the import stage's ports (src/lib/ingest/ports.ts): photos as tiny PNG files whose
 * pixels a fake decoder makes up from their bytes, a fake model, Web Locks and a BroadcastChannel
 * shared by the "tabs" of one test, and a switch that makes IndexedDB writes fail like a full disk.
 */
import { afterAll, beforeAll, beforeEach } from 'vitest';
import type { Db } from '../../src/lib/db/db';
import type { JobRecord, JobStatus } from '../../src/lib/db/schema';
import { Importer } from '../../src/lib/ingest/importer';
import type { ModelState } from '../../src/lib/ingest/index-stage';
import { libraryStorage } from '../../src/lib/ingest/library-storage';
import type { DecodedStill, ImageEmbedder, IngestEvent, IngestStorage, LockManagerPort, StillDecoder, TabChannel, VideoDecoder } from '../../src/lib/ingest/ports';
import { DEFAULT_VIDEO_SETTINGS } from '../../src/lib/core/video-settings';
import { deferred } from '../../src/lib/core/concurrency';
import type { TabMessage } from '../../src/lib/ingest/tab-roles';

/** A PNG file of `width` × `height` (signature and header chunk only) whose content differs by `tag`. */
export function pngFile(name: string, tag = name, width = 64, height = 48): File {
  const head = new Uint8Array(8 + 25);
  head.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const view = new DataView(head.buffer);
  view.setUint32(8, 13);
  head.set([0x49, 0x48, 0x44, 0x52], 12); // IHDR
  view.setUint32(16, width);
  view.setUint32(20, height);
  head.set([8, 6, 0, 0, 0], 24);
  return new File([head, new TextEncoder().encode(tag)], name, { type: 'image/png' });
}

/** A file no photo decoder accepts. */
export const textFile = (name: string) => new File([new TextEncoder().encode(`not a photo: ${name}\n`)], name, { type: 'image/jpeg' });

/** Noise seeded by the file's bytes: different files get far-apart pHashes, the same file the same one. */
function noiseRgba(seedBytes: Uint8Array, sizePx: number): Uint8ClampedArray {
  let seed = 2166136261;
  for (const b of seedBytes) seed = Math.imul(seed ^ b, 16777619) >>> 0;
  const out = new Uint8ClampedArray(sizePx * sizePx * 4);
  for (let i = 0; i < out.length; i++) {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    out[i] = i % 4 === 3 ? 255 : seed >>> 24;
  }
  return out;
}

/** Decodes the PNGs of `pngFile` (size from the header, pixels made up); anything else fails to decode. */
export class FakeStills implements StillDecoder {
  decoded = 0;
  async decodeImage(blob: Blob): Promise<DecodedStill> {
    const bytes = new Uint8Array(await blob.arrayBuffer());
    if (bytes[0] !== 0x89) throw new Error('not decodable');
    this.decoded++;
    const view = new DataView(bytes.buffer);
    const width = view.getUint32(16);
    const height = view.getUint32(20);
    return {
      width,
      height,
      thumbnail: async (maxEdgePx) => ({ blob: new Blob([bytes.slice(0, 8)], { type: 'image/jpeg' }), width: Math.min(width, maxEdgePx), height: Math.min(height, maxEdgePx) }),
      thumbnailRgba: (sizePx) => noiseRgba(bytes, sizePx),
      centerCrop: (sizePx) => ({ data: noiseRgba(bytes, sizePx), width: sizePx, height: sizePx }),
      close: () => undefined,
    };
  }
  decodePoster(blob: Blob): Promise<DecodedStill> {
    return this.decodeImage(blob);
  }
}

/** A model with 4-dimensional vectors (mean of each channel, L2-normalised). `gate` can hold a forward pass. */
export class FakeEmbedder implements ImageEmbedder {
  images = 0;
  gate: ((images: number) => Promise<void>) | null = null;
  async modelInputSpec(): Promise<null> {
    return null;
  }
  async embedModelInputs(): Promise<Float32Array[]> {
    throw new Error('the fake model takes pixels only');
  }
  async embedImages(images: Array<{ data: Uint8ClampedArray }>): Promise<Float32Array[]> {
    await this.gate?.(images.length);
    this.images += images.length;
    return images.map(({ data }) => {
      const v = new Float32Array(4);
      for (let i = 0; i < data.length; i++) v[i % 4] += data[i];
      const norm = Math.hypot(...v);
      return v.map((x) => x / norm);
    });
  }
}

export const noVideo: VideoDecoder = {
  extract: () => Promise.reject(new Error('no video decoder in this test')),
};

/** Web Locks within one process: a lock is granted to one holder at a time, in request order. */
export class FakeLocks implements LockManagerPort {
  readonly #waiting = new Map<string, Array<() => void>>();

  async request<T>(name: string, options: { ifAvailable?: boolean }, callback: (lock: unknown) => Promise<T>): Promise<T> {
    const queue = this.#waiting.get(name);
    if (queue) {
      if (options.ifAvailable) return callback(null);
      await new Promise<void>((grant) => queue.push(grant));
    } else this.#waiting.set(name, []);
    try {
      return await callback({ name });
    } finally {
      const next = this.#waiting.get(name)!.shift();
      if (next) next();
      else this.#waiting.delete(name);
    }
  }
}

/** A BroadcastChannel among the tabs of one test: messages are cloned and arrive later, never to the sender. */
export class FakeBroadcast {
  readonly #listeners = new Set<(m: TabMessage) => void>();

  channel(): TabChannel<TabMessage> {
    let mine: ((m: TabMessage) => void) | null = null;
    return {
      post: (m) => {
        const copy = structuredClone(m);
        for (const listener of this.#listeners) if (listener !== mine) setTimeout(() => listener(copy));
      },
      listen: (onMessage) => {
        mine = onMessage;
        this.#listeners.add(onMessage);
      },
    };
  }
}

/** What one tab's page was told, with a way to wait for a particular event. */
export class PageEvents {
  readonly events: IngestEvent[] = [];
  #waiters: Array<{ test: (e: IngestEvent) => boolean; resolve: (e: IngestEvent) => void }> = [];

  readonly onEvent = (e: IngestEvent): void => {
    this.events.push(e);
    for (const w of [...this.#waiters]) {
      if (!w.test(e)) continue;
      this.#waiters.splice(this.#waiters.indexOf(w), 1);
      w.resolve(e);
    }
  };

  /** The next event (from now on) that passes `test`. */
  next<T extends IngestEvent['type']>(type: T, test: (e: Extract<IngestEvent, { type: T }>) => boolean = () => true): Promise<Extract<IngestEvent, { type: T }>> {
    return new Promise((resolve) =>
      this.#waiters.push({ test: (e) => e.type === type && test(e as Extract<IngestEvent, { type: T }>), resolve: resolve as (e: IngestEvent) => void }),
    );
  }

  ofType<T extends IngestEvent['type']>(type: T): Array<Extract<IngestEvent, { type: T }>> {
    return this.events.filter((e): e is Extract<IngestEvent, { type: T }> => e.type === type);
  }
}

export interface FakeTab {
  importer: Importer;
  page: PageEvents;
  embedder: FakeEmbedder;
  stills: FakeStills;
}

/**
 * One tab of the library: an importer over `db` with fakes, started (it knows whether it runs the
 * queue). Pass `embedder` to hold or fail forward passes from the very first one.
 */
export async function openTab(
  db: Db,
  shared: { locks: FakeLocks; broadcast: FakeBroadcast },
  {
    tabId,
    embedder = new FakeEmbedder(),
    modelState = 'ready',
    video = noVideo,
    storage = libraryStorage(db),
  }: { tabId?: string; embedder?: FakeEmbedder; modelState?: ModelState; video?: VideoDecoder; storage?: IngestStorage } = {},
): Promise<FakeTab> {
  const stills = new FakeStills();
  const page = new PageEvents();
  const importer = new Importer({
    storage,
    stills,
    locks: shared.locks,
    channel: shared.broadcast.channel(),
    clock: { nowMs: () => Date.now(), monotonicMs: () => performance.now() },
    ...(tabId ? { tabId } : {}),
  });
  await importer.start({ embedder, video, modelKey: 'fake-model', videoSettings: DEFAULT_VIDEO_SETTINGS, modelState, onEvent: page.onEvent });
  await importer.tabs.roleKnown;
  return { importer, page, embedder, stills };
}

/** Every job's status, by job name. */
export async function jobStatuses(db: Db): Promise<Record<string, JobStatus>> {
  const jobs: JobRecord[] = await db.getAll('jobs');
  return Object.fromEntries(jobs.map((j) => [j.name, j.status]).sort());
}

/** How many jobs have each status. */
export async function statusCounts(db: Db): Promise<Partial<Record<JobStatus, number>>> {
  const counts: Partial<Record<JobStatus, number>> = {};
  for (const j of (await db.getAll('jobs')) as JobRecord[]) counts[j.status] = (counts[j.status] ?? 0) + 1;
  return counts;
}

/**
 * Makes IndexedDB writes (put/add) throw `error()` while `failing(storeName)` says so, as the browser
 * does on a full disk; `refused` resolves at the first refusal. Call at the top level of a test
 * file: each test starts with writes working.
 */
export function failingWrites() {
  const originals = { put: IDBObjectStore.prototype.put, add: IDBObjectStore.prototype.add };
  const quotaExceeded = (): Error => new DOMException('The operation failed because it would cause the application to exceed its storage quota.', 'QuotaExceededError');
  const state = {
    failing: null as null | ((storeName: string) => boolean),
    error: quotaExceeded,
    refusedCount: 0,
    refused: deferred(),
  };
  beforeAll(() => {
    for (const m of ['put', 'add'] as const) {
      const write = originals[m];
      IDBObjectStore.prototype[m] = function (this: IDBObjectStore, ...args: Parameters<IDBObjectStore['put']>) {
        if (state.failing?.(this.name)) {
          state.refusedCount++;
          state.refused.resolve();
          throw state.error();
        }
        return write.apply(this, args);
      };
    }
  });
  beforeEach(() => {
    state.failing = null;
    state.error = quotaExceeded;
    state.refusedCount = 0;
    state.refused = deferred();
  });
  afterAll(() => {
    IDBObjectStore.prototype.put = originals.put;
    IDBObjectStore.prototype.add = originals.add;
  });
  return state;
}
