import type { Db } from './db';
import { getMeta } from './repo';

/**
 * Where cluster names come from when the user brings a Gemini API key. The key lives only in this
 * library's IndexedDB `meta` store, under its own entry so it can be forgotten alone and left out
 * of anything copied off the device.
 */
export interface NamingSettings {
  apiKey: string;
  model: string;
  /** Endpoint other than Google's, e.g. a company proxy; same REST shape; must be allowed by the page's CSP connect-src. */
  baseUrl?: string;
}

export const DEFAULT_NAMING_MODEL = 'gemini-2.5-flash';
// The stored entry names keep their first spelling: renaming them would need a migration.
export const NAMING_KEY_META = 'vlm:apiKey';
export const NAMING_OPTIONS_META = 'vlm:options';
/** Meta entries that must never leave the device (exports, diagnostics). */
export const SECRET_META_KEYS: readonly string[] = [NAMING_KEY_META];

interface StoredOptions {
  model: string;
  baseUrl?: string;
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * A usable endpoint, without a trailing slash. The key travels in a header to it, so plain http
 * is accepted only for this machine.
 */
export function normaliseBaseUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new Error('The endpoint is not a valid URL');
  }
  if (url.username || url.password) throw new Error('The endpoint must not contain a user name or password');
  if (url.search || url.hash) throw new Error('The endpoint must not have a query or fragment');
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOOPBACK.has(url.hostname))) {
    throw new Error('The endpoint must use https (http is allowed only for localhost)');
  }
  return url.href.replace(/\/+$/, '');
}

function cleanKey(raw: string): string {
  const key = raw.trim();
  if (!key) throw new Error('The API key is empty');
  if (/\s/.test(key)) throw new Error('The API key must not contain spaces');
  if (key.length > 512) throw new Error('The API key is too long');
  return key;
}

/**
 * Stores what is given and returns the settings now in force. An absent or blank `apiKey` keeps the
 * stored key (a settings form does not show it again); `baseUrl: ''` goes back to Google's endpoint.
 */
export async function saveNamingSettings(db: Db, patch: Partial<NamingSettings>): Promise<NamingSettings> {
  const before = await loadNamingSettings(db);
  const apiKey = patch.apiKey?.trim() ? cleanKey(patch.apiKey) : before.apiKey;
  const model = patch.model === undefined ? before.model : patch.model.trim() || DEFAULT_NAMING_MODEL;
  const baseUrl = patch.baseUrl === undefined ? before.baseUrl : patch.baseUrl.trim() ? normaliseBaseUrl(patch.baseUrl) : undefined;
  const options: StoredOptions = baseUrl ? { model, baseUrl } : { model };
  const tx = db.transaction('meta', 'readwrite');
  await Promise.all([apiKey ? tx.store.put(apiKey, NAMING_KEY_META) : undefined, tx.store.put(options, NAMING_OPTIONS_META), tx.done]);
  return { apiKey, ...options };
}

/** The stored settings; `apiKey` is '' when no key has been given. */
export async function loadNamingSettings(db: Db): Promise<NamingSettings> {
  const [apiKey, o] = await Promise.all([getMeta<unknown>(db, NAMING_KEY_META), getMeta<StoredOptions>(db, NAMING_OPTIONS_META)]);
  const model = o?.model || DEFAULT_NAMING_MODEL;
  return { apiKey: typeof apiKey === 'string' ? apiKey : '', model, ...(o?.baseUrl ? { baseUrl: o.baseUrl } : {}) };
}

export async function hasNamingKey(db: Db): Promise<boolean> {
  return (await loadNamingSettings(db)).apiKey !== '';
}

/** Deletes the key; model and endpoint stay for the next key. */
export async function forgetKey(db: Db): Promise<void> {
  await db.delete('meta', NAMING_KEY_META);
}

/** The last characters of a key, enough for the user to recognise which one is stored. */
export function maskKey(apiKey: string): string {
  return apiKey.length <= 8 ? '••••' : `••••${apiKey.slice(-4)}`;
}
