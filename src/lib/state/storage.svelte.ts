import { offlineParts, type CachedFile, type OfflinePart } from '../core/offline-parts';

/**
 * How much this site stores, and whether the browser has promised to keep it. The one place
 * that asks the browser for a storage estimate: the library refreshes it after imports and
 * deletes, the storage panel shows it.
 */
export class DeviceStorage {
  usageBytes = $state<number | null>(null);
  quotaBytes = $state<number | null>(null);
  persisted = $state<boolean | null>(null);
  /** Outcome of the last "keep" request, shown under the button. */
  outcome = $state('');
  readonly supported = typeof navigator !== 'undefined' && !!navigator.storage?.estimate;
  /** What is kept for offline use (Cache Storage), by part; null until read. */
  offline = $state.raw<OfflinePart[] | null>(null);

  async refresh(): Promise<void> {
    if (!this.supported) return;
    const [est, persisted] = await Promise.all([navigator.storage.estimate(), navigator.storage.persisted?.() ?? Promise.resolve(false)]);
    this.usageBytes = est.usage ?? 0;
    this.quotaBytes = est.quota ?? 0;
    this.persisted = persisted;
  }

  /** Reads what the service worker and the model loader keep for offline use. */
  async refreshOffline(): Promise<void> {
    if (typeof caches === 'undefined') return;
    const files: CachedFile[] = [];
    for (const cacheName of await caches.keys()) {
      const cache = await caches.open(cacheName);
      for (const request of await cache.keys()) {
        const response = await cache.match(request);
        // Compressed responses carry no length; a cached body is a file on disk, so its size is cheap to read.
        const length = Number(response?.headers.get('content-length'));
        const sizeBytes = length > 0 ? length : ((await response?.blob())?.size ?? 0);
        files.push({ cacheName, path: new URL(request.url).pathname, sizeBytes });
      }
    }
    this.offline = offlineParts(files);
  }

  /** The "Keep my library" button: asks, and says what the browser answered. */
  async persist(): Promise<void> {
    if (!navigator.storage?.persist) {
      this.outcome = 'This browser cannot promise to keep the library.';
      return;
    }
    const granted = await navigator.storage.persist();
    this.persisted = granted;
    this.outcome = granted ? 'Persisted: the browser will keep your library unless you clear it yourself.' : 'The browser declined. It may agree once Shoebox is installed or used more often.';
    await this.refresh();
  }

  /** Asked without a word on the first import, when the user has shown they mean to keep things here. */
  askToKeep(): void {
    if (this.persisted || !navigator.storage?.persist) return;
    void navigator.storage.persist().then(() => this.refresh());
  }
}
