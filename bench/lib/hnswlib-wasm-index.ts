/**
 * Approximate nearest-neighbour index on hnswlib (C++, compiled to wasm by the
 * `hnswlib-wasm` package), behind our {@link VectorIndex} interface. Not on the
 * app's path: bench/search.mjs measures it against the app's TS HNSW.
 *
 * Algorithm: HNSW — Yu. A. Malkov, D. A. Yashunin, "Efficient and robust
 * approximate nearest neighbor search using Hierarchical Navigable Small World
 * graphs", IEEE TPAMI 2020. Space 'ip' (distance = 1 − dot): our vectors are
 * L2-normalised, so score = 1 − distance = cosine similarity.
 *
 * Ids: hnswlib keys points by integer labels. Labels are handed out densely
 * (0, 1, 2, …) and never reused: `#labelToId[label]` and `#idToLabel` map both
 * ways; removing or replacing an id marks its label deleted (hnswlib's
 * markDelete keeps the node in the graph for routing but never returns it),
 * so `labelCount` = live + deleted. Capacity grows by doubling (resizeIndex).
 *
 * Persistence: hnswlib-wasm (0.8.2) only writes through Emscripten's file
 * system and does not export `FS`. Its one public path to bytes is IDBFS: the
 * library mounts `/hnswlib-index` as IDBFS, whose backing store is the
 * IndexedDB database "/hnswlib-index", object store "FILE_DATA", key = file
 * path, value `{ timestamp, mode, contents }`. So:
 * - serialize: `writeIndex(name)` saves the native hnswlib file to MEMFS and
 *   pushes it to IndexedDB (the library does that itself); we read the record
 *   back with the plain IndexedDB API, delete it, and pull (syncfs populate),
 *   which drops the MEMFS copy again.
 * - restore: we put the native bytes into that store, pull them into MEMFS,
 *   `readIndex(name)` (no re-insertion: the graph is read as saved), then
 *   delete the record and pull again.
 * The native bytes are wrapped in our own header (core/vector-index.ts) with
 * ids, labels and parameters. All file-system work is serialised through one
 * promise chain per worker.
 *
 * Environment: needs a global `indexedDB` (browser window or worker; Node tests
 * use fake-indexeddb and a `window` shim in the test file, never here). Embind
 * compiles its glue with `new Function`, so the worker that loads this needs
 * 'unsafe-eval' in its CSP (see the report / choose-index.ts).
 */

import {
  compareHits,
  encodeIndex,
  decodeIndex,
  IndexFormatError,
  IndexMismatchError,
  readIndexHeader,
  type DecodedIndex,
  type SearchOptions,
  type VectorIndex,
} from '../../src/lib/core/vector-index';
import type { ScoredId } from '../../src/lib/core/vector';
import { DEFAULT_HNSW_PARAMS, type HnswParams } from '../../src/lib/core/hnsw';

// The same parameters as the app's HNSW (core/hnsw.ts), so the bench compares like with like.
export { DEFAULT_HNSW_PARAMS, type HnswParams };

/** The subset of hnswlib-wasm's HierarchicalNSW we use (its .d.ts pulls in @types/emscripten, which we do not install). */
interface NativeHnsw {
  initIndex(maxElements: number, m: number, efConstruction: number, randomSeed: number): void;
  readIndex(filename: string, maxElements: number): unknown;
  writeIndex(filename: string): unknown;
  resizeIndex(newMaxElements: number): void;
  addPoint(point: Float32Array, label: number, replaceDeleted: boolean): void;
  addPoints(points: Float32Array[], labels: number[], replaceDeleted: boolean): void;
  markDelete(label: number): void;
  searchKnn(query: Float32Array, k: number, filter: ((label: number) => boolean) | undefined): { distances: number[]; neighbors: number[] };
  getMaxElements(): number;
  getCurrentCount(): number;
  getNumDimensions(): number;
  setEfSearch(ef: number): void;
  delete(): void;
}

interface NativeLib {
  HierarchicalNSW: new (space: 'ip' | 'cosine' | 'l2', dim: number, autoSaveFilename: string) => NativeHnsw;
  EmscriptenFileSystemManager: { isSynced(): boolean; isInitialized(): boolean };
  getExceptionMessage?: (e: unknown) => [string, string];
}

interface Loaded {
  lib: NativeLib;
  sync(action: 'read' | 'write'): Promise<void>;
}

