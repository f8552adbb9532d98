import { Embedder, type LoadProgress, type ModelInfo, type Tower } from '../clients/embedder';
import { Ingester, type IngestEvent } from '../clients/ingester';
import { Indexer, type IndexStatus, type RebuildProgress } from '../clients/indexer';
import { VideoFrames } from '../clients/video';
import { Clusterer } from '../clients/clusterer';
import { Namer } from '../clients/namer';
import type { Db } from '../db/db';
import { addQueryTiming, countUnindexed, getMeta, recentQueryTimings, setMeta, unfinishedJobs } from '../db/repo';
import { readVocabularyCache } from '../db/cluster-repo';
import type { QueryTimingRecord } from '../db/schema';
import { DEFAULT_SOURCE, modelKey, type ModelSource } from '../core/model-source';
import { DEFAULT_VIDEO_SETTINGS, clampVideoSettings, type VideoSettings } from '../core/video-settings';
import { SIMILAR_MIN_COSINE } from '../core/duplicates';
import { DEFAULT_RELEVANCE_Z } from '../core/query';
import { SUBJECTS, vocabularyKey } from '../core/zero-shot';
import type { ClusterState } from './clusters.svelte';
import type { DuplicatesState } from './duplicates.svelte';

/** What the settings and diagnostics panels show of the model and the index. */
export type { IndexStatus, LoadProgress, ModelInfo, Tower };

/**
 * 'waiting': a first visit with an empty library; the model downloads on the first photos or search.
 * 'standby': a library opened with its model saved on this device; it loads on the first photos or search.
 */
export type ModelStatus = 'idle' | 'waiting' | 'standby' | 'loading' | 'ready' | 'error';

const SETTINGS_KEY = 'settings:modelSource';
const VIDEO_SETTINGS_KEY = 'settings:video';
/** Set once any model has loaded on this device: from then on it loads as the app opens. */
const MODEL_LOADED_ONCE_KEY = 'settings:modelLoadedOnce';
const THRESHOLDS_KEY = 'settings:searchThresholds';

/** Thresholds a search quality check measured for one model ("Use these thresholds"). */
export interface SearchThresholds {
  /** z of the relevance cut-off: results below median + z·1.4826·MAD fold under "Weaker matches". */
  relevanceZ: number;
  /** Image–image cosine from which two items are similar shots; null keeps the default. */
  similarMinCosine: number | null;
  /** ISO time of the check they come from. */
  measuredAt: string;
}

/** What the session starts for the rest of the library. */
export interface SessionHost {
  clusters: ClusterState;
  duplicates: DuplicatesState;
  /** A new ingest worker is about to start: it runs the queue only once it says so. */
  ingestStarting(): void;
  onIngest(e: IngestEvent): void;
}

/** Reads a model override from the address (`?model=<id>&modelBase=/models/`), for self-hosted deployments. */
function sourceFromUrl(): ModelSource | null {
  const params = new URLSearchParams(location.search);
  const id = params.get('model');
  if (!id) return null;
  return { kind: 'self-hosted', modelId: id, baseUrl: params.get('modelBase') ?? '/models/', dtype: params.get('dtype') === 'fp32' ? 'fp32' : 'q8' };
}

/**
 * What keeps the model from loading, in the user's terms (`problem`, shown on the page) and with
 * the browser's reason (`detail`, shown in Settings).
 */
export function modelLoadProblem(err: unknown, source: ModelSource, online: boolean): { problem: string; detail: string } {
  const detail = err instanceof Error ? err.message : String(err);
  let problem: string;
  if (source.kind === 'folder') {
    problem = source.dirHandle ? 'The search model could not be read from the chosen folder.' : 'No model folder is chosen yet: choose one in Model settings.';
  } else if (!online) {
    // Offline, a model that was never downloaded cannot load: say that rather than a network error.
    problem = 'You are offline and the search model is not saved on this device yet. Connect once to download it; after that Shoebox works offline.';
  } else {
    problem = source.kind === 'hub' ? 'The search model could not be downloaded (offline, or the download blocked?).' : 'The search model could not be loaded from this site.';
  }
  return { problem, detail };
}

/**
 * The model, its settings and the workers that use it: started once the library is on screen,
 * and started again when the model or the video settings change. Also keeps the diagnostics
 * figures (search index, query timings).
 */
