/**
 * Colour histograms for cheap frame-to-frame comparison, ported from OpenCV
 * (the research notebooks' pipeline) so that thresholds tuned there carry over:
 *
 *   hsv  = cv2.cvtColor(rgb, cv2.COLOR_RGB2HSV)                  → {@link rgbaToHsvOpenCv}
 *   hist = cv2.calcHist([hsv], [0, 1, 2], None, [8, 8, 8],
 *                       [0, 180, 0, 256, 0, 256])                 → {@link hsvHistogram}
 *   hist = cv2.normalize(hist, hist).flatten()                    → (same call, L2 norm)
 *   d    = cv2.compareHist(h1, h2, cv2.HISTCMP_BHATTACHARYYA)     → {@link bhattacharyyaDistance}
 *
 * Algorithms: A. R. Smith, "Color Gamut Transform Pairs", SIGGRAPH 1978 (HSV
 * hexcone) in OpenCV 4.x's 8-bit fixed-point form (imgproc/src/color_hsv,
 * `RGB2HSV_b`); M. J. Swain & D. H. Ballard, "Color Indexing", IJCV 1991
 * (colour histograms); A. Bhattacharyya, "On a measure of divergence between
 * two statistical populations", Bull. Calcutta Math. Soc. 1943, in OpenCV's
 * Hellinger form (imgproc/src/histogram.cpp, `compareHist`).
 *
 * Verified against OpenCV 4.6.0 (test/fixtures/opencv-hsv-reference.json,
 * made by scripts/make-opencv-reference.py): HSV is bit-exact for all 2^24
 * colours, histograms and their L2 normalisation are bit-exact, Bhattacharyya
 * agrees to < 1e-7 (see {@link bhattacharyyaDistance} for why not bit-exact).
 *
 * Pure and synchronous: safe in workers and in Node.
 */

/** Bins per HSV channel of a 3-D histogram. */
export interface HsvBins {
  /** hue bins over H ∈ [0, 180), ≥ 1 */
  h: number;
  /** saturation bins over S ∈ [0, 256), ≥ 1 */
  s: number;
  /** value bins over V ∈ [0, 256), ≥ 1 */
  v: number;
}

/** The notebooks' 8×8×8 = 512-bin histogram. */
export const HSV_BINS: Readonly<HsvBins> = Object.freeze({ h: 8, s: 8, v: 8 });

/** Exclusive upper end of OpenCV's 8-bit hue (degrees / 2, so 360° fits a byte). */
export const HUE_RANGE = 180;

/** OpenCV's fixed-point precision for 8-bit HSV (`hsv_shift`). */
const HSV_SHIFT = 12;
const HALF = 1 << (HSV_SHIFT - 1);

/**
 * OpenCV's reciprocal tables, `saturate_cast<int>` = round to nearest (no
 * exact .5 ties occur for i ≤ 255, so Math.round equals OpenCV's lrint):
 *   sdiv[v]    = round(255·2^12 / v)        — S = 255·diff / V
 *   hdiv[diff] = round(180·2^12 / (6·diff)) — H = 30·(sector offset) / diff
 * Index 0 maps to 0, which is what makes black (V = 0) and greys (diff = 0) get S = 0, H = 0.
 */
const SDIV = new Int32Array(256);
const HDIV = new Int32Array(256);
for (let i = 1; i < 256; i++) {
  SDIV[i] = Math.round((255 << HSV_SHIFT) / i);
  HDIV[i] = Math.round((HUE_RANGE << HSV_SHIFT) / (6 * i));
}

/**
 * One pixel of OpenCV's `RGB2HSV_b`, written to out[o..o+2]. Integer maths in
 * the same order as OpenCV, so the fixed-point rounding matches bit for bit:
 *   V = max(R, G, B), diff = V − min(R, G, B),
 *   S = (diff·sdiv[V] + 2^11) >> 12            — round(255·diff / V),
 *   H' = G − B (V = R) | B − R + 2·diff (V = G) | R − G + 4·diff (V = B),
 *        checking R first, then G, on ties,
 *   H = (H'·hdiv[diff] + 2^11) >> 12 (arithmetic shift: floor), + 180 if < 0.
 */
