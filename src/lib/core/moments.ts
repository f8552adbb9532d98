import { dot } from './vector';

/** One kept video frame as search sees it. */
export interface FrameVector {
  timestampSec: number;
  /** L2-normalized, same model as the query. */
  vector: Float32Array;
}

export interface Moment {
  timestampSec: number;
  /** Cosine similarity of the query and this frame. */
  score: number;
}

/**
 * The frames of one video that match a query best, best first (ties: earlier first), at least
 * `minGapSec` apart so "0:06, 0:06" never appears twice for neighbouring keyframes.
 * A video has at most a few dozen kept frames, so a direct scan is cheaper than any index.
 */
export function bestMoments(query: Float32Array, frames: readonly FrameVector[], k: number, minGapSec = 1): Moment[] {
  const ranked = frames
    .map((f) => ({ timestampSec: f.timestampSec, score: dot(query, f.vector) }))
    .sort((a, b) => b.score - a.score || a.timestampSec - b.timestampSec);
  const out: Moment[] = [];
  for (const m of ranked) {
    if (out.length >= k) break;
    if (out.every((o) => Math.abs(o.timestampSec - m.timestampSec) >= minGapSec)) out.push(m);
  }
  return out;
}

/** "0:07", "4:42", "1:02:03": how video players show a position. Fractions are dropped, not rounded up. */
export function formatTimestamp(seconds: number): string {
  const total = Math.max(0, Math.floor(Number.isFinite(seconds) ? seconds : 0));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const ss = String(s).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}
