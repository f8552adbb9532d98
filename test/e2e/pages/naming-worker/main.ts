// Test-only page (built by test/e2e/naming-worker.e2e.mjs, never part of the app): stores thumbnails
// in the library's IndexedDB as ingest would, then names clusters through the real Namer client
// and its worker, and reports the events in the order the page heard them.
import { Namer, type ClusterToName, type NamingEvent, type NamingOptions, type NamingSettings, type NamingSummary } from '../../../../src/lib/clients/namer';
import { openLibraryDb } from '../../../../src/lib/db/db';

export interface ThumbSpec {
  id: string;
  rgb: [number, number, number];
  widthPx: number;
  heightPx: number;
  type: 'image/jpeg' | 'image/webp';
}

async function seedThumbnails(specs: ThumbSpec[]): Promise<void> {
  const records = await Promise.all(
    specs.map(async (s) => {
      const canvas = new OffscreenCanvas(s.widthPx, s.heightPx);
      const ctx = canvas.getContext('2d')!;
      ctx.fillStyle = `rgb(${s.rgb.join(',')})`;
      ctx.fillRect(0, 0, s.widthPx, s.heightPx);
      // A second shape so the picture is not a flat colour the encoder can shrink to nothing.
      ctx.fillStyle = '#fff';
      ctx.fillRect(s.widthPx / 4, s.heightPx / 4, s.widthPx / 2, s.heightPx / 2);
      const blob = await canvas.convertToBlob({ type: s.type, quality: 0.9 });
      return { id: s.id, blob, width: s.widthPx, height: s.heightPx };
    }),
  );
  const db = await openLibraryDb();
  const tx = db.transaction('thumbnails', 'readwrite');
  await Promise.all([...records.map((r) => tx.store.put(r)), tx.done]);
  db.close();
}

export interface RunOutcome {
  events: NamingEvent[];
  summary?: NamingSummary;
  error?: string;
}

let namer: Namer | null = null;

async function runNaming(settings: NamingSettings, clusters: ClusterToName[], options: NamingOptions & { cancelAfterRequests?: number } = {}): Promise<RunOutcome> {
  namer ??= new Namer();
  const events: NamingEvent[] = [];
  const { cancelAfterRequests, ...namingOptions } = options;
  try {
    const summary = await namer.nameClusters(
      settings,
      clusters,
      (e) => {
        events.push(e);
        if (cancelAfterRequests !== undefined && e.type === 'request' && e.count >= cancelAfterRequests) void namer!.cancel();
      },
      namingOptions,
    );
    return { events, summary };
  } catch (err) {
    return { events, error: err instanceof Error ? err.message : String(err) };
  }
}

declare global {
  interface Window {
    seedThumbnails: typeof seedThumbnails;
    runNaming: typeof runNaming;
    namingWorkerPageReady: boolean;
  }
}

window.seedThumbnails = seedThumbnails;
window.runNaming = runNaming;
window.namingWorkerPageReady = true;
