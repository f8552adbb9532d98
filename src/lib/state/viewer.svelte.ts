import type { AssetRecord } from '../db/schema';
import type { ItemSummary } from '../core/item-summary';
import type { Moment } from '../core/moments';
import { afterRemoval, lineageLines, stepFrom, type LineageLine } from '../core/item-info';
import { itemHash, itemIdFromHash } from '../core/item-address';
import { nameInText } from '../core/display-name';
import { SNIFF_BYTES, sniffFileKind } from '../core/file-kind';
import { LruCache } from '../core/lru';
import type { ClusterState } from './clusters.svelte';
import type { Deletes } from './deletes.svelte';
import type { LibraryItems, ResultItem, StripFrame } from './items.svelte';

/** What the viewer needs from the rest of the library. */
export interface ViewerHost {
  items: LibraryItems;
  deletes: Deletes;
  clusters: ClusterState;
  /** The current search's tiles: a video's best-matching moments are marked on the viewer's seek bar. */
  search: { results: ResultItem[]; weakResults: ResultItem[] };
  /** Decodes in a worker what the page cannot (HEIC): a JPEG copy at screen size. */
  session: { ingesterReady(): Promise<{ screenCopy(blob: Blob, maxEdgePx: number): Promise<Blob> }> };
}

/** Long edge of a screen copy: the screen's device pixels, within what a canvas reliably holds. */
function screenEdgePx(): number {
  const dpr = typeof devicePixelRatio === 'number' ? devicePixelRatio : 1;
  const edge = typeof screen === 'undefined' ? 2048 : Math.max(screen.width, screen.height) * dpr;
  return Math.min(4096, Math.max(1024, Math.ceil(edge)));
}

/** HEIC/HEIF decodes only in Safari: elsewhere the viewer shows a copy made in a worker, without trying first. */
async function isHeic(blob: Blob): Promise<boolean> {
  const kind = sniffFileKind(new Uint8Array(await blob.slice(0, SNIFF_BYTES).arrayBuffer()));
  return kind.kind === 'image' && kind.format === 'heic';
}

/** The info panel's facts, read from storage when it opens: the page keeps only the item's summary. */
export interface ItemDetails {
  id: string;
  record: AssetRecord;
  clusterName: string | null;
  lineage: LineageLine[];
}

/** The original's object URL: `undefined` while it is read, `null` when the file is not on this device. */
export type OriginalUrl = string | null | undefined;

/**
 * The full-window viewer: which item is open, the list ←/→ walk through, the originals it holds
 * as object URLs (the open item and its neighbours, preloaded and decoded; any other is revoked at
 * once, as each can hold a whole photo's bytes), and the page address that names the open item so
 * Back closes it.
 */
export class Viewer {
  openId = $state<string | null>(null);
  listIds = $state.raw<string[]>([]);
  /** Videos: where playback starts (a search moment), in seconds. */
  startAtSec = $state<number | undefined>(undefined);
  thumbUrl = $state('');
  originalUrl = $state<OriginalUrl>(undefined);
  strip = $state.raw<StripFrame[]>([]);
  /** A Live Photo's or Motion Photo's motion as an object URL, once read; null otherwise. */
  motionUrl = $state<string | null>(null);
  infoOpen = $state(false);
  details = $state.raw<ItemDetails | null>(null);
  /**
   * What a screen reader hears after a change inside the viewer (the page's own live region is
   * inert behind the modal dialog): the new item and its place when moving, a favourite mark.
   */
  announcement = $state('');
  /** The item the viewer deleted last, and where it was in the list, while Undo can bring it back. */
  lastDeleted = $state.raw<{ id: string; name: string; index: number } | null>(null);
  /**
   * The item shown last when the viewer closed (after ←/→ not the one it was opened on): its tile
   * gets the focus back. A new object each time, so a grid sees every close.
   */
  closedOn = $state.raw<{ id: string; openedOn: string; claimed: boolean } | null>(null);
  /** The item the viewer was opened on (before any ←/→). */
  #openedOn = '';

