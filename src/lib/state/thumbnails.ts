import type { Db } from '../db/db';
import { getThumbnail } from '../db/repo';
import { LruCache } from '../core/lru';

/** Enough for every thumbnail on screen (results pages, clusters, duplicates) several times over. */
const THUMB_URL_CACHE = 2000;

function dataUrl(blob: Blob): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(reader.result as string);
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(blob);
  });
}

/**
 * Thumbnails as data: URLs, a bounded number of them. Object URLs would pin every thumbnail
 * blob in the browser until revoked (a 10,000-photo import grew by ~27 MB per 1,000), and
 * revoking one an <img> still shows breaks it; a data: URL dropped from here lives exactly as
 * long as something displays it.
 */
export class Thumbnails {
  #urls = new LruCache<string, string>(THUMB_URL_CACHE);
  #db: Db | null = null;

  attach(db: Db): void {
    this.#db = db;
  }

  /** '' when the item has no thumbnail (yet). Video keyframes are `${id}#${i}`. */
  async url(id: string): Promise<string> {
    let url = this.#urls.get(id);
    if (url === undefined && this.#db) {
      const t = await getThumbnail(this.#db, id);
      url = t ? await dataUrl(t.blob) : '';
      this.#urls.set(id, url);
    }
    return url ?? '';
  }
}
