import type { Db } from '../db/db';
import { getOriginal } from '../db/blob-store';
import { countAssets, getAssets, lineageOf, newestTakenAssets, setFavourite } from '../db/repo';
import type { AssetRecord, AssetType, LineageRecord } from '../db/schema';
import { itemSummaryOf, type ItemSummary, type SharedPlaces } from '../core/item-summary';
import { ItemSummaryTable } from '../core/item-summary-table';
import { itemSummaryColumnsInWorker } from '../clients/summaries';
import type { Moment } from '../core/moments';
import { newestAdded, timelineColumnsOf, timelineKeys } from '../core/timeline';
import { motionOriginalId } from '../core/live-photos';
import type { Thumbnails } from './thumbnails';
import { Timeline } from './timeline.svelte';

export interface ResultItem {
  id: string;
  name: string;
  type: AssetType;
  score: number | null;
  /** 1-based place among the results it was shown with, in relevance order. */
  rank?: number;
  nameMatch: boolean;
  thumbUrl: string;
  /** When it was taken (ms since the epoch): results sorted by date order and group by it. */
  takenAtMs: number;
  addedAt: number;
  nearDuplicateOf?: ItemSummary['nearDuplicateOf'];
  durationSec?: number;
  motion?: ItemSummary['motion'];
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
/**
 * A library larger than this shows its newest items before the rest is read: reading every record
 * takes about a second at 100,000 items, and the first screen of the largest window holds fewer.
 */
const FIRST_SCREEN_ITEMS = 300;
/** The rest of the library is read once the first screen's thumbnails are in, or after this long (a hidden tab paints nothing). */
const FIRST_SCREEN_WAIT_MS = 1000;

/**
 * The library's items as the page knows them: the count, "Recently added", and tiles for any item.
 * The page keeps a summary of each item (core/item-summary.ts), as the columns they arrived in
 * (core/item-summary-table.ts); `record` reads the full record.
 */
export class LibraryItems {
  count = $state(0);
  recent = $state.raw<ResultItem[]>([]);
  /** Every item, newest taken first. */
  readonly timeline = new Timeline();
  /** Bumped when favourite marks change, so views that read `get(id).favourite` update. */
  favouritesChanged = $state(0);
  /** Set once the items were first read, so an address naming an item can open it. */
  loaded = $state(false);

  #db: Db | null = null;
  #thumbnails: Thumbnails;
  #assets = new ItemSummaryTable();
  /** Places of the summaries, each once. */
  #places: SharedPlaces = new Map();
  #recentPending: string[] = [];
  #recentShownAt = -Infinity;
  #recentTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(thumbnails: Thumbnails) {
    this.#thumbnails = thumbnails;
  }

  attach(db: Db): void {
    this.#db = db;
  }

  get(id: string): ItemSummary | undefined {
    return this.#assets.get(id);
  }

  /** The item's full record, read from storage (undefined when it is not in the library). */
  async record(id: string): Promise<AssetRecord | undefined> {
    return (await this.records([id]))[0];
  }

