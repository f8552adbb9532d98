// What search needs of every asset to filter, list by date and match file names, held in columns:
// a row per asset, its id → row in one map, type and date taken in typed arrays, names in one list.
// A million summaries as objects cost an object and two boxed numbers each (about 140 MB with the
// map in Node); in columns they cost the map entry, the id and name strings and 9 bytes, and
// give the worker's garbage collector a few arrays to trace instead of a million objects.
import type { AssetType } from './records';

/** The fields of an asset record a summary keeps. */
export interface AssetSummaryFields {
  name: string;
  type: AssetType;
  takenAtMs: number;
}

/** Row codes of the types: a byte each. */
const TYPES: readonly AssetType[] = ['image', 'video'];
const INITIAL_ROWS = 1024;

export class AssetSummaries {
  #rowOf = new Map<string, number>();
  /** Row → id; '' for a freed row (reused by the next set). */
  #ids: string[] = [];
  #names: string[] = [];
  #types = new Uint8Array(INITIAL_ROWS);
  #takenAtMs = new Float64Array(INITIAL_ROWS);
  #freeRows: number[] = [];

  get size(): number {
    return this.#rowOf.size;
  }

  has(id: string): boolean {
    return this.#rowOf.has(id);
  }

  /** The row of `id`, or -1 when it has no summary. Rows are valid until the next set or delete. */
  rowOf(id: string): number {
    return this.#rowOf.get(id) ?? -1;
  }

  name(row: number): string {
    return this.#names[row]!;
  }

  type(row: number): AssetType {
    return TYPES[this.#types[row]!]!;
  }

  takenAtMs(row: number): number {
    return this.#takenAtMs[row]!;
  }

  /** Adds or replaces the summary of `id`. */
  set(id: string, fields: AssetSummaryFields): void {
    let row = this.#rowOf.get(id);
    if (row === undefined) {
      row = this.#freeRows.pop() ?? this.#ids.length;
      if (row >= this.#types.length) this.#grow(row + 1);
      this.#rowOf.set(id, row);
      this.#ids[row] = id;
    }
    this.#names[row] = fields.name;
    const typeCode = TYPES.indexOf(fields.type);
    if (typeCode < 0) throw new Error(`Unknown asset type ${fields.type}`);
    this.#types[row] = typeCode;
    this.#takenAtMs[row] = fields.takenAtMs;
  }

  delete(id: string): boolean {
    const row = this.#rowOf.get(id);
    if (row === undefined) return false;
    this.#rowOf.delete(id);
    this.#ids[row] = '';
    this.#names[row] = '';
    this.#freeRows.push(row);
    return true;
  }

  clear(): void {
    this.#rowOf.clear();
    this.#ids = [];
    this.#names = [];
    this.#types = new Uint8Array(INITIAL_ROWS);
    this.#takenAtMs = new Float64Array(INITIAL_ROWS);
    this.#freeRows = [];
  }

  /** Calls `visit` with every asset's id and row, in no particular order. */
  forEach(visit: (id: string, row: number) => void): void {
    const ids = this.#ids;
    for (let row = 0; row < ids.length; row++) {
      const id = ids[row]!;
      if (id !== '') visit(id, row);
    }
  }

  /**
   * The ids `keep` accepts, newest taken first (the same date: by id), the first `k` of them, and
   * how many it accepted. Rows are sorted, not [id, date] pairs: a million of those would be a
   * million short-lived arrays and boxed dates.
   */
  newestTaken(k: number, keep: (id: string, row: number) => boolean): { ids: string[]; total: number } {
    const kept: number[] = [];
    this.forEach((id, row) => {
      if (keep(id, row)) kept.push(row);
    });
    const takenAtMs = this.#takenAtMs;
    const ids = this.#ids;
    kept.sort((a, b) => takenAtMs[b]! - takenAtMs[a]! || (ids[a]! < ids[b]! ? -1 : 1));
    return { ids: kept.slice(0, k).map((row) => ids[row]!), total: kept.length };
  }

  #grow(rows: number): void {
    // By half again, not double: at a million rows the spare capacity is a few MB, not eight.
    const capacity = Math.max(rows, Math.ceil(this.#types.length * 1.5));
    const types = new Uint8Array(capacity);
    types.set(this.#types);
    this.#types = types;
    const takenAtMs = new Float64Array(capacity);
    takenAtMs.set(this.#takenAtMs);
    this.#takenAtMs = takenAtMs;
  }
}
