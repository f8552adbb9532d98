/**
 * Loads libheif (WebAssembly) on first need, in the worker that decodes: the app's first load never
 * fetches it. Self-hosted: Vite emits the glue and the .wasm from node_modules with our own build,
 * served from this origin. Kept for offline use once needed, not precached: the service worker's
 * CacheFirst rule (vite.config.ts) serves and stores them in LIBHEIF_CACHE; on a first visit the
 * worker was started before the service worker took the page over and fetched them past it, so
 * the loader stores what it fetched in the same cache itself.
 *
 * Variant: libheif-js's `libheif-wasm/libheif.js` glue plus its separate `libheif.wasm`. The glue
 * was checked to contain no `eval` or `new Function` (emscripten built without dynamic execution),
 * so it runs under the app's CSP, `script-src 'self' 'wasm-unsafe-eval'`, which allows only the
 * wasm compile. Not `libheif-bundle.mjs` (the same code with the wasm inlined as base64: 40% more
 * bytes, inside a .js file the precache would take) nor `libheif/libheif.js` (asm.js, 3 MB, slower).
 */
import wasmUrl from 'libheif-js/libheif-wasm/libheif.wasm?url';
import type { LibHeif } from './heif-decode';
import { LIBHEIF_CACHE } from '../core/offline-parts';
import { keepForOffline } from '../offline/runtime-cache';

/** libheif's built files: `assets/libheif-<hash>.js` and `.wasm`. */
const LIBHEIF_FILE = /\/libheif-[^/]*\.(?:js|wasm)$/;

let loading: Promise<LibHeif> | null = null;

/** The libheif files this worker fetched (the glue's URL is Vite's, so it is read back from the resource timings). */
const fetchedLibheifFiles = (): string[] => [
  ...new Set(
    performance
      .getEntriesByType('resource')
      .map((entry) => entry.name)
      .filter((url) => LIBHEIF_FILE.test(new URL(url).pathname)),
  ),
];

/**
 * Heap kept after a decode, bytes. libheif's heap peaks at ~8.4 bytes a pixel (measured: 98 MB
 * after a 12 MP photo, 245 MB after 31 MP; ~1.3 GB at the 150 MP limit) and a wasm heap never
 * shrinks: past this, the instance is dropped and the next HEIC loads a new one (the files come
 * from the cache; the 1.4 MB of wasm is compiled again, little next to a second of decoding), so
 * one large photo does not leave the import worker holding hundreds of megabytes. Phones' usual
 * 12 MP photos stay under it and share one instance.
 */
const LIBHEIF_HEAP_KEEP_BYTES = 128 * 2 ** 20;

/** Drops the libheif instance `lib` when its heap grew past LIBHEIF_HEAP_KEEP_BYTES. */
export function releaseLargeLibheifHeap(lib: LibHeif): void {
  if (heapBytes(lib) <= LIBHEIF_HEAP_KEEP_BYTES) return;
  void loading?.then((current) => {
    if (current === lib) loading = null;
  });
}

const heapBytes = (lib: LibHeif) => (lib as unknown as { HEAPU8?: Uint8Array }).HEAPU8?.buffer.byteLength ?? 0;

/** The libheif module, instantiated once per worker; a failed load (offline, first time) is tried again next time. */
export function loadLibheif(): Promise<LibHeif> {
  loading ??= import('libheif-js/libheif-wasm/libheif.js')
    .then(async (glue) => {
      const factory = (glue.default ?? glue) as unknown as (options: object) => Promise<LibHeif> | LibHeif;
      const lib = await factory({ locateFile: () => wasmUrl });
      // Offline use is a bonus: a full or blocked cache must not stop the decode (keepForOffline swallows its errors).
      void keepForOffline(fetchedLibheifFiles(), LIBHEIF_CACHE);
      return lib;
    })
    .catch((err: unknown) => {
      loading = null;
      throw err;
    });
  return loading;
}
