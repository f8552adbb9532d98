/**
 * Largest Hamming distance between two 64-bit DCT pHashes (see phash.ts) at which Shoebox calls
 * a new photo a near-duplicate of one already stored. Chosen on resized / recompressed /
 * slightly cropped / brightened copies of 1000 real photos against all distinct pairs
 * (bench/results/phash-threshold.md): the largest distance that kept false matches between
 * different photos negligible.
 */
export const NEAR_DUPLICATE_MAX_DISTANCE = 10;
