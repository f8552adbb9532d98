// Which frames of a video to keep, whatever decoded them: the candidate moments, an HSV histogram
// and a blank test on a ≤ 224 px copy of each candidate, the diversity filter
// (core/frame-select.ts), then the kept frames' model squares, thumbnails and the poster.
// Pixels go through a FrameRaster: OffscreenCanvas in the worker (canvas-raster.ts), plain arrays
// in unit tests.
import { fitWithin, shrinkNoSmallerThan } from '../core/geometry';
import { hsvHistogramFromRgba } from '../core/hsv-histogram';
import { candidateTimestamps, frameLumaStats, isNearBlank, selectDiverseFrames, type FrameCandidate } from '../core/frame-select';
import { releaseBuffer } from '../core/typed-columns';
import { MESSAGES, VideoError } from './errors';
import type { DecodedVideo, FrameSink, FrameSource } from './frame-decoder';
import type { ExtractOptions, ExtractedFrame, ExtractedVideo } from './types';

/**
 * Long edge of the copy the histogram and blank test read. Small copies exaggerate histogram
 * distances (a downscale merges pixels into fewer, purer colours), so more frames pass the
 * diversity threshold than at full size. On the 8 shared sample videos (bench/frame-stats-size.mjs,
 * bench/results/frame-stats-size.md) keep/drop decisions matched full resolution for 88–93 % of
 * candidates at 96 px (the one-person-at-a-time clip kept 17–20 frames instead of 15), 94–95 % at
 * 160 px and 95.5–95.9 % at 224 px, where 5–6 of the 6 videos decided by the threshold alone match
 * exactly (the work surface itself: 97 %; the rest are farthest-point picks among more than
 * MAX_FRAMES passing frames). Histogram and blank test cost 0.26 ms a frame at 224 px against
 * 0.07 ms at 96 px (Node), about 20 ms for a video's 72 candidates.
 */
export const STATS_MAX_EDGE_PX = 224;

/** A frame held at the work size until the choice is made (an ImageBitmap in the browser). */
export interface HeldFrame {
  readonly width: number;
  readonly height: number;
  close(): void;
}

export interface Rgba {
  data: Uint8ClampedArray;
  width: number;
  height: number;
}

/** A surface of the work size that decoded frames are painted onto, one at a time. */
export interface FrameSurface<Frame extends HeldFrame> {
  paint(frame: FrameSource): void;
  /** The painted frame scaled to `size`, RGBA. */
  scaledCopy(size: { width: number; height: number }): Rgba;
  /** Hands over the painted frame; the surface is blank afterwards. */
  take(): Frame;
}

/** Where the collector's pixels live. */
export interface FrameRaster<Frame extends HeldFrame> {
  surface(width: number, height: number): FrameSurface<Frame>;
  /** The centre square of `frame` scaled to side×side, RGBA (a new buffer each call). */
  centreSquare(frame: Frame, side: number): Uint8ClampedArray<ArrayBuffer>;
  /** `frame` as a JPEG, long edge ≤ maxEdgePx. */
  jpeg(frame: Frame, maxEdgePx: number): Promise<{ blob: Blob; width: number; height: number }>;
}

interface Candidate<Frame> extends FrameCandidate {
  frame: Frame;
}

/** One decoding attempt's candidates; `close` releases their pixels. */
export class FrameCollector<Frame extends HeldFrame> implements FrameSink {
  readonly #candidates: Candidate<Frame>[] = [];
  #surface: FrameSurface<Frame> | null = null;
  #statsSize = { width: 1, height: 1 };
  /** histogram and blank-test time so far, ms */
  filterMs = 0;

  constructor(
    readonly raster: FrameRaster<Frame>,
    readonly options: ExtractOptions,
    readonly now: () => number = () => performance.now(),
  ) {}

  get minSecondsBetween(): number {
    return this.options.minSecondsBetween;
  }

  get candidateCount(): number {
    return this.#candidates.length;
  }

  candidateTimes(durationSec: number): number[] {
    return candidateTimestamps(durationSec, { minSecondsBetween: this.options.minSecondsBetween });
  }

  /**
   * The work size: the short edge at least modelInputPx (so the centre square needs no second
   * resample when it is exactly that) and the long edge at least thumbMaxEdgePx (the poster);
   * never larger than the video.
   */
  start(width: number, height: number): { width: number; height: number } {
    const size = shrinkNoSmallerThan(width, height, this.options.modelInputPx, this.options.thumbMaxEdgePx);
    this.#surface = this.raster.surface(size.width, size.height);
    this.#statsSize = fitWithin(size.width, size.height, STATS_MAX_EDGE_PX);
    return size;
  }

  add(timestampSec: number, source: FrameSource): void {
    const surface = this.#surface;
    if (!surface) throw new Error('FrameCollector.add before start');
    surface.paint(source);
    const started = this.now();
    const { data, width, height } = surface.scaledCopy(this.#statsSize);
    const histogram = hsvHistogramFromRgba(data, width, height);
    // Every pixel of the small copy: a lit window in a night scene is a few pixels there, and a
    // stride could step over the only thing that tells the scene from a black leader.
    const blank = isNearBlank(frameLumaStats(data, width, height, 1));
    // Read once: given back now rather than at a collection (up to 72 copies a video).
    releaseBuffer(data);
    this.#candidates.push({ timestampSec, histogram, blank, frame: surface.take() });
    this.filterMs += this.now() - started;
  }

  /**
   * Chooses the frames to keep and prepares them: model squares, thumbnails, the poster.
   * @param decodeMs decoding time to report, ms
   */
  async finish(video: DecodedVideo, decodeMs: number): Promise<ExtractedVideo> {
    const started = this.now();
    const o = this.options;
    const candidates = this.#candidates;
    if (candidates.length === 0) throw new VideoError(MESSAGES.damaged('no frame could be decoded'));
    const kept = selectDiverseFrames(candidates, { threshold: o.diversityThreshold, maxFrames: o.maxFrames });
    const side = o.modelInputPx;
    const frames: ExtractedFrame[] = [];
    for (const i of kept) {
      const { frame, timestampSec } = candidates[i]!;
      const pixels = { data: this.raster.centreSquare(frame, side), width: side, height: side };
      frames.push({ timestampSec, pixels, thumbnail: (await this.raster.jpeg(frame, o.frameThumbMaxEdgePx)).blob });
    }
    const poster = await this.raster.jpeg(candidates[kept[0]!]!.frame, o.thumbMaxEdgePx);
    return {
      durationSec: video.durationSec,
      width: video.width,
      height: video.height,
      decoder: video.decoder,
      poster,
      frames,
      candidateCount: candidates.length,
      skippedBlank: candidates.filter((c) => c.blank).length,
      decodeMs,
      filterMs: this.filterMs + (this.now() - started),
      ...(video.readableSec !== undefined ? { readableSec: video.readableSec } : {}),
    };
  }

  close(): void {
    for (const c of this.#candidates) c.frame.close();
    this.#candidates.length = 0;
  }
}
