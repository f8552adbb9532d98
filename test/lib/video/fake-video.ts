// Test doubles for the video pipeline: synthetic colour videos, a plain-array raster in place of
// OffscreenCanvas, and decoders that hand the collector frames the way the real ones do.
import { centerSquare, fitWithin } from '../../../src/lib/core/geometry';
import { NeedsFallback, type FallbackReason } from '../../../src/lib/video/errors';
import type { FrameRaster, FrameSurface, HeldFrame, Rgba } from '../../../src/lib/video/frame-collector';
import type { DecodedVideo, FrameDecoder, FrameSink, FrameSource } from '../../../src/lib/video/frame-decoder';
import { collectSamples, readableAfterRun, type TimedSample } from '../../../src/lib/video/sample-stream';
import type { Decoder, ExtractOptions } from '../../../src/lib/video/types';

export type Rgb = [number, number, number];

export const COLOURS = {
  red: [220, 30, 30],
  green: [30, 200, 60],
  blue: [30, 60, 220],
  yellow: [235, 210, 30],
  magenta: [210, 40, 200],
  cyan: [40, 200, 210],
  black: [0, 0, 0],
} satisfies Record<string, Rgb>;

export type ColourName = keyof typeof COLOURS;

export const OPTIONS: ExtractOptions = { maxFrames: 24, minSecondsBetween: 0.4, diversityThreshold: 0.15, modelInputPx: 224, thumbMaxEdgePx: 320, frameThumbMaxEdgePx: 160 };

/** A video as a list of solid-colour segments, each until `untilSec`. */
export interface FakeVideo {
  segments: { untilSec: number; colour: ColourName }[];
  /** display size, px */
  width: number;
  height: number;
  /** frames per second of the samples */
  fps: number;
  /** the data ends here (a cut file): a sample at or past it fails to decode */
  cutAtSec?: number;
  /** plain colour cards instead of striped frames */
  solid?: boolean;
}

export function fakeVideo(segments: FakeVideo['segments'], extra: Partial<FakeVideo> = {}): FakeVideo {
  return { segments, width: 320, height: 180, fps: 10, ...extra };
}

export function durationOf(video: FakeVideo): number {
  return video.segments[video.segments.length - 1]!.untilSec;
}

export function colourAt(video: FakeVideo, sec: number): ColourName {
  return (video.segments.find((s) => sec < s.untilSec) ?? video.segments[video.segments.length - 1]!).colour;
}

/**
 * A frame of one colour in vertical stripes of full and ¾ brightness, as real footage has
 * structure; `solid` leaves the stripes out (a plain colour card). Black stays black.
 */
export function stripedFrame(colour: ColourName, width: number, height: number, solid = false): Uint8ClampedArray<ArrayBuffer> {
  const [r, g, b] = COLOURS[colour];
  const rgba = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const k = solid || (x >> 2) % 2 === 0 ? 1 : 0.75;
      rgba.set([r * k, g * k, b * k, 255], (y * width + x) * 4);
    }
  }
  return rgba;
}

/** Nearest-neighbour resample of a region of `src`. */
function resample(src: Rgba, region: { x: number; y: number; width: number; height: number }, width: number, height: number): Uint8ClampedArray<ArrayBuffer> {
  const out = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y++) {
    const sy = region.y + Math.floor(((y + 0.5) * region.height) / height);
    for (let x = 0; x < width; x++) {
      const sx = region.x + Math.floor(((x + 0.5) * region.width) / width);
      const j = (sy * src.width + sx) * 4;
      out.set(src.data.subarray(j, j + 4), (y * width + x) * 4);
    }
  }
  return out;
}

export class FakeFrame implements HeldFrame {
  closed = false;
  constructor(
    readonly data: Uint8ClampedArray,
    readonly width: number,
    readonly height: number,
  ) {}

  close(): void {
    this.closed = true;
  }
}

/** FrameRaster over plain arrays; remembers every frame it handed out, to check they were all closed. */
export class FakeRaster implements FrameRaster<FakeFrame> {
  readonly frames: FakeFrame[] = [];

  /**
   * @param onPaint called as each decoded frame lands on the surface (the end of its decoding)
   * @param onStats called as the statistics copy of a frame is made (filter work)
   */
  constructor(
    readonly onPaint: () => void = () => {},
    readonly onStats: () => void = () => {},
  ) {}

