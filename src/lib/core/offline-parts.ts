/**
 * What the app keeps for offline use, in the user's words. The service worker precaches only the
 * app itself; the large parts are cached the first time they are used (vite.config.ts), so
 * Settings lists what this device holds now, each part with its size.
 */

/** The cache the service worker keeps built files in that it does not precache (vite.config.ts). */
export const RUNTIME_CACHE = 'shoebox-runtime';
/** The cache transformers.js keeps the model's files and ONNX Runtime's wasm in (its `env.cacheKey`). */
export const MODEL_CACHE = 'transformers-cache';
/** The cache the service worker keeps libheif's glue and wasm in (vite.config.ts). */
export const LIBHEIF_CACHE = 'shoebox-libheif';

/** One entry of the browser's Cache Storage: the cache's name and the path of the file in it. */
export interface CachedFile {
  cacheName: string;
  path: string;
  sizeBytes: number;
}

export interface OfflinePart {
  name: string;
  /** Why it is there, or when it was downloaded. */
  detail: string;
  sizeBytes: number;
  files: number;
}

const PARTS: { name: string; detail: string; matches: (f: CachedFile) => boolean }[] = [
  { name: 'Search model runtime', detail: 'ONNX Runtime, downloaded with the model', matches: (f) => /\/ort-wasm[^/]*$/.test(f.path) },
  { name: 'Search model', detail: 'downloaded with the first photos or search', matches: (f) => f.cacheName === MODEL_CACHE },
  { name: 'Video decoder', detail: 'for videos this browser cannot play, downloaded with the first such video', matches: (f) => /\/ffmpeg-core[^/]*$/.test(f.path) },
  { name: 'HEIC decoder', detail: 'for iPhone photos, downloaded with the first HEIC photo', matches: (f) => /heif/i.test(f.path) },
  { name: 'Places table', detail: 'GeoNames places, downloaded with the first photo that has a position', matches: (f) => /\/places\/[^/]*$/.test(f.path) },
  { name: 'Shoebox', detail: 'the app itself', matches: () => true },
];

/** Adds up cached files into the parts above, largest first; parts with no file are left out. */
export function offlineParts(files: readonly CachedFile[]): OfflinePart[] {
  const sums = PARTS.map((p) => ({ name: p.name, detail: p.detail, sizeBytes: 0, files: 0 }));
  for (const f of files) {
    const i = PARTS.findIndex((p) => p.matches(f));
    sums[i].sizeBytes += f.sizeBytes;
    sums[i].files += 1;
  }
  return sums.filter((s) => s.files > 0).sort((a, b) => b.sizeBytes - a.sizeBytes);
}