function hsvPixel(r: number, g: number, b: number, out: Uint8Array, o: number): void {
  let v = b;
  if (g > v) v = g;
  if (r > v) v = r;
  let vmin = b;
  if (g < vmin) vmin = g;
  if (r < vmin) vmin = r;
  const diff = v - vmin;
  const s = (diff * SDIV[v]! + HALF) >> HSV_SHIFT;
  let h: number;
  if (v === r) h = g - b;
  else if (v === g) h = b - r + 2 * diff;
  else h = r - g + 4 * diff;
  h = (h * HDIV[diff]! + HALF) >> HSV_SHIFT;
  if (h < 0) h += HUE_RANGE;
  out[o] = h;
  out[o + 1] = s;
  out[o + 2] = v;
}

function checkRgba(fn: string, rgba: ArrayLike<number>, width: number, height: number): number {
  const pixelCount = width * height;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1 || rgba.length < pixelCount * 4) {
    throw new RangeError(`${fn}: need ${width}×${height}×4 bytes, got ${rgba.length}`);
  }
  return pixelCount;
}

function checkStep(fn: string, sampleStep: number): void {
  if (!Number.isInteger(sampleStep) || sampleStep < 1) {
    throw new RangeError(`${fn}: sampleStep must be an integer ≥ 1, got ${sampleStep}`);
  }
}

/**
 * RGBA → 8-bit HSV exactly as `cv2.cvtColor(img, cv2.COLOR_RGB2HSV)` on a
 * uint8 image (OpenCV's fixed-point rounding, see `hsvPixel` above).
 * Alpha is ignored (decoded frames are opaque).
 *
 * @param rgba   width·height·4 bytes, row-major, 0..255 per channel, e.g. `ImageData.data`
 * @param width  pixels, ≥ 1
 * @param height pixels, ≥ 1
 * @returns width·height·3 bytes, interleaved H, S, V per pixel:
 *          H ∈ [0, 179] (hue in degrees / 2), S ∈ [0, 255] (255·(max − min)/max,
 *          0 for black), V ∈ [0, 255] (max of R, G, B); greys have H = 0
 * @throws RangeError when the buffer is shorter than width·height·4
 */
export function rgbaToHsvOpenCv(rgba: Uint8ClampedArray | Uint8Array, width: number, height: number): Uint8Array {
  const pixelCount = checkRgba('rgbaToHsvOpenCv', rgba, width, height);
  const hsv = new Uint8Array(pixelCount * 3);
  for (let i = 0, j = 0, o = 0; i < pixelCount; i++, j += 4, o += 3) {
    hsvPixel(rgba[j]!, rgba[j + 1]!, rgba[j + 2]!, hsv, o);
  }
  return hsv;
}

/**
 * Bin of each 8-bit channel value, as OpenCV's `calcHistLookupTables_8u` for
 * uniform bins: bin = floor(value · bins / (hi − lo)) (the multiply by the
 * double t = bins/(hi − lo) rather than a division, as OpenCV does, so edge
 * values land in the same bin), clamped to [0, bins − 1]; values outside
 * [lo, hi) map to −1 and are not counted.
 */
function binTable(bins: number, hi: number): Int32Array {
  const t = bins / hi; // lo = 0 for all three channels, so OpenCV's offset −t·lo is 0
  const tab = new Int32Array(256);
  for (let j = 0; j < 256; j++) {
    tab[j] = j < hi ? Math.min(Math.max(Math.floor(j * t), 0), bins - 1) : -1;
  }
  return tab;
}

function checkBins(fn: string, bins: HsvBins): void {
  for (const b of [bins.h, bins.s, bins.v]) {
    if (!Number.isInteger(b) || b < 1) throw new RangeError(`${fn}: bins must be integers ≥ 1, got ${JSON.stringify(bins)}`);
  }
}

/**
 * Checks `bins` and `sampleStep` (RangeError naming `fn`), then builds the
 * three channel lookup tables and the zeroed bins.h·bins.s·bins.v counts.
 */