  /** Full records of the items of `ids` still in the library, in one transaction, in the order asked. */
  async records(ids: readonly string[]): Promise<AssetRecord[]> {
    if (!this.#db) return [];
    const known = ids.filter((id) => this.#assets.has(id));
    return (await getAssets(this.#db, known)).filter((a): a is AssetRecord => !!a);
  }

  #summary(a: AssetRecord): ItemSummary {
    return itemSummaryOf(a, this.#places);
  }

  has(id: string): boolean {
    return this.#assets.has(id);
  }

  /** Every item's id, in no particular order. */
  ids(): string[] {
    return this.#assets.ids();
  }

  /**
   * Every item's summary (`only`: the favourites, or those with a GPS position), in no particular
   * order, made one at a time: keep only those needed (a summary kept for every item is what the
   * page's columns avoid).
   */
  summaries(only?: 'favourite' | 'hasPosition'): Iterable<ItemSummary> {
    return this.#assets.summaries(only);
  }

  /** Reads every item again (start, undo, another tab's restore, a merged archive). */
  async reload(): Promise<void> {
    if (!this.#db) return;
    if (!this.loaded) await this.#showFirstScreen(this.#db);
    this.#places = new Map();
    this.#assets = new ItemSummaryTable(await itemSummaryColumnsInWorker(), this.#places);
    const ordered = this.#assets.timeline();
    this.timeline.reset(ordered);
    this.count = await countAssets(this.#db);
    this.recent = await Promise.all(newestAdded(timelineKeys(ordered), ITEMS_PER_PAGE).map((a) => this.tile(a.id, null, false)));
    this.loaded = true;
  }

  /** A large library's newest items, on screen with their thumbnails, before the whole library is read. */
  async #showFirstScreen(db: Db): Promise<void> {
    const count = await countAssets(db);
    if (count <= FIRST_SCREEN_ITEMS) return;
    const newest = (await newestTakenAssets(db, FIRST_SCREEN_ITEMS)).map((a) => this.#summary(a));
    this.#assets = new ItemSummaryTable();
    for (const a of newest) this.#assets.set(a);
    this.timeline.reset(timelineColumnsOf(newest));
    this.count = count;
    const frame = () => new Promise<void>((resolve) => requestAnimationFrame(() => resolve()));
    const painted = async () => {
      // The grid lays out and its tiles ask for their thumbnails on the next frames.
      await frame();
      await frame();
      await this.#thumbnails.settled();
    };
    await Promise.race([painted(), new Promise((resolve) => setTimeout(resolve, FIRST_SCREEN_WAIT_MS))]);
  }

  /** Adds just-stored items without re-reading the whole library. */
  async added(ids: string[], records?: readonly AssetRecord[]): Promise<void> {
    if (!this.#db) return;
    const added = (records ?? (await getAssets(this.#db, ids))).filter((a): a is AssetRecord => !!a).map((a) => this.#summary(a));
    for (const a of added) this.#assets.set(a);
    this.count = this.#assets.size;
    this.timeline.added(added);
    this.#recentPending.push(...added.map((a) => a.id));
    // During a long import the grid shows a new set at most every RECENT_REFRESH_MS: the browser
    // keeps some memory for every distinct picture it has displayed, so showing each of 10,000
    // thumbnails in passing costs memory nobody looks at. The first batch shows at once.
    if (this.#recentTimer) return;
    if (performance.now() - this.#recentShownAt >= RECENT_REFRESH_MS) await this.#showRecent();
    else this.#recentTimer = setTimeout(() => void this.#showRecent(), RECENT_REFRESH_MS - (performance.now() - this.#recentShownAt));
  }

  /** Reads some items again after a background pass rewrote their records (their places). */
  async reread(ids: readonly string[]): Promise<void> {
    if (!this.#db || !ids.length) return;
    const tx = this.#db.transaction('assets');
    for (const a of await Promise.all(ids.map((id) => tx.store.get(id)))) if (a && this.#assets.has(a.id)) this.#assets.set(this.#summary(a));
  }

  /** Once an import settles, the timeline and "Recently added" show its last items without waiting for a timer. */
  async showPending(): Promise<void> {
    this.timeline.flush();
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
    this.timeline.dropped(gone);
    this.recent = this.recent.filter((r) => !gone.has(r.id));
  }

  async tile(id: string, score: number | null, nameMatch: boolean, moments?: Moment[]): Promise<ResultItem> {
    const a = this.#assets.get(id);
    return {
      id,
      name: a?.name ?? id,
      type: a?.type ?? 'image',
      takenAtMs: a?.takenAtMs ?? 0,
      addedAt: a?.addedAt ?? 0,
      score,
      nameMatch,
      thumbUrl: await this.#thumbnails.url(id),
      nearDuplicateOf: a?.nearDuplicateOf,
      durationSec: a?.durationSec,
      motion: a?.motion,
      moments,
    };
  }

  /** A tile's thumbnail, read when it comes on screen (see `Thumbnails.load`). */
  thumbnail(id: string, signal?: AbortSignal): Promise<string> {
    return this.#thumbnails.load(id, signal);
  }

  /** Marks or unmarks items as favourites; the stored records and this page change together. */
  async setFavourite(ids: readonly string[], favourite: boolean): Promise<void> {
    if (!this.#db) return;
    for (const a of await setFavourite(this.#db, ids, favourite)) this.#assets.set(this.#summary(a));
    this.favouritesChanged++;
  }

  /** The item's thumbnail ('' when it has none): the viewer shows it while the original decodes. */
  thumbUrl(id: string): Promise<string> {
    return this.#thumbnails.url(id);
  }

  /** The original file's bytes, null when they are not on this device (`a`: the item's record, read by the caller). */
  async original(a: AssetRecord): Promise<Blob | null> {
    if (!this.#db) return null;
    return (await getOriginal(this.#db, a.id, a.blobLocation)) ?? null;
  }

  /**
   * An object URL of a Live Photo's or Motion Photo's motion (a slice of the still's own file for a
   * Motion Photo); the caller revokes it. Typed video/mp4 either way: Chromium's demuxer reads a
   * QuickTime MOV as the ISO-BMFF file it is, while "video/quicktime" may be refused outright.
   */
  async motionUrl(a: AssetRecord): Promise<string | null> {
    const { id, motion: m } = a;
    if (!m || !this.#db) return null;
    const blob =
      m.kind === 'live'
        ? await getOriginal(this.#db, motionOriginalId(id), m.blobLocation)
        : (await getOriginal(this.#db, id, a.blobLocation))?.slice(m.offsetBytes, m.offsetBytes + m.sizeBytes);
    return blob ? URL.createObjectURL(blob.slice(0, blob.size, 'video/mp4')) : null;
  }

  /** What made the item's stored records: producer, model and parameters of each. */
  async lineage(id: string): Promise<LineageRecord[]> {
    return this.#db ? lineageOf(this.#db, id) : [];
  }

  /** The kept keyframes of a video (`a`: its record), for the strip under the player. */
  async frameStrip(a: AssetRecord): Promise<StripFrame[]> {
    if (a.type !== 'video' || !a.frameTimestampsSec) return [];
    return Promise.all(a.frameTimestampsSec.map(async (timestampSec, i) => ({ timestampSec, url: await this.#thumbnails.url(`${a.id}#${i}`) })));
  }
}