  #host: ViewerHost;
  #urls = new Map<string, Promise<string | null>>();
  /**
   * Screen copies of HEIC photos already made, by item: walking back and forth does not decode a
   * 12-megapixel HEIC again (about a second each in the worker). A few hundred KB to a few MB each.
   */
  #screenCopies = new LruCache<string, Blob>(8);
  /** Neighbours decoded ahead, so ←/→ show the full picture at once. Dropped with their URLs. */
  #decoded = new Map<string, HTMLImageElement>();
  #seq = 0;
  /** Whether opening added a history entry, which closing then goes back over. */
  #pushed = false;
  /** Going back is asynchronous: an item opened meanwhile waits for it, or its entry would be the one undone. */
  #goingBack: Promise<void> | null = null;

  constructor(host: ViewerHost) {
    this.#host = host;
  }

  get asset(): ItemSummary | undefined {
    // Favourite marks replace summaries in place, and deletes (here or in another tab) change the
    // count: these reads make the getter follow both.
    void this.#host.items.favouritesChanged;
    void this.#host.items.count;
    return this.openId ? this.#host.items.get(this.openId) : undefined;
  }

  get favourite(): boolean {
    return !!this.asset?.favourite;
  }

  /** The open item's index in the list, found once per change: a timeline's list can hold 100,000 ids. */
  #index = $derived(this.openId ? this.listIds.indexOf(this.openId) : -1);

  get previousId(): string | null {
    return this.#index > 0 ? this.listIds[this.#index - 1] : null;
  }

  get nextId(): string | null {
    return this.#index >= 0 ? (this.listIds[this.#index + 1] ?? null) : null;
  }

  /** Position in the list, 1-based, and its length: "3 of 12". */
  get position(): { at: number; of: number } {
    return { at: this.#index + 1, of: this.listIds.length };
  }

  /** The open video's best-matching moments in the current search, in time order. */
  get moments(): Moment[] {
    const id = this.openId;
    if (!id) return [];
    const { results, weakResults } = this.#host.search;
    const tile = results.find((r) => r.id === id) ?? weakResults.find((r) => r.id === id);
    return [...(tile?.moments ?? [])].sort((a, b) => a.timestampSec - b.timestampSec);
  }

  /** Opens `id`, walking `listIds` (the list it was opened from) with ←/→; a video starts at `atSec`. */
  async open(id: string, listIds: readonly string[], atSec?: number): Promise<void> {
    if (this.#goingBack) await this.#goingBack;
    const list = listIds.includes(id) ? [...listIds] : [id, ...listIds];
    this.listIds = list;
    this.lastDeleted = null;
    if (!this.openId) this.#openedOn = id;
    if (!this.openId && typeof history !== 'undefined') {
      // Going back over this entry when the viewer closes must not put back the page's scroll
      // position of the moment it opened: the grid scrolls to the item shown last.
      history.scrollRestoration = 'manual';
      history.pushState(history.state, '', itemHash(id));
      this.#pushed = true;
    }
    await this.#show(id, atSec);
  }

  async previous(): Promise<void> {
    if (this.previousId) await this.#moveTo(this.previousId);
  }

  async next(): Promise<void> {
    if (this.nextId) await this.#moveTo(this.nextId);
  }

  async #moveTo(id: string): Promise<void> {
    const shown = this.#show(id);
    this.#announcePlace();
    await shown;
  }

  #announcePlace(prefix = ''): void {
    const name = this.asset?.name;
    if (!name) return;
    const { at, of } = this.position;
    this.announcement = `${prefix}${nameInText(name)}, ${at} of ${of}`;
  }

