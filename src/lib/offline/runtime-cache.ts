import { RUNTIME_CACHE } from '../core/offline-parts';

/**
 * Keeps files a worker has just loaded (the video decoder, libheif) for offline use.
 * The service worker caches them as they are fetched, but only requests it controls: a worker
 * started before the service worker took over the page fetches past it. This puts whatever is
 * missing into the same cache the service worker reads, so either way they work offline once used.
 */
export async function keepForOffline(urls: readonly string[], cacheName = RUNTIME_CACHE): Promise<void> {
  if (typeof caches === 'undefined') return;
  try {
    const cache = await caches.open(cacheName);
    for (const url of urls) if (!(await cache.match(url))) await cache.add(url);
  } catch {
    // A full disk or a private window: the files still work online.
  }
}
