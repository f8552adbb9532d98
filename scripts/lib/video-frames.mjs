// Deterministic synthetic video frames, shared by Node (MJPEG AVI via sharp) and the browser
// (WebCodecs encoding via mediabunny). `paintFrame` must stay self-contained: its source text
// is injected into the page as-is.

/**
 * A segment lasts until `untilSec` (exclusive). `shapes: false` paints a flat frame (for the
 * black opening that the near-blank filter must skip).
 * @typedef {{ untilSec: number, rgb: [number, number, number], shapes?: boolean }} Segment
 */

/**
 * Paints frame time `tSec` into an RGBA buffer: the segment colour plus a white disc moving
 * left→right and a dark square moving right→left, so frames within a segment differ a little
 * (motion) but keep their colour distribution (the diversity filter should keep one per segment).
 * @param {Uint8ClampedArray | Uint8Array} rgba  width·height·4 bytes, overwritten
 * @param {number} width
 * @param {number} height
 * @param {number} tSec
 * @param {Segment[]} segments  sorted by untilSec
 */
export function paintFrame(rgba, width, height, tSec, segments) {
  let seg = segments[segments.length - 1];
  for (const s of segments) {
    if (tSec < s.untilSec) {
      seg = s;
      break;
    }
  }
  const [r, g, b] = seg.rgb;
  const shapes = seg.shapes !== false;
  const radius = Math.round(height / 6);
  const cx = Math.round((tSec * width * 0.3) % width);
  const cy = Math.round(height * 0.35);
  const side = Math.round(height / 5);
  const sx = Math.round(width - ((tSec * width * 0.2) % width));
  const sy = Math.round(height * 0.6);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 4;
      let pr = r;
      let pg = g;
      let pb = b;
      if (shapes) {
        if ((x - cx) * (x - cx) + (y - cy) * (y - cy) <= radius * radius) {
          pr = pg = pb = 245;
        } else if (x >= sx - side && x < sx && y >= sy && y < sy + side) {
          pr = pg = pb = 40;
        }
      }
      rgba[i] = pr;
      rgba[i + 1] = pg;
      rgba[i + 2] = pb;
      rgba[i + 3] = 255;
    }
  }
}
