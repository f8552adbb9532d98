/// <reference lib="webworker" />
// Picks the frames of a video worth embedding (src/lib/video/): WebCodecs through mediabunny,
// else ffmpeg.wasm with a self-hosted core for containers or codecs WebCodecs cannot take; the
// frame collector chooses candidates, drops blank and repeated ones, and crops the kept frames.
import { expose, transfer } from 'comlink';
import ffmpegCoreUrl from '@ffmpeg/core?url';
import ffmpegWasmUrl from '@ffmpeg/core/wasm?url';
import { CanvasRaster } from '../src/lib/video/canvas-raster';
import { extractVideo } from '../src/lib/video/extract';
import { ffmpegDecoder } from '../src/lib/video/ffmpeg-decoder';
import { FfmpegRunner } from '../src/lib/video/ffmpeg-runner';
import type { ExtractOptions, ExtractedVideo } from '../src/lib/video/types';
import { webCodecsDecoder } from '../src/lib/video/webcodecs-decoder';

export type { Decoder, ExtractOptions, ExtractedFrame, ExtractedVideo } from '../src/lib/video/types';

const ports = {
  webcodecs: webCodecsDecoder,
  // Loaded on first use, replaced when worn out, dropped when idle.
  ffmpeg: ffmpegDecoder(new FfmpegRunner({ coreURL: new URL(ffmpegCoreUrl, self.location.href).href, wasmURL: new URL(ffmpegWasmUrl, self.location.href).href })),
  raster: new CanvasRaster(),
};

const api = {
  /**
   * Picks up to `maxFrames` distinct, non-blank frames of a video and prepares them for the model:
   * WebCodecs (mediabunny) first, ffmpeg.wasm for containers or codecs WebCodecs cannot read.
   * Rejects with a user-facing message (no video track, empty, unsupported, damaged).
   */
  async extract(blob: Blob, options: ExtractOptions): Promise<ExtractedVideo> {
    const result = await extractVideo(blob, options, ports);
    return transfer(result, result.frames.map((f) => f.pixels.data.buffer as ArrayBuffer));
  },

  /** Lets another worker (ingest) call this API directly, without a hop through the page. */
  connect(port: MessagePort): void {
    expose(api, port);
  },
};

export type VideoApi = typeof api;
expose(api);