function histogramTables(fn: string, bins: HsvBins, sampleStep: number) {
  checkBins(fn, bins);
  checkStep(fn, sampleStep);
  return {
    hTab: binTable(bins.h, HUE_RANGE),
    sTab: binTable(bins.s, 256),
    vTab: binTable(bins.v, 256),
    counts: new Float32Array(bins.h * bins.s * bins.v),
  };
}

/**
 * L2-normalises counts in place like `cv2.normalize(hist, hist)` (defaults
 * alpha = 1, NORM_L2): the norm is taken in float64 (exact for integer
 * counts), scale = 1/‖c‖₂ is rounded to float32 and each bin is c·scale
 * rounded to float32, as OpenCV's `convertTo` does; all-zero stays all-zero.
 */
function l2NormalizeCounts(counts: Float32Array): Float32Array {
  let sumSq = 0;
  for (let i = 0; i < counts.length; i++) sumSq += counts[i]! * counts[i]!;
  const norm = Math.sqrt(sumSq);
  const scale = Math.fround(norm > Number.EPSILON ? 1 / norm : 0);
  // Float32Array assignment rounds the float64 product (exact for float32 operands) once, like float32 maths.
  for (let i = 0; i < counts.length; i++) counts[i] = counts[i]! * scale;
  return counts;
}

/**
 * 3-D HSV histogram, L2-normalised: `cv2.calcHist([hsv], [0, 1, 2], None,
 * [bins.h, bins.s, bins.v], [0, 180, 0, 256, 0, 256])` followed by
 * `cv2.normalize(hist, hist).flatten()`.
 *
 * Binning: uniform bins, H over [0, 180), S and V over [0, 256); with the
 * default 8 bins a hue bin spans 22.5 values (45°) and an S/V bin 32 values.
 * Bin index (h·bins.s + s)·bins.v + v, i.e. C order of OpenCV's
 * hist[h][s][v]. H bytes ≥ 180 (never produced by {@link rgbaToHsvOpenCv})
 * fall outside the range and are not counted, as in OpenCV.
 *
 * Normalisation: L2, ‖result‖₂ = 1 (NORM_L2 is `cv2.normalize`'s default,
 * not L1 or MINMAX). For {@link bhattacharyyaDistance} the choice does not
 * matter — it divides by the histograms' sums itself, so any positive scale
 * gives the same distance (up to float32 rounding, ~1e-9).
 *
 * Sampling (not in OpenCV, for speed): only every `sampleStep`-th pixel in
 * row-major order is counted — pixels 0, k, 2k, … for k = sampleStep. With
 * k = 1 the result is exactly OpenCV's; with k > 1 it equals OpenCV's on
 * `hsv.reshape(-1, 3)[::k]`. When k divides the width this samples every
 * k-th column of every row; otherwise the columns shift from row to row.
 *
 * @param hsv        n·3 bytes, interleaved H ∈ [0, 180), S, V ∈ [0, 256), as from {@link rgbaToHsvOpenCv}
 * @param bins       bins per channel, integers ≥ 1
 * @param sampleStep pixel stride, integer ≥ 1
 * @returns bins.h·bins.s·bins.v float32 values ≥ 0, ‖·‖₂ = 1, or all 0 when no pixel was counted
 * @throws RangeError on a length that is not a multiple of 3, bad bins or bad sampleStep
 */
export function hsvHistogram(hsv: Uint8Array, bins: HsvBins = HSV_BINS, sampleStep = 1): Float32Array {
  if (hsv.length % 3 !== 0) throw new RangeError(`hsvHistogram: length ${hsv.length} is not a multiple of 3`);
  const { hTab, sTab, vTab, counts } = histogramTables('hsvHistogram', bins, sampleStep);
  const stride = sampleStep * 3;
  for (let o = 0; o < hsv.length; o += stride) {
    const hb = hTab[hsv[o]!]!;
    const sb = sTab[hsv[o + 1]!]!;
    const vb = vTab[hsv[o + 2]!]!;
    if (hb >= 0 && sb >= 0 && vb >= 0) counts[(hb * bins.s + sb) * bins.v + vb]! += 1;
  }
  return l2NormalizeCounts(counts);
}

