import { openLibraryDb } from '../db/db';
import { compareNewestFirst } from '../core/timeline';
import type { AssetRecord, NewVectors } from '../core/records';
import type { ItemSummary } from '../core/item-summary';
import { AlbumsState } from './albums.svelte';
import { ClusterState } from './clusters.svelte';
import { Deletes } from './deletes.svelte';
import { DuplicatesState } from './duplicates.svelte';
import { ImportState } from './import.svelte';
import { LibraryItems } from './items.svelte';
import { Notices } from './notices.svelte';
import { PlacesState } from './places.svelte';
import { SearchState } from './search.svelte';
import { Selection } from './selection.svelte';
import { Session } from './session.svelte';
import { QualityCheckState } from './quality-check.svelte';
import { DeviceStorage } from './storage.svelte';
import { Thumbnails } from './thumbnails';
import { ZipExport } from './zip-export.svelte';

/** What one tab tells the others about changes made outside the import (which has its own channel). */
const LIBRARY_CHANNEL = 'shoebox:library';
type LibraryMessage = { kind: 'deleted'; ids: string[] } | { kind: 'restored'; ids: string[] } | { kind: 'clusters' } | { kind: 'albums' } | { kind: 'favourites' };

/**
 * Everything the page shows about the library, one part per concern. Components read the parts'
 * fields and call their methods; only state talks to the workers and the database. This class
 * starts the parts, carries what one part's change means for the others, and keeps other open
 * tabs in step.
 */
export class Library {
  readonly notices = new Notices();
  readonly storage = new DeviceStorage();
  readonly #thumbnails = new Thumbnails();
  readonly items = new LibraryItems(this.#thumbnails);
  /** Where items with a GPS position were taken, and the Places view. */
  readonly places = new PlacesState(this.items);
  /** Groups of similar media and their names. */
  readonly clusters: ClusterState = new ClusterState({
    thumbUrl: (id) => this.#thumbnails.url(id),
    member: (id) => this.items.get(id),
    announce: (text) => this.notices.announce(text),
    changed: () => this.#tell({ kind: 'clusters' }),
  });
  /** Duplicate groups in three tiers; deletes go through `deletes`, so undo works. */
  readonly duplicates: DuplicatesState = new DuplicatesState({
    thumbUrl: (id) => this.#thumbnails.url(id),
    assets: (ids) => this.items.records(ids),
    deleteAssets: (ids) => this.deletes.deleteAssets(ids),
    announce: (text) => this.notices.announce(text),
    similarMinCosine: () => this.session.similarMinCosine,
  });
  readonly session: Session = new Session({
    clusters: this.clusters,
    duplicates: this.duplicates,
    ingestStarting: () => this.imports.starting(),
    onIngest: (e) => this.imports.onEvent(e),
  });
  readonly search: SearchState = new SearchState(this.session, this.items, this.places);
  /** Settings → "Check search quality": measured on a labelled folder, never added to the library. */
  readonly quality: QualityCheckState = new QualityCheckState({
    session: this.session,
    announce: (text) => this.notices.announce(text),
    thresholdsChanged: () => {
      // Similar shots already shown were grouped at the old threshold; results shown were folded at the old cut-off.
      if (this.duplicates.status !== 'idle') void this.duplicates.refresh();
      if (this.search.active) void this.search.rerun();
    },
  });
  readonly imports: ImportState = new ImportState({
    session: this.session,
    notices: this.notices,
    storage: this.storage,
    stored: (ids, assets) => this.#stored(ids, assets),
    indexed: (ids, byWriter, vectors) => this.#indexed(ids, byWriter, vectors),
    settled: async () => {
      await this.items.showPending();
      void this.places.update();
      await this.search.rerun();
      await this.session.refreshIndexStatus();
    },
    caughtUp: () => this.#caughtUp(),
  });
  readonly deletes: Deletes = new Deletes({
    notices: this.notices,
    removed: (ids, goneIds) => this.#removed(ids, goneIds),
    restored: (ids) => this.#restored(ids),
    rerun: () => this.search.rerun(),
    itemName: (id) => this.items.get(id)?.name,
    storageFreed: () => void this.storage.refresh(),
  });

  /** The items picked for a bulk action, whichever grid shows them. */
  readonly selection = new Selection((text) => this.notices.announce(text));
  /** Albums and the Favourites view. */
  readonly albums: AlbumsState = new AlbumsState({
    item: (id) => this.items.get(id),
    thumbUrl: (id) => this.#thumbnails.url(id),
    favouriteIds: () => {
      const favourites: ItemSummary[] = [];
      for (const a of this.items.summaries('favourite')) favourites.push(a);
      return favourites.sort(compareNewestFirst).map((a) => a.id);
    },
    isFavourite: (id) => this.items.get(id)?.favourite === true,
    setFavourite: async (ids, on) => {
      await this.items.setFavourite(ids, on);
      this.#tell({ kind: 'favourites' });
    },
    announce: (text) => this.notices.announce(text),
    changed: () => this.#tell({ kind: 'albums' }),
  });

  /** "Export…" of the selection as a .zip of its originals. */
  readonly zipExport = new ZipExport((text) => this.notices.announce(text));

  #channel: BroadcastChannel | null = null;

  async start(): Promise<void> {
    const db = await openLibraryDb();
    this.#thumbnails.attach(db);
    this.items.attach(db);
    this.albums.attach(db);
    this.#listen();
    await this.session.readSettings(db);
    await this.deletes.readSettings(db);
    await this.items.reload();
    void this.albums.reload();
    void this.places.update();
    await this.imports.load(db);
    // After the library is on screen: nothing of it waits for storage to be tidied.
    void this.deletes.tidyStorage();
    void this.storage.refresh();
    await this.session.start({ libraryEmpty: this.items.count === 0 });
  }

  /** After a library archive was merged in: the new items join search, clusters and the page. */
  async reloadAfterImport(ids: string[]): Promise<void> {
    this.session.wantModel();
    this.#tell({ kind: 'restored', ids });
    await this.session.indexer?.addStored(ids);
    this.clusters.imported(ids);
    // Items whose archive came from another model wait for vectors of this one.
    void this.session.ingester?.indexWaiting();
    await this.items.reload();
    void this.albums.reload();
    void this.places.update();
    await this.search.rerun();
    void this.storage.refresh();
    void this.session.refreshIndexStatus();
  }

  /** Adds just-taken-in items to the page (and their names to search) without re-reading the whole library. */
  async #stored(ids: string[], assets?: AssetRecord[]): Promise<void> {
    // The writer's import hands the records over: neither the index nor the page reads them back.
    await (assets ? this.session.indexer?.addTaken(assets) : this.session.indexer?.addStored(ids));
    await this.items.added(ids, assets);
  }

