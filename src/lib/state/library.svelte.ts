import { tick } from 'svelte';
import { Embedder, type LoadProgress, type ModelInfo } from '../clients/embedder';
import { Ingester, type IngestEvent, type InterruptedDrop } from '../clients/ingester';
import { Indexer, type IndexStatus, type RebuildProgress, type SearchFilter, type SearchHit } from '../clients/indexer';
import { VideoFrames } from '../clients/video';
import { Clusterer } from '../clients/clusterer';
import { Namer } from '../clients/namer';
import { sweepInWorker } from '../clients/sweeper';
import { ClusterState } from './clusters.svelte';
import { DuplicatesState } from './duplicates.svelte';
import { openLibraryDb, type Db } from '../db/db';
import { getOriginal } from '../db/blob-store';
import { carryOutDueTombstones, getTombstones, tombstoneTimings } from '../db/tombstones';
import {
  addQueryTiming,
  countAssets,
  deleteAssetRecords,
  deleteFolder,
  failedJobs,
  getMeta,
  getThumbnail,
  listAssets,
  listFolders,
  recentQueryTimings,
  restoreAssetRecords,
  setMeta,
} from '../db/repo';
import type { AssetRecord, AssetType, QueryTimingRecord } from '../db/schema';
import type { Moment } from '../core/moments';
import type { StageTimings } from '../core/stage-timings';
import { combineQuery, parseQuery, relevanceThreshold } from '../core/query';
import { DEFAULT_SOURCE, modelKey, type ModelSource } from '../core/model-source';
import { LruCache } from '../core/lru';
import { DEFAULT_VIDEO_SETTINGS, clampVideoSettings, type VideoSettings } from '../core/video-settings';
import { nameInText } from '../core/display-name';
import { DEFAULT_UNDO_WINDOW_MS, deletedLabel, nextExpiryMs, undoAllowed, undoWindowMs } from '../core/tombstones';
import { sweepGraceMs, sweepMessage } from '../core/leftover-sweep';

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

export interface ResultFilter {
  type: 'all' | AssetType;
  /** yyyy-mm-dd from a date input, or '' */
  addedFrom: string;
  addedTo: string;
}

/** The delete the toast offers to undo; its tombstones in storage are what Undo restores. */
interface PendingDelete {
  label: string;
  /** The deleted item's file name when there was one item, for the toast to show isolated. */
  name: string | null;
  ids: string[];
  /** Epoch ms; the toast goes at this instant. */
  expiresAtMs: number;
}

export interface StripFrame {
  timestampSec: number;
  url: string;
}

export interface Notice {
  key: number;
  name: string;
  status: 'stored' | 'duplicate' | 'failed' | 'info';
  message: string;
  /** Failed files: the job "Retry" runs again and "Dismiss" forgets. */
  jobId?: string;
}

export interface ImportProgress {
  done: number;
  total: number;
  stored: number;
  imagesPerSecond: number;
  /** Where the current import's time goes, once anything was measured. */
  stages?: StageTimings;
}

export interface StorageInfo {
  usageBytes: number;
  quotaBytes: number;
  persisted: boolean;
}

const SETTINGS_KEY = 'settings:modelSource';
const VIDEO_SETTINGS_KEY = 'settings:video';
const RESULTS_PER_PAGE = 60;
/** Stored settings without a control in the page (tests shorten them): the undo window and the leftover sweep's grace period. */
const UNDO_WINDOW_KEY = 'settings:undoWindowMs';
const SWEEP_GRACE_KEY = 'settings:sweepGraceMs';
const MAX_NOTICES = 100;
/** Enough for every thumbnail on screen (results pages, clusters, duplicates) several times over. */
const THUMB_URL_CACHE = 2000;
const RECENT_REFRESH_MS = 10_000;
/** What one tab tells the others about changes made outside the import (which has its own channel). */
const LIBRARY_CHANNEL = 'shoebox:library';
type LibraryMessage = { kind: 'deleted'; ids: string[] } | { kind: 'restored'; ids: string[] } | { kind: 'clusters' };

/** Asks the browser to let Shoebox read kept files and folders again (a prompt needs a click). */
async function mayRead(handles: FileSystemHandle[]): Promise<boolean> {
  type Permitting = FileSystemHandle & { requestPermission?(o: { mode: 'read' }): Promise<PermissionState> };
  const answers = await Promise.all(handles.map((h) => (h as Permitting).requestPermission?.({ mode: 'read' }) ?? 'granted'));
  return answers.every((a) => a === 'granted');
}

function dataUrl(blob: Blob): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(reader.result as string);
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(blob);
  });
}

/** Reads a model override from the address (`?model=<id>&modelBase=/models/`), for self-hosted deployments. */
function sourceFromUrl(): ModelSource | null {
  const params = new URLSearchParams(location.search);
  const id = params.get('model');
  if (!id) return null;
  return { kind: 'self-hosted', modelId: id, baseUrl: params.get('modelBase') ?? '/models/', dtype: params.get('dtype') === 'fp32' ? 'fp32' : 'q8' };
}