/** IDBFS mount point of hnswlib-wasm = the name of its IndexedDB database. */
const FS_DIR = '/hnswlib-index';
/** IDBFS object store (hnswlib-wasm exports it as IDBFS_STORE_NAME). */
const FS_STORE = 'FILE_DATA';
/** Our scratch files in that directory; leftovers from a crash are purged on load. */
const SCRATCH_PREFIX = 'shoebox-scratch-';
/** S_IFREG | 0666, what MEMFS stores for a regular file. */
const FILE_MODE = 0o100666;
/** Points per addPoints call: the wrapper rescans all labels once per call (O(n)), so batch. */
const ADD_BATCH = 1000;
/** Payload header: labelCount, capacity, m, efConstruction, efSearch, seed, nativeByteLength (u32 each). */
const PAYLOAD_HEADER_WORDS = 7;
const SYNC_TIMEOUT_MS = 120_000;

/** Lines hnswlib-wasm prints on every load and file-system sync (no way to pass Module.print through loadHnswlib). */
const NOISE = /^(EmscriptenFileSystemManager: Mounting IDBFS|b\. jsFS synced successfully|d\. Calling sync callback|warning: \d+ FS\.syncfs operations in flight)/;

/**
 * Drops hnswlib-wasm's chatter from console.log / console.warn, keeping every
 * other message. Must run before the wasm module is instantiated: Emscripten
 * binds `console.log` for printf output at that moment.
 */
function quietLibraryLogs(): void {
  for (const level of ['log', 'warn'] as const) {
    const original = console[level];
    console[level] = (...args: unknown[]) => {
      if (typeof args[0] === 'string' && NOISE.test(args[0])) return;
      original.apply(console, args);
    };
  }
}

let loading: Promise<Loaded> | null = null;

/** Loads the wasm once per worker (cached promise, dropped on failure so a retry can succeed). */
export function loadHnswLibrary(): Promise<Loaded> {
  loading ??= (async () => {
    quietLibraryLogs();
    const mod = await import('hnswlib-wasm');
    const lib = (await mod.loadHnswlib()) as unknown as NativeLib;
    const loaded: Loaded = { lib, sync: (action) => mod.syncFileSystem(action) };
    try {
      // loadHnswlib returns before its first IDBFS pull has finished.
      await waitUntilSynced(lib, 15_000);
      await fsExclusive(() => purgeScratch(loaded));
    } catch (e) {
      // Search works without IndexedDB; only serialize/restore need it (and will fail loudly).
      console.warn('hnswlib-wasm: IndexedDB not usable, HNSW persistence will fail:', e);
    }
    return loaded;
  })().catch((e: unknown) => {
    loading = null;
    throw e;
  });
  return loading;
}

/** Serialises every file-system round trip of this worker (IDBFS syncs are global). */
let fsQueue: Promise<unknown> = Promise.resolve();
function fsExclusive<T>(task: () => Promise<T>): Promise<T> {
  const run = fsQueue.then(task, task);
  fsQueue = run.catch(() => undefined);
  return run;
}

async function waitUntilSynced(lib: NativeLib, timeoutMs = SYNC_TIMEOUT_MS): Promise<void> {
  const start = Date.now();
  while (!lib.EmscriptenFileSystemManager.isSynced()) {
    if (Date.now() - start > timeoutMs) throw new Error('hnswlib-wasm: IndexedDB sync did not finish (storage full or blocked?)');
    await new Promise((r) => setTimeout(r, 2));
  }
}

/** Pull IndexedDB → MEMFS; the library reports success through isSynced(). */
async function pull(loaded: Loaded): Promise<void> {
  await loaded.sync('read');
  if (!loaded.lib.EmscriptenFileSystemManager.isSynced()) throw new Error('hnswlib-wasm: IndexedDB → MEMFS sync failed');
}

function idbDone<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error ?? new Error('IndexedDB request failed'));
  });
}

/** One transaction on the IDBFS store, in a connection closed right after (IDBFS keeps its own). */
async function withFsStore<T>(mode: IDBTransactionMode, op: (store: IDBObjectStore) => IDBRequest<T> | undefined): Promise<T | undefined> {
  const open = indexedDB.open(FS_DIR);
  const db = await idbDone(open);
  try {
    if (!db.objectStoreNames.contains(FS_STORE)) throw new Error(`hnswlib-wasm: IndexedDB "${FS_DIR}" has no "${FS_STORE}" store`);
    const tx = db.transaction(FS_STORE, mode);
    const committed = new Promise<void>((resolve, reject) => {
      tx.oncomplete = () => resolve();
      tx.onerror = tx.onabort = () => reject(tx.error ?? new Error('IndexedDB transaction failed'));
    });
    const req = op(tx.objectStore(FS_STORE));
    const [result] = await Promise.all([req ? idbDone(req) : undefined, committed]);
    return result;
  } finally {
    db.close();
  }
}

