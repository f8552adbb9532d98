/**
 * Cluster membership fingerprints, and the rule for when a cluster changed enough to be named again.
 *
 * Hash: FNV-1a 64-bit (G. Fowler, L. C. Noll, K.-P. Vo; IETF draft-eastlake-fnv) over the UTF-8
 * bytes of the sorted member ids joined by "\n", as 16 lowercase hex digits. Not cryptographic:
 * it only tells "same members" from "different members"; the order of the input does not matter.
 */

const encoder = new TextEncoder();

/** FNV-1a 64 of bytes, as 16 hex digits; 64-bit arithmetic in two 32-bit halves (no BigInt in the loop). */
export function fnv1a64(bytes: Uint8Array): string {
  // offset basis 0xcbf29ce484222325, prime 0x100000001b3 = 2^40 + 0x1b3
  let hi = 0xcbf29ce4;
  let lo = 0x84222325;
  for (let i = 0; i < bytes.length; i++) {
    lo = (lo ^ bytes[i]!) >>> 0;
    // (hi·2^32 + lo)·(2^40 + 0x1b3) mod 2^64: lo·2^40 only reaches the high word as lo << 8.
    const loMul = lo * 0x1b3;
    const carry = Math.floor(loMul / 4294967296);
    const newLo = loMul >>> 0;
    hi = (Math.imul(hi, 0x1b3) + carry + ((lo << 8) >>> 0)) >>> 0;
    lo = newLo;
  }
  return hi.toString(16).padStart(8, '0') + lo.toString(16).padStart(8, '0');
}

/** Hash of a cluster's members, independent of their order (duplicates count once). */
export function membershipHash(memberIds: Iterable<string>): string {
  const sorted = [...new Set(memberIds)].sort();
  return fnv1a64(encoder.encode(sorted.join('\n')));
}

/** |A ∩ B| / |A ∪ B|; 1 for two empty sets. */
export function jaccard(a: Iterable<string>, b: Iterable<string>): number {
  const sa = new Set(a);
  const sb = new Set(b);
  if (sa.size === 0 && sb.size === 0) return 1;
  let inter = 0;
  for (const x of sa) if (sb.has(x)) inter++;
  return inter / (sa.size + sb.size - inter);
}

/** Below this Jaccard overlap with the members it was named for, a cluster is named again. */
export const RENAME_BELOW_JACCARD = 0.8;
/** A size change of at least this fraction of the named size also counts as material. */
export const RENAME_AT_SIZE_CHANGE = 0.25;

/**
 * Did a cluster change enough since it was named that its name may no longer fit?
 * Rule: Jaccard(named, now) < 0.8, or |now − named| ≥ 25 % of the named size.
 * Either alone is not enough: a cluster can keep its size while half its members are swapped, or
 * grow by a third with every old member still in it.
 */
export function changedMaterially(namedMemberIds: readonly string[] | undefined, memberIds: readonly string[]): boolean {
  if (!namedMemberIds || namedMemberIds.length === 0) return true;
  if (jaccard(namedMemberIds, memberIds) < RENAME_BELOW_JACCARD) return true;
  const named = new Set(namedMemberIds).size;
  return Math.abs(new Set(memberIds).size - named) >= RENAME_AT_SIZE_CHANGE * named;
}
