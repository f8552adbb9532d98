// Decoding with WebCodecs through mediabunny, which demuxes MP4/MOV/WebM/MKV/… and reads the Blob
// in slices. Anything it cannot take becomes NeedsFallback, so the caller can try ffmpeg.wasm.
import { ALL_FORMATS, BlobSource, EncodedPacketSink, Input, VideoSampleSink, type InputVideoTrack, type VideoSample } from 'mediabunny';
import { MESSAGES, NeedsFallback, VideoError, describeError } from './errors';
import type { DecodedVideo, FrameDecoder, FrameSink, FrameSource } from './frame-decoder';
import { collectSamples, isTruncated, readableAfterRun, samplesSequential } from './sample-stream';

/**
 * True when keyframes are so sparse that most candidates share a GOP with another one (at most
 * one distinct keyframe per two candidates). Then every frame up to the last candidate has to be
 * decoded anyway, and one sequential pass does it without the seeks' decoder resets; with denser
 * keyframes samplesAtTimestamps skips whole GOPs. Measured in Chromium 156 (main thread, two
 * runs): 139 s H.264 with a keyframe every second, seeking 365–430 ms vs sequential 960–1,050 ms;
 * 5–40 s clips with 2–7 keyframes, both within noise of each other (145–420 ms).
 * Reads packet metadata only (binary search in the MP4 index, Cues in WebM).
 */
async function keyframesAreSparse(track: InputVideoTrack, times: number[]): Promise<boolean> {
  const packets = new EncodedPacketSink(track);
  const keys = new Set<number>();
  for (const t of times) {
    const key = await packets.getKeyPacket(t, { metadataOnly: true });
    keys.add(key ? key.timestamp : -Infinity);
  }
  return keys.size * 2 <= times.length;
}

/** The video track, or NeedsFallback when mediabunny cannot read the container. */
async function videoTrack(input: Input): Promise<InputVideoTrack> {
  let track: InputVideoTrack | null;
  try {
    if (!(await input.canRead())) throw new NeedsFallback('this file format', false);
    track = await input.getPrimaryVideoTrack();
  } catch (err) {
    if (err instanceof NeedsFallback) throw err;
    throw new NeedsFallback('this file format', true, describeError(err));
  }
  if (!track) {
    // No track at all is a header cut short or garbled (ffmpeg may still read it); audio alone is audio.
    if ((await input.getTracks()).length === 0) throw new NeedsFallback('this file format', true, 'no tracks found');
    throw new VideoError(MESSAGES.noVideo);
  }
  return track;
}

/**
 * Paints samples from their RGBA bytes (VideoFrame.copyTo converts them) rather than drawing the
 * VideoFrame on the canvas: Chromium turns a drawn VideoFrame into a lazily decoded image whose
 * pixels it caches in discardable shared memory, renderer-wide and one entry per frame, and gives
 * that back only on a memory-pressure signal. After the shared sample videos that cache held
 * about 340 MB, longer than the video worker itself lived (bench/results/memory-findings.md).
 * One RGBA buffer and one canvas of the video's size serve all its frames.
 */
class SamplePainter {
  #rgba: Uint8ClampedArray<ArrayBuffer> | null = null;
  #full: OffscreenCanvasRenderingContext2D | null = null;
  /** false once copyTo could not convert to RGBA here (an older browser): frames are drawn directly. */
  #copies = true;

  constructor(readonly size: { width: number; height: number }) {}

  async frameOf(sample: VideoSample): Promise<FrameSource> {
    const { width, height } = this.size;
    if (this.#copies) {
      try {
        return await this.#copied(sample);
      } catch {
        this.#copies = false;
      }
    }
    return { draw: (ctx) => sample.draw(ctx, 0, 0, width, height) };
  }

  async #copied(sample: VideoSample): Promise<FrameSource> {
    const { width: w, height: h } = sample.visibleRect;
    const byteLength = w * h * 4;
    if (this.#rgba?.byteLength !== byteLength) this.#rgba = new Uint8ClampedArray(byteLength);
    await sample.copyTo(this.#rgba, { format: 'RGBA', colorSpace: 'srgb', layout: [{ offset: 0, stride: w * 4 }] });
    if (this.#full?.canvas.width !== w || this.#full.canvas.height !== h) {
      const ctx = new OffscreenCanvas(w, h).getContext('2d');
      if (!ctx) throw new Error('2D canvas is not available');
      this.#full = ctx;
    }
    const full = this.#full;
    full.putImageData(new ImageData(this.#rgba, w, h), 0, 0);
    const { rotation, flip } = sample;
    const { width, height } = this.size;
    // The stored frame turned and mirrored as the container says, as VideoSample.draw does.
    return {
      draw: (ctx) => {
        ctx.save();
        ctx.translate(width / 2, height / 2);
        if (flip) ctx.scale(-1, 1);
        ctx.rotate((rotation * Math.PI) / 180);
        const aspectChange = rotation % 180 === 0 ? 1 : width / height;
        ctx.scale(1 / aspectChange, aspectChange);
        ctx.drawImage(full.canvas, 0, 0, w, h, -width / 2, -height / 2, width, height);
        ctx.restore();
      },
    };
  }
}

async function decode(blob: Blob, sink: FrameSink): Promise<DecodedVideo> {
  // BlobSource reads slices on demand (8 MiB cache): a two-hour file is never loaded whole.
  const input = new Input({ source: new BlobSource(blob), formats: ALL_FORMATS });
  try {
    const track = await videoTrack(input);
    if (typeof VideoDecoder === 'undefined') throw new NeedsFallback('video decoding (WebCodecs)', true);
    const codec = await track.getCodec();
    if (!codec || !(await track.canDecode())) throw new NeedsFallback(codec ? `${codec.toUpperCase()} video` : 'this video codec', true);

    const firstSec = Math.max(0, await track.getFirstTimestamp());
    // computeDuration ends at the last packet actually present; the header's duration is what the
    // file claims. A file cut short (interrupted copy or recording) has the first well below the second.
    const readableSec = (await track.computeDuration()) - firstSec;
    const statedSec = ((await input.getDurationFromMetadata([track]).catch(() => null)) ?? 0) - firstSec;
    const truncated = isTruncated(statedSec, readableSec);
    const durationSec = truncated ? statedSec : readableSec;
    if (!(readableSec > 0)) throw new VideoError(truncated ? MESSAGES.damaged('it contains no frames') : MESSAGES.empty);
    const width = await track.getDisplayWidth();
    const height = await track.getDisplayHeight();
    const size = sink.start(width, height);
    const times = sink.candidateTimes(readableSec);

    const samples = new VideoSampleSink(track);
    const shifted = times.map((t) => t + firstSec);
    const stream = (await keyframesAreSparse(track, shifted)) ? samplesSequential(samples.samples(shifted[0]), shifted) : samples.samplesAtTimestamps(shifted);
    const painter = new SamplePainter(size);
    const run = await collectSamples(stream, times, firstSec, sink, (sample) => painter.frameOf(sample));
    if (sink.candidateCount === 0) {
      // The decoder rejected the very first frames: ffmpeg conceals errors and may still cope.
      throw new NeedsFallback(`${codec.toUpperCase()} video`, true, run.failure ? describeError(run.failure) : 'no frame decoded');
    }
    const readable = readableAfterRun(run, times[times.length - 1]!, readableSec, truncated);
    return { decoder: 'webcodecs', durationSec, width, height, ...(readable !== undefined ? { readableSec: readable } : {}) };
  } finally {
    input.dispose();
  }
}

export const webCodecsDecoder: FrameDecoder = { name: 'webcodecs', decode };
