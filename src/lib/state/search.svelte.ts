import { tick } from 'svelte';
import type { SearchFilter, SearchHit } from '../clients/indexer';
import type { AssetType } from '../db/schema';
import { combineQuery, parseQuery, relevanceThreshold } from '../core/query';
import { compareNewestFirst } from '../core/timeline';
import { unionOfFilters, type TimeFilter } from '../core/time-spans';
import { plural } from '../core/plural';
import { parsePlaceQuery, type PlaceFilter } from '../core/query-place';
import { ITEMS_PER_PAGE, type LibraryItems, type ResultItem } from './items.svelte';
import type { Session } from './session.svelte';
import type { PlacesState } from './places.svelte';

/**
 * The date-phrase parser and chrono-node behind it, loaded with the first query rather than with
 * the page; dropped when the load fails so the next query tries again.
 */
let timeParser: Promise<typeof import('../core/query-time')> | null = null;
function loadTimeParser(): Promise<typeof import('../core/query-time')> {
  timeParser ??= import('../core/query-time').catch((err: unknown) => {
    timeParser = null;
    throw err;
  });
  return timeParser;
}

/** "More like these" averages at most this many items' vectors: enough to describe any selection. */
const MEAN_OF_AT_MOST = 1000;

export interface ResultFilter {
  type: 'all' | AssetType;
  /** yyyy-mm-dd from a date input, or '': a range of the date taken, the timeline's date. */
  takenFrom: string;
  takenTo: string;
}

/** How results are ordered: by relevance (best first) or by date taken (newest first, grouped by day). */
export type ResultSort = 'relevance' | 'date';

/** A text query or "More like this", its results and filters. */
export class SearchState {
  query = $state('');
  results = $state.raw<ResultItem[]>([]);
  /** Results below the relevance bar, shown folded. */
  weakResults = $state.raw<ResultItem[]>([]);
  noGoodMatch = $state(false);
  canShowMore = $state(false);
  /** The item(s) a "More like this / these" started from; `ids` holds several for "More like these". */
  similarTo = $state<{ id: string; name: string; ids?: string[] } | null>(null);
  filter = $state<ResultFilter>({ type: 'all', takenFrom: '', takenTo: '' });
  /** The time phrases of the query ("2019", "last summer"), shown as removable chips. */
  timeFilters = $state.raw<TimeFilter[]>([]);
  /** The place phrases of the query ("in Lisbon", "Spain"), shown as removable chips. */
  placeFilters = $state.raw<PlaceFilter[]>([]);
  /** Set when the query is only a date or a place: "3 photos and videos from July 2023", "2 photos in Lisbon". */
  dateListing = $state('');
  searching = $state(false);
  error = $state('');
  sort = $state<ResultSort>('relevance');
  /** The strong results' ids in the chosen order. */
  readonly orderedIds: readonly string[] = $derived((this.sort === 'date' ? [...this.results].sort(compareNewestFirst) : this.results).map((r) => r.id));
  readonly #byId = $derived(new Map(this.results.map((r) => [r.id, r])));

  #session: Session;
  #items: LibraryItems;
  #places: PlacesState | null;
  #seq = 0;
  #limit = ITEMS_PER_PAGE;

  constructor(session: Session, items: LibraryItems, places: PlacesState | null = null) {
    this.#session = session;
    this.#items = items;
    this.#places = places;
  }

  /** A strong result by id (what its tile shows). */
  resultOf(id: string): ResultItem | undefined {
    return this.#byId.get(id);
  }

  /** Whether the page shows results (of a query or of "More like this") rather than the library. */
  get active(): boolean {
    return this.query.trim().length > 0 || this.similarTo !== null;
  }

  #searchFilter(excludeIds: string[] = [], timeFilters: readonly TimeFilter[] = [], placeFilters: readonly PlaceFilter[] = []): SearchFilter {
    const f = this.filter;
    const day = (s: string, end: boolean) => (s ? new Date(`${s}T${end ? '23:59:59.999' : '00:00:00'}`).getTime() : undefined);
    return {
      ...(f.type !== 'all' ? { type: f.type } : {}),
      ...(f.takenFrom ? { takenFromMs: day(f.takenFrom, false) } : {}),
      ...(f.takenTo ? { takenToMs: day(f.takenTo, true) } : {}),
      ...(timeFilters.length ? { takenIn: unionOfFilters(timeFilters) } : {}),
      ...(placeFilters.length && this.#places ? { onlyIds: this.#places.idsIn(placeFilters.flatMap((p) => p.keys)) } : {}),
      excludeIds,
    };
  }