/**
 * {@link rgbaToHsvOpenCv} then {@link hsvHistogram} in one pass, converting
 * only the sampled pixels (so `sampleStep` = k does 1/k of the work) and
 * without the intermediate HSV buffer. Same result as the two-step path.
 *
 * @param rgba       width·height·4 bytes, row-major, 0..255 per channel
 * @param width      pixels, ≥ 1
 * @param height     pixels, ≥ 1
 * @param bins       bins per channel, integers ≥ 1
 * @param sampleStep pixel stride in row-major order, integer ≥ 1
 * @returns bins.h·bins.s·bins.v float32 values ≥ 0 with ‖·‖₂ = 1
 * @throws RangeError on a short buffer, bad bins or bad sampleStep
 */
export function hsvHistogramFromRgba(
  rgba: Uint8ClampedArray | Uint8Array,
  width: number,
  height: number,
  bins: HsvBins = HSV_BINS,
  sampleStep = 1,
): Float32Array {
  const pixelCount = checkRgba('hsvHistogramFromRgba', rgba, width, height);
  const { hTab, sTab, vTab, counts } = histogramTables('hsvHistogramFromRgba', bins, sampleStep);
  const px = new Uint8Array(3);
  for (let i = 0; i < pixelCount; i += sampleStep) {
    const j = i * 4;
    hsvPixel(rgba[j]!, rgba[j + 1]!, rgba[j + 2]!, px, 0);
    // H < 180 always, so every converted pixel lands in a bin.
    counts[(hTab[px[0]!]! * bins.s + sTab[px[1]!]!) * bins.v + vTab[px[2]!]!]! += 1;
  }
  return l2NormalizeCounts(counts);
}

/** FLT_EPSILON: OpenCV's threshold below which the histograms' sum product counts as zero. */
const FLT_EPSILON = 1.1920928955078125e-7;

/**
 * Bhattacharyya (Hellinger) distance as `cv2.compareHist(h1, h2,
 * cv2.HISTCMP_BHATTACHARYYA)`:
 *
 *   d = sqrt(max(0, 1 − Σᵢ sqrt(h1ᵢ·h2ᵢ) / sqrt(Σh1 · Σh2)))
 *     = sqrt(max(0, 1 − Σᵢ sqrt(h1ᵢ·h2ᵢ) / sqrt(mean(h1)·mean(h2)·N²)),
 *
 * accumulated in float64. Scale-invariant in each argument, so raw counts,
 * L1- or L2-normalised histograms all give the same d. Identical histograms
 * → exactly 0; histograms with no common non-zero bin → 1; as in OpenCV, if
 * Σh1·Σh2 ≤ FLT_EPSILON (e.g. an empty histogram) the division is skipped,
 * which gives d = 1 for an all-zero argument.
 *
 * Deviation from OpenCV (≤ 1e-7 in practice): OpenCV sums in SIMD lanes and
 * multiplies by 1/sqrt(Σh1·Σh2); this sums sequentially and divides, so
 * identical inputs give exactly 0 (sqrt(fl(x²)) = x in IEEE arithmetic)
 * where OpenCV can return ~1e-8 — the sqrt turns a 1-ulp residue into 1e-8.
 *
 * @param h1 histogram, values ≥ 0 (negative bins make sqrt NaN, as in OpenCV)
 * @param h2 histogram of the same length
 * @returns distance in [0, 1]
 * @throws RangeError when the lengths differ
 */
export function bhattacharyyaDistance(h1: Float32Array, h2: Float32Array): number {
  if (h1.length !== h2.length) {
    throw new RangeError(`bhattacharyyaDistance: length mismatch ${h1.length} vs ${h2.length}`);
  }
  let overlap = 0;
  let s1 = 0;
  let s2 = 0;
  for (let i = 0; i < h1.length; i++) {
    const a = h1[i]!;
    const b = h2[i]!;
    overlap += Math.sqrt(a * b);
    s1 += a;
    s2 += b;
  }
  const sumProduct = s1 * s2;
  const coefficient = Math.abs(sumProduct) > FLT_EPSILON ? overlap / Math.sqrt(sumProduct) : overlap;
  return Math.sqrt(Math.max(1 - coefficient, 0));
}