  surface(width: number, height: number): FrameSurface<FakeFrame> {
    let painted: Uint8ClampedArray | null = null;
    return {
      paint: (source: FrameSource) => {
        if (!('rgba' in source)) throw new Error('the fake raster takes RGBA frames only');
        if (source.rgba.length !== width * height * 4) throw new Error(`frame of ${source.rgba.length} bytes for a ${width}×${height} surface`);
        painted = source.rgba.slice();
        this.onPaint();
      },
      scaledCopy: (size) => (this.onStats(), { data: resample({ data: painted!, width, height }, { x: 0, y: 0, width, height }, size.width, size.height), ...size }),
      take: () => {
        const frame = new FakeFrame(painted!, width, height);
        painted = null;
        this.frames.push(frame);
        return frame;
      },
    };
  }

  centreSquare(frame: FakeFrame, side: number): Uint8ClampedArray<ArrayBuffer> {
    if (frame.closed) throw new Error('centreSquare of a closed frame');
    return resample(frame, centerSquare(frame.width, frame.height), side, side);
  }

  async jpeg(frame: FakeFrame, maxEdgePx: number): Promise<{ blob: Blob; width: number; height: number }> {
    if (frame.closed) throw new Error('jpeg of a closed frame');
    return { blob: new Blob([frame.data.slice(0, 4)], { type: 'image/jpeg' }), ...fitWithin(frame.width, frame.height, maxEdgePx) };
  }
}

/** The colour a mean RGB is closest to. */
export function colourName(rgba: Uint8ClampedArray): ColourName {
  const sum = [0, 0, 0];
  for (let i = 0; i < rgba.length; i += 4) for (let c = 0; c < 3; c++) sum[c]! += rgba[i + c]!;
  const mean = sum.map((s) => s / (rgba.length / 4));
  let best: ColourName = 'black';
  let bestD = Infinity;
  for (const [name, rgb] of Object.entries(COLOURS) as [ColourName, Rgb][]) {
    // Stripes average to ⅞ of the colour.
    const d = rgb.reduce((acc, v, c) => acc + (v * 0.875 - mean[c]!) ** 2, 0);
    if (d < bestD) [best, bestD] = [name, d];
  }
  return best;
}

interface FakeSample extends TimedSample {
  colour: ColourName;
}

/**
 * A decoder in the shape of the WebCodecs one: for each candidate time the frame a player shows
 * then (samples of 1/fps s, so close candidates can share one), through the real sample loop;
 * past `cutAtSec` the stream fails like damaged data.
 */
export function sampleDecoder(video: FakeVideo, name: Decoder = 'webcodecs'): FrameDecoder & { calls: number; reasons: FallbackReason[] } {
  const decoder = {
    name,
    calls: 0,
    reasons: [] as FallbackReason[],
    async decode(_blob: Blob, sink: FrameSink, why: FallbackReason): Promise<DecodedVideo> {
      decoder.calls++;
      decoder.reasons.push(why);
      const durationSec = durationOf(video);
      const size = sink.start(video.width, video.height);
      const times = sink.candidateTimes(durationSec);
      async function* samples(): AsyncGenerator<FakeSample> {
        for (const t of times) {
          const timestamp = Math.floor(t * video.fps) / video.fps;
          if (video.cutAtSec !== undefined && timestamp >= video.cutAtSec) throw new Error('decoding error: damaged data');
          yield { timestamp, duration: 1 / video.fps, colour: colourAt(video, timestamp), close() {} };
        }
      }
      const run = await collectSamples(samples(), times, 0, sink, (s) => ({ rgba: stripedFrame(s.colour, size.width, size.height, video.solid) }));
      const readableSec = readableAfterRun(run, times[times.length - 1]!, durationSec, false);
      return { decoder: name, durationSec, width: video.width, height: video.height, ...(readableSec !== undefined ? { readableSec } : {}) };
    },
  };
  return decoder;
}

/** A decoder that refuses every file with `error`, counting its calls. */
export function refusingDecoder(name: Decoder, error: unknown): FrameDecoder & { calls: number } {
  const decoder = {
    name,
    calls: 0,
    async decode(): Promise<DecodedVideo> {
      decoder.calls++;
      throw error;
    },
  };
  return decoder;
}