async function purgeScratch(loaded: Loaded): Promise<void> {
  const keys = (await withFsStore('readonly', (s) => s.getAllKeys())) ?? [];
  const stale = keys.filter((k): k is string => typeof k === 'string' && k.startsWith(`${FS_DIR}/${SCRATCH_PREFIX}`));
  if (stale.length === 0) return;
  await withFsStore('readwrite', (s) => {
    for (const k of stale) s.delete(k);
    return undefined;
  });
  await pull(loaded);
}

function scratchName(): string {
  return `${SCRATCH_PREFIX}${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}.hnsw`;
}

function describe(lib: NativeLib, e: unknown): string {
  if (e instanceof Error) return e.message;
  try {
    const m = lib.getExceptionMessage?.(e);
    if (m) return m.filter(Boolean).join(': ');
  } catch {
    /* not a C++ exception */
  }
  return String(e);
}

/** HNSW index over unit vectors with string ids. Create with {@link HnswIndex.create} or restore with {@link HnswIndex.restore}. */
export class HnswIndex implements VectorIndex {
  readonly kind = 'hnsw' as const;
  readonly dim: number;
  readonly modelKey: string;
  readonly params: Readonly<HnswParams>;
  readonly #loaded: Loaded;
  #native: NativeHnsw | null;
  #capacity: number;
  #ef: number;
  /** Label → id; undefined for deleted labels. */
  readonly #labelToId: Array<string | undefined>;
  readonly #idToLabel: Map<string, number>;

