/**
 * Near-duplicate lookup of 64-bit hashes by Hamming distance without scanning.
 *
 * Algorithm: multi-index hashing — M. Norouzi, A. Punjani, D. J. Fleet,
 * "Fast Search in Hamming Space with Multi-Index Hashing", CVPR 2012.
 * The hash is split into 4 bands of 16 bits, each band indexed in its own
 * table of 2^16 buckets. By pigeonhole, if d(h, q) ≤ r then at least one band
 * differs in ≤ ⌊r/4⌋ bits, so probing, in every band, all 16-bit values within
 * Hamming radius ⌊r/4⌋ of the query's band finds every true match; candidates
 * are then verified with the exact 64-bit distance. The result is therefore
 * exact for every r in 0..64.
 *
 * When the probing would cost about as much as a scan (large r relative to the
 * index size — in practice ⌊r/4⌋ ≥ 4, i.e. r ≥ 16, on libraries below ~100k
 * photos) the query falls back to a linear scan, which gives the same results.
 *
 * Pure and synchronous: safe in workers and in Node.
 */

import { popcount32 } from './phash';
import { resizedColumn } from './typed-columns';

const BANDS = 4;
const BAND_BITS = 16;
const BUCKETS = 1 << BAND_BITS;
const MASK32 = 0xffffffffn;
const MAX64 = (1n << 64n) - 1n;

/** One query match; `distance` is the Hamming distance in bits, 0..64. */
export interface HammingMatch<Id> {
  id: Id;
  distance: number;
}

/** Σ_{i≤r} C(16, i): number of 16-bit values within Hamming radius r. */
function ballSize16(radius: number): number {
  let total = 0;
  let binom = 1;
  for (let i = 0; i <= radius && i <= BAND_BITS; i++) {
    total += binom;
    binom = (binom * (BAND_BITS - i)) / (i + 1);
  }
  return total;
}

/** Orders ids of any primitive type (string or number) deterministically. */
function compareIds<Id>(a: Id, b: Id): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Multi-index hash table of 64-bit hashes keyed by `Id`.
 *
 * Memory: ≈ 8 bytes of hash + 4 band bucket entries + the id per item, plus
 * 4 × 2^16 bucket slots. Items live in dense "slots" (typed arrays) so the
 * verification loop touches no objects; removal swap-removes the last slot.
 */
export class HammingIndex<Id = string> {
  /** Distinct items whose exact distance was computed by the last {@link query} (for tests/diagnostics). */
  lastCandidateCount = 0;

  private hi = new Uint32Array(1024);
  private lo = new Uint32Array(1024);
  /** Per-slot query stamp used to de-duplicate candidates found through several bands. */
  private seenStamp = new Uint32Array(1024);
  private stamp = 0;
  private ids: Id[] = [];
  private slotById = new Map<Id, number>();
  /** buckets[band][value] = slots whose band equals value. */
  private buckets: Array<Array<number[] | undefined>> = Array.from({ length: BANDS }, () =>
    new Array<number[] | undefined>(BUCKETS),
  );

  /** Number of hashes in the index. */
  get size(): number {
    return this.ids.length;
  }

  /** @returns whether `id` is indexed. */
  has(id: Id): boolean {
    return this.slotById.has(id);
  }

  /**
   * Adds (or replaces) the hash of `id`.
   *
   * @param hash unsigned 64-bit value, [0, 2^64)
   * @throws RangeError when hash is outside [0, 2^64)
   */
  add(id: Id, hash: bigint): void {
    if (hash < 0n || hash > MAX64) throw new RangeError(`HammingIndex.add: not an unsigned 64-bit value: ${hash}`);
    if (this.slotById.has(id)) this.remove(id);
    const slot = this.ids.length;
    if (slot === this.hi.length) this.grow();
    this.hi[slot] = Number((hash >> 32n) & MASK32);
    this.lo[slot] = Number(hash & MASK32);
    this.seenStamp[slot] = 0;
    this.ids.push(id);
    this.slotById.set(id, slot);
    this.linkSlot(slot);
  }

  /** Removes `id`; @returns whether it was present. */
  remove(id: Id): boolean {
    const slot = this.slotById.get(id);
    if (slot === undefined) return false;
    const last = this.ids.length - 1;
    this.unlinkSlot(slot);
    this.slotById.delete(id);
    if (slot !== last) {
      // Move the last item into the hole so slots stay dense.
      this.unlinkSlot(last);
      const movedId = this.ids[last]!;
      this.hi[slot] = this.hi[last]!;
      this.lo[slot] = this.lo[last]!;
      this.seenStamp[slot] = this.seenStamp[last]!;
      this.ids[slot] = movedId;
      this.slotById.set(movedId, slot);
      this.linkSlot(slot);
    }
    this.ids.pop();
    return true;
  }