  /** Items now have their vectors: they join search and clusters. */
  async #indexed(ids: string[], byWriter: boolean, vectors?: NewVectors[]): Promise<void> {
    // The writer's import hands its vectors over: the index need not read them back.
    await (vectors ? this.session.indexer?.addIndexed(vectors) : this.session.indexer?.addStored(ids));
    // The writer tab groups new items; the others read its clusters when it says they changed.
    // Items deleted since they were indexed are gone from the page: their vectors are not handed on.
    if (byWriter) this.clusters.added(ids, vectors?.filter((v) => this.items.has(v.embedding.id)));
  }

  /**
   * A writer tab closed and this one took over: the last items it stored may never have been
   * announced here (the tab went before its message did). Reads the items again; those new to this
   * page join the index and are grouped, after the clusters the old writer saved are read.
   */
  async #caughtUp(): Promise<void> {
    const known = new Set(this.items.ids());
    await this.items.reload();
    const missed = this.items.ids().filter((id) => !known.has(id));
    // A metadata pass may have found positions: their places follow.
    void this.places.update();
    if (missed.length) await this.session.indexer?.addStored(missed);
    this.clusters.caughtUp(missed);
    await this.search.rerun();
    void this.session.refreshIndexStatus();
  }

  async #removed(ids: string[], goneIds: string[]): Promise<void> {
    await this.session.indexer?.remove(ids);
    await this.session.ingester?.forget(ids);
    this.clusters.removed(ids);
    this.#tell({ kind: 'deleted', ids: goneIds });
    this.#dropFromView(new Set(goneIds));
    void this.session.refreshIndexStatus();
  }

  async #restored(ids: string[]): Promise<void> {
    await this.session.indexer?.restore(ids);
    this.clusters.added(ids);
    this.#tell({ kind: 'restored', ids });
    await this.items.reload();
    void this.albums.reload();
    void this.session.refreshIndexStatus();
  }

  /** Items gone from the library leave the counts and every list at once. */
  #dropFromView(gone: Set<string>): void {
    this.items.dropped(gone);
    this.search.dropped(gone);
    this.selection.dropped(gone);
    this.albums.dropped(gone);
  }

  // ---- other open tabs
  #listen(): void {
    if (typeof BroadcastChannel === 'undefined') return;
    this.#channel = new BroadcastChannel(LIBRARY_CHANNEL);
    this.#channel.onmessage = (e: MessageEvent<LibraryMessage>) => void this.#onOtherTab(e.data);
  }

  #tell(m: LibraryMessage): void {
    this.#channel?.postMessage(m);
  }

  /** Another tab deleted, restored or regrouped: this tab's index, counts and views follow. */
  async #onOtherTab(m: LibraryMessage): Promise<void> {
    if (m.kind === 'clusters') {
      this.clusters.reload();
      return;
    }
    if (m.kind === 'albums') {
      await this.albums.reload();
      return;
    }
    if (m.kind === 'favourites') {
      // Rare and small: the marks are read again with the items.
      await this.items.reload();
      await this.albums.reload();
      return;
    }
    if (m.kind === 'deleted') {
      await this.session.indexer?.remove(m.ids);
      this.#dropFromView(new Set(m.ids));
    } else {
      await this.session.indexer?.restore(m.ids);
      await this.items.reload();
      void this.albums.reload();
      await this.search.rerun();
    }
    void this.session.refreshIndexStatus();
  }
}
