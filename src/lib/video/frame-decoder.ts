// The one interface both decoders (WebCodecs, ffmpeg.wasm) implement, and what they may ask of
// the frame collector. A decoder knows how to get pixels at given moments; the collector decides
// which moments to ask for and which frames to keep.
import type { FallbackReason } from './errors';
import type { Decoder } from './types';

/** One decoded frame, already at the size the sink asked for. */
export type FrameSource =
  /** width×height×4 bytes of RGBA rows, as ffmpeg's rawvideo output */
  | { rgba: Uint8ClampedArray<ArrayBuffer> }
  /** a frame that paints itself scaled onto the surface (mediabunny's VideoSample.draw) */
  | { draw: (ctx: OffscreenCanvasRenderingContext2D) => void };

/** The frame collector as a decoder sees it. */
export interface FrameSink {
  /** smallest gap between two candidates' timestamps, seconds */
  readonly minSecondsBetween: number;
  /** candidates handed over so far */
  readonly candidateCount: number;
  /** The moments to decode, seconds from the first frame, for a video this long (seconds). */
  candidateTimes(durationSec: number): number[];
  /** Prepares for a video shown at width×height px; returns the size every frame must be scaled to. */
  start(width: number, height: number): { width: number; height: number };
  /** One candidate: the frame a player shows at `timestampSec`. */
  add(timestampSec: number, frame: FrameSource): void;
}

/** What a decoder learnt about the video besides its frames. */
export interface DecodedVideo {
  decoder: Decoder;
  /** the duration the file states, seconds */
  durationSec: number;
  /** display size (after rotation), px */
  width: number;
  height: number;
  /** set when only part of the file could be read */
  readableSec?: number;
}

export interface FrameDecoder {
  readonly name: Decoder;
  /**
   * Reads `blob` and hands `sink` the frames at the candidate times it asks for.
   * Throws VideoError (a message for the user), NeedsFallback (WebCodecs: try ffmpeg.wasm), or
   * anything else (wrapped by the caller).
   * @param why why this decoder runs instead of another one (ffmpeg.wasm words its errors by it)
   */
  decode(blob: Blob, sink: FrameSink, why: FallbackReason): Promise<DecodedVideo>;
}
