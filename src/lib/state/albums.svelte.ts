import type { Db } from '../db/db';
import type { AlbumRecord } from '../db/schema';
import type { ItemSummary } from '../core/item-summary';
import { addToAlbum, albumItemIds, AlbumNameError, createAlbum, deleteAlbum, getAlbum, listAlbums, removeFromAlbum, renameAlbum, type AlbumSummary } from '../db/album-repo';
import { nameInText } from '../core/display-name';
import { plural } from '../core/plural';
import { favouriteTarget } from '../core/selection';

/** An album card of the Albums view. */
export interface AlbumCard extends AlbumSummary {
  /** '' for an empty album or one whose cover has no thumbnail. */
  coverUrl: string;
}

/** What albums need from the rest of the library. */
export interface AlbumsHost {
  /** An item's summary; the grid reads its thumbnail when it comes on screen. */
  item(id: string): ItemSummary | undefined;
  /** An album card's cover. */
  thumbUrl(id: string): Promise<string>;
  /** Favourite items, newest first. */
  favouriteIds(): string[];
  isFavourite(id: string): boolean;
  setFavourite(ids: readonly string[], favourite: boolean): Promise<void>;
  announce(text: string): void;
  /** Albums changed here: other tabs read them again. */
  changed(): void;
}

/**
 * Albums (named sets the user made) and the Favourites view. Membership lives in storage only;
 * deleting an item takes it out of its albums in the same transaction (db/repo.ts), and this state
 * just reads the albums again when items go or come back.
 */
export class AlbumsState {
  cards = $state.raw<AlbumCard[]>([]);
  /** The album open in the Albums view, and its items. */
  open = $state.raw<AlbumRecord | null>(null);
  items = $state.raw<ItemSummary[]>([]);
  favourites = $state.raw<ItemSummary[]>([]);
  error = $state('');

  #db: Db | null = null;
  #host: AlbumsHost;
  #seq = 0;

  constructor(host: AlbumsHost) {
    this.#host = host;
  }

  attach(db: Db): void {
    this.#db = db;
  }

  /** Reads the albums (and the open one's items) again: start, deletes, undo, another tab. */
  async reload(): Promise<void> {
    const db = this.#db;
    if (!db) return;
    const seq = ++this.#seq;
    const summaries = await listAlbums(db);
    const cards = await Promise.all(summaries.map(async (s) => ({ ...s, coverUrl: s.coverId ? await this.#host.thumbUrl(s.coverId) : '' })));
    const open = this.open ? ((await getAlbum(db, this.open.id)) ?? null) : null;
    const items = open ? this.#items(await albumItemIds(db, open.id)) : [];
    const favourites = this.#items(this.#host.favouriteIds());
    if (seq !== this.#seq) return;
    this.cards = cards;
    this.open = open;
    this.items = items;
    this.favourites = favourites;
  }

  /** Creates an album; null (with `error` set) when the name is empty. */
  async create(name: string): Promise<AlbumRecord | null> {
    if (!this.#db) return null;
    const album = await this.#named(() => createAlbum(this.#db!, name, Date.now()));
    if (album) await this.#changed(`Created the album ${nameInText(album.name)}`);
    return album;
  }

  async rename(id: string, name: string): Promise<boolean> {
    if (!this.#db) return false;
    const album = await this.#named(() => renameAlbum(this.#db!, id, name, Date.now()));
    if (album) await this.#changed(`Renamed the album to ${nameInText(album.name)}`);
    return !!album;
  }

  /** Deletes the album only: its photos and videos stay in the library. */
  async remove(id: string): Promise<void> {
    if (!this.#db) return;
    const name = this.cards.find((c) => c.id === id)?.name ?? this.open?.name ?? '';
    await deleteAlbum(this.#db, id);
    if (this.open?.id === id) this.open = null;
    await this.#changed(`Deleted the album ${nameInText(name)}; its photos and videos stay in your library`);
  }

  async add(albumId: string, ids: readonly string[]): Promise<number> {
    if (!this.#db) return 0;
    const added = await addToAlbum(this.#db, albumId, ids, Date.now());
    const name = this.cards.find((c) => c.id === albumId)?.name ?? (await getAlbum(this.#db, albumId))?.name ?? '';
    await this.#changed(`Added ${plural(added, 'item', 'items')} to ${nameInText(name)}`);
    return added;
  }

  /** Takes items out of an album; they stay in the library. */
  async removeItems(albumId: string, ids: readonly string[]): Promise<number> {
    if (!this.#db) return 0;
    const removed = await removeFromAlbum(this.#db, albumId, ids, Date.now());
    await this.#changed(`Removed ${plural(removed, 'item', 'items')} from the album`);
    return removed;
  }

  async openAlbum(id: string | null): Promise<void> {
    this.error = '';
    this.open = id ? (this.cards.find((c) => c.id === id) ?? null) : null;
    this.items = [];
    await this.reload();
  }

  /** Lists the favourite items (the Favourites view). */
  async showFavourites(): Promise<void> {
    const seq = ++this.#seq;
    const items = this.#items(this.#host.favouriteIds());
    if (seq === this.#seq) this.favourites = items;
  }

  /**
   * "Favourite" on a selection: marks them all, or, when every one already is, unmarks them all.
   * Returns whether they are favourites now.
   */
  async favourite(ids: readonly string[]): Promise<boolean> {
    const on = favouriteTarget(ids.map((id) => this.#host.isFavourite(id)));
    await this.#host.setFavourite(ids, on);
    await this.showFavourites();
    this.#host.announce(on ? `Marked ${plural(ids.length, 'item', 'items')} as favourites` : `Removed ${plural(ids.length, 'item', 'items')} from favourites`);
    return on;
  }

  /** Items deleted here or in another tab: gone from every list at once, then the counts are read again. */
  dropped(gone: ReadonlySet<string>): void {
    this.items = this.items.filter((i) => !gone.has(i.id));
    this.favourites = this.favourites.filter((i) => !gone.has(i.id));
    void this.reload();
  }

  /** The records of those items still in the library. */
  #items(ids: readonly string[]): ItemSummary[] {
    return ids.map((id) => this.#host.item(id)).filter((a): a is ItemSummary => a !== undefined);
  }

  async #named<T>(run: () => Promise<T>): Promise<T | null> {
    this.error = '';
    try {
      return await run();
    } catch (err) {
      if (err instanceof AlbumNameError) {
        this.error = err.message;
        return null;
      }
      throw err;
    }
  }

  async #changed(announcement: string): Promise<void> {
    this.#host.changed();
    await this.reload();
    this.#host.announce(announcement);
  }
}
