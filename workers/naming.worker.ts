/// <reference lib="webworker" />
import { expose } from 'comlink';
import { GoogleGenAI, type GenerateContentResponse } from '@google/genai';
import { openLibraryDb, type Db } from '../src/lib/db/db';
import { getThumbnail } from '../src/lib/db/repo';
import type { NamingSettings } from '../src/lib/db/naming-settings';
import { fitWithin } from '../src/lib/core/geometry';
import { runPool } from '../src/lib/core/concurrency';
import {
  backoffDelayMs,
  buildNamingRequest,
  bytesToBase64,
  classifyError,
  DEFAULT_BACKOFF,
  MAX_IMAGES_PER_REQUEST,
  parseNamingReply,
  redact,
  NAMING_IMAGE_MAX_EDGE_PX,
  NamingReplyError,
  type BackoffOptions,
  type InlineImage,
} from '../src/lib/core/naming';

export type { NamingSettings };

export interface ClusterToName {
  clusterId: string;
  /** Echoed back with the name, so a name given to an older membership can be recognised. */
  membershipHash: string;
  representativeIds: string[];
  /** Members in the cluster (told to the model; more than the images it sees). */
  count: number;
}

/** 'blocked': the page's Content-Security-Policy does not allow the endpoint (see README, SHOEBOX_VLM_ORIGINS). */
export type StopReason = 'key-rejected' | 'offline' | 'blocked' | 'cancelled';
/** Why one cluster got no name: 'retryable' means later may work (rate limit, server fault). */
export type FailReason = 'retryable' | 'bad-reply' | 'failed' | 'no-images';

export type NamingEvent =
  /** HTTP requests made so far in this run, retries included. */
  | { type: 'request'; count: number }
  | { type: 'named'; clusterId: string; membershipHash: string; name: string; description?: string }
  | { type: 'failed'; clusterId: string; reason: FailReason; message: string }
  /** Sent once; no further cluster is asked for. */
  | { type: 'stopped'; reason: StopReason; message: string };

export interface NamingSummary {
  requests: number;
  named: number;
  failed: number;
  /** Clusters neither named nor failed because the run stopped. */
  skipped: number;
  stopped?: { reason: StopReason; message: string };
  /** The stop message, to show as the outcome of the run. */
  message?: string;
}

export interface NamingOptions {
  /** Clusters asked for at once. */
  concurrency?: number;
  backoff?: Partial<BackoffOptions>;
}

/** Two at a time keeps a free-tier key (a few requests a minute) from tripping its rate limit at once. */
export const NAMING_CONCURRENCY = 2;
const JPEG_QUALITY = 0.85;
const GOOGLE_ENDPOINT = 'https://generativelanguage.googleapis.com';

let current: AbortController | null = null;

/** Origins the CSP refused. A refused fetch fails exactly like a dropped network, so this tells them apart. */
const blockedOrigins = new Set<string>();
self.addEventListener('securitypolicyviolation', (e) => {
  if (URL.canParse(e.blockedURI)) blockedOrigins.add(new URL(e.blockedURI).origin);
});

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

/** A thumbnail as the model will see it: JPEG, long edge ≤ NAMING_IMAGE_MAX_EDGE_PX. */
async function inlineImage(blob: Blob, widthPx: number, heightPx: number): Promise<InlineImage> {
  if (blob.type === 'image/jpeg' && Math.max(widthPx, heightPx) <= NAMING_IMAGE_MAX_EDGE_PX) {
    return { mimeType: 'image/jpeg', data: bytesToBase64(new Uint8Array(await blob.arrayBuffer())) };
  }
  const bitmap = await createImageBitmap(blob);
  try {
    const size = fitWithin(bitmap.width, bitmap.height, NAMING_IMAGE_MAX_EDGE_PX);
    const canvas = new OffscreenCanvas(size.width, size.height);
    const ctx = canvas.getContext('2d');
    if (!ctx) throw new Error('no 2D canvas in this browser');
    // JPEG has no alpha: transparent parts of a WebP would otherwise turn black.
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, size.width, size.height);
    ctx.drawImage(bitmap, 0, 0, size.width, size.height);
    const jpeg = await canvas.convertToBlob({ type: 'image/jpeg', quality: JPEG_QUALITY });
    return { mimeType: 'image/jpeg', data: bytesToBase64(new Uint8Array(await jpeg.arrayBuffer())) };
  } finally {
    bitmap.close();
  }
}

async function imagesOf(db: Db, ids: string[]): Promise<InlineImage[]> {
  const out: InlineImage[] = [];
  for (const id of ids) {
    if (out.length >= MAX_IMAGES_PER_REQUEST) break;
    const t = await getThumbnail(db, id);
    if (!t) continue;
    try {
      out.push(await inlineImage(t.blob, t.width, t.height));
    } catch {
      // One undecodable thumbnail should not keep the others from naming the cluster.
    }
  }
  return out;
}

/** Why a reply without text came back, in words a user can act on. */
function emptyReplyMessage(res: GenerateContentResponse): string | undefined {
  const blocked = res.promptFeedback?.blockReason;
  if (blocked) return `Gemini declined to look at these photos (${blocked})`;
  const finish = res.candidates?.[0]?.finishReason;
  if (finish && finish !== 'STOP' && !res.text) return `Gemini gave no name (${finish})`;
  return undefined;
}

