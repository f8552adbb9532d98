// What the video worker takes and returns; shared by the worker, its decoders and its callers.

export interface ExtractOptions {
  /** most frames kept, ≥ 1 */
  maxFrames: number;
  /** smallest gap between candidate timestamps, seconds */
  minSecondsBetween: number;
  /** Bhattacharyya distance in [0, 1] a kept frame needs to every other kept frame */
  diversityThreshold: number;
  /** side of the square model input, px (224) */
  modelInputPx: number;
  /** long edge of the poster, px (320) */
  thumbMaxEdgePx: number;
  /** long edge of each kept frame's thumbnail, px (160) */
  frameThumbMaxEdgePx: number;
  /** Force one decoder (benchmarks, tests); by default WebCodecs, then ffmpeg.wasm when it cannot. */
  decoder?: Decoder;
}

export type Decoder = 'webcodecs' | 'ffmpeg';

export interface ExtractedFrame {
  /** where a player shows this frame, seconds from the start */
  timestampSec: number;
  /** centre square scaled to modelInputPx, RGBA */
  pixels: { data: Uint8ClampedArray; width: number; height: number };
  /** JPEG, long edge ≤ frameThumbMaxEdgePx */
  thumbnail: Blob;
}

export interface ExtractedVideo {
  durationSec: number;
  /** display size (after rotation), px */
  width: number;
  height: number;
  decoder: Decoder;
  /** the first kept frame, JPEG, long edge ≤ thumbMaxEdgePx */
  poster: { blob: Blob; width: number; height: number };
  /** in time order */
  frames: ExtractedFrame[];
  /** frames decoded and compared */
  candidateCount: number;
  /** candidates dropped as near-black or near-uniform */
  skippedBlank: number;
  /** opening, demuxing, decoding and scaling candidate frames, ms */
  decodeMs: number;
  /** histograms, blank test, selection, and the kept frames' crops and JPEGs, ms */
  filterMs: number;
  /** set when only part of the file could be read (truncated or damaged near the end) */
  readableSec?: number;
}