export class Session {
  status = $state<ModelStatus>('idle');
  progress = $state<LoadProgress | null>(null);
  info = $state<ModelInfo | null>(null);
  /** The model's parts in memory now: an unused model is released and loads again when needed. */
  modelTowers = $state.raw<Tower[]>([]);
  /** Why the model is not loaded, with the browser's reason (Settings). */
  error = $state('');
  /** The page's one message when the model cannot be loaded: what is missing and what happens meanwhile. */
  notice = $state('');
  needsFolderAccess = $state(false);
  source = $state<ModelSource>(DEFAULT_SOURCE);
  videoSettings = $state<VideoSettings>(DEFAULT_VIDEO_SETTINGS);
  indexStatus = $state<IndexStatus | null>(null);
  indexProgress = $state<RebuildProgress | null>(null);
  timings = $state.raw<QueryTimingRecord[]>([]);
  /** Measured thresholds by model key; a model without an entry uses the defaults. */
  thresholdsByModel = $state.raw<Record<string, SearchThresholds>>({});

  #host: SessionHost;
  #db: Db | null = null;
  #embedder: Embedder | null = null;
  #ingester: Ingester | null = null;
  #indexer: Indexer | null = null;
  #video: VideoFrames | null = null;
  #clusterer: Clusterer | null = null;
  #modelLoad: Promise<unknown> = Promise.resolve();
  /** A model has loaded on this device before (MODEL_LOADED_ONCE_KEY), read with the settings. */
  #modelLoadedOnce = false;
  /** Resolves once the ingest worker exists, so files dropped during start-up are not lost. */
  #ingesterReady = Promise.withResolvers<Ingester>();

  constructor(host: SessionHost) {
    this.#host = host;
  }

  get ready(): boolean {
    return this.status === 'ready';
  }

  get modelKey(): string {
    return modelKey(this.source);
  }

  /** The current model's measured thresholds, or null for the defaults. */
  get thresholds(): SearchThresholds | null {
    return this.thresholdsByModel[this.modelKey] ?? null;
  }

  get relevanceZ(): number {
    return this.thresholds?.relevanceZ ?? DEFAULT_RELEVANCE_Z;
  }

  get similarMinCosine(): number {
    return this.thresholds?.similarMinCosine ?? SIMILAR_MIN_COSINE;
  }

