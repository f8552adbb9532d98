// Helpers for the viewer's end-to-end tests and its open-time measurement (viewer_open_ms), kept
// apart from the tests so a bench script can import them: a photo-like JPEG of any size, and the
// time from a tile click to the original decoded and painted in the viewer.
import sharp from 'sharp';

/**
 * A JPEG that compresses like a photo rather than a flat picture: smooth colour fields at two
 * scales (a seeded random grid enlarged with a cubic kernel) plus fine grain, so a 4000 × 3000
 * one weighs megabytes and takes a real decoder's time.
 */
export async function photoLikeJpeg(width, height, { seed = 1, name = `photo-${width}x${height}.jpg`, quality = 90 } = {}) {
  let state = seed >>> 0 || 1;
  const next = () => ((state = (Math.imul(state, 1103515245) + 12345) >>> 0) >>> 24);
  const field = async (cols, rows) =>
    sharp(Buffer.from(Array.from({ length: cols * rows * 3 }, next)), { raw: { width: cols, height: rows, channels: 3 } })
      .resize(width, height, { kernel: 'cubic' })
      .raw()
      .toBuffer();
  const [coarse, fine] = await Promise.all([field(6, 5), field(80, 60)]);
  const pixels = Buffer.alloc(width * height * 3);
  for (let i = 0; i < pixels.length; i++) {
    const grain = (next() & 31) - 16;
    pixels[i] = Math.max(0, Math.min(255, (coarse[i] * 3 + fine[i]) / 4 + grain));
  }
  const buffer = await sharp(pixels, { raw: { width, height, channels: 3 } }).jpeg({ quality }).toBuffer();
  return { name, mimeType: 'image/jpeg', buffer };
}

/**
 * Clicks `tileButton` and returns `{ totalMs, urlMs, decodeMs }`: the milliseconds from that click
 * to the original shown in the viewer (decoded, `img.decode()` resolved, then a frame painted),
 * and of it, the part until the original's object URL was ready (read from storage) and the
 * decode itself. The viewer marks these moments (`shoebox:viewer-original-url`,
 * `shoebox:viewer-decode-start`, `shoebox:viewer-decoded`, `shoebox:viewer-original-shown`); the
 * click time is taken in the page by a capturing listener, so both ends use the page's clock.
 * @param {import('playwright-core').Page} page
 * @param {import('playwright-core').Locator} tileButton
 */
export async function measureViewerOpen(page, tileButton) {
  await page.evaluate(() => {
    for (const m of ['original-url', 'decode-start', 'decoded', 'original-shown']) performance.clearMarks(`shoebox:viewer-${m}`);
    window.__viewerClickAtMs = undefined;
    document.addEventListener('click', () => (window.__viewerClickAtMs ??= performance.now()), { capture: true, once: true });
  });
  await tileButton.click();
  const handle = await page.waitForFunction(
    () => {
      const at = (name) => performance.getEntriesByName(`shoebox:viewer-${name}`).at(-1)?.startTime;
      const clickAt = window.__viewerClickAtMs;
      const shownAt = at('original-shown');
      if (shownAt === undefined || clickAt === undefined) return null;
      return { totalMs: shownAt - clickAt, urlMs: at('original-url') - clickAt, decodeMs: at('decoded') - at('decode-start') };
    },
    undefined,
    { timeout: 15_000, polling: 'raf' },
  );
  return handle.jsonValue();
}

export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