  /**
   * Text → vector in the CLIP worker (minus any "-term" vectors) → ranking in the index worker
   * → grid; results below the relevance bar fold under "weaker matches". Each step is timed and stored.
   */
  async search(text: string, limit = ITEMS_PER_PAGE): Promise<void> {
    this.query = text;
    this.similarTo = null;
    this.#limit = limit;
    const seq = ++this.#seq;
    this.dateListing = '';
    if (!text.trim()) {
      this.timeFilters = [];
      this.placeFilters = [];
      this.results = this.weakResults = [];
      this.error = '';
      this.noGoodMatch = false;
      return;
    }
    this.searching = true;
    this.error = '';
    // Dates in the words ("beach 2019") become filters on the date taken; the rest goes to CLIP.
    const timed = (await loadTimeParser()).parseTimeQuery(text, { nowMs: Date.now() });
    if (seq !== this.#seq) return;
    this.timeFilters = timed.filters;
    // Names of places in the library ("in Lisbon", "Spain") become place filters; the rest goes to CLIP.
    const placed = timed.text && this.#places ? parsePlaceQuery(timed.text, this.#places.keys()) : { text: timed.text, filters: [] };
    this.placeFilters = placed.filters;
    if (!placed.text && (timed.filters.length || placed.filters.length)) return this.#listByDate(timed.filters, limit, seq);
    // A query typed while the model loads waits for it instead of failing.
    this.#session.wantModel();
    if (this.#session.status === 'loading') await this.#session.modelSettled();
    if (seq !== this.#seq) return;
    const embedder = this.#session.embedder;
    const indexer = this.#session.indexer;
    if (!embedder || !indexer || !this.#session.ready) {
      this.error = 'Search is available once the model has loaded.';
      this.searching = false;
      return;
    }
    try {
      const t0 = performance.now();
      const { positive, negatives } = parseQuery(placed.text);
      const [pos, ...negs] = await Promise.all([positive || placed.text, ...negatives].map((t) => embedder.embedQuery(t)));
      const vector = combineQuery(pos, negs);
      const t1 = performance.now();
      const [hits, sample] = await Promise.all([indexer.search(vector, positive, limit, this.#searchFilter([], timed.filters, placed.filters)), indexer.sampleScores(vector)]);
      const t2 = performance.now();
      if (seq !== this.#seq) return;
      await this.#show(hits, relevanceThreshold(sample, this.#session.relevanceZ));
      const t3 = performance.now();
      await this.#session.addTiming({
        at: Date.now(),
        query: text,
        encodeMs: t1 - t0,
        rankMs: t2 - t1,
        renderMs: t3 - t2,
        resultCount: hits.length,
        libraryCount: this.#items.count,
      });
    } catch (err) {
      this.error = `Search failed: ${err instanceof Error ? err.message : String(err)}`;
    } finally {
      if (seq === this.#seq) this.searching = false;
    }
  }

  /**
   * A query that is only a date ("july 2023", "2019"): the items of that period, newest taken
   * first, listed by the index worker without a text encoding.
   */
  async #listByDate(filters: TimeFilter[], limit: number, seq: number): Promise<void> {
    // The index opens with the model's workers but does not wait for the model itself.
    const indexer = this.#session.indexer ?? (this.#session.status === 'loading' ? (await this.#session.modelSettled(), this.#session.indexer) : null);
    if (seq !== this.#seq) return;
    if (!indexer) {
      this.error = 'Search is available once the model has loaded.';
      this.searching = false;
      return;
    }
    try {
      const { hits, total } = await indexer.listByTakenAt(limit, this.#searchFilter([], filters, this.placeFilters));
      if (seq !== this.#seq) return;
      const what = this.filter.type === 'image' ? ['photo', 'photos'] : this.filter.type === 'video' ? ['video', 'videos'] : ['photo or video', 'photos and videos'];
      // "from 2019", "since 2020", "before 2015"
      const when = (label: string) => (/^(Since|After|Before) /.test(label) ? label[0]!.toLowerCase() + label.slice(1) : `from ${label}`);
      const where = this.placeFilters.length ? ` in ${this.placeFilters.map((p) => p.label).join(' or ')}` : '';
      this.dateListing = `${plural(total, what[0]!, what[1])}${filters.length ? ` ${filters.map((f) => when(f.label)).join(' or ')}` : ''}${where}`;
      await this.#show(hits, -Infinity);
    } catch (err) {
      this.error = `Search failed: ${err instanceof Error ? err.message : String(err)}`;
    } finally {
      if (seq === this.#seq) this.searching = false;
    }
  }

  /** Neighbours of one photo or video by its own stored vector. */
  async moreLikeThis(id: string, limit = ITEMS_PER_PAGE): Promise<void> {
    const indexer = this.#session.indexer;
    if (!indexer) return;
    const seq = ++this.#seq;
    this.query = '';
    this.timeFilters = [];
    this.placeFilters = [];
    this.dateListing = '';
    this.similarTo = { id, name: this.#items.get(id)?.name ?? id };
    this.#limit = limit;
    this.error = '';
    this.results = this.weakResults = [];
    const vector = await indexer.vectorOf(id);
    if (!vector) {
      this.error = 'This item has no vector for the current model yet.';
      return;
    }
    const [hits, sample] = await Promise.all([indexer.search(vector, '', limit, this.#searchFilter([id]), 'image'), indexer.sampleScores(vector)]);
    if (seq !== this.#seq) return;
    await this.#show(hits, relevanceThreshold(sample, this.#session.relevanceZ));
  }

  /**
   * Neighbours of several items at once: the library ranked against the mean of their vectors
   * (at most MEAN_OF_AT_MOST of them, evenly spread over the selection), the items themselves left out.
   */
  async moreLikeThese(ids: readonly string[], limit = ITEMS_PER_PAGE): Promise<void> {
    if (ids.length === 1) return this.moreLikeThis(ids[0]!, limit);
    const indexer = this.#session.indexer;
    if (!indexer || ids.length === 0) return;
    const seq = ++this.#seq;
    this.query = '';
    this.timeFilters = [];
    this.placeFilters = [];
    this.dateListing = '';
    this.similarTo = { id: ids[0]!, name: `these ${ids.length} items`, ids: [...ids] };
    this.#limit = limit;
    this.error = '';
    this.results = this.weakResults = [];
    const step = Math.max(1, Math.ceil(ids.length / MEAN_OF_AT_MOST));
    const vector = await indexer.meanVectorOf(ids.filter((_, i) => i % step === 0));
    if (seq !== this.#seq) return;
    if (!vector) {
      this.error = 'These items have no vectors for the current model yet.';
      return;
    }
    const [hits, sample] = await Promise.all([indexer.search(vector, '', limit, this.#searchFilter([...ids]), 'image'), indexer.sampleScores(vector)]);
    if (seq !== this.#seq) return;
    await this.#show(hits, relevanceThreshold(sample, this.#session.relevanceZ));
  }

  async #show(hits: SearchHit[], threshold: number): Promise<void> {
    const items = await Promise.all(hits.map((h) => this.#items.tile(h.id, h.score, h.nameMatch, h.moments)));
    const strong = items.filter((r) => r.nameMatch || (r.score ?? -1) >= threshold);
    const weak = items.filter((r) => !strong.includes(r));
    this.results = strong.map((r, i) => ({ ...r, rank: i + 1 }));
    this.weakResults = weak.map((r, i) => ({ ...r, rank: i + 1 }));
    this.noGoodMatch = strong.length === 0 && items.length > 0;
    this.canShowMore = hits.length >= this.#limit;
    await tick();
    await new Promise((r) => requestAnimationFrame(() => r(null)));
  }

  /** Re-runs the current query or "More like this" (after filters change, or to show more). */
  async rerun(): Promise<void> {
    if (this.similarTo?.ids) await this.moreLikeThese(this.similarTo.ids, this.#limit);
    else if (this.similarTo) await this.moreLikeThis(this.similarTo.id, this.#limit);
    else if (this.query.trim()) await this.search(this.query, this.#limit);
  }

  async showMore(): Promise<void> {
    this.#limit += ITEMS_PER_PAGE;
    await this.rerun();
  }

  setFilter(filter: Partial<ResultFilter>): void {
    this.filter = { ...this.filter, ...filter };
    this.#limit = ITEMS_PER_PAGE;
    void this.rerun();
  }

  /** Deleted items leave the results at once. */
  dropped(gone: Set<string>): void {
    this.results = this.results.filter((r) => !gone.has(r.id));
    this.weakResults = this.weakResults.filter((r) => !gone.has(r.id));
  }
}
