import { createHash } from 'node:crypto';
import { MANIFEST_NAME, tarEnd, tarHeader, tarPadding, type ManifestEntry, type PackEntry } from '../../src/lib/core/archive';

/** An entry to craft; `tarSize` is written in its tar header instead of its real size. */
export type CraftEntry = PackEntry & { tarSize?: number };

/** Manifest lines with the entries' true sizes and digests. */
export const listEntries = (entries: readonly PackEntry[]): ManifestEntry[] =>
  entries.map((e) => ({ name: e.name, sizeBytes: e.bytes.length, sha256: createHash('sha256').update(e.bytes).digest('hex') }));

/**
 * Writes a tar with no checks at all, the way a hostile or broken tool would: names, sizes and
 * the manifest (with `listed` as its entries) are taken as given.
 */
export function craftTar(entries: readonly CraftEntry[], manifest: Record<string, unknown>, listed: readonly ManifestEntry[] = listEntries(entries)): Uint8Array {
  const m = new TextEncoder().encode(JSON.stringify({ ...manifest, entries: listed }));
  const parts: Uint8Array[] = [tarHeader(MANIFEST_NAME, m.length), m, tarPadding(m.length)];
  for (const e of entries) parts.push(tarHeader(e.name, e.tarSize ?? e.bytes.length), e.bytes, tarPadding(e.bytes.length));
  parts.push(tarEnd());
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  parts.reduce((at, p) => (out.set(p, at), at + p.length), 0);
  return out;
}
