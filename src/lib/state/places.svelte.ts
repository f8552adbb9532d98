import { placeItemsInWorker } from '../clients/places';
import { countryAliases, groupPlaces, inPlaces, PLACE_VERSION, placeKeysOf, type CountryGroup, type PlaceKey } from '../core/places';
import type { ItemSummary } from '../core/item-summary';
import type { LibraryItems } from './items.svelte';

/** The place a Places view shows the items of: a city (or region) card, or a whole country. */
export interface OpenPlace {
  key: string;
  name: string;
  within: string;
}

/**
 * Places of the library: the background pass that looks up where items with a GPS position were
 * taken (in the places worker, only when such an item lacks this lookup's mark), the Places view's
 * country → city groups and open place, and what place phrases of a search match.
 */
export class PlacesState {
  /** Bumped when a pass stored places, so what reads them updates. */
  version = $state(0);
  open = $state<OpenPlace | null>(null);
  /** How many items the running pass looks up (0 when none runs). */
  lookingUp = $state(0);
  /** Set when the last pass failed (the table could not be read). */
  error = $state('');
  readonly groups: CountryGroup[] = $derived.by(() => {
    void this.version;
    void this.#items.count;
    return groupPlaces(this.#items.summaries());
  });
  /** Whether any item has a GPS position (the empty view says where places come from). */
  readonly anyPosition: boolean = $derived.by(() => {
    void this.version;
    void this.#items.count;
    for (const _ of this.#items.summaries('hasPosition')) return true;
    return false;
  });
  /** Items of the open place, in no particular order (the grid orders them). */
  readonly openItems: ItemSummary[] = $derived.by(() => {
    void this.version;
    void this.#items.count;
    const key = this.open?.key;
    if (!key) return [];
    const keys = new Set([key]);
    return this.#where((a) => inPlaces(a.place, keys));
  });

  #items: LibraryItems;
  #running: Promise<void> | null = null;
  #again = false;
  #keys: { at: string; keys: PlaceKey[] } | null = null;

  constructor(items: LibraryItems) {
    this.#items = items;
  }

  /**
   * The summaries `keep` accepts (of those with a GPS position only, with `only`): each item's
   * summary is made as it is reached, and kept only when accepted.
   */
  #where(keep: (a: ItemSummary) => boolean, only?: 'hasPosition'): ItemSummary[] {
    const kept: ItemSummary[] = [];
    for (const a of this.#items.summaries(only)) if (keep(a)) kept.push(a);
    return kept;
  }

  /** Looks up the places of items with a position and no place of this lookup; one pass at a time. */
  update(): Promise<void> {
    if (this.#running) {
      this.#again = true;
      return this.#running;
    }
    this.#running = (async () => {
      do {
        this.#again = false;
        const todo = this.#where((a) => a.placeVersion !== PLACE_VERSION, 'hasPosition').map((a) => a.id);
        if (!todo.length) break;
        this.lookingUp = todo.length;
        try {
          const changed = await placeItemsInWorker(todo);
          // Unchanged records got their mark only: read them all, so they are not looked up again.
          await this.#items.reread(todo);
          this.error = '';
          if (changed.length) this.version++;
        } catch (err) {
          this.error = `Places could not be looked up: ${err instanceof Error ? err.message : String(err)}`;
          break;
        }
      } while (this.#again);
    })().finally(() => {
      this.#running = null;
      this.lookingUp = 0;
    });
    return this.#running;
  }

  /** The places of the library, each once (search reads place names against them). */
  keys(): PlaceKey[] {
    const at = `${this.version}:${this.#items.count}`;
    if (this.#keys?.at === at) return this.#keys.keys;
    const byKey = new Map<string, PlaceKey>();
    for (const a of this.#items.summaries()) if (a.place) for (const k of placeKeysOf(a.place)) byKey.set(k.key, k);
    const keys = [...byKey.values()];
    // Countries are stored in English; "Spanien" typed in German finds Spain too.
    this.#keys = { at, keys: [...keys, ...countryAliases(keys, typeof navigator === 'undefined' ? [] : navigator.languages)] };
    return this.#keys.keys;
  }

  /** Ids of the items in any of the places `keys` names. */
  idsIn(keys: readonly string[]): string[] {
    const set = new Set(keys);
    return this.#where((a) => inPlaces(a.place, set)).map((a) => a.id);
  }
}
