// Test-only page (built by test/e2e/video-worker.e2e.mjs, never part of the app): runs the real
// workers/video.worker.ts in a module worker and reports what it returned as plain JSON.
import { transfer, wrap, type Remote } from 'comlink';
import type { ExtractOptions, ExtractedVideo, VideoApi } from '../../../../workers/video.worker';
import { bhattacharyyaDistance, hsvHistogramFromRgba } from '../../../../src/lib/core/hsv-histogram';

export interface FrameSummary {
  timestampSec: number;
  width: number;
  height: number;
  /** mean R, G, B of the model input */
  meanRgb: [number, number, number];
  /** mean colour of the model square's top and bottom thirds (which way a frame was turned) */
  topRgb: [number, number, number];
  bottomRgb: [number, number, number];
  thumbnail: { type: string; width: number; height: number };
}

export interface ExtractSummary extends Omit<ExtractedVideo, 'frames' | 'poster'> {
  frames: FrameSummary[];
  poster: { type: string; width: number; height: number; blobWidth: number; blobHeight: number };
  /** Bhattacharyya distances of the kept frames' model inputs, every pair */
  pairwiseDistances: number[];
  wallMs: number;
}

export type ExtractOutcome = { ok: true; result: ExtractSummary } | { ok: false; error: string };

function newWorker(): Remote<VideoApi> {
  return wrap<VideoApi>(new Worker(new URL('../../../../workers/video.worker.ts', import.meta.url), { type: 'module', name: 'video' }));
}

const direct = newWorker();

/** The same API reached through connect(port), as the ingest worker will use it. */
function viaPort(): Remote<VideoApi> {
  const { port1, port2 } = new MessageChannel();
  void direct.connect(transfer(port2, [port2]));
  return wrap<VideoApi>(port1);
}

async function imageSize(blob: Blob): Promise<{ type: string; width: number; height: number }> {
  const bitmap = await createImageBitmap(blob);
  const size = { type: blob.type, width: bitmap.width, height: bitmap.height };
  bitmap.close();
  return size;
}

function meanRgb(data: Uint8ClampedArray): [number, number, number] {
  const sum = [0, 0, 0];
  for (let i = 0; i < data.length; i += 4) for (let c = 0; c < 3; c++) sum[c]! += data[i + c]!;
  const n = data.length / 4;
  return [sum[0]! / n, sum[1]! / n, sum[2]! / n];
}

/** The rows of an RGBA image between two fractions of its height. */
function rows({ data, width, height }: { data: Uint8ClampedArray; width: number; height: number }, from: number, to: number): Uint8ClampedArray {
  return data.subarray(Math.round(from * height) * width * 4, Math.round(to * height) * width * 4);
}

async function summarise(r: ExtractedVideo, wallMs: number): Promise<ExtractSummary> {
  const histograms = r.frames.map((f) => hsvHistogramFromRgba(f.pixels.data, f.pixels.width, f.pixels.height));
  const pairwiseDistances: number[] = [];
  for (let a = 0; a < histograms.length; a++) {
    for (let b = a + 1; b < histograms.length; b++) pairwiseDistances.push(bhattacharyyaDistance(histograms[a]!, histograms[b]!));
  }
  const { frames, poster, ...rest } = r;
  const posterSize = await imageSize(poster.blob);
  return {
    ...rest,
    poster: { ...posterSize, blobWidth: poster.width, blobHeight: poster.height },
    frames: await Promise.all(
      frames.map(async (f) => ({
        timestampSec: f.timestampSec,
        width: f.pixels.width,
        height: f.pixels.height,
        meanRgb: meanRgb(f.pixels.data),
        topRgb: meanRgb(rows(f.pixels, 0, 1 / 3)),
        bottomRgb: meanRgb(rows(f.pixels, 2 / 3, 1)),
        thumbnail: await imageSize(f.thumbnail),
      })),
    ),
    pairwiseDistances,
    wallMs,
  };
}

async function extractUrl(url: string, options: ExtractOptions, through: 'direct' | 'port' = 'direct'): Promise<ExtractOutcome> {
  const blob = await (await fetch(url)).blob();
  const api = through === 'port' ? viaPort() : direct;
  const started = performance.now();
  try {
    const r = await api.extract(blob, options);
    return { ok: true, result: await summarise(r, performance.now() - started) };
  } catch (err) {
    return { ok: false, error: err instanceof Error ? err.message : String(err) };
  }
}

declare global {
  interface Window {
    extractUrl: typeof extractUrl;
    videoWorkerPageReady: boolean;
  }
}

window.extractUrl = extractUrl;
window.videoWorkerPageReady = true;
