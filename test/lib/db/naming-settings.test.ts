import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { libraryDbs } from '../../helpers/library-db';
import { openLibraryDb } from '../../../src/lib/db/db';
import {
  DEFAULT_NAMING_MODEL,
  SECRET_META_KEYS,
  forgetKey,
  hasNamingKey,
  loadNamingSettings,
  maskKey,
  normaliseBaseUrl,
  saveNamingSettings,
} from '../../../src/lib/db/naming-settings';
import { isExportableMetaKey } from '../../../src/lib/core/archive';

const { open: freshDb } = libraryDbs('vlm');
afterEach(() => {
  vi.restoreAllMocks();
});

const KEY = 'AIzaSyTEST-0123456789abcdef';

describe('naming settings', () => {
  it('has no key and the default model before anything is saved', async () => {
    const db = await freshDb();
    expect(await loadNamingSettings(db)).toEqual({ apiKey: '', model: DEFAULT_NAMING_MODEL });
    expect(await hasNamingKey(db)).toBe(false);
  });

  it('keeps key, model and endpoint across a reopen of the library', async () => {
    const name = `shoebox-vlm-reopen-${Math.random().toString(36).slice(2)}`;
    const db = await openLibraryDb(name);
    const saved = await saveNamingSettings(db, { apiKey: `  ${KEY} `, model: 'gemini-2.5-flash-lite', baseUrl: 'https://proxy.example.com/gemini/' });
    expect(saved).toEqual({ apiKey: KEY, model: 'gemini-2.5-flash-lite', baseUrl: 'https://proxy.example.com/gemini' });
    db.close();
    const again = await freshDb(name);
    expect(await loadNamingSettings(again)).toEqual(saved);
    expect(await hasNamingKey(again)).toBe(true);
  });

  it('changing the model or endpoint keeps the stored key; an empty endpoint goes back to Google', async () => {
    const db = await freshDb();
    await saveNamingSettings(db, { apiKey: KEY, baseUrl: 'http://127.0.0.1:8787' });
    expect(await saveNamingSettings(db, { model: 'gemini-2.5-pro', apiKey: '' })).toEqual({ apiKey: KEY, model: 'gemini-2.5-pro', baseUrl: 'http://127.0.0.1:8787' });
    expect(await saveNamingSettings(db, { baseUrl: '' })).toEqual({ apiKey: KEY, model: 'gemini-2.5-pro' });
    expect(await saveNamingSettings(db, { model: ' ' })).toEqual({ apiKey: KEY, model: DEFAULT_NAMING_MODEL });
  });

  it('forgetKey removes only the key', async () => {
    const db = await freshDb();
    await saveNamingSettings(db, { apiKey: KEY, model: 'gemini-2.5-pro' });
    await forgetKey(db);
    expect(await loadNamingSettings(db)).toEqual({ apiKey: '', model: 'gemini-2.5-pro' });
    expect(await hasNamingKey(db)).toBe(false);
    const values = await db.getAll('meta');
    expect(JSON.stringify(values)).not.toContain(KEY);
  });

  it('refuses keys with spaces and endpoints that would send the key in the clear', async () => {
    const db = await freshDb();
    await expect(saveNamingSettings(db, { apiKey: 'two words' })).rejects.toThrow(/spaces/);
    await expect(saveNamingSettings(db, { apiKey: KEY, baseUrl: 'http://proxy.example.com' })).rejects.toThrow(/https/);
    await expect(saveNamingSettings(db, { apiKey: KEY, baseUrl: 'not a url' })).rejects.toThrow(/valid URL/);
    expect(await hasNamingKey(db)).toBe(false);
  });

  it.each([
    ['https://generativelanguage.googleapis.com/', 'https://generativelanguage.googleapis.com'],
    ['http://localhost:8080', 'http://localhost:8080'],
    ['http://[::1]:9000/x', 'http://[::1]:9000/x'],
  ])('endpoint %s → %s', (raw, expected) => {
    expect(normaliseBaseUrl(raw)).toBe(expected);
  });

  it.each(['https://user:pw@proxy.example.com', 'https://proxy.example.com/?key=abc', 'ftp://proxy.example.com', 'javascript:alert(1)'])('refuses endpoint %s', (raw) => {
    expect(() => normaliseBaseUrl(raw)).toThrow();
  });

  it('the key is never written to the console and never goes into a library export', async () => {
    const spies = (['log', 'info', 'warn', 'error', 'debug'] as const).map((m) => vi.spyOn(console, m));
    const db = await freshDb();
    await saveNamingSettings(db, { apiKey: KEY });
    await loadNamingSettings(db);
    await forgetKey(db);
    for (const s of spies) for (const call of s.mock.calls) expect(JSON.stringify(call)).not.toContain(KEY);
    for (const k of SECRET_META_KEYS) expect(isExportableMetaKey(k)).toBe(false);
  });

  it('maskKey shows only the last four characters', () => {
    expect(maskKey(KEY)).toBe('••••cdef');
    expect(maskKey('short')).toBe('••••');
  });
});
