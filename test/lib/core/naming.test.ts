import { describe, expect, it } from 'vitest';
import {
  backoffDelayMs,
  buildNamingRequest,
  bytesToBase64,
  classifyError,
  DEFAULT_BACKOFF,
  KEY_REJECTED_MESSAGE,
  MAX_IMAGES_PER_REQUEST,
  NAMING_RESPONSE_SCHEMA,
  normaliseDescription,
  normaliseName,
  OFFLINE_MESSAGE,
  parseNamingReply,
  parseRetryAfterMs,
  redact,
  retryDelayFromErrorBody,
  NamingReplyError,
  type InlineImage,
} from '../../../src/lib/core/naming';

const img = (i: number): InlineImage => ({ mimeType: 'image/jpeg', data: bytesToBase64(new Uint8Array([0xff, 0xd8, i])) });

/** What the SDK throws for an HTTP error: `status` and the JSON error body as message. */
function apiError(status: number, body: unknown = { error: { code: status, message: 'x', status: 'X' } }): Error & { status: number } {
  return Object.assign(new Error(JSON.stringify(body)), { name: 'ApiError', status });
}

describe('buildNamingRequest', () => {
  it('puts every representative image of a cluster inline in one request, then the instruction', () => {
    const r = buildNamingRequest('gemini-2.5-flash', [img(1), img(2), img(3), img(4)], 37);
    expect(r.model).toBe('gemini-2.5-flash');
    expect(r.contents).toHaveLength(1);
    const parts = r.contents[0]!.parts;
    expect(parts.filter((p) => 'inlineData' in p)).toEqual([1, 2, 3, 4].map((i) => ({ inlineData: img(i) })));
    const text = parts.at(-1) as { text: string };
    expect(text.text).toMatch(/These 4 photos/);
    expect(text.text).toMatch(/group of 37 photos/);
    expect(text.text).toMatch(/1 to 4 words, Title Case, a plural noun phrase/);
  });

  it('caps the images of one request at MAX_IMAGES_PER_REQUEST', () => {
    const r = buildNamingRequest('m', Array.from({ length: 9 }, (_, i) => img(i)), 9);
    expect(r.contents[0]!.parts.filter((p) => 'inlineData' in p)).toHaveLength(MAX_IMAGES_PER_REQUEST);
  });

  it('asks for JSON with a required name and an optional description, and one call only', () => {
    const r = buildNamingRequest('m', [img(1), img(2)], 2);
    expect(r.config.responseMimeType).toBe('application/json');
    expect(r.config.responseSchema).toBe(NAMING_RESPONSE_SCHEMA);
    expect(NAMING_RESPONSE_SCHEMA.required).toEqual(['name']);
    expect(Object.keys(NAMING_RESPONSE_SCHEMA.properties)).toEqual(['name', 'description']);
    expect(r.config.automaticContinuation).toBe(false);
  });

  it('carries no API key: the key is added as a header by the client, never to the body', () => {
    const body = JSON.stringify(buildNamingRequest('gemini-2.5-flash', [img(1), img(2)], 2));
    expect(body).not.toMatch(/key/i);
  });

  it('refuses a cluster without images or a request without a model', () => {
    expect(() => buildNamingRequest('m', [], 3)).toThrow(/at least one image/);
    expect(() => buildNamingRequest('  ', [img(1)], 3)).toThrow(/no model/);
  });
});