  private constructor(loaded: Loaded, native: NativeHnsw, dim: number, modelKey: string, params: HnswParams, capacity: number, labelToId: Array<string | undefined>) {
    this.#loaded = loaded;
    this.#native = native;
    this.dim = dim;
    this.modelKey = modelKey;
    this.params = Object.freeze({ ...params });
    this.#capacity = capacity;
    this.#labelToId = labelToId;
    this.#idToLabel = new Map();
    labelToId.forEach((id, label) => {
      if (id !== undefined) this.#idToLabel.set(id, label);
    });
    this.#ef = params.efSearch;
    native.setEfSearch(this.#ef);
  }

  /** An empty index. Loads the wasm on first use (~0.2 s). */
  static async create(dim: number, modelKey: string, params: Partial<HnswParams> = {}): Promise<HnswIndex> {
    if (!Number.isInteger(dim) || dim < 1) throw new RangeError(`HnswIndex: bad dim ${dim}`);
    const p: HnswParams = { ...DEFAULT_HNSW_PARAMS, ...params };
    const capacity = Math.max(16, Math.floor(p.initialCapacity));
    const loaded = await loadHnswLibrary();
    const native = new loaded.lib.HierarchicalNSW('ip', dim, '');
    native.initIndex(capacity, p.m, p.efConstruction, p.seed);
    return new HnswIndex(loaded, native, dim, modelKey, p, capacity, []);
  }

  /**
   * Restores serialised bytes of kind 'hnsw' without re-inserting points.
   *
   * @throws IndexFormatError (corrupt / truncated / wrong kind), IndexMismatchError (expectedModelKey)
   */
  static async restore(bytes: Uint8Array, expectedModelKey?: string): Promise<HnswIndex> {
    const header = readIndexHeader(bytes);
    if (header.kind !== 'hnsw') throw new IndexFormatError('kind', `expected an hnsw index, got '${header.kind}'`);
    if (expectedModelKey !== undefined && header.modelKey !== expectedModelKey) {
      throw new IndexMismatchError('modelKey', expectedModelKey, header.modelKey);
    }
    return HnswIndex.fromDecoded(decodeIndex(bytes));
  }

  /** Restorer for core's restoreIndex: `restoreIndex(bytes, { restorers: { hnsw: HnswIndex.fromDecoded } })`. */
  static async fromDecoded(this: void, d: DecodedIndex): Promise<HnswIndex> {
    if (d.kind !== 'hnsw') throw new IndexFormatError('kind', `expected an hnsw index, got '${d.kind}'`);
    const pl = d.payload;
    const headBytes = 4 * (PAYLOAD_HEADER_WORDS + d.count);
    if (pl.byteLength < headBytes) throw new IndexFormatError('payload', 'hnsw payload too short for its label table');
    const view = new DataView(pl.buffer, pl.byteOffset, pl.byteLength);
    const word = (i: number) => view.getUint32(4 * i, true);
    const [labelCount, capacity, m, efConstruction, efSearch, seed, nativeLen] = [0, 1, 2, 3, 4, 5, 6].map(word) as [number, number, number, number, number, number, number];
    if (labelCount < d.count || capacity < labelCount || capacity < 1) {
      throw new IndexFormatError('payload', `inconsistent hnsw counts (ids ${d.count}, labels ${labelCount}, capacity ${capacity})`);
    }
    if (headBytes + nativeLen !== pl.byteLength) {
      throw new IndexFormatError('payload', `hnsw payload is ${pl.byteLength} bytes, expected ${headBytes + nativeLen}`);
    }
    const labelToId = new Array<string | undefined>(labelCount).fill(undefined);
    for (let i = 0; i < d.count; i++) {
      const label = word(PAYLOAD_HEADER_WORDS + i);
      if (label >= labelCount || labelToId[label] !== undefined) throw new IndexFormatError('payload', `bad or repeated label ${label}`);
      labelToId[label] = d.ids[i];
    }
    const nativeBytes = pl.subarray(headBytes);
    const loaded = await loadHnswLibrary();
    const { lib } = loaded;
    const native = await fsExclusive(async () => {
      const name = scratchName();
      const key = `${FS_DIR}/${name}`;
      const hnsw = new lib.HierarchicalNSW('ip', d.dim, '');
      try {
        await withFsStore('readwrite', (s) => s.put({ timestamp: new Date(), mode: FILE_MODE, contents: nativeBytes }, key));
        await pull(loaded);
        try {
          hnsw.readIndex(name, capacity);
        } catch (e) {
          throw new IndexFormatError('payload', `hnswlib could not read the native index: ${describe(lib, e)}`);
        }
        return hnsw;
      } catch (e) {
        hnsw.delete();
        throw e;
      } finally {
        await withFsStore('readwrite', (s) => s.delete(key));
        await pull(loaded);
      }
    });
    if (native.getCurrentCount() !== labelCount || native.getNumDimensions() !== d.dim) {
      native.delete();
      throw new IndexFormatError('payload', 'native hnsw index does not match its header');
    }
    const params: HnswParams = { m, efConstruction, efSearch, seed, initialCapacity: capacity };
    return new HnswIndex(loaded, native, d.dim, d.modelKey, params, Math.max(capacity, native.getMaxElements()), labelToId);
  }

  #hnsw(): NativeHnsw {
    if (!this.#native) throw new Error('HnswIndex: used after dispose()');
    return this.#native;
  }

  get size(): number {
    return this.#idToLabel.size;
  }

  /** Allocated points (live + deleted + free). */
  get capacity(): number {
    return this.#capacity;
  }

  /** Labels handed out so far (live + deleted). */
  get labelCount(): number {
    return this.#labelToId.length;
  }

  /** Removed or replaced points still occupying the graph; rebuild from stored vectors when this grows large. */
  get deletedCount(): number {
    return this.#labelToId.length - this.#idToLabel.size;
  }

  has(id: string): boolean {
    return this.#idToLabel.has(id);
  }

  #checkDim(v: Float32Array, what: string): void {
    if (v.length !== this.dim) throw new RangeError(`HnswIndex.${what}: expected length ${this.dim}, got ${v.length}`);
  }

  #ensureCapacity(needed: number): void {
    if (needed <= this.#capacity) return;
    let next = this.#capacity;
    while (next < needed) next *= 2;
    this.#hnsw().resizeIndex(next);
    this.#capacity = next;
  }