  /** Stores measured thresholds for the current model, or (null) goes back to the defaults. */
  async setThresholds(thresholds: SearchThresholds | null): Promise<void> {
    if (!this.#db) return;
    const next = { ...this.thresholdsByModel };
    if (thresholds) next[this.modelKey] = thresholds;
    else delete next[this.modelKey];
    await setMeta(this.#db, THRESHOLDS_KEY, next);
    this.thresholdsByModel = next;
  }

  get embedder(): Embedder | null {
    return this.#embedder;
  }

  get indexer(): Indexer | null {
    return this.#indexer;
  }

  get videoFrames(): VideoFrames | null {
    return this.#video;
  }

  get ingester(): Ingester | null {
    return this.#ingester;
  }

  /** The ingest worker, once it exists. */
  ingesterReady(): Promise<Ingester> {
    return this.#ingesterReady.promise;
  }

  /** Settles when the model has loaded or failed to. */
  modelSettled(): Promise<unknown> {
    return this.#modelLoad;
  }

  /** Reads the stored settings (an address's `?model=` wins and is kept). */
  async readSettings(db: Db): Promise<void> {
    this.#db = db;
    const fromUrl = sourceFromUrl();
    if (fromUrl) await setMeta(db, SETTINGS_KEY, fromUrl);
    this.source = fromUrl ?? (await getMeta<ModelSource>(db, SETTINGS_KEY)) ?? DEFAULT_SOURCE;
    this.videoSettings = clampVideoSettings((await getMeta<Partial<VideoSettings>>(db, VIDEO_SETTINGS_KEY)) ?? {});
    this.thresholdsByModel = (await getMeta<Record<string, SearchThresholds>>(db, THRESHOLDS_KEY)) ?? {};
    this.#modelLoadedOnce = (await getMeta<boolean>(db, MODEL_LOADED_ONCE_KEY)) === true;
  }

  /**
   * Starts the workers and the model. When the model's folder must be allowed again first, the
   * library, imports and search by name work meanwhile; photos added wait to become searchable.
   */
  async start({ libraryEmpty }: { libraryEmpty: boolean }): Promise<void> {
    // A model that could not be downloaded is tried again when the network comes back.
    addEventListener('online', () => {
      if (this.status === 'error' && this.source.kind !== 'folder') void this.retryModel();
    });
    if (!(await this.#folderReadable())) {
      this.needsFolderAccess = true;
      await this.#loadModel('folder-access');
      return;
    }
    // A first look at the app costs the app's own files only: the model and its runtime (about
    // 120 MB from the network) wait until there is something to index or search. A folder on
    // this device costs no download, and once a model has loaded here it is cached.
    const firstVisit = libraryEmpty && this.source.kind !== 'folder' && !this.#modelLoadedOnce;
    // A library opened to browse needs no model: it loads (from the browser's cache) on the first
    // search or photos to index, and items left to index from an earlier visit ask for it at once.
    // Not loading it at every start keeps its runtime (300–450 MB for ViT-B/32) out of memory.
    const browsing = !libraryEmpty && this.#modelLoadedOnce && this.#db !== null && !(await this.#workWaiting(this.#db));
    await this.#loadModel(firstVisit ? 'wait' : browsing ? 'standby' : 'load');
  }

  /** Items stored without a vector of the model, or an import left unfinished: the model is needed now. */
  async #workWaiting(db: Db): Promise<boolean> {
    const [unindexed, unfinished] = await Promise.all([countUnindexed(db, this.modelKey), unfinishedJobs(db)]);
    return unindexed > 0 || unfinished.length > 0;
  }

  /** The search box got the focus: a model released while unused loads its text part while the query is typed. */
  prepareSearch(): void {
    if (this.status === 'standby') this.wantModel();
    else if (this.status === 'ready') void this.#embedder?.loadTower('text').catch(() => undefined);
  }

  /** Photos were added or a search was asked for: a model waiting for its first use starts loading. */
  wantModel(): void {
    if (this.status === 'waiting' || this.status === 'standby') void this.retryModel();
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
    await this.retryModel();
  }

  /**
   * Loads the model again after it could not be loaded (offline, a blocked download): only the
   * model worker starts again, so an import in progress goes on, and what waits is indexed once it loads.
   */
  async retryModel(): Promise<void> {
    if (this.status === 'loading' || this.status === 'ready') return;
    if ((this.status === 'waiting' || this.status === 'standby') && this.#embedder) {
      await this.#loadEmbedder(this.#embedder, this.modelKey);
      return;
    }
    if (!this.#ingester) {
      await this.#loadModel();
      return;
    }
    this.#embedder?.terminate();
    const embedder = this.#newEmbedder();
    await this.#ingester.useModel(embedder.connectPort());
    this.#clusterer?.connectEmbed(embedder.connectPort());
    await this.#loadEmbedder(embedder, this.modelKey);
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
    this.#host.clusters.detach();
    this.#clusterer?.terminate();
    this.#embedder = this.#ingester = this.#indexer = this.#video = this.#clusterer = null;
    this.#ingesterReady = Promise.withResolvers<Ingester>();
    await this.#loadModel();
  }

  /**
   * Starts the workers and loads the model. Files can be dropped while the model is still loading,
   * or when it cannot be loaded: they are taken into the library at once, and indexed when it is there.
   * `model`: 'load' now; 'wait' (nothing downloaded yet) or 'standby' (saved on this device) for the
   * first photos or search (wantModel); 'folder-access': the model's folder must be allowed again
   * first (grantFolderAccess). Groups of similar media can start once the search index is open (both
   * read every vector at first, and together they would hold up the index), and do on their first
   * need (ClusterState.want).
   */
  async #loadModel(model: 'load' | 'wait' | 'standby' | 'folder-access' = 'load'): Promise<void> {
    const key = this.modelKey;
    const indexer = (this.#indexer = new Indexer());
    this.indexProgress = null;
    const opened = indexer.open(key, (p) => (this.indexProgress = p)).then((status) => {
      this.indexStatus = status;
      this.indexProgress = null;
    });
    // Attached after the index was asked to open: a scan the open Duplicates view asks for at once
    // reaches the worker after that and waits for the index, instead of finding none open.
    if (this.#db) this.#host.duplicates.attach(this.#db, indexer);
    const indexOpen = opened.catch(() => undefined);
    if (this.#db) {
      this.#host.clusters.ready(this.#db, key, () => {
        void indexOpen.then(() => {
          if (indexer === this.#indexer) this.#startClusters(key);
        });
      });
    }
    this.#video = new VideoFrames();
    this.#ingester = new Ingester();
    this.#ingesterReady.resolve(this.#ingester);
    this.#host.ingestStarting();
    const embedder = this.#newEmbedder();
    const started = this.#ingester.start(
      { embed: embedder.connectPort(), video: this.#video.connectPort() },
      key,
      $state.snapshot(this.videoSettings),
      (e) => {
        // Items to index or just added, whichever tab added them: a model waiting for its first use
        // starts (a tab that only watches another's import needs it to search and group them too).
        if ((e.type === 'waiting' && e.count > 0) || e.type === 'stored') this.wantModel();
        this.#host.onIngest(e);
      },
    );
    if (model === 'load') await this.#loadEmbedder(embedder, key);
    else if (model === 'wait') this.status = 'waiting';
    else if (model === 'standby') this.status = 'standby';
    else this.#modelMissing({ problem: 'Shoebox needs your permission again to read the model folder on this device.', detail: '' });
    await started;
    void this.refreshTimings();
  }

  #newEmbedder(): Embedder {
    const embedder = (this.#embedder = new Embedder());
    void embedder.watchTowers((towers) => {
      if (embedder === this.#embedder) this.modelTowers = towers;
    });
    return embedder;
  }

  /** Loads the model in `embedder` and tells the import whether it can index. */
  async #loadEmbedder(embedder: Embedder, key: string): Promise<void> {
    this.status = 'loading';
    this.error = this.notice = '';
    this.progress = null;
    const loading = this.#namePromptsToEmbed(key).then((prompts) => embedder.load($state.snapshot(this.source) as ModelSource, (p) => (this.progress = p), prompts));
    this.#modelLoad = loading.catch(() => undefined);
    try {
      const info = await loading;
      if (embedder !== this.#embedder) return;
      this.info = info;
      this.status = 'ready';
      if (this.#db && !this.#modelLoadedOnce) {
        this.#modelLoadedOnce = true;
        void setMeta(this.#db, MODEL_LOADED_ONCE_KEY, true);
      }
      void this.#ingester?.modelState('ready');
    } catch (err) {
      if (embedder !== this.#embedder) return;
      this.#modelMissing(modelLoadProblem(err, this.source, navigator.onLine));
    }
  }

  /**
   * The subject prompts that name clusters, when this model's vectors of them are not stored yet:
   * the load embeds them while its text tower is there, so naming the groups of an import needs
   * the image tower only.
   */
  async #namePromptsToEmbed(key: string): Promise<string[]> {
    const stored = this.#db ? await readVocabularyCache(this.#db, key).catch(() => undefined) : undefined;
    return stored?.key === vocabularyKey() ? [] : SUBJECTS.map((s) => s.prompt);
  }

  /** The one message about a model that cannot be loaded; items are added meanwhile and wait for it. */
  #modelMissing({ problem, detail }: { problem: string; detail: string }): void {
    this.status = 'error';
    this.notice = `${problem} Photos and videos are still added and can be browsed; they become searchable once the model loads.`;
    this.error = detail ? `${problem} (${detail})` : problem;
    void this.#ingester?.modelState('unavailable');
  }

  /** Clustering needs the model only for automatic names (their words' vectors are kept once computed). */
  #startClusters(key: string): void {
    if (!this.#db || !this.#embedder || this.#clusterer) return;
    this.#clusterer = new Clusterer();
    this.#clusterer.connectEmbed(this.#embedder.connectPort());
    void this.#host.clusters.attach(this.#db, this.#clusterer, () => new Namer(), key);
  }

  async refreshTimings(): Promise<void> {
    if (this.#db) this.timings = await recentQueryTimings(this.#db, 20);
  }

  async addTiming(timing: Omit<QueryTimingRecord, 'id' | 'modelId'>): Promise<void> {
    if (!this.#db) return;
    await addQueryTiming(this.#db, { ...timing, modelId: this.modelKey });
    void this.refreshTimings();
  }

  /** The index grew or shrank (an import, a delete, an undo): the diagnostics show its size now. */
  async refreshIndexStatus(): Promise<void> {
    const indexer = this.#indexer;
    if (!indexer || !this.indexStatus) return;
    const { kind, size } = await indexer.status();
    if (indexer === this.#indexer && this.indexStatus) this.indexStatus = { ...this.indexStatus, kind, size };
  }
}