describe('parseNamingReply', () => {
  it.each([
    ['{"name":"Beach Sunsets","description":"Evenings by the sea."}', { name: 'Beach Sunsets', description: 'Evenings by the sea.' }],
    ['{"name":"beach sunsets"}', { name: 'Beach Sunsets' }],
    ['{"name":"  \\"Red Balloons\\"  "}', { name: 'Red Balloons' }],
    ['{"name":"**Walks in the Park**"}', { name: 'Walks in the Park' }],
    ['{"name":"walks in the park"}', { name: 'Walks in the Park' }],
    ['{"name":"the walks of the long park"}', { name: 'The Walks' }],
    ['{"name":"Autumn Leaves On Wet Forest Paths"}', { name: 'Autumn Leaves on Wet' }],
    ['{"name":"SNOWY MOUNTAIN PEAKS"}', { name: 'Snowy Mountain Peaks' }],
    ['{"name":"iPhone screenshots"}', { name: 'iPhone Screenshots' }],
    ['{"name":"NYC street art"}', { name: 'NYC Street Art' }],
    ['{"name":"Dogs\\nat\\tPlay."}', { name: 'Dogs at Play' }],
    ['```json\n{"name":"Birthday Cakes"}\n```', { name: 'Birthday Cakes' }],
    ['{"name":"Cats","description":"Cats asleep. Also some dogs."}', { name: 'Cats', description: 'Cats asleep.' }],
    ['{"name":"Cats","description":"   "}', { name: 'Cats' }],
  ])('%s → %j', (text, expected) => {
    expect(parseNamingReply(text)).toEqual(expected);
  });

  it('keeps markup as literal text cut to words: it is data for a text node, not HTML', () => {
    const { name } = parseNamingReply(JSON.stringify({ name: '<img src=x onerror=alert(1)>' }));
    expect(name).toBe('<img Src=x Onerror=alert(1)>');
    expect(parseNamingReply(JSON.stringify({ name: '<b>Red</b> <i>Kites</i> over the bay at dawn' })).name).toBe('<b>Red</b> <i>Kites</i> Over');
  });

  it('bounds a name that is one very long word', () => {
    const { name } = parseNamingReply(JSON.stringify({ name: 'x'.repeat(500) }));
    expect(name.length).toBe(60);
  });

  it('bounds a long description to one line of at most 160 characters', () => {
    const d = normaliseDescription('word '.repeat(100));
    expect(d!.length).toBeLessThanOrEqual(160);
    expect(d!.endsWith('…')).toBe(true);
  });

  it.each([
    ['', /empty reply/],
    [undefined, /empty reply/],
    ['{"name":""}', /without a name/],
    ['{"name":"  ** \\" "}', /without a name/],
    ['{"description":"no name here"}', /without a name/],
    ['{"name":42}', /without a name/],
    ['{"name": "Cats"', /not valid JSON/],
    ['Green Gardens', /not valid JSON/],
    ["I'm sorry, I can't help with that.", /not valid JSON/],
    ['["Cats"]', /without a name/],
  ])('rejects %j', (text, message) => {
    expect(() => parseNamingReply(text)).toThrow(NamingReplyError);
    expect(() => parseNamingReply(text)).toThrow(message);
  });

  it('normaliseName gives an empty string for punctuation only', () => {
    expect(normaliseName('"…" -- !!')).toBe('');
  });
});

describe('classifyError', () => {
  it.each([
    [400, { error: { code: 400, message: 'API key not valid. Please pass a valid API key.', status: 'INVALID_ARGUMENT', details: [{ reason: 'API_KEY_INVALID' }] } }],
    [401, undefined],
    [403, { error: { code: 403, message: 'Permission denied', status: 'PERMISSION_DENIED' } }],
  ])('HTTP %i about the key → key-rejected with one fixed message', (status, body) => {
    const c = classifyError(apiError(status, body));
    expect(c.kind).toBe('key-rejected');
    expect(c.message).toBe(KEY_REJECTED_MESSAGE);
  });

  it('a 400 about the request itself fails that cluster only', () => {
    const c = classifyError(apiError(400, { error: { code: 400, message: 'Unable to process input image.', status: 'INVALID_ARGUMENT' } }));
    expect(c).toEqual({ kind: 'failed', status: 400, message: 'Gemini refused the request (HTTP 400): Unable to process input image.' });
  });

  it.each([429, 500, 502, 503, 504, 408])('HTTP %i → retryable', (status) => {
    expect(classifyError(apiError(status)).kind).toBe('retryable');
  });

  it('reads the wait from Retry-After, else from the RetryInfo in the error body', () => {
    expect(classifyError(apiError(429), { retryAfterHeader: '7' }).retryAfterMs).toBe(7000);
    const body = { error: { code: 429, status: 'RESOURCE_EXHAUSTED', details: [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '12s' }] } };
    expect(classifyError(apiError(429, body)).retryAfterMs).toBe(12_000);
    expect(classifyError(apiError(503)).retryAfterMs).toBeUndefined();
  });

  it('a network failure or being offline → offline', () => {
    expect(classifyError(new TypeError('Failed to fetch'))).toEqual({ kind: 'offline', message: OFFLINE_MESSAGE });
    expect(classifyError(new Error('whatever'), { online: false }).kind).toBe('offline');
  });

  it('an abort → cancelled', () => {
    expect(classifyError(new DOMException('The user aborted a request.', 'AbortError')).kind).toBe('cancelled');
  });

  it('never repeats the API key in a message, even when a proxy echoes it', () => {
    const key = 'AIzaSyTEST-secret-0123456789';
    const c = classifyError(apiError(404, { error: { code: 404, message: `models/x not found for key ${key}` } }), { apiKey: key });
    expect(c.kind).toBe('failed');
    expect(c.message).not.toContain(key);
    expect(c.message).toContain('[key]');
    expect(classifyError(new Error(`boom ${key}`), { apiKey: key }).message).not.toContain(key);
    expect(redact(`a ${key} b ${key}`, key)).toBe('a [key] b [key]');
  });
});

