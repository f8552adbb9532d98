/**
 * 64-bit DCT perceptual hash ("pHash").
 *
 * Algorithm: C. Zauner, "Implementation and Benchmarking of Perceptual Image
 * Hash Functions", 2010 (pHash.org), in the widely used variant of the Python
 * `imagehash.phash` (N. Krawetz, "Looks Like It", hackerfactor.com 2011):
 *   1. image → 32×32 grayscale (Rec. 601 luma, 0..255),
 *   2. orthonormal 2-D DCT-II of the 32×32 block,
 *   3. keep the top-left 8×8 block of coefficients (lowest frequencies),
 *   4. median over the 63 AC coefficients — the DC term is EXCLUDED from the
 *      median and its bit is always 0, because it only encodes mean brightness
 *      (so a constant image hashes to 0 and a brightness shift cannot flip it),
 *   5. bit k = coefficient k > median (strict), k = v·8 + u in row-major order
 *      (v = vertical frequency, u = horizontal), k = 0 is the most significant
 *      bit of the 64-bit result, so the hex string reads in row-major order.
 *
 * Because exactly 31 of the 63 AC coefficients exceed their median (fewer only
 * when coefficients tie, e.g. flat images), hashes of photos have popcount 31
 * and distances between them are even. Near-duplicate threshold measured on
 * 1,000 ImageNet photos: distance ≤ 10 (bench/results/phash-threshold.md).
 *
 * Producing the 32×32 input in the browser worker: draw the decoded image onto
 * a 32×32 `OffscreenCanvas` with `imageSmoothingEnabled = true` and
 * `imageSmoothingQuality = 'high'` (bilinear or better, stretched to fill —
 * aspect ratio is NOT preserved, as in the reference algorithm), read it with
 * `getImageData`, then call {@link grayscaleFromRgba} and {@link phashFromGray32}.
 * `scripts/measure-phash.mjs` uses the equivalent sharp path
 * (`resize(32, 32, { fit: 'fill', kernel: 'linear' })`).
 *
 * Pure and synchronous: safe in workers and in Node.
 */

/** Side length, in pixels, of the square grayscale input of {@link phashFromGray32}. */
export const PHASH_SIZE = 32;

/** Number of low frequencies kept per axis (8×8 = 64 bits). */
const LOW = 8;

/**
 * Coefficients are rounded to this grid (in gray levels) before comparison so
 * that mathematically zero coefficients (frequent in flat or synthetic images)
 * compare exactly equal instead of by floating-point noise; that makes the
 * hash reproducible across DCT implementations. Photo coefficients are O(1..1000),
 * so the rounding (≈0.001 gray levels) has no practical effect on them.
 */
const SNAP = 1024;

/**
 * cosTable[k·32 + n] = α(k)·cos((2n+1)kπ / 64) for k < 8, n < 32, where
 * α(0) = √(1/32), α(k) = √(2/32): the orthonormal DCT-II basis, low rows only,
 * because only the 8×8 low-frequency block is ever needed.
 */
const cosTable: Float64Array = (() => {
  const t = new Float64Array(LOW * PHASH_SIZE);
  for (let k = 0; k < LOW; k++) {
    const alpha = Math.sqrt((k === 0 ? 1 : 2) / PHASH_SIZE);
    for (let n = 0; n < PHASH_SIZE; n++) {
      t[k * PHASH_SIZE + n] = alpha * Math.cos(((2 * n + 1) * k * Math.PI) / (2 * PHASH_SIZE));
    }
  }
  return t;
})();

/**
 * Rec. 601 luma of an RGBA (or RGBx) pixel buffer, e.g. `ImageData.data`.
 *
 * Y = 0.299·R + 0.587·G + 0.114·B on the gamma-encoded 8-bit values. Alpha is
 * ignored (decoded photos are opaque); composite transparent images over a
 * background first if that matters.
 *
 * @param rgba   width·height·4 bytes, row-major, 0..255 per channel
 * @param width  pixels, ≥ 1
 * @param height pixels, ≥ 1
 * @returns width·height luma values, row-major, 0..255
 * @throws RangeError when the buffer is shorter than width·height·4
 */
export function grayscaleFromRgba(
  rgba: Uint8ClampedArray | Uint8Array,
  width: number,
  height: number,
): Float32Array {
  const pixelCount = width * height;
  if (!Number.isInteger(pixelCount) || width < 1 || height < 1 || rgba.length < pixelCount * 4) {
    throw new RangeError(`grayscaleFromRgba: need ${width}×${height}×4 bytes, got ${rgba.length}`);
  }
  const gray = new Float32Array(pixelCount);
  for (let i = 0, j = 0; i < pixelCount; i++, j += 4) {
    gray[i] = 0.299 * rgba[j]! + 0.587 * rgba[j + 1]! + 0.114 * rgba[j + 2]!;
  }
  return gray;
}

/**
 * The 8×8 lowest-frequency coefficients of the orthonormal 2-D DCT-II of a 32×32 image,
 * row-major (v·8 + u), snapped to {@link SNAP}.
 */
