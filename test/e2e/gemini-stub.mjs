// A stand-in for the Gemini REST API, enough for cluster naming:
//   POST {origin}/v1beta/models/{model}:generateContent   (key in the x-goog-api-key header)
// which is what @google/genai's browser build sends for models.generateContent with
// httpOptions.baseUrl = origin (verified against @google/genai 2.32.0: it also sends
// content-type, x-goog-api-client and user-agent, so a browser preflights the call).
//
//   const stub = await startGeminiStub();
//   stub.respond((req) => ({ name: 'Red Kites', delayMs: 200 }));   // or an array, one spec per request
//   ... stub.requests[0].headers['x-goog-api-key'], stub.requests[0].imageCount ...
//   await stub.stop();
//
// A reply spec: { status = 200, name, description, text (raw model text), delayMs, retryAfter }.
// Every request is recorded (headers, parsed body, inline image count, mime types, JPEG sizes,
// arrival and answer times) and so is every CORS preflight.
import http from 'node:http';

/** Headers a browser may send; a preflight asking for anything else is refused, so a new SDK header shows up as a failure. */
const ALLOWED_HEADERS = ['content-type', 'x-goog-api-key', 'x-goog-api-client', 'user-agent'];
const ROUTE = /^\/v1beta\/models\/([^/:]+):generateContent$/;
const STATUS_NAMES = { 400: 'INVALID_ARGUMENT', 401: 'UNAUTHENTICATED', 403: 'PERMISSION_DENIED', 404: 'NOT_FOUND', 429: 'RESOURCE_EXHAUSTED', 500: 'INTERNAL', 503: 'UNAVAILABLE' };

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Width and height from a JPEG's SOFn segment, or null. */
export function jpegSize(bytes) {
  if (bytes[0] !== 0xff || bytes[1] !== 0xd8) return null;
  let i = 2;
  while (i + 9 < bytes.length) {
    if (bytes[i] !== 0xff) return null;
    const marker = bytes[i + 1];
    const len = bytes.readUInt16BE(i + 2);
    if (marker >= 0xc0 && marker <= 0xcf && ![0xc4, 0xc8, 0xcc].includes(marker)) {
      return { height: bytes.readUInt16BE(i + 5), width: bytes.readUInt16BE(i + 7) };
    }
    i += 2 + len;
  }
  return null;
}

function okBody(model, spec, seq) {
  const text = spec.text ?? JSON.stringify({ name: spec.name ?? `Stub Cluster ${seq}`, ...(spec.description ? { description: spec.description } : {}) });
  return {
    candidates: [{ content: { role: 'model', parts: [{ text }] }, finishReason: 'STOP', index: 0 }],
    usageMetadata: { promptTokenCount: 1000, candidatesTokenCount: 10, totalTokenCount: 1010 },
    modelVersion: model,
  };
}

function errorBody(status, spec) {
  const message = status === 403 ? 'Permission denied: API key not valid.' : status === 429 ? 'Resource has been exhausted (e.g. check quota).' : 'Internal error encountered.';
  const details = status === 429 && spec.retryAfter !== undefined ? [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: `${spec.retryAfter}s` }] : undefined;
  return { error: { code: status, message, status: STATUS_NAMES[status] ?? 'UNKNOWN', ...(details ? { details } : {}) } };
}

/**
 * @param {{ host?: string, port?: number }} [o]
 */
export async function startGeminiStub({ host = '127.0.0.1', port = 0 } = {}) {
  /** @type {any[]} */
  const requests = [];
  /** @type {any[]} */
  const preflights = [];
  /** @type {(req: any, index: number) => any} */
  let responder = () => ({});
  let inFlight = 0;
  const stats = { maxInFlight: 0 };
  const t0 = Date.now();

  const cors = (req, res) => {
    res.setHeader('Access-Control-Allow-Origin', req.headers.origin ?? '*');
    res.setHeader('Vary', 'Origin');
    res.setHeader('Access-Control-Allow-Methods', 'POST, OPTIONS');
    res.setHeader('Access-Control-Allow-Headers', ALLOWED_HEADERS.join(', '));
    res.setHeader('Access-Control-Expose-Headers', 'Retry-After');
    // No preflight cache: each test sees its own preflights.
    res.setHeader('Access-Control-Max-Age', '0');
  };

  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', `http://${req.headers.host}`);
    cors(req, res);
    if (req.method === 'OPTIONS') {
      const asked = (req.headers['access-control-request-headers'] ?? '').split(',').map((h) => h.trim().toLowerCase()).filter(Boolean);
      preflights.push({ path: url.pathname, origin: req.headers.origin, method: req.headers['access-control-request-method'], headers: asked });
      res.writeHead(asked.every((h) => ALLOWED_HEADERS.includes(h)) ? 204 : 403).end();
      return;
    }
    const chunks = [];
    for await (const c of req) chunks.push(c);
    const raw = Buffer.concat(chunks).toString('utf8');
    const m = url.pathname.match(ROUTE);
    if (req.method !== 'POST' || !m) {
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { code: 404, message: `no route ${req.method} ${url.pathname}`, status: 'NOT_FOUND' } }));
      return;
    }
    let body = null;
    try {
      body = JSON.parse(raw);
    } catch {
      /* recorded as null */
    }
    const parts = body?.contents?.flatMap((c) => c.parts ?? []) ?? [];
    const images = parts.filter((p) => p.inlineData);
    const record = {
      index: requests.length,
      atMs: Date.now() - t0,
      answeredAtMs: /** @type {number | null} */ (null),
      status: /** @type {number | null} */ (null),
      method: req.method,
      url: req.url,
      path: url.pathname,
      query: url.search,
      model: decodeURIComponent(m[1]),
      headers: { ...req.headers },
      rawBody: raw,
      body,
      imageCount: images.length,
      imageMimeTypes: images.map((p) => p.inlineData.mimeType),
      imageSizes: images.map((p) => jpegSize(Buffer.from(p.inlineData.data, 'base64'))),
      prompt: parts.filter((p) => typeof p.text === 'string').map((p) => p.text).join('\n'),
    };
    requests.push(record);
    inFlight++;
    stats.maxInFlight = Math.max(stats.maxInFlight, inFlight);
    try {
      const spec = (await responder(record, record.index)) ?? {};
      if (spec.delayMs) await sleep(spec.delayMs);
      const status = spec.status ?? 200;
      const headers = { 'content-type': 'application/json' };
      if (spec.retryAfter !== undefined) headers['retry-after'] = String(spec.retryAfter);
      const payload = status === 200 ? okBody(record.model, spec, record.index + 1) : errorBody(status, spec);
      record.status = status;
      record.answeredAtMs = Date.now() - t0;
      res.writeHead(status, headers).end(JSON.stringify(payload));
    } finally {
      inFlight--;
    }
  });

  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  const address = server.address();
  const origin = `http://${host}:${address.port}`;

  return {
    origin,
    port: address.port,
    requests,
    preflights,
    stats,
    allowedHeaders: ALLOWED_HEADERS,
    /** A function (request, index) → spec, or an array of specs used in order (then `{}`). */
    respond(how) {
      responder = Array.isArray(how) ? (_req, i) => how[i] ?? {} : how;
    },
    reset() {
      requests.length = 0;
      preflights.length = 0;
      stats.maxInFlight = 0;
      responder = () => ({});
    },
    async stop() {
      server.closeAllConnections?.();
      await new Promise((resolve) => server.close(() => resolve(undefined)));
    },
  };
}