  /** Removes everything. */
  clear(): void {
    this.ids = [];
    this.slotById.clear();
    for (const table of this.buckets) table.fill(undefined);
  }

  /**
   * All indexed items within Hamming distance `maxDistance` of `hash`.
   *
   * @param hash        unsigned 64-bit query hash
   * @param maxDistance radius in bits, 0..64 (inclusive)
   * @returns matches sorted by distance ascending, then by id ascending
   */
  query(hash: bigint, maxDistance: number): Array<HammingMatch<Id>> {
    const qhi = Number((hash >> 32n) & MASK32);
    const qlo = Number(hash & MASK32);
    const r = Math.floor(maxDistance);
    const out: Array<HammingMatch<Id>> = [];
    if (r < 0 || this.ids.length === 0) {
      this.lastCandidateCount = 0;
      return out;
    }
    const bandRadius = r >> 2;
    const probes = BANDS * ballSize16(bandRadius);
    // Each probe costs a bucket lookup; each bucket holds ~size/2^16 items on average.
    const probeCost = probes * (1 + this.ids.length / BUCKETS);
    if (probeCost >= this.ids.length) {
      this.lastCandidateCount = this.ids.length;
      for (let s = 0; s < this.ids.length; s++) {
        const d = popcount32(this.hi[s]! ^ qhi) + popcount32(this.lo[s]! ^ qlo);
        if (d <= r) out.push({ id: this.ids[s]!, distance: d });
      }
    } else {
      this.stamp = (this.stamp + 1) >>> 0;
      if (this.stamp === 0) {
        // Wrapped after 2^32 queries: old stamps could collide, so reset them.
        this.seenStamp.fill(0);
        this.stamp = 1;
      }
      let candidates = 0;
      for (let b = 0; b < BANDS; b++) {
        const table = this.buckets[b]!;
        forEachWithinRadius16(bandOf(qhi, qlo, b), bandRadius, (value) => {
          const bucket = table[value];
          if (!bucket) return;
          for (let i = 0; i < bucket.length; i++) {
            const s = bucket[i]!;
            if (this.seenStamp[s] === this.stamp) continue;
            this.seenStamp[s] = this.stamp;
            candidates++;
            const d = popcount32(this.hi[s]! ^ qhi) + popcount32(this.lo[s]! ^ qlo);
            if (d <= r) out.push({ id: this.ids[s]!, distance: d });
          }
        });
      }
      this.lastCandidateCount = candidates;
    }
    out.sort((a, b) => a.distance - b.distance || compareIds(a.id, b.id));
    return out;
  }

  private grow(): void {
    const capacity = this.hi.length * 2;
    this.hi = resizedColumn(this.hi, capacity);
    this.lo = resizedColumn(this.lo, capacity);
    this.seenStamp = resizedColumn(this.seenStamp, capacity);
  }

  private linkSlot(slot: number): void {
    for (let b = 0; b < BANDS; b++) {
      const value = bandOf(this.hi[slot]!, this.lo[slot]!, b);
      const table = this.buckets[b]!;
      const bucket = table[value];
      if (bucket) bucket.push(slot);
      else table[value] = [slot];
    }
  }

  private unlinkSlot(slot: number): void {
    for (let b = 0; b < BANDS; b++) {
      const value = bandOf(this.hi[slot]!, this.lo[slot]!, b);
      const table = this.buckets[b]!;
      const bucket = table[value]!;
      const i = bucket.indexOf(slot);
      bucket[i] = bucket[bucket.length - 1]!;
      bucket.pop();
      if (bucket.length === 0) table[value] = undefined;
    }
  }
}

/** Band b (0 = most significant 16 bits) of the 64-bit value hi:lo. */
function bandOf(hi: number, lo: number, band: number): number {
  switch (band) {
    case 0:
      return hi >>> 16;
    case 1:
      return hi & 0xffff;
    case 2:
      return lo >>> 16;
    default:
      return lo & 0xffff;
  }
}

/**
 * Calls `visit` once for every 16-bit value within Hamming distance `radius`
 * of `center` (Σ_{i≤radius} C(16,i) values), by flipping increasing bit
 * positions recursively so no value is produced twice.
 */
function forEachWithinRadius16(center: number, radius: number, visit: (value: number) => void): void {
  const flip = (value: number, fromBit: number, left: number): void => {
    visit(value);
    if (left === 0) return;
    for (let bit = fromBit; bit < BAND_BITS; bit++) flip(value ^ (1 << bit), bit + 1, left - 1);
  };
  flip(center, 0, Math.min(radius, BAND_BITS));
}
