// One video in, the frames worth embedding out: WebCodecs first, ffmpeg.wasm when WebCodecs
// cannot take the file, then the frame collector's choice. Decoders and pixels are injected, so
// this runs under Node with fakes.
import { MESSAGES, NeedsFallback, VideoError, describeError, type FallbackReason } from './errors';
import { FrameCollector, type FrameRaster, type HeldFrame } from './frame-collector';
import type { DecodedVideo, FrameDecoder } from './frame-decoder';
import type { ExtractOptions, ExtractedVideo } from './types';

export interface ExtractPorts<Frame extends HeldFrame> {
  webcodecs: FrameDecoder;
  ffmpeg: FrameDecoder;
  raster: FrameRaster<Frame>;
  /** ms, monotonic */
  now?: () => number;
}

/**
 * Picks up to `maxFrames` distinct, non-blank frames of a video and prepares them for the model.
 * Rejects with a user-facing message (no video track, empty, unsupported, damaged).
 */
export async function extractVideo<Frame extends HeldFrame>(blob: Blob, o: ExtractOptions, ports: ExtractPorts<Frame>): Promise<ExtractedVideo> {
  if (blob.size === 0) throw new Error(MESSAGES.emptyFile);
  const now = ports.now ?? (() => performance.now());
  const started = now();
  let collector = new FrameCollector(ports.raster, o, now);
  try {
    const attempt = (decoder: FrameDecoder, why: FallbackReason): Promise<DecodedVideo> => decoder.decode(blob, collector, why);
    let decoded: DecodedVideo;
    try {
      if (o.decoder === 'ffmpeg') {
        decoded = await attempt(ports.ffmpeg, { what: 'this video', recognised: false });
      } else {
        try {
          decoded = await attempt(ports.webcodecs, { what: 'this video', recognised: false });
        } catch (err) {
          if (err instanceof VideoError || o.decoder === 'webcodecs') throw err;
          // Anything mediabunny trips over (odd or damaged metadata) gets a second chance with ffmpeg.
          collector.close();
          collector = new FrameCollector(ports.raster, o, now);
          decoded = await attempt(ports.ffmpeg, err instanceof NeedsFallback ? err : { what: 'this file', recognised: true });
        }
      }
    } catch (err) {
      if (err instanceof VideoError) throw new Error(err.message);
      if (err instanceof NeedsFallback) throw new Error(MESSAGES.unsupported(err.message));
      throw new Error(`could not be decoded: ${describeError(err)}`);
    }
    const decodeMs = now() - started - collector.filterMs;
    try {
      return await collector.finish(decoded, decodeMs);
    } catch (err) {
      throw new Error(err instanceof VideoError ? err.message : `could not be processed: ${describeError(err)}`);
    }
  } finally {
    collector.close();
  }
}
