/**
 * The page address of an open item: `#/item/<id>`. A fragment rather than a path, so the static
 * server and the service worker answer every such address with the same page, and Back within
 * the page never reloads it.
 */

const PREFIX = '#/item/';

/** The fragment that opens item `id`. */
export function itemHash(id: string): string {
  return `${PREFIX}${encodeURIComponent(id)}`;
}

/** The item id in a fragment such as `location.hash`, or null when it names no item. */
export function itemIdFromHash(hash: string): string | null {
  if (!hash.startsWith(PREFIX)) return null;
  const raw = hash.slice(PREFIX.length);
  if (!raw) return null;
  try {
    return decodeURIComponent(raw);
  } catch {
    return null;
  }
}
