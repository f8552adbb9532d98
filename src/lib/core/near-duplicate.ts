import { popcount32 } from './phash';

/**
 * Largest Hamming distance between two 64-bit DCT pHashes (see phash.ts) at which Shoebox calls
 * a new photo a near-duplicate of one already stored. Chosen on resized / recompressed /
 * slightly cropped / brightened copies of 1000 real photos against all distinct pairs
 * (bench/results/phash-threshold.md): the largest distance that kept false matches between
 * different photos negligible.
 */
export const NEAR_DUPLICATE_MAX_DISTANCE = 10;

/**
 * Hashes with fewer bits set come from (nearly) flat or perfectly smooth images: the DCT
 * coefficients tie at the median (phash.ts), so a plain red and a plain blue picture, or a
 * left-to-right and a top-to-bottom ramp, share the hash 0. Photos always set 31 bits.
 */
export const MIN_PHASH_BITS = 8;

/**
 * Least structure (phashStructureFromGray32: std of the low-frequency luma, 0..255 levels) a
 * picture needs for its pHash to mean anything. Measured (bench/results/phash-threshold.md):
 * the 1000 ImageNet photos measure 9.2 at least (1st percentile 14, median 42) and the fixture
 * photos 5.8–41; real photos scaled down to 2 levels of contrast still match their JPEG q60 and
 * half-size copies within 10 bits (100 %, 100 of 100), at 1 level only 88 % of JPEG copies do.
 * A plain colour measures 0, 8-bit rounding noise ≈ 0.07, a ramp of 6 levels across ≈ 1.7:
 * below 2 the bits are set by ties, noise and the shape of a faint shading, not by content.
 */
export const MIN_PHASH_STRUCTURE = 2;

/**
 * Whether a picture's pHash may pair it with another as a near-duplicate. Near-uniform
 * pictures never do (identical files are still found by SHA-256).
 *
 * @param pHash     unsigned 64-bit hash
 * @param structure luma levels; undefined for items stored before it was measured, which are
 *                  taken as structured (their hash's bit count still rules out flat pictures)
 */
export function pHashCanMatch(pHash: bigint, structure: number | undefined): boolean {
  const bits = popcount32(Number(pHash >> 32n)) + popcount32(Number(pHash & 0xffffffffn));
  return bits >= MIN_PHASH_BITS && (structure === undefined || structure >= MIN_PHASH_STRUCTURE);
}