  /** Retires the label of `id` (if any) so a new vector can take a fresh label. */
  #retire(id: string): void {
    const old = this.#idToLabel.get(id);
    if (old === undefined) return;
    this.#hnsw().markDelete(old);
    this.#labelToId[old] = undefined;
    this.#idToLabel.delete(id);
  }

  add(id: string, vector: Float32Array): void {
    this.#checkDim(vector, 'add');
    const native = this.#hnsw();
    this.#retire(id);
    const label = this.#labelToId.length;
    this.#ensureCapacity(label + 1);
    native.addPoint(vector, label, false);
    this.#labelToId.push(id);
    this.#idToLabel.set(id, label);
  }

  addMany(items: Iterable<{ id: string; vector: Float32Array }>): void {
    const latest = new Map<string, Float32Array>();
    for (const { id, vector } of items) {
      this.#checkDim(vector, 'addMany');
      latest.delete(id); // re-insert so the map order follows the last occurrence
      latest.set(id, vector);
    }
    const native = this.#hnsw();
    for (const id of latest.keys()) this.#retire(id);
    this.#ensureCapacity(this.#labelToId.length + latest.size);
    let ids: string[] = [];
    let vectors: Float32Array[] = [];
    const flush = () => {
      if (ids.length === 0) return;
      const first = this.#labelToId.length;
      native.addPoints(vectors, ids.map((_, i) => first + i), false);
      ids.forEach((id, i) => {
        this.#labelToId.push(id);
        this.#idToLabel.set(id, first + i);
      });
      ids = [];
      vectors = [];
    };
    for (const [id, vector] of latest) {
      ids.push(id);
      vectors.push(vector);
      if (ids.length === ADD_BATCH) flush();
    }
    flush();
  }

  remove(id: string): boolean {
    if (!this.#idToLabel.has(id)) return false;
    this.#retire(id);
    return true;
  }

  search(query: Float32Array, opts: SearchOptions): ScoredId[] {
    this.#checkDim(query, 'search');
    const native = this.#hnsw();
    const k = Math.min(Math.floor(opts.k), this.size);
    if (!(k > 0)) return [];
    const ef = Math.max(k, Math.floor(opts.ef ?? this.params.efSearch));
    if (ef !== this.#ef) {
      native.setEfSearch(ef);
      this.#ef = ef;
    }
    const labelToId = this.#labelToId;
    const userFilter = opts.filter;
    const filter = userFilter
      ? (label: number) => {
          const id = labelToId[label];
          return id !== undefined && userFilter(id);
        }
      : undefined;
    const { distances, neighbors } = native.searchKnn(query, k, filter);
    const out: ScoredId[] = [];
    for (let i = 0; i < neighbors.length; i++) {
      const id = labelToId[neighbors[i]!];
      if (id !== undefined) out.push({ id, score: 1 - distances[i]! });
    }
    return out.sort(compareHits);
  }

  /**
   * Native hnswlib bytes wrapped in our header (ids, labels, parameters).
   * Costs one IndexedDB write + read of the native file (≈ N·(dim·4 + 2·m·4 + 16) bytes).
   */
  async serialize(): Promise<Uint8Array> {
    const native = this.#hnsw();
    const { lib } = this.#loaded;
    const { nativeBytes, ids, labels, labelCount, capacity } = await fsExclusive(async () => {
      const name = scratchName();
      const key = `${FS_DIR}/${name}`;
      try {
        native.writeIndex(name); // saves to MEMFS and starts the library's own push to IndexedDB
        // Snapshot the id ↔ label tables in the same tick as the native file, so adds or
        // removes while we wait for IndexedDB cannot make them disagree.
        const snapshot = { ids: [] as string[], labels: [] as number[], labelCount: this.#labelToId.length, capacity: this.#capacity };
        this.#idToLabel.forEach((label, id) => {
          snapshot.ids.push(id);
          snapshot.labels.push(label);
        });
        await waitUntilSynced(lib);
        const entry = (await withFsStore('readonly', (s) => s.get(key))) as { contents?: ArrayBufferView } | undefined;
        if (!entry?.contents) throw new Error('hnswlib-wasm: the written index did not reach IndexedDB');
        const c = entry.contents;
        return { ...snapshot, nativeBytes: new Uint8Array(c.buffer, c.byteOffset, c.byteLength) };
      } finally {
        await withFsStore('readwrite', (s) => s.delete(key));
        await pull(this.#loaded); // removes the MEMFS copy
      }
    });
    const headBytes = 4 * (PAYLOAD_HEADER_WORDS + ids.length);
    const p = this.params;
    return encodeIndex({ kind: 'hnsw', dim: this.dim, modelKey: this.modelKey, ids }, headBytes + nativeBytes.byteLength, (out) => {
      const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
      [labelCount, capacity, p.m, p.efConstruction, p.efSearch, p.seed, nativeBytes.byteLength].forEach((v, i) => view.setUint32(4 * i, v, true));
      labels.forEach((label, i) => view.setUint32(4 * (PAYLOAD_HEADER_WORDS + i), label, true));
      out.set(nativeBytes, headBytes);
    });
  }

  /** Frees the wasm memory of this index (the wasm heap itself never shrinks). */
  dispose(): void {
    this.#native?.delete();
    this.#native = null;
  }
}