async function nameClusters(settings: NamingSettings, requests: ClusterToName[], onEvent: (e: NamingEvent) => void, options: NamingOptions = {}): Promise<NamingSummary> {
  if (current) throw new Error('Cluster naming is already running');
  const controller = new AbortController();
  current = controller;
  const signal = controller.signal;
  const backoff = { ...DEFAULT_BACKOFF, ...options.backoff };
  const summary: NamingSummary = { requests: 0, named: 0, failed: 0, skipped: 0 };
  // Events travel on the callback's own port, the summary on the worker's: without waiting for
  // the callbacks, the page could hear the summary before the last names.
  const delivered: Array<Promise<unknown>> = [];
  const emit = (e: NamingEvent) => {
    // The page may have gone; naming carries on and the summary still counts.
    delivered.push(Promise.resolve(onEvent(e)).catch(() => undefined));
  };
  const stop = (reason: StopReason, message: string) => {
    if (summary.stopped) return;
    summary.stopped = { reason, message };
    summary.message = message;
    emit({ type: 'stopped', reason, message });
    // Requests already on the wire would meet the same fate; end them now so the message is final.
    controller.abort();
  };
  const onAbort = () => stop('cancelled', 'Naming was stopped');
  signal.addEventListener('abort', onAbort, { once: true });

  /** Counts every HTTP request (the SDK's own retries are off) and keeps the Retry-After it was answered with. */
  const countingFetch = (seen: { retryAfter: string | null }) => async (input: RequestInfo | URL, init?: RequestInit) => {
    summary.requests++;
    emit({ type: 'request', count: summary.requests });
    const res = await fetch(input, init);
    seen.retryAfter = res.headers.get('retry-after');
    return res;
  };

  const fail = (clusterId: string, reason: FailReason, message: string) => {
    summary.failed++;
    emit({ type: 'failed', clusterId, reason, message });
  };

  const nameOne = async (db: Db, item: ClusterToName) => {
    const images = await imagesOf(db, item.representativeIds);
    if (signal.aborted) return;
    if (images.length === 0) return fail(item.clusterId, 'no-images', 'No thumbnails of this cluster could be read');
    const request = buildNamingRequest(settings.model, images, item.count);
    for (let attempt = 1; !signal.aborted; attempt++) {
      const seen = { retryAfter: null as string | null };
      const ai = new GoogleGenAI({ apiKey: settings.apiKey, httpOptions: { ...(settings.baseUrl ? { baseUrl: settings.baseUrl } : {}), fetch: countingFetch(seen) } });
      let res: GenerateContentResponse;
      try {
        res = await ai.models.generateContent({ ...request, config: { ...request.config, abortSignal: signal } });
      } catch (err) {
        const c = classifyError(err, { online: navigator.onLine, retryAfterHeader: seen.retryAfter, apiKey: settings.apiKey });
        if (c.kind === 'cancelled' || signal.aborted) return;
        if (c.kind === 'offline') {
          // The violation event is queued separately from the fetch's rejection; give it a moment.
          await sleep(50, new AbortController().signal);
          const origin = new URL(settings.baseUrl ?? GOOGLE_ENDPOINT).origin;
          if (blockedOrigins.has(origin)) return stop('blocked', `This site does not allow requests to ${origin} — see "Self-hosting a Gemini proxy" in the README`);
        }
        if (c.kind === 'key-rejected' || c.kind === 'offline') return stop(c.kind, c.message);
        if (c.kind === 'retryable') {
          const delayMs = backoffDelayMs(attempt, c.retryAfterMs, backoff);
          if (delayMs === undefined) return fail(item.clusterId, 'retryable', c.message);
          await sleep(delayMs, signal);
          continue;
        }
        return fail(item.clusterId, 'failed', c.message);
      }
      const declined = emptyReplyMessage(res);
      if (declined) return fail(item.clusterId, 'bad-reply', declined);
      try {
        const { name, description } = parseNamingReply(res.text);
        summary.named++;
        emit({ type: 'named', clusterId: item.clusterId, membershipHash: item.membershipHash, name, ...(description ? { description } : {}) });
      } catch (err) {
        if (err instanceof NamingReplyError) return fail(item.clusterId, 'bad-reply', `Gemini's reply could not be read: ${err.message}`);
        throw err;
      }
      return;
    }
  };

  let db: Db | undefined;
  try {
    if (!navigator.onLine) {
      stop('offline', classifyError(new TypeError('offline'), { online: false }).message);
    } else if (requests.length) {
      db = await openLibraryDb();
      const openDb = db;
      const task = async (item: ClusterToName) => {
        try {
          await nameOne(openDb, item);
        } catch (err) {
          fail(item.clusterId, 'failed', redact(`Naming failed: ${err instanceof Error ? err.message : String(err)}`, settings.apiKey));
        }
      };
      await runPool(requests, options.concurrency ?? NAMING_CONCURRENCY, task, () => signal.aborted);
    }
  } finally {
    signal.removeEventListener('abort', onAbort);
    db?.close();
    current = null;
  }
  summary.skipped = requests.length - summary.named - summary.failed;
  await Promise.all(delivered);
  return summary;
}

/** Stops a running `nameClusters`: requests on the wire are aborted, no further cluster is asked for. */
function cancel(): void {
  current?.abort();
}

const api = { nameClusters, cancel };
export type NamingApi = typeof api;

expose(api);