/**
 * Everything the page shows about the library. Components read these fields and call the
 * methods; only this class talks to the workers and the database.
 */
export class Library {
  modelStatus = $state<'idle' | 'loading' | 'ready' | 'error'>('idle');
  modelProgress = $state<LoadProgress | null>(null);
  modelInfo = $state<ModelInfo | null>(null);
  modelError = $state('');
  needsFolderAccess = $state(false);
  source = $state<ModelSource>(DEFAULT_SOURCE);
  videoSettings = $state<VideoSettings>(DEFAULT_VIDEO_SETTINGS);

  assetCount = $state(0);
  importProgress = $state<ImportProgress | null>(null);
  importPaused = $state('');
  notices = $state<Notice[]>([]);
  /** Text of the polite live region: import progress and per-file outcomes. */
  announcement = $state('');

  query = $state('');
  results = $state.raw<ResultItem[]>([]);
  /** Results below the relevance bar, shown folded. */
  weakResults = $state.raw<ResultItem[]>([]);
  noGoodMatch = $state(false);
  canShowMore = $state(false);
  similarTo = $state<{ id: string; name: string } | null>(null);
  filter = $state<ResultFilter>({ type: 'all', addedFrom: '', addedTo: '' });
  pendingDelete = $state.raw<PendingDelete | null>(null);
  indexStatus = $state<IndexStatus | null>(null);
  indexProgress = $state<RebuildProgress | null>(null);
  recent = $state.raw<ResultItem[]>([]);
  searching = $state(false);
  searchError = $state('');
  timings = $state.raw<QueryTimingRecord[]>([]);
  storage = $state<StorageInfo | null>(null);
  /** Whether this tab runs the import queue; other open tabs hand their files to it. */
  isWriter = $state(false);
  /** Drops a reload or a closed tab cut off mid-copy, with the files that never made it in. */
  interruptedDrops = $state.raw<InterruptedDrop[]>([]);
  /** Folders the user dropped or picked, which can be scanned again for what is new. */
  folders = $state.raw<Array<{ id: string; name: string; lastScanAtMs: number }>>([]);
  /** Files of this tab still being copied into the library: leaving the page now would lose them. */
  copying = $state(0);
  /** Groups of similar media and their names. */
  readonly clusters = new ClusterState({
    thumbUrl: (id) => this.#thumbUrl(id),
    member: (id) => this.#assets.get(id),
    announce: (text) => (this.announcement = text),
    changed: () => this.#tell({ kind: 'clusters' }),
  });
  /** Duplicate groups in three tiers; deletes go through deleteAssets, so undo works. */
  readonly duplicates = new DuplicatesState({
    thumbUrl: (id) => this.#thumbUrl(id),
    asset: (id) => this.#assets.get(id),
    deleteAssets: (ids) => this.deleteAssets(ids),
    announce: (text) => (this.announcement = text),
  });

  #db: Db | null = null;
  #embedder: Embedder | null = null;
  #ingester: Ingester | null = null;
  #indexer: Indexer | null = null;
  #video: VideoFrames | null = null;
  #clusterer: Clusterer | null = null;
  /**
   * Thumbnails as data: URLs, a bounded number of them. Object URLs would pin every thumbnail
   * blob in the browser until revoked (a 10,000-photo import grew by ~27 MB per 1,000), and
   * revoking one an <img> still shows breaks it; a data: URL dropped from here lives exactly as
   * long as something displays it.
   */
  #thumbUrls = new LruCache<string, string>(THUMB_URL_CACHE);
  #assets = new Map<string, AssetRecord>();
  #noticeKey = 0;
  #searchSeq = 0;
  #limit = RESULTS_PER_PAGE;
  #storedChain: Promise<void> = Promise.resolve();
  #recentPending: string[] = [];
  #recentShownAt = -Infinity;
  #recentTimer: ReturnType<typeof setTimeout> | undefined;
  #modelLoad: Promise<unknown> = Promise.resolve();
  /** Resolves once the ingest worker exists, so files dropped during start-up are not lost. */
  #ingesterReady = Promise.withResolvers<Ingester>();
  #channel: BroadcastChannel | null = null;
  #folderHandles = new Map<string, FileSystemDirectoryHandle>();
  #undoWindowMs = DEFAULT_UNDO_WINDOW_MS;
  /** Tombstones this page knows of (its own deletes and those found at start), by id: expiry in epoch ms. */
  #tombstoneExpiries = new Map<string, number>();
  #carryOutTimer: ReturnType<typeof setTimeout> | undefined;

  get ready(): boolean {
    return this.modelStatus === 'ready';
  }