  /** Closes the viewer. Opened by a click, it goes back over its history entry, so Back does not open it again. */
  close(): void {
    if (!this.openId) return;
    this.#shut();
    if (this.#pushed) {
      this.#pushed = false;
      this.#goingBack = new Promise<void>((done) => {
        const finish = () => {
          history.scrollRestoration = 'auto';
          removeEventListener('popstate', finish);
          clearTimeout(timer);
          this.#goingBack = null;
          done();
        };
        const timer = setTimeout(finish, 1000);
        addEventListener('popstate', finish);
      });
      history.back();
    } else if (itemIdFromHash(location.hash)) {
      history.replaceState(history.state, '', location.pathname + location.search);
    }
  }

  /** Deletes the open item (Undo in the viewer and the page's toast bring it back) and shows the next one. */
  async deleteCurrent(): Promise<void> {
    const id = this.openId;
    const asset = this.asset;
    if (!id || !asset) return;
    const index = this.listIds.indexOf(id);
    const { listIds, nextId } = afterRemoval(this.listIds, id);
    // The next item is open before the records go, so the viewer never shows an item that is gone.
    this.listIds = listIds;
    const shown = nextId ? this.#show(nextId) : null;
    if (nextId) this.#announcePlace(`Deleted ${nameInText(asset.name)}. Now showing `);
    else this.close();
    await this.#host.deletes.deleteAssets([id]);
    if (!shown) return;
    await shown;
    if (this.openId === nextId) this.lastDeleted = { id, name: asset.name, index };
  }

  /** Undoes the viewer's last delete and shows that item again, in its place in the list. */
  async undoDelete(): Promise<void> {
    const gone = this.lastDeleted;
    if (!gone || !this.#host.deletes.pending?.ids.includes(gone.id)) return;
    await this.#host.deletes.undo();
    if (!this.#host.items.has(gone.id) || !this.openId) return;
    const list = [...this.listIds];
    list.splice(Math.min(gone.index, list.length), 0, gone.id);
    this.listIds = list;
    await this.#moveTo(gone.id);
  }

  /** Whether the viewer's Undo still applies (the page's toast may have been used or timed out). */
  get canUndo(): boolean {
    const gone = this.lastDeleted;
    return !!gone && !!this.#host.deletes.pending?.ids.includes(gone.id);
  }

  async toggleFavourite(): Promise<void> {
    const asset = this.asset;
    if (!asset) return;
    const favourite = !this.favourite;
    await this.#host.items.setFavourite([asset.id], favourite);
    this.announcement = `${nameInText(asset.name)} ${favourite ? 'marked as a favourite' : 'is no longer a favourite'}`;
  }

  toggleInfo(): void {
    this.infoOpen = !this.infoOpen;
    if (this.infoOpen && this.openId) void this.#loadDetails(this.openId);
  }

  /**
   * Keeps the viewer in step with the page address: Back (or Forward) to an address without an
   * item closes it, one naming a known item opens it. Returns the listener's remover.
   */
  followAddress(): () => void {
    const onPop = () => void this.openFromAddress();
    addEventListener('popstate', onPop);
    return () => removeEventListener('popstate', onPop);
  }

  /** Opens the item the address names (a reload, a shared link, Forward), walking the timeline's order. */
  async openFromAddress(): Promise<void> {
    const id = itemIdFromHash(location.hash);
    if (!id) {
      // Back closed the viewer: the page's own entry restores its scroll again on later visits.
      if (this.#pushed) history.scrollRestoration = 'auto';
      this.#pushed = false;
      if (this.openId) this.#shut();
      return;
    }
    if (id === this.openId || !this.#host.items.has(id)) return;
    if (!this.openId) {
      this.#openedOn = id;
      this.#pushed = false;
      this.lastDeleted = null;
      this.listIds = this.listIds.includes(id) ? this.listIds : [...this.#host.items.timeline.ids];
    }
    await this.#show(id);
  }

  async #show(id: string, atSec?: number): Promise<void> {
    const seq = ++this.#seq;
    this.openId = id;
    this.startAtSec = atSec;
    this.lastDeleted = null;
    this.details = null;
    this.originalUrl = undefined;
    this.thumbUrl = '';
    this.strip = [];
    this.#dropMotion();
    if (this.#pushed || itemIdFromHash(location.hash)) history.replaceState(history.state, '', itemHash(id));
    // One read of the item's record serves the original, the motion, the keyframe strip and an
    // open info panel, and it is made only when one of them needs it (a preloaded photo needs none).
    let recordRead: Promise<AssetRecord | undefined> | undefined;
    const record = () => (recordRead ??= this.#host.items.record(id));
    const urlPromise = this.#original(id, record);
    // Each part shows as soon as it is read: the thumbnail first, the original when its URL is ready.
    void this.#host.items.thumbUrl(id).then((thumbUrl) => {
      if (seq === this.#seq) this.thumbUrl = thumbUrl;
    });
    if (this.#host.items.get(id)?.motion) {
      void record()
        .then((a) => (a ? this.#host.items.motionUrl(a) : null))
        .then((url) => {
          if (seq === this.#seq) this.motionUrl = url;
          else if (url) URL.revokeObjectURL(url);
        });
    }
    if (this.#host.items.get(id)?.type === 'video') {
      void record()
        .then((a) => (a ? this.#host.items.frameStrip(a) : []))
        .then((strip) => {
          if (seq === this.#seq) this.strip = strip;
        });
    }
    const url = await urlPromise;
    if (seq !== this.#seq) return;
    performance.mark('shoebox:viewer-original-url', { detail: { id } });
    this.originalUrl = url;
    if (this.infoOpen) void this.#loadDetails(id, record);
    // Neighbours are read and decoded once this one is on screen: on a phone's few cores a
    // neighbour decoding at the same time would slow the picture the user is waiting for.
    this.#release((other) => !this.#neighbourhood(id).has(other));
    if (!url || this.#host.items.get(id)?.type !== 'image') this.#preloadAround(id);
  }

  /** The original's object URL, read once and kept while the item is open or next to it. */
  #original(id: string, record = () => this.#host.items.record(id)): Promise<string | null> {
    let url = this.#urls.get(id);
    if (!url) {
      url = record()
        .then((a) => (a ? this.#displayableUrl(a) : null))
        .catch(() => null);
      this.#urls.set(id, url);
    }
    return url;
  }

  /** The original's URL, or for a HEIC (which the page cannot decode) a screen copy's. */
  async #displayableUrl(a: AssetRecord): Promise<string | null> {
    const blob = await this.#host.items.original(a);
    if (!blob) return null;
    if (a.type === 'image' && (await isHeic(blob))) {
      const copy = await this.#screenCopy(a.id, blob);
      if (copy) return URL.createObjectURL(copy);
    }
    return URL.createObjectURL(blob);
  }

  /** A worker-made JPEG of the photo at screen size; null when it cannot be made. */
  async #screenCopy(id: string, blob: Blob): Promise<Blob | null> {
    const kept = this.#screenCopies.get(id);
    if (kept) return kept;
    try {
      const copy = await (await this.#host.session.ingesterReady()).screenCopy(blob, screenEdgePx());
      this.#screenCopies.set(id, copy);
      return copy;
    } catch {
      return null;
    }
  }

  /** The photo `id` is decoded and on screen (called by the photo stage): its neighbours may load now. */
  originalShown(id: string): void {
    if (id === this.openId) this.#preloadAround(id);
  }

  #neighbourhood(id: string): Set<string> {
    return new Set([id, stepFrom(this.listIds, id, -1), stepFrom(this.listIds, id, 1)].filter((x): x is string => !!x));
  }

  /** Reads the open item's neighbours' originals and decodes the photos among them. */
  #preloadAround(id: string): void {
    for (const other of this.#neighbourhood(id)) {
      if (other === id || this.#decoded.has(other)) continue;
      const asset = this.#host.items.get(other);
      void this.#original(other).then((url) => {
        if (!url || asset?.type !== 'image' || !this.#urls.has(other) || this.#decoded.has(other)) return;
        const img = new Image();
        img.src = url;
        this.#decoded.set(other, img);
        img.decode().catch(() => undefined);
      });
    }
  }

  /** Revokes the object URLs of the originals `drop` picks. */
  #release(drop: (id: string) => boolean): void {
    for (const [other, url] of [...this.#urls]) {
      if (!drop(other)) continue;
      this.#urls.delete(other);
      this.#decoded.delete(other);
      void url.then((u) => u && URL.revokeObjectURL(u));
    }
  }

  /** Only the open item's motion is held: a short video, read again when its item is opened again. */
  #dropMotion(): void {
    if (this.motionUrl) URL.revokeObjectURL(this.motionUrl);
    this.motionUrl = null;
  }

  /** `record` reads the item's record (the read showing the item made, when it made one). */
  async #loadDetails(id: string, record = () => this.#host.items.record(id)): Promise<void> {
    if (this.details?.id === id) return;
    const [asset, records, cluster] = await Promise.all([
      record(),
      this.#host.items.lineage(id),
      this.#host.clusters.clusterOf(id).catch(() => null),
    ]);
    if (this.openId === id && asset) this.details = { id, record: asset, clusterName: cluster?.name ?? null, lineage: lineageLines(records) };
  }

  #shut(): void {
    if (this.openId) this.closedOn = { id: this.openId, openedOn: this.#openedOn, claimed: false };
    this.#seq++;
    this.openId = null;
    this.originalUrl = undefined;
    this.thumbUrl = '';
    this.strip = [];
    this.#dropMotion();
    this.details = null;
    this.lastDeleted = null;
    this.announcement = '';
    this.#release(() => true);
  }
}
