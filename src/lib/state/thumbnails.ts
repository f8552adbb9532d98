import type { Db } from '../db/db';
import { getThumbnails } from '../db/repo';
import { LruCache } from '../core/lru';

/**
 * Thumbnails kept after their tiles left the screen: a screenful of the grid several times over,
 * so scrolling back shows them at once, while a scroll through 100,000 items holds no more.
 */
const THUMB_URL_CACHE = 1000;
/**
 * Requests gather this long before one read: a fast scroll shows each row for a frame or two, and
 * tiles gone before the read never touch the database (a few frames: fast scrolling shows
 * placeholders, a slow one hardly sees the wait).
 */
const BATCH_DELAY_MS = 50;

function dataUrl(blob: Blob): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(reader.result as string);
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(blob);
  });
}

interface Waiter {
  resolve: (url: string) => void;
  signal?: AbortSignal;
}

/**
 * Thumbnails loaded on demand, as data: URLs, a bounded number of them. Object URLs would pin
 * every thumbnail blob in the browser until revoked (a 10,000-photo import grew by ~27 MB per
 * 1,000), and revoking one an <img> still shows breaks it; a data: URL dropped from here lives
 * exactly as long as something displays it, so releasing a tile's thumbnail is dropping it from
 * the cache once newer ones push it out.
 */
export class Thumbnails {
  #urls = new LruCache<string, string>(THUMB_URL_CACHE);
  #waiting = new Map<string, Waiter[]>();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #db: Db | null = null;
  /** Reads under way, and who waits for none to be left (`settled`). */
  #reading = 0;
  #onSettled: Array<() => void> = [];

  attach(db: Db): void {
    this.#db = db;
  }

  /** '' when the item has no thumbnail (yet). Video keyframes are `${id}#${i}`. */
  url(id: string): Promise<string> {
    return this.load(id);
  }

  /**
   * The thumbnail of a tile about to show. Requests of one frame are read in one transaction;
   * one whose `signal` aborted before the read (its tile scrolled away) is skipped and resolves ''.
   */
  load(id: string, signal?: AbortSignal): Promise<string> {
    const cached = this.#urls.get(id);
    if (cached !== undefined) return Promise.resolve(cached);
    if (!this.#db) return Promise.resolve('');
    return new Promise((resolve) => {
      const list = this.#waiting.get(id);
      if (list) list.push({ resolve, signal });
      else this.#waiting.set(id, [{ resolve, signal }]);
      // A request that cannot be cancelled (a results page, a cluster card) is wanted for sure: read now.
      if (!signal) clearTimeout(this.#timer);
      if (!signal || this.#timer === undefined) this.#timer = setTimeout(() => void this.#flush(), signal ? BATCH_DELAY_MS : 0);
    });
  }

  /** Resolves once no thumbnail is waiting to be read or being read. */
  settled(): Promise<void> {
    if (!this.#busy) return Promise.resolve();
    return new Promise((resolve) => this.#onSettled.push(resolve));
  }

  get #busy(): boolean {
    return this.#reading > 0 || this.#waiting.size > 0;
  }

  async #flush(): Promise<void> {
    this.#reading++;
    try {
      await this.#read();
    } finally {
      this.#reading--;
      if (!this.#busy) for (const resolve of this.#onSettled.splice(0)) resolve();
    }
  }

  async #read(): Promise<void> {
    this.#timer = undefined;
    const batch = this.#waiting;
    this.#waiting = new Map();
    const ids: string[] = [];
    for (const [id, waiters] of batch) {
      if (waiters.some((w) => !w.signal?.aborted)) ids.push(id);
      else for (const w of waiters) w.resolve('');
    }
    if (!ids.length || !this.#db) return;
    let records: Awaited<ReturnType<typeof getThumbnails>>;
    try {
      records = await getThumbnails(this.#db, ids);
    } catch {
      records = [];
    }
    await Promise.all(
      ids.map(async (id, i) => {
        const t = records[i];
        const waiters = batch.get(id) ?? [];
        // Scrolled away while the read ran: not worth encoding.
        const wanted = waiters.some((w) => !w.signal?.aborted);
        const url = t && wanted ? await dataUrl(t.blob).catch(() => '') : '';
        if (url) this.#urls.set(id, url);
        for (const w of waiters) w.resolve(url);
      }),
    );
  }
}