  async start(): Promise<void> {
    this.#db = await openLibraryDb();
    this.#listen();
    const fromUrl = sourceFromUrl();
    if (fromUrl) await setMeta(this.#db, SETTINGS_KEY, fromUrl);
    this.source = fromUrl ?? (await getMeta<ModelSource>(this.#db, SETTINGS_KEY)) ?? DEFAULT_SOURCE;
    this.videoSettings = clampVideoSettings((await getMeta<Partial<VideoSettings>>(this.#db, VIDEO_SETTINGS_KEY)) ?? {});
    this.#undoWindowMs = undoWindowMs(await getMeta(this.#db, UNDO_WINDOW_KEY));
    await this.#reloadAssets();
    await this.#loadFailedJobs();
    await this.#loadFolders();
    // After the library is on screen: nothing of it waits for storage to be tidied.
    void this.#tidyStorage(this.#db);
    void this.refreshStorage();
    if (!(await this.#folderReadable())) {
      this.modelStatus = 'error';
      this.modelError = 'Shoebox needs your permission again to read the model folder on this device.';
      this.needsFolderAccess = true;
      return;
    }
    await this.#loadModel();
  }

  /** A picked folder keeps its handle across visits, but the browser asks again for read access. */
  async #folderReadable(): Promise<boolean> {
    const dir = this.source.kind === 'folder' ? this.source.dirHandle : undefined;
    const query = (dir as unknown as { queryPermission?(o: object): Promise<PermissionState> } | undefined)?.queryPermission;
    if (!dir || !query) return true;
    return (await query.call(dir, { mode: 'read' })) === 'granted';
  }

  /** Must run from a click: the permission prompt needs a user gesture. */
  async grantFolderAccess(): Promise<void> {
    const dir = this.source.dirHandle as unknown as { requestPermission?(o: object): Promise<PermissionState> } | undefined;
    if ((await dir?.requestPermission?.({ mode: 'read' })) !== 'granted') return;
    this.needsFolderAccess = false;
    await this.#loadModel();
  }

  async setSource(source: ModelSource): Promise<void> {
    if (!this.#db) return;
    await setMeta(this.#db, SETTINGS_KEY, $state.snapshot(source));
    this.source = source;
    await this.#restartWorkers();
  }

  /** Video settings apply to videos added from now on; each video's lineage records the ones it used. */
  async setVideoSettings(settings: Partial<VideoSettings>): Promise<void> {
    if (!this.#db) return;
    this.videoSettings = clampVideoSettings({ ...$state.snapshot(this.videoSettings), ...settings });
    await setMeta(this.#db, VIDEO_SETTINGS_KEY, $state.snapshot(this.videoSettings));
    await this.#restartWorkers();
  }

  async #restartWorkers(): Promise<void> {
    this.#embedder?.terminate();
    this.#ingester?.terminate();
    this.#indexer?.terminate();
    this.#video?.terminate();
    this.clusters.detach();
    this.#clusterer?.terminate();
    this.#embedder = this.#ingester = this.#indexer = this.#video = this.#clusterer = null;
    this.#ingesterReady = Promise.withResolvers<Ingester>();
    await this.#loadModel();
  }

  /**
   * Starts the three workers. Files can be dropped while the model is still loading: they are
   * staged and queued at once, and embedding starts when the model is ready.
   */
  async #loadModel(): Promise<void> {
    this.modelStatus = 'loading';
    this.modelError = '';
    this.modelProgress = null;
    const key = modelKey(this.source);
    this.#embedder = new Embedder();
    const loading = this.#embedder.load($state.snapshot(this.source) as ModelSource, (p) => (this.modelProgress = p));
    this.#modelLoad = loading.catch(() => undefined);
    this.#indexer = new Indexer();
    if (this.#db) this.duplicates.attach(this.#db, this.#indexer);
    this.indexProgress = null;
    void this.#indexer.open(key, (p) => (this.indexProgress = p)).then((status) => {
      this.indexStatus = status;
      this.indexProgress = null;
    });
    this.#video = new VideoFrames();
    this.#ingester = new Ingester();
    this.#ingesterReady.resolve(this.#ingester);
    // Ids a previous writer's channel may still mention: this tab starts as a follower until told otherwise.
    this.isWriter = false;
    const started = this.#ingester.start(
      { embed: this.#embedder.connectPort(), video: this.#video.connectPort() },
      key,
      $state.snapshot(this.videoSettings),
      (e) => this.#onIngest(e),
    );
    try {
      this.modelInfo = await loading;
      this.modelStatus = 'ready';
      this.#startClusters(key);
    } catch (err) {
      this.modelStatus = 'error';
      this.modelError = err instanceof Error ? err.message : String(err);
      // Offline, a model that was never downloaded cannot load: say that rather than a network error.
      if (!navigator.onLine && this.source.kind !== 'folder') {
        this.modelError = `You are offline and the search model is not saved on this device yet. Connect once to download it; after that Shoebox works offline. (${this.modelError})`;
      }
      this.#say(`Model failed to load: ${this.modelError}`);
    }
    await started;
    void this.refreshTimings();
  }

  /** Clustering needs the model only for automatic names, but starts with it so they come with the groups. */
  #startClusters(key: string): void {
    if (!this.#db || !this.#embedder) return;
    this.#clusterer = new Clusterer();
    this.#clusterer.connectEmbed(this.#embedder.connectPort());
    void this.clusters.attach(this.#db, this.#clusterer, () => new Namer(), key);
  }

  async addFiles(files: File[]): Promise<void> {
    if (files.length === 0 || !this.#mayAdd()) return;
    const { rejected } = await this.#copyIn(files.length, (ingester) => ingester.enqueue(files.map((file) => ({ file }))));
    this.#sayRejected(rejected.length);
  }

  /** Dropped or picked files and folders as handles: read in the import worker and kept for an interrupted copy. */
  async addHandles(roots: FileSystemHandle[]): Promise<void> {
    if (roots.length === 0 || !this.#mayAdd()) return;
    // The number of files is known only once the worker has walked the folders: count the drop as one until then.
    const { rejected } = await this.#copyIn(1, (ingester) => ingester.enqueueHandles(roots));
    this.#sayRejected(rejected.length);
    await this.#loadFolders();
  }

  #mayAdd(): boolean {
    if (this.needsFolderAccess) this.#say('Allow access to the model folder first; nothing was added.');
    return !this.needsFolderAccess;
  }

  #sayRejected(count: number): void {
    if (count) this.#say(`${count} file${count === 1 ? '' : 's'} could not be added`);
  }

  /** Runs a copy into the library while the page asks before it is left (the files are not all in yet). */
  async #copyIn<T>(count: number, copy: (ingester: Ingester) => Promise<T>): Promise<T> {
    this.copying += count;
    try {
      const ingester = await this.#ingesterReady.promise;
      this.#requestPersistence();
      return await copy(ingester);
    } finally {
      this.copying -= count;
    }
  }

  /** Files picked again for a cut-off drop: the ones it is missing are added, the rest ignored. */
  async addMissingFiles(dropId: string, files: File[]): Promise<void> {
    if (files.length === 0) return;
    const { added, stillMissing } = await this.#copyIn(files.length, (ingester) => ingester.addMissing(dropId, files.map((file) => ({ file }))));
    this.#afterDropAdded(dropId, added, stillMissing);
  }

  /** Must run from a click: reading the kept handles again needs the user's permission. */
  async continueDrop(dropId: string): Promise<void> {
    const drop = this.interruptedDrops.find((d) => d.id === dropId);
    if (!drop) return;
    if (!(await mayRead(drop.roots))) {
      this.#say('Shoebox was not allowed to read those files again; pick them with "Add them again" instead.');
      return;
    }
    const { added, stillMissing } = await this.#copyIn(drop.missing.length, (ingester) => ingester.continueDrop(dropId));
    this.#afterDropAdded(dropId, added, stillMissing);
  }

  #afterDropAdded(dropId: string, added: number, stillMissing: number): void {
    const drop = this.interruptedDrops.find((d) => d.id === dropId);
    if (stillMissing === 0) this.interruptedDrops = this.interruptedDrops.filter((d) => d.id !== dropId);
    else if (drop) {
      // The worker knows which ones arrived; the list is read again on the next start. Keep the count honest now.
      this.interruptedDrops = this.interruptedDrops.map((d) => (d.id === dropId ? { ...d, missing: d.missing.slice(d.missing.length - stillMissing) } : d));
    }
    this.#say(
      stillMissing === 0
        ? `Added ${added} missing file${added === 1 ? '' : 's'} again`
        : `Added ${added} missing file${added === 1 ? '' : 's'}; ${stillMissing} still missing (pick the folder or the files themselves)`,
    );
  }

  /** Must run from a click: adds what is new in a remembered folder since it was last scanned. */
  async scanFolder(folderId: string): Promise<void> {
    const handle = this.#folderHandles.get(folderId);
    if (!handle) return;
    if (!(await mayRead([handle]))) {
      this.#say(`Shoebox was not allowed to read ${nameInText(handle.name)} again.`);
      return;
    }
    const { found, rejected } = await this.#copyIn(1, (ingester) => ingester.scanFolder(folderId));
    this.#say(found === 0 ? `Nothing new in ${nameInText(handle.name)}` : `${found} new file${found === 1 ? '' : 's'} in ${nameInText(handle.name)}`);
    this.#sayRejected(rejected.length);
    await this.#loadFolders();
  }

  async forgetFolder(folderId: string): Promise<void> {
    if (!this.#db) return;
    await deleteFolder(this.#db, folderId);
    await this.#loadFolders();
  }

  async #loadFolders(): Promise<void> {
    if (!this.#db) return;
    const folders = await listFolders(this.#db);
    this.#folderHandles = new Map(folders.map((f) => [f.id, f.handle]));
    this.folders = folders.map(({ id, name, lastScanAtMs }) => ({ id, name, lastScanAtMs }));
  }

  async dismissDrop(dropId: string): Promise<void> {
    this.interruptedDrops = this.interruptedDrops.filter((d) => d.id !== dropId);
    await (await this.#ingesterReady.promise).dismissDrop(dropId);
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
    if (m.kind === 'deleted') {
      await this.#indexer?.remove(m.ids);
      this.#dropFromView(new Set(m.ids));
    } else {
      await this.#indexer?.restore(m.ids);
      await this.#reloadAssets();
      await this.rerun();
    }
  }

  /** Items gone from the library leave the counts and every list at once. */
  #dropFromView(gone: Set<string>): void {
    for (const id of gone) this.#assets.delete(id);
    this.assetCount = this.#assets.size;
    this.results = this.results.filter((r) => !gone.has(r.id));
    this.weakResults = this.weakResults.filter((r) => !gone.has(r.id));
    this.recent = this.recent.filter((r) => !gone.has(r.id));
  }

  async resumeImport(): Promise<void> {
    this.importPaused = '';
    await this.#ingester?.resume();
  }

  #onIngest(e: IngestEvent): void {
    switch (e.type) {
      case 'progress': {
        this.importProgress = { done: e.done, total: e.total, stored: e.stored, imagesPerSecond: e.imagesPerSecond, stages: e.stages };
        const rate = e.imagesPerSecond > 0 ? ` · ${e.imagesPerSecond.toFixed(1)} img/s` : '';
        // Until every dropped file is copied in, closing the tab would lose the rest: say so.
        const adding = e.adding ? ` · adding files ${e.adding.done} of ${e.adding.total}, keep this tab open` : '';
        this.announcement = `Indexed ${e.done} of ${e.total}${rate}${adding}`;
        break;
      }
      case 'job':
        if (e.status === 'failed') this.#failedNotice(e.id, e.name, e.message);
        else this.#notice(e.name, e.status === 'stored' ? 'stored' : 'duplicate', e.message);
        break;
      case 'stored': {
        const ids = e.ids;
        this.#storedChain = this.#storedChain.then(() => this.#onStored(ids)).catch(() => undefined);
        break;
      }
      case 'paused':
        this.importPaused = e.reason;
        this.#say(e.reason);
        break;
      case 'resumed':
        this.#say(`Resuming an unfinished import: ${e.left} file${e.left === 1 ? '' : 's'} left`);
        break;
      case 'role':
        this.isWriter = e.writer;
        void this.#indexer?.setWriter(e.writer);
        break;
      case 'interrupted':
        this.interruptedDrops = e.drops;
        this.#say(`${e.drops.reduce((n, d) => n + d.missing.length, 0)} files were not added: the page was closed or reloaded while they were being copied in`);
        break;
      case 'idle':
        // Results refresh once the import settles rather than after every batch.
        void this.#storedChain.then(async () => {
          if (this.#recentPending.length) await this.#showRecent();
          await this.rerun();
        });
        void this.refreshStorage();
        break;
    }
  }

  /** Adds just-stored assets to the index and the page without re-reading the whole library. */
  async #onStored(ids: string[]): Promise<void> {
    if (!this.#db) return;
    await this.#indexer?.addStored(ids);
    // The writer tab groups new items; the others read its clusters when it says they changed.
    if (this.isWriter) this.clusters.added(ids);
    const tx = this.#db.transaction('assets');
    const added = (await Promise.all(ids.map((id) => tx.store.get(id)))).filter((a): a is AssetRecord => !!a);
    for (const a of added) this.#assets.set(a.id, a);
    this.assetCount = this.#assets.size;
    this.#recentPending.push(...added.map((a) => a.id));
    // During a long import the grid shows a new set at most every RECENT_REFRESH_MS: the browser
    // keeps some memory for every distinct picture it has displayed, so showing each of 10,000
    // thumbnails in passing costs memory nobody looks at. The first batch shows at once.
    if (this.#recentTimer) return;
    if (performance.now() - this.#recentShownAt >= RECENT_REFRESH_MS) await this.#showRecent();
    else this.#recentTimer = setTimeout(() => void this.#showRecent(), RECENT_REFRESH_MS - (performance.now() - this.#recentShownAt));
  }

  async #showRecent(): Promise<void> {
    clearTimeout(this.#recentTimer);
    this.#recentTimer = undefined;
    this.#recentShownAt = performance.now();
    const ids = this.#recentPending.reverse().slice(0, RESULTS_PER_PAGE);
    this.#recentPending = [];
    const items = await Promise.all(ids.filter((id) => this.#assets.has(id)).map((id) => this.#item(id, null, false)));
    this.recent = [...items, ...this.recent].slice(0, RESULTS_PER_PAGE);
  }

  async #reloadAssets(): Promise<void> {
    if (!this.#db) return;
    const assets = await listAssets(this.#db);
    this.#assets = new Map(assets.map((a) => [a.id, a]));
    this.assetCount = await countAssets(this.#db);
    this.recent = await Promise.all(assets.slice(0, RESULTS_PER_PAGE).map((a) => this.#item(a.id, null, false)));
  }

  async #thumbUrl(id: string): Promise<string> {
    let url = this.#thumbUrls.get(id);
    if (url === undefined && this.#db) {
      const t = await getThumbnail(this.#db, id);
      url = t ? await dataUrl(t.blob) : '';
      this.#thumbUrls.set(id, url);
    }
    return url ?? '';
  }

  async #item(id: string, score: number | null, nameMatch: boolean, moments?: Moment[]): Promise<ResultItem> {
    const a = this.#assets.get(id);
    return {
      id,
      name: a?.name ?? id,
      type: a?.type ?? 'image',
      score,
      nameMatch,
      thumbUrl: await this.#thumbUrl(id),
      nearDuplicateOf: a?.nearDuplicateOf,
      durationSec: a?.durationSec,
      moments,
    };
  }

  /** The kept keyframes of a video, for the strip under the player. */
  async frameStrip(id: string): Promise<StripFrame[]> {
    const a = this.#assets.get(id);
    if (!a?.frameTimestampsSec) return [];
    return Promise.all(a.frameTimestampsSec.map(async (timestampSec, i) => ({ timestampSec, url: await this.#thumbUrl(`${id}#${i}`) })));
  }

  /** Re-runs the current query or "More like this" (after filters change, or to show more). */
  async rerun(): Promise<void> {
    if (this.similarTo) await this.moreLikeThis(this.similarTo.id, this.#limit);
    else if (this.query.trim()) await this.search(this.query, this.#limit);
  }

  async showMore(): Promise<void> {
    this.#limit += RESULTS_PER_PAGE;
    await this.rerun();
  }

  setFilter(filter: Partial<ResultFilter>): void {
    this.filter = { ...this.filter, ...filter };
    this.#limit = RESULTS_PER_PAGE;
    void this.rerun();
  }

  #searchFilter(excludeIds: string[] = []): SearchFilter {
    const f = this.filter;
    const day = (s: string, end: boolean) => (s ? new Date(`${s}T${end ? '23:59:59.999' : '00:00:00'}`).getTime() : undefined);
    return {
      ...(f.type !== 'all' ? { type: f.type } : {}),
      ...(f.addedFrom ? { addedFromMs: day(f.addedFrom, false) } : {}),
      ...(f.addedTo ? { addedToMs: day(f.addedTo, true) } : {}),
      excludeIds,
    };
  }

  /**
   * Text → vector in the CLIP worker (minus any "-term" vectors) → ranking in the index worker
   * → grid; results below the relevance bar fold under "weaker matches". Each step is timed and stored.
   */
  async search(text: string, limit = RESULTS_PER_PAGE): Promise<void> {
    this.query = text;
    this.similarTo = null;
    this.#limit = limit;
    const seq = ++this.#searchSeq;
    if (!text.trim()) {
      this.results = this.weakResults = [];
      this.searchError = '';
      this.noGoodMatch = false;
      return;
    }
    this.searching = true;
    this.searchError = '';
    // A query typed while the model loads waits for it instead of failing.
    if (this.modelStatus === 'loading') await this.#modelLoad;
    if (seq !== this.#searchSeq) return;
    if (!this.#embedder || !this.#indexer || this.modelStatus !== 'ready') {
      this.searchError = 'Search is available once the model has loaded.';
      this.searching = false;
      return;
    }
    try {
      const t0 = performance.now();
      const { positive, negatives } = parseQuery(text);
      const embedder = this.#embedder;
      const [pos, ...negs] = await Promise.all([positive || text, ...negatives].map((t) => embedder.embedText(t)));
      const vector = combineQuery(pos, negs);
      const t1 = performance.now();
      const [hits, sample] = await Promise.all([
        this.#indexer.search(vector, positive, limit, this.#searchFilter()),
        this.#indexer.sampleScores(vector),
      ]);
      const t2 = performance.now();
      if (seq !== this.#searchSeq) return;
      await this.#show(hits, relevanceThreshold(sample));
      const t3 = performance.now();
      if (this.#db) {
        await addQueryTiming(this.#db, {
          at: Date.now(),
          query: text,
          modelId: modelKey(this.source),
          encodeMs: t1 - t0,
          rankMs: t2 - t1,
          renderMs: t3 - t2,
          resultCount: hits.length,
          libraryCount: this.assetCount,
        });
        void this.refreshTimings();
      }
    } catch (err) {
      this.searchError = `Search failed: ${err instanceof Error ? err.message : String(err)}`;
    } finally {
      if (seq === this.#searchSeq) this.searching = false;
    }
  }

  /** Neighbours of one photo or video by its own stored vector. */
  async moreLikeThis(id: string, limit = RESULTS_PER_PAGE): Promise<void> {
    if (!this.#indexer) return;
    const seq = ++this.#searchSeq;
    const a = this.#assets.get(id);
    this.query = '';
    this.similarTo = { id, name: a?.name ?? id };
    this.#limit = limit;
    this.searchError = '';
    this.results = this.weakResults = [];
    const vector = await this.#indexer.vectorOf(id);
    if (!vector) {
      this.searchError = 'This item has no vector for the current model yet.';
      return;
    }
    const [hits, sample] = await Promise.all([
      this.#indexer.search(vector, '', limit, this.#searchFilter([id]), 'image'),
      this.#indexer.sampleScores(vector),
    ]);
    if (seq !== this.#searchSeq) return;
    await this.#show(hits, relevanceThreshold(sample));
  }

  async #show(hits: SearchHit[], threshold: number): Promise<void> {
    const items = await Promise.all(hits.map((h) => this.#item(h.id, h.score, h.nameMatch, h.moments)));
    const strong = items.filter((r) => r.nameMatch || (r.score ?? -1) >= threshold);
    this.results = strong;
    this.weakResults = items.filter((r) => !strong.includes(r));
    this.noGoodMatch = strong.length === 0 && items.length > 0;
    this.canShowMore = hits.length >= this.#limit;
    await tick();
    await new Promise((r) => requestAnimationFrame(() => r(null)));
  }

  /**
   * Deletes at once from the library and from search, in one consistent step: the records go and
   * their tombstones are written in one transaction, so Undo works from storage (after a reload,
   * from another tab) until the undo window ends; then the original files go too.
   */
  async deleteAssets(ids: string[]): Promise<void> {
    if (!this.#db || ids.length === 0) return;
    const tombstones = await deleteAssetRecords(this.#db, ids, Date.now(), this.#undoWindowMs);
    await this.#indexer?.remove(ids);
    await this.#ingester?.forget(ids);
    this.clusters.removed(ids);
    this.#tell({ kind: 'deleted', ids: tombstones.map((t) => t.id) });
    const gone = new Set(tombstones.map((t) => t.id));
    this.#dropFromView(gone);
    if (tombstones.length === 0) return;
    for (const t of tombstones) this.#tombstoneExpiries.set(t.id, t.expiresAtMs);
    this.pendingDelete = {
      label: deletedLabel(tombstones.map((t) => nameInText(t.name))),
      name: tombstones.length === 1 ? tombstones[0].name : null,
      ids: [...gone],
      expiresAtMs: tombstones[0].expiresAtMs,
    };
    this.announcement = this.pendingDelete.label;
    this.#scheduleCarryOut();
  }

  /** Restores from the tombstones while their undo window is open; after that the delete is final and says so. */
  async undoDelete(): Promise<void> {
    const pending = this.pendingDelete;
    if (!pending || !this.#db) return;
    this.pendingDelete = null;
    const { restored, alreadyBack, final } = await restoreAssetRecords(this.#db, pending.ids);
    // Undone here, or in another tab meanwhile: either way the items are back and this page shows them again.
    const ids = [...restored.map((b) => b.asset.id), ...alreadyBack];
    for (const id of ids) this.#tombstoneExpiries.delete(id);
    if (final.length) {
      this.#say(`Too late to undo “${pending.label}”: the time to undo has passed and the delete is final`);
      void this.#finishPendingDelete();
    }
    if (ids.length === 0) return;
    await this.#indexer?.restore(ids);
    this.clusters.added(ids);
    this.#tell({ kind: 'restored', ids });
    await this.#reloadAssets();
    this.announcement = `Restored ${ids.length === 1 ? nameInText(this.#assets.get(ids[0])?.name ?? '1 item') : `${ids.length} items`}`;
    await this.rerun();
  }

  /** After a library archive was merged in: the new items join search, clusters and the page. */
  async reloadAfterImport(ids: string[]): Promise<void> {
    this.#tell({ kind: 'restored', ids });
    await this.#indexer?.addStored(ids);
    this.clusters.imported(ids);
    await this.#reloadAssets();
    await this.rerun();
    void this.refreshStorage();
  }

  /**
   * At each expiry: the toast goes once its window has ended, and every due tombstone (this
   * tab's or one a closed tab left) is carried out. Tombstones not yet due are never touched:
   * another tab may still undo them.
   */
  async #finishPendingDelete(): Promise<void> {
    clearTimeout(this.#carryOutTimer);
    const db = this.#db;
    if (!db) return;
    if (this.pendingDelete && !undoAllowed(this.pendingDelete, Date.now())) this.pendingDelete = null;
    try {
      const done = await carryOutDueTombstones(db);
      if (done.length) void this.refreshStorage();
    } finally {
      const nowMs = Date.now();
      for (const [id, expiresAtMs] of this.#tombstoneExpiries) if (!undoAllowed({ expiresAtMs }, nowMs)) this.#tombstoneExpiries.delete(id);
      this.#scheduleCarryOut();
    }
  }

  #scheduleCarryOut(): void {
    clearTimeout(this.#carryOutTimer);
    const timings = [...this.#tombstoneExpiries].map(([id, expiresAtMs]) => ({ id, expiresAtMs }));
    if (this.pendingDelete) timings.push({ id: '', expiresAtMs: this.pendingDelete.expiresAtMs });
    const next = nextExpiryMs(timings, Date.now());
    // A timer may fire a moment before the wall clock reaches the expiry: then nothing is due yet and it is set again.
    if (next !== null) this.#carryOutTimer = setTimeout(() => void this.#finishPendingDelete(), Math.max(1, next - Date.now()));
  }

  /**
   * Once per start, after the library shows: carries out deletes whose undo time passed while
   * no page was open, offers Undo again for the others, then removes stored files no record owns.
   */
  async #tidyStorage(db: Db): Promise<void> {
    try {
      await carryOutDueTombstones(db);
      const waiting = await getTombstones(db, (await tombstoneTimings(db)).map((t) => t.id));
      const open = waiting.filter((t) => undoAllowed(t, Date.now()));
      for (const t of open) this.#tombstoneExpiries.set(t.id, t.expiresAtMs);
      if (open.length && !this.pendingDelete) {
        this.pendingDelete = {
          label: deletedLabel(open.map((t) => nameInText(t.name))),
          name: open.length === 1 ? open[0].name : null,
          ids: open.map((t) => t.id),
          expiresAtMs: Math.max(...open.map((t) => t.expiresAtMs)),
        };
      }
      this.#scheduleCarryOut();
      const graceMs = sweepGraceMs(await getMeta(db, SWEEP_GRACE_KEY));
      // A User Timing entry, so the sweep's cost shows in the browser's performance tools (and bench/sweep.mjs).
      const startMark = performance.mark('shoebox:sweep-start');
      const swept = await sweepInWorker(Date.now(), graceMs);
      performance.measure('shoebox:sweep', { start: startMark.startTime, detail: swept });
      const message = sweepMessage(swept.removedCount, swept.removedBytes);
      if (message) {
        this.#say(message);
        void this.refreshStorage();
      }
    } catch (err) {
      // Tidying is retried at the next start; the library works without it.
      console.warn('Shoebox: tidying storage failed', err);
    }
  }

  async originalUrl(id: string): Promise<string | null> {
    const a = this.#assets.get(id);
    if (!a || !this.#db) return null;
    const blob = await getOriginal(this.#db, id, a.blobLocation);
    return blob ? URL.createObjectURL(blob) : null;
  }

  asset(id: string): AssetRecord | undefined {
    return this.#assets.get(id);
  }

  async refreshTimings(): Promise<void> {
    if (this.#db) this.timings = await recentQueryTimings(this.#db, 20);
  }

  async refreshStorage(): Promise<void> {
    if (!navigator.storage?.estimate) return;
    const [est, persisted] = await Promise.all([navigator.storage.estimate(), navigator.storage.persisted?.() ?? false]);
    this.storage = { usageBytes: est.usage ?? 0, quotaBytes: est.quota ?? 0, persisted };
  }

  /** Asked on the first import, when the user has shown they mean to keep things here. */
  #requestPersistence(): void {
    if (this.storage?.persisted || !navigator.storage?.persist) return;
    void navigator.storage.persist().then(() => this.refreshStorage());
  }

  /** Clears the list; failed files in it are dismissed for good (their stored bytes deleted). */
  async dismissNotices(): Promise<void> {
    const jobIds = this.notices.flatMap((n) => (n.jobId ? [n.jobId] : []));
    this.notices = [];
    if (jobIds.length) await (await this.#ingesterReady.promise).dismiss(jobIds);
  }

  // ---- failed imports: listed until dismissed, across reloads
  async #loadFailedJobs(): Promise<void> {
    if (!this.#db) return;
    for (const j of await failedJobs(this.#db)) this.#failedNotice(j.id, j.name, j.message ?? 'could not be added');
  }

  #failedNotice(jobId: string, name: string, message: string): void {
    this.notices = this.notices.filter((n) => n.jobId !== jobId);
    this.#notice(name, 'failed', message, jobId);
  }

  async retryJob(jobId: string): Promise<void> {
    const notice = this.notices.find((n) => n.jobId === jobId);
    const { gone } = await (await this.#ingesterReady.promise).retry([jobId]);
    if (gone.length) {
      this.notices = this.notices.map((n) => (n.jobId === jobId ? { ...n, message: "the file's data is no longer stored here; drop the file again" } : n));
      this.announcement = `${notice ? nameInText(notice.name) : 'The file'}: drop the file again`;
      return;
    }
    this.notices = this.notices.filter((n) => n.jobId !== jobId);
    this.announcement = `Retrying ${notice ? nameInText(notice.name) : 'the file'}`;
  }

  async dismissJob(jobId: string): Promise<void> {
    this.notices = this.notices.filter((n) => n.jobId !== jobId);
    await (await this.#ingesterReady.promise).dismiss([jobId]);
  }

  #notice(name: string, status: Notice['status'], message: string, jobId?: string): void {
    this.notices = [{ key: ++this.#noticeKey, name, status, message, ...(jobId ? { jobId } : {}) }, ...this.notices].slice(0, MAX_NOTICES);
    this.announcement = `${nameInText(name)}: ${message}`;
  }

  #say(message: string): void {
    this.#notice('Shoebox', 'info', message);
  }
}