function lowFrequencyDct(gray: Float32Array, caller: string): Float64Array {
  const n = PHASH_SIZE;
  if (gray.length !== n * n) {
    throw new RangeError(`${caller}: expected ${n * n} values, got ${gray.length}`);
  }
  // Separable DCT: rows first (32 rows × 8 horizontal frequencies) …
  const rowDct = new Float64Array(n * LOW);
  for (let y = 0; y < n; y++) {
    const rowBase = y * n;
    for (let u = 0; u < LOW; u++) {
      const cosBase = u * n;
      let s = 0;
      for (let x = 0; x < n; x++) s += gray[rowBase + x]! * cosTable[cosBase + x]!;
      rowDct[y * LOW + u] = s;
    }
  }
  // … then columns, for the 8 vertical frequencies only.
  const coeffs = new Float64Array(LOW * LOW);
  for (let v = 0; v < LOW; v++) {
    const cosBase = v * n;
    for (let u = 0; u < LOW; u++) {
      let s = 0;
      for (let y = 0; y < n; y++) s += cosTable[cosBase + y]! * rowDct[y * LOW + u]!;
      // `+ 0` turns -0 into 0 so the snapped value is canonical.
      coeffs[v * LOW + u] = Math.round(s * SNAP) / SNAP + 0;
    }
  }
  return coeffs;
}

/**
 * 64-bit pHash of a 32×32 grayscale image (see the file header for the exact
 * bit layout). Cost: ≈10k multiply-adds (separable DCT, low rows only).
 *
 * @param gray 32×32 = 1024 values, row-major, 0..255 (any finite scale works:
 *             the hash is invariant to positive gain and to offset)
 * @returns unsigned 64-bit hash in [0, 2^64); bit 63 (the DC bit) is always 0
 * @throws RangeError when gray.length ≠ 1024
 */
export function phashFromGray32(gray: Float32Array): bigint {
  const coeffs = lowFrequencyDct(gray, 'phashFromGray32');
  const ac = coeffs.slice(1).sort();
  const median = ac[(ac.length - 1) >> 1]!; // 63 values → the 32nd smallest, no averaging needed

  let hi = 0;
  let lo = 0;
  for (let k = 1; k < 64; k++) {
    if (coeffs[k]! > median) {
      if (k < 32) hi |= 1 << (31 - k);
      else lo |= 1 << (63 - k);
    }
  }
  return (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
}

/**
 * How much structure the pHash has to work with: the standard deviation, in luma levels (0..255
 * scale), of the image rebuilt from the 63 low-frequency AC coefficients the hash compares. The
 * DCT is orthonormal, so by Parseval this is √(Σ c²) / 32 over those coefficients. A flat picture
 * measures 0, 8-bit rounding noise ≈ 0.07, a gentle ramp of 8 levels across the picture ≈ 2.3,
 * photos tens of levels. Below a few levels the hash's bits are set by ties and noise, not by
 * the picture (near-duplicate.ts decides where that starts).
 *
 * @param gray 32×32 = 1024 values, row-major, 0..255 (the input of {@link phashFromGray32})
 * @returns ≥ 0, luma levels; scales with gain, ignores offset
 * @throws RangeError when gray.length ≠ 1024
 */
export function phashStructureFromGray32(gray: Float32Array): number {
  const coeffs = lowFrequencyDct(gray, 'phashStructureFromGray32');
  let energy = 0;
  for (let k = 1; k < LOW * LOW; k++) energy += coeffs[k]! * coeffs[k]!;
  return Math.sqrt(energy) / PHASH_SIZE;
}

const MASK32 = 0xffffffffn;
const MAX64 = (1n << 64n) - 1n;

/**
 * @param h unsigned 64-bit hash, [0, 2^64)
 * @returns exactly 16 lowercase hex characters, zero-padded
 * @throws RangeError when h is outside [0, 2^64)
 */
export function phashToHex(h: bigint): string {
  if (h < 0n || h > MAX64) throw new RangeError(`phashToHex: not an unsigned 64-bit value: ${h}`);
  return h.toString(16).padStart(16, '0');
}

/**
 * Inverse of {@link phashToHex}.
 *
 * @param s exactly 16 hex characters (either case)
 * @returns unsigned 64-bit hash
 * @throws SyntaxError when s is not 16 hex characters
 */
export function phashFromHex(s: string): bigint {
  if (!/^[0-9a-fA-F]{16}$/.test(s)) throw new SyntaxError(`phashFromHex: expected 16 hex chars, got "${s}"`);
  return BigInt(`0x${s}`);
}

/**
 * Number of set bits of a 32-bit integer (SWAR popcount, Hacker's Delight 5-2).
 *
 * @param x interpreted as uint32
 * @returns 0..32
 */
export function popcount32(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}

/**
 * Hamming distance of two 64-bit hashes: popcount of the XOR, done on two
 * 32-bit halves because BigInt has no popcount and bit loops are slow.
 *
 * @param a unsigned 64-bit hash
 * @param b unsigned 64-bit hash
 * @returns 0..64
 */
export function hammingDistance64(a: bigint, b: bigint): number {
  const x = a ^ b;
  return popcount32(Number(x & MASK32)) + popcount32(Number((x >> 32n) & MASK32));
}