describe('retry timing', () => {
  it('parses Retry-After seconds and HTTP dates', () => {
    const now = Date.parse('2026-11-01T12:00:00Z');
    expect(parseRetryAfterMs('30', now)).toBe(30_000);
    expect(parseRetryAfterMs('Sun, 01 Nov 2026 12:00:05 GMT', now)).toBe(5000);
    expect(parseRetryAfterMs('Sun, 01 Nov 2026 11:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfterMs('soon', now)).toBeUndefined();
    expect(parseRetryAfterMs(null, now)).toBeUndefined();
    expect(retryDelayFromErrorBody('{"retryDelay": "1.5s"}')).toBe(1500);
  });

  it('full jitter: the delay lies in [0, min(cap, base·2^(attempt−1))) and the ceiling doubles', () => {
    const o = { baseMs: 1000, capMs: 5000, maxAttempts: 10, maxRetryAfterMs: 60_000 };
    const top = () => 0.999999;
    expect(backoffDelayMs(1, undefined, o, () => 0)).toBe(0);
    expect(backoffDelayMs(1, undefined, o, top)).toBe(999);
    expect(backoffDelayMs(2, undefined, o, top)).toBe(1999);
    expect(backoffDelayMs(3, undefined, o, top)).toBe(3999);
    expect(backoffDelayMs(4, undefined, o, top)).toBe(4999);
    expect(backoffDelayMs(9, undefined, o, top)).toBe(4999);
    expect(backoffDelayMs(2, undefined, o, () => 0.5)).toBe(1000);
  });

  it('waits at least what the server asked for', () => {
    expect(backoffDelayMs(1, 8000, DEFAULT_BACKOFF, () => 0.5)).toBe(8000);
    expect(backoffDelayMs(3, 100, DEFAULT_BACKOFF, () => 0.5)).toBe(2000);
  });

  it('gives up after maxAttempts tries, or when the server asks for a longer wait than allowed', () => {
    expect(DEFAULT_BACKOFF.maxAttempts).toBe(4);
    expect(backoffDelayMs(3, undefined)).toBeTypeOf('number');
    expect(backoffDelayMs(4, undefined)).toBeUndefined();
    expect(backoffDelayMs(1, DEFAULT_BACKOFF.maxRetryAfterMs + 1)).toBeUndefined();
  });
});

describe('bytesToBase64', () => {
  it.each([
    [[], ''],
    [[0x66], 'Zg=='],
    [[0x66, 0x6f], 'Zm8='],
    [[0x66, 0x6f, 0x6f, 0x62, 0x61, 0x72], 'Zm9vYmFy'],
  ])('%j → %s (RFC 4648 test vectors)', (bytes, expected) => {
    expect(bytesToBase64(new Uint8Array(bytes))).toBe(expected);
  });

  it('encodes large buffers the same as Node', () => {
    const bytes = new Uint8Array(300_000).map((_, i) => (i * 7919) & 0xff);
    expect(bytesToBase64(bytes)).toBe(Buffer.from(bytes).toString('base64'));
  });
});
