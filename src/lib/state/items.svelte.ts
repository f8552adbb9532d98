import type { Db } from '../db/db';
import { getOriginal } from '../db/blob-store';
import { countAssets, lineageOf, listAssets, setFavourite } from '../db/repo';
import type { AssetRecord, AssetType, LineageRecord } from '../db/schema';
import type { Moment } from '../core/moments';
import type { Thumbnails } from './thumbnails';

export interface ResultItem {
  id: string;
  name: string;
  type: AssetType;
  score: number | null;
  nameMatch: boolean;
  thumbUrl: string;
  nearDuplicateOf?: AssetRecord['nearDuplicateOf'];
  durationSec?: number;
  /** Videos: the best-matching moments for the current query, best first. */
  moments?: Moment[];
}

export interface StripFrame {
  timestampSec: number;
  url: string;
}

/** How many tiles one page of results or of "Recently added" shows. */
export const ITEMS_PER_PAGE = 60;
const RECENT_REFRESH_MS = 10_000;

/** The library's items as the page knows them: the count, "Recently added", and tiles for any item. */
export class LibraryItems {
  count = $state(0);
  recent = $state.raw<ResultItem[]>([]);
  /** Bumped when favourite marks change, so views that read `get(id).favourite` update. */
  favouritesChanged = $state(0);
  /** Set once the items were first read, so an address naming an item can open it. */
  loaded = $state(false);

  #db: Db | null = null;
  #thumbnails: Thumbnails;
  #assets = new Map<string, AssetRecord>();
  #recentPending: string[] = [];
  #recentShownAt = -Infinity;
  #recentTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(thumbnails: Thumbnails) {
    this.#thumbnails = thumbnails;
  }

  attach(db: Db): void {
    this.#db = db;
  }

  get(id: string): AssetRecord | undefined {
    return this.#assets.get(id);
  }

  has(id: string): boolean {
    return this.#assets.has(id);
  }

  /** Every item's id, in no particular order. */
  ids(): string[] {
    return [...this.#assets.keys()];
  }

  /** Reads every item again (start, undo, another tab's restore, a merged archive). */
  async reload(): Promise<void> {
    if (!this.#db) return;
    const assets = await listAssets(this.#db);
    this.#assets = new Map(assets.map((a) => [a.id, a]));
    this.count = await countAssets(this.#db);
    this.recent = await Promise.all(assets.slice(0, ITEMS_PER_PAGE).map((a) => this.tile(a.id, null, false)));
    this.loaded = true;
  }

  /** Adds just-stored items without re-reading the whole library. */
  async added(ids: string[]): Promise<void> {
    if (!this.#db) return;
    const tx = this.#db.transaction('assets');
    const added = (await Promise.all(ids.map((id) => tx.store.get(id)))).filter((a): a is AssetRecord => !!a);
    for (const a of added) this.#assets.set(a.id, a);
    this.count = this.#assets.size;
    this.#recentPending.push(...added.map((a) => a.id));
    // During a long import the grid shows a new set at most every RECENT_REFRESH_MS: the browser
    // keeps some memory for every distinct picture it has displayed, so showing each of 10,000
    // thumbnails in passing costs memory nobody looks at. The first batch shows at once.
    if (this.#recentTimer) return;
    if (performance.now() - this.#recentShownAt >= RECENT_REFRESH_MS) await this.#showRecent();
    else this.#recentTimer = setTimeout(() => void this.#showRecent(), RECENT_REFRESH_MS - (performance.now() - this.#recentShownAt));
  }

  /** Once an import settles, "Recently added" shows its last items without waiting for the timer. */
  async showPending(): Promise<void> {
    if (this.#recentPending.length) await this.#showRecent();
  }

  async #showRecent(): Promise<void> {
    clearTimeout(this.#recentTimer);
    this.#recentTimer = undefined;
    this.#recentShownAt = performance.now();
    const ids = this.#recentPending.reverse().slice(0, ITEMS_PER_PAGE);
    this.#recentPending = [];
    const items = await Promise.all(ids.filter((id) => this.#assets.has(id)).map((id) => this.tile(id, null, false)));
    this.recent = [...items, ...this.recent].slice(0, ITEMS_PER_PAGE);
  }

  /** Items gone from the library leave the count and "Recently added" at once. */
  dropped(gone: Set<string>): void {
    for (const id of gone) this.#assets.delete(id);
    this.count = this.#assets.size;
    this.recent = this.recent.filter((r) => !gone.has(r.id));
  }

  async tile(id: string, score: number | null, nameMatch: boolean, moments?: Moment[]): Promise<ResultItem> {
    const a = this.#assets.get(id);
    return {
      id,
      name: a?.name ?? id,
      type: a?.type ?? 'image',
      score,
      nameMatch,
      thumbUrl: await this.#thumbnails.url(id),
      nearDuplicateOf: a?.nearDuplicateOf,
      durationSec: a?.durationSec,
      moments,
    };
  }

  /** Marks or unmarks items as favourites; the stored records and this page change together. */
  async setFavourite(ids: readonly string[], favourite: boolean): Promise<void> {
    if (!this.#db) return;
    for (const a of await setFavourite(this.#db, ids, favourite)) this.#assets.set(a.id, a);
    this.favouritesChanged++;
  }

  /** The item's thumbnail ('' when it has none): the viewer shows it while the original decodes. */
  thumbUrl(id: string): Promise<string> {
    return this.#thumbnails.url(id);
  }

  /** An object URL of the original file; the caller revokes it. */
  async originalUrl(id: string): Promise<string | null> {
    const a = this.#assets.get(id);
    if (!a || !this.#db) return null;
    const blob = await getOriginal(this.#db, id, a.blobLocation);
    return blob ? URL.createObjectURL(blob) : null;
  }

  /** What made the item's stored records: producer, model and parameters of each. */
  async lineage(id: string): Promise<LineageRecord[]> {
    return this.#db ? lineageOf(this.#db, id) : [];
  }

  /** Every item's id, newest taken first (the timeline's order): the list an address-opened item walks. */
  idsByTakenAt(): string[] {
    return [...this.#assets.values()].sort((a, b) => b.takenAtMs - a.takenAtMs || (a.id < b.id ? -1 : 1)).map((a) => a.id);
  }

  /** The kept keyframes of a video, for the strip under the player. */
  async frameStrip(id: string): Promise<StripFrame[]> {
    const a = this.#assets.get(id);
    if (!a?.frameTimestampsSec) return [];
    return Promise.all(a.frameTimestampsSec.map(async (timestampSec, i) => ({ timestampSec, url: await this.#thumbnails.url(`${id}#${i}`) })));
  }
}
