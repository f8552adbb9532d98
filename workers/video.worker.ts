/// <reference lib="webworker" />
// Picks the frames of a video worth embedding. Decoding: WebCodecs through mediabunny (demuxes
// MP4/MOV/WebM/MKV/…, reads the Blob in slices), else ffmpeg.wasm with a self-hosted core for
// containers or codecs WebCodecs cannot take (AVI, MPEG-4 Part 2, HEVC without a decoder).
// Selection (core/frame-select.ts): candidates spread over the video, an HSV histogram and a
// blank test on a ≤ 96 px copy of each, then the diversity filter; kept frames become the
// model's centre square, a thumbnail, and the first kept one the poster.
import { expose, transfer } from 'comlink';
import { ALL_FORMATS, BlobSource, EncodedPacketSink, Input, VideoSampleSink, type InputVideoTrack, type VideoSample } from 'mediabunny';
import { FFFSType, FFmpeg } from '@ffmpeg/ffmpeg';
import ffmpegCoreUrl from '@ffmpeg/core?url';
import ffmpegWasmUrl from '@ffmpeg/core/wasm?url';
import { centerSquare, fitWithin } from '../src/lib/core/geometry';
import { hsvHistogramFromRgba } from '../src/lib/core/hsv-histogram';
import { candidateTimestamps, frameLumaStats, isNearBlank, selectDiverseFrames, type FrameCandidate } from '../src/lib/core/frame-select';
import { context2d } from './lib/canvas';

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

/** Long edge of the copy the histogram and blank test read: plenty for colour statistics, cheap to scan. */
const STATS_MAX_EDGE_PX = 96;
const JPEG_QUALITY = 0.85;
/**
 * ffmpeg.wasm decodes a short video front to back in one run, which yields the exact frame at each
 * candidate; a long or large one it seeks instead, taking the keyframe before each candidate, so
 * the work is bounded by the number of candidates rather than by the length. The switch is on
 * estimated work in 640×360-frame units (frames × pixels / 640·360): single-threaded ffmpeg.wasm
 * decoded H.264 here at 1–3 ms per unit, so 2,000 units is a few seconds.
 */
const FFMPEG_SEQUENTIAL_MAX_WORK = 2000;
/** Assumed when the container does not state a frame rate. */
const DEFAULT_FPS = 30;
/** One ffmpeg run may not take longer than this; a hung or pathological decode becomes an error. */
const FFMPEG_RUN_TIMEOUT_MS = 5 * 60_000;
/** A header duration this much longer than the last frame (and 5 % of it) means the file was cut short. */
const TRUNCATED_MIN_GAP_SEC = 1;
/**
 * `main` calls one ffmpeg.wasm instance may serve before it is replaced (~0.3–0.6 s to load): its
 * heap degrades with every call, and here the 103rd run (keyframe seeks in a 432p H.264 file)
 * trapped with "memory access out of bounds".
 */
const FFMPEG_MAX_RUNS = 40;
/** ffmpeg.wasm (~32 MB of wasm) is dropped after this long without work. */
const FFMPEG_IDLE_MS = 60_000;

// ------------------------------------------------------------------ errors

const MESSAGES = {
  noVideo: 'has no video track (audio only?)',
  empty: 'the video is empty (0 seconds)',
  emptyFile: 'the file is empty (0 bytes)',
  unsupported: (what: string) => `could not be decoded: ${what} is not supported by this browser`,
  damaged: (detail: string) => `the video file is damaged (${detail.length > 90 ? `${detail.slice(0, 89)}…` : detail}); nothing could be read from it`,
  tooSlow: 'could not be decoded: the fallback decoder stopped responding',
};

/** An error whose message is meant for the user as it is; anything else is wrapped. */
class VideoError extends Error {}

// ------------------------------------------------------------------ drawing

/**
 * Size every candidate is scaled to once, right after decoding: the short edge is at least
 * modelInputPx (so the centre square needs no second resample when it is exactly that) and the
 * long edge at least thumbMaxEdgePx (the poster); never larger than the video.
 */
function workSize(width: number, height: number, o: ExtractOptions): { width: number; height: number } {
  const scale = Math.min(1, Math.max(o.modelInputPx / Math.min(width, height), o.thumbMaxEdgePx / Math.max(width, height)));
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
}

interface Candidate extends FrameCandidate {
  frame: ImageBitmap;
}

/** Scales decoded frames to the work size and scores them; all the decoder-independent work. */
class FrameCollector {
  readonly candidates: Candidate[] = [];
  filterMs = 0;
  readonly #work: OffscreenCanvasRenderingContext2D;
  readonly #stats: OffscreenCanvasRenderingContext2D;

  constructor(
    readonly width: number,
    readonly height: number,
  ) {
    this.#work = context2d(width, height);
    const s = fitWithin(width, height, STATS_MAX_EDGE_PX);
    this.#stats = context2d(s.width, s.height);
  }

  /** `draw` paints the frame onto the work canvas (width×height). */
  add(timestampSec: number, draw: (ctx: OffscreenCanvasRenderingContext2D) => void): void {
    draw(this.#work);
    const started = performance.now();
    const { width, height } = this.#stats.canvas;
    this.#stats.drawImage(this.#work.canvas, 0, 0, width, height);
    const rgba = this.#stats.getImageData(0, 0, width, height).data;
    const histogram = hsvHistogramFromRgba(rgba, width, height);
    const blank = isNearBlank(frameLumaStats(rgba, width, height, 2));
    // transferToImageBitmap hands over the pixels without a copy and leaves a blank canvas.
    this.candidates.push({ timestampSec, histogram, blank, frame: this.#work.canvas.transferToImageBitmap() });
    this.filterMs += performance.now() - started;
  }

  addRgba(timestampSec: number, rgba: Uint8ClampedArray<ArrayBuffer>): void {
    this.add(timestampSec, (ctx) => ctx.putImageData(new ImageData(rgba, this.width, this.height), 0, 0));
  }

  close(): void {
    for (const c of this.candidates) c.frame.close();
  }
}

async function jpeg(source: ImageBitmap, maxEdgePx: number): Promise<{ blob: Blob; width: number; height: number }> {
  const size = fitWithin(source.width, source.height, maxEdgePx);
  const ctx = context2d(size.width, size.height);
  ctx.drawImage(source, 0, 0, size.width, size.height);
  return { blob: await ctx.canvas.convertToBlob({ type: 'image/jpeg', quality: JPEG_QUALITY }), ...size };
}

interface Decoded {
  decoder: Decoder;
  durationSec: number;
  width: number;
  height: number;
  collector: FrameCollector;
  readableSec?: number;
}

async function finish(d: Decoded, o: ExtractOptions, decodeMs: number): Promise<ExtractedVideo> {
  const { collector } = d;
  try {
    const started = performance.now();
    const { candidates } = collector;
    if (candidates.length === 0) throw new VideoError(MESSAGES.damaged('no frame could be decoded'));
    const kept = selectDiverseFrames(candidates, { threshold: o.diversityThreshold, maxFrames: o.maxFrames });
    const side = o.modelInputPx;
    const model = context2d(side, side);
    const frames: ExtractedFrame[] = [];
    for (const i of kept) {
      const { frame, timestampSec } = candidates[i]!;
      const crop = centerSquare(frame.width, frame.height);
      model.drawImage(frame, crop.x, crop.y, crop.width, crop.height, 0, 0, side, side);
      const pixels = { data: model.getImageData(0, 0, side, side).data, width: side, height: side };
      frames.push({ timestampSec, pixels, thumbnail: (await jpeg(frame, o.frameThumbMaxEdgePx)).blob });
    }
    const poster = await jpeg(candidates[kept[0]!]!.frame, o.thumbMaxEdgePx);
    const result: ExtractedVideo = {
      durationSec: d.durationSec,
      width: d.width,
      height: d.height,
      decoder: d.decoder,
      poster,
      frames,
      candidateCount: candidates.length,
      skippedBlank: candidates.filter((c) => c.blank).length,
      decodeMs,
      filterMs: collector.filterMs + (performance.now() - started),
      ...(d.readableSec !== undefined ? { readableSec: d.readableSec } : {}),
    };
    return transfer(result, frames.map((f) => f.pixels.data.buffer as ArrayBuffer));
  } finally {
    collector.close();
  }
}

// ------------------------------------------------------------------ WebCodecs (mediabunny)

/** WebCodecs cannot take this file; the caller tries ffmpeg.wasm. */
class NeedsFallback extends Error {
  /**
   * @param what       what WebCodecs lacks, as the subject of "… is not supported by this browser"
   * @param recognised mediabunny knew the container, so if ffmpeg cannot read it either, the file is damaged
   */
  constructor(
    readonly what: string,
    readonly recognised: boolean,
    detail = '',
  ) {
    super(detail ? `${what} (${detail})` : what);
  }
}

/** What the ffmpeg.wasm fallback is told about why it runs. */
interface FallbackReason {
  what: string;
  recognised: boolean;
}

function describeError(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

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

/**
 * For each time, the sample a player shows then (the latest one starting at or before it), from a
 * single front-to-back decode that stops after the last time; the same contract as
 * `samplesAtTimestamps`, except that a frame shown at several times is yielded once per time
 * as a clone. The caller closes every yielded sample.
 */
async function* samplesSequential(sink: VideoSampleSink, times: number[]): AsyncGenerator<VideoSample | null> {
  let k = 0;
  let shown: VideoSample | null = null;
  try {
    for await (const next of sink.samples(times[0])) {
      while (k < times.length && times[k]! < next.timestamp) {
        yield shown ? shown.clone() : null;
        k++;
      }
      shown?.close();
      shown = next;
      if (k === times.length) break;
    }
    for (; k < times.length; k++) yield shown ? shown.clone() : null;
  } finally {
    shown?.close();
  }
}

async function decodeWithWebCodecs(blob: Blob, o: ExtractOptions): Promise<Decoded> {
  // BlobSource reads slices on demand (8 MiB cache): a two-hour file is never loaded whole.
  const input = new Input({ source: new BlobSource(blob), formats: ALL_FORMATS });
  try {
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
    if (typeof VideoDecoder === 'undefined') throw new NeedsFallback('video decoding (WebCodecs)', true);
    const codec = await track.getCodec();
    if (!codec || !(await track.canDecode())) throw new NeedsFallback(codec ? `${codec.toUpperCase()} video` : 'this video codec', true);

    const firstSec = Math.max(0, await track.getFirstTimestamp());
    // computeDuration ends at the last packet actually present; the header's duration is what the
    // file claims. A file cut short (interrupted copy or recording) has the first well below the second.
    const readableSec = (await track.computeDuration()) - firstSec;
    const statedSec = ((await input.getDurationFromMetadata([track]).catch(() => null)) ?? 0) - firstSec;
    const truncated = statedSec - readableSec > Math.max(TRUNCATED_MIN_GAP_SEC, 0.05 * statedSec);
    const durationSec = truncated ? statedSec : readableSec;
    if (!(readableSec > 0)) throw new VideoError(truncated ? MESSAGES.damaged('it contains no frames') : MESSAGES.empty);
    const width = await track.getDisplayWidth();
    const height = await track.getDisplayHeight();
    const size = workSize(width, height, o);
    const collector = new FrameCollector(size.width, size.height);
    const times = candidateTimestamps(readableSec, { minSecondsBetween: o.minSecondsBetween });

    const sink = new VideoSampleSink(track);
    const shifted = times.map((t) => t + firstSec);
    const samples = (await keyframesAreSparse(track, shifted)) ? samplesSequential(sink, shifted) : sink.samplesAtTimestamps(shifted);
    let lastSampleSec = -Infinity;
    let lastGoodSec = 0;
    // A decoder error part-way (damaged data) keeps the frames before it.
    let failure: unknown = null;
    try {
      let i = 0;
      for await (const sample of samples) {
        const t = times[i++]!;
        if (!sample) continue;
        try {
          // The same sample for two timestamps: a frame longer than the candidate spacing, or the end of the data.
          if (sample.timestamp === lastSampleSec) continue;
          lastSampleSec = sample.timestamp;
          lastGoodSec = sample.timestamp + sample.duration - firstSec;
          // A candidate is the frame a player shows at time t, so t is where "jump to moment" lands.
          collector.add(t, (ctx) => sample.draw(ctx, 0, 0, size.width, size.height));
        } finally {
          sample.close();
        }
      }
    } catch (err) {
      failure = err;
    }
    if (collector.candidates.length === 0) {
      collector.close();
      // The decoder rejected the very first frames: ffmpeg conceals errors and may still cope.
      throw new NeedsFallback(`${codec.toUpperCase()} video`, true, failure ? describeError(failure) : 'no frame decoded');
    }
    // Data missing behind an intact index (a cut fast-start MP4) ends the samples before the last candidate.
    const endedEarly = failure !== null || lastGoodSec < times[times.length - 1]! - TRUNCATED_MIN_GAP_SEC;
    const readable = endedEarly ? Math.min(readableSec, lastGoodSec) : truncated ? readableSec : undefined;
    return { decoder: 'webcodecs', durationSec, width, height, collector, ...(readable !== undefined ? { readableSec: readable } : {}) };
  } finally {
    input.dispose();
  }
}

// ------------------------------------------------------------------ ffmpeg.wasm fallback

interface FfmpegInstance {
  ff: FFmpeg;
  /** `main` calls so far; see FFMPEG_MAX_RUNS */
  runs: number;
  /** the Blob mounted at INPUT_DIR */
  mounted: Blob | null;
}

let ffmpegLoading: Promise<FfmpegInstance> | null = null;
let ffmpegQueue: Promise<unknown> = Promise.resolve();
let ffmpegIdleTimer: ReturnType<typeof setTimeout> | undefined;

const INPUT_DIR = '/input';
const INPUT = `${INPUT_DIR}/video`;

function dropFfmpeg(): void {
  const loading = ffmpegLoading;
  ffmpegLoading = null;
  void loading?.then((inst) => inst.ff.terminate()).catch(() => undefined);
}

function ffmpeg(): Promise<FfmpegInstance> {
  ffmpegLoading ??= (async () => {
    const ff = new FFmpeg();
    // Self-hosted core: without coreURL/wasmURL @ffmpeg/ffmpeg fetches it from unpkg.
    await ff.load({ coreURL: new URL(ffmpegCoreUrl, self.location.href).href, wasmURL: new URL(ffmpegWasmUrl, self.location.href).href });
    return { ff, runs: 0, mounted: null };
  })();
  ffmpegLoading.catch(() => {
    ffmpegLoading = null;
  });
  return ffmpegLoading;
}

/** One video's use of ffmpeg.wasm: runs against the mounted file, on a fresh instance when needed. */
class FfmpegJob {
  constructor(
    readonly blob: Blob,
    /** what WebCodecs could not do, for the message when ffmpeg cannot start either */
    readonly why: string,
  ) {}

  async #instance(): Promise<FfmpegInstance> {
    let inst: FfmpegInstance;
    try {
      inst = await ffmpeg();
      if (inst.runs >= FFMPEG_MAX_RUNS) {
        dropFfmpeg();
        inst = await ffmpeg();
      }
    } catch (err) {
      throw new VideoError(`could not be decoded: ${this.why} is not supported by this browser, and the ffmpeg.wasm fallback did not start (${describeError(err)})`);
    }
    if (inst.mounted !== this.blob) {
      if (inst.mounted) await inst.ff.unmount(INPUT_DIR).catch(() => undefined);
      await inst.ff.createDir(INPUT_DIR).catch(() => undefined);
      // WORKERFS reads the Blob in slices on demand (FileReaderSync) instead of copying it into
      // wasm memory, so file size is bounded by time, not by the 2–4 GB wasm heap.
      await inst.ff.mount(FFFSType.WORKERFS, { blobs: [{ name: 'video', data: this.blob }] }, INPUT_DIR);
      inst.mounted = this.blob;
    }
    return inst;
  }

  /**
   * Runs ffmpeg/ffprobe and returns its exit code, log and the output file (then deleted; empty if
   * none). ffmpeg stops itself after FFMPEG_RUN_TIMEOUT_MS (exit code 1); if its worker dies
   * instead, a watchdog a little later drops the instance. A wasm trap ("memory access out of
   * bounds") leaves the instance unusable: it is dropped and the run retried once on a new one.
   */
  async run(tool: 'exec' | 'ffprobe', args: string[], outputPath: string, retry = true): Promise<{ code: number; log: string[]; output: Uint8Array }> {
    const inst = await this.#instance();
    inst.runs++;
    const log: string[] = [];
    const onLog = ({ message }: { message: string }) => log.push(message);
    inst.ff.on('log', onLog);
    let watchdog: ReturnType<typeof setTimeout> | undefined;
    try {
      const code = await Promise.race([
        inst.ff[tool](args, FFMPEG_RUN_TIMEOUT_MS),
        new Promise<never>((_, reject) => {
          watchdog = setTimeout(() => {
            dropFfmpeg();
            reject(new VideoError(MESSAGES.tooSlow));
          }, FFMPEG_RUN_TIMEOUT_MS + 15_000);
        }),
      ]);
      let output: Uint8Array = new Uint8Array();
      try {
        output = (await inst.ff.readFile(outputPath)) as Uint8Array;
        await inst.ff.deleteFile(outputPath);
      } catch {
        /* no output */
      }
      return { code, log, output };
    } catch (err) {
      if (err instanceof VideoError) throw err;
      dropFfmpeg();
      if (retry) return this.run(tool, args, outputPath, false);
      throw err;
    } finally {
      clearTimeout(watchdog);
      inst.ff.off('log', onLog);
    }
  }

  async close(): Promise<void> {
    const inst = await ffmpegLoading?.catch(() => null);
    if (inst?.mounted === this.blob) {
      inst.mounted = null;
      await inst.ff.unmount(INPUT_DIR).catch(() => undefined);
    }
  }
}

/** ffmpeg.wasm has one file system and one `main`: jobs are queued, and the core is dropped when idle. */
function withFfmpeg<T>(blob: Blob, why: string, fn: (job: FfmpegJob) => Promise<T>): Promise<T> {
  const queued = ffmpegQueue.then(async () => {
    clearTimeout(ffmpegIdleTimer);
    const job = new FfmpegJob(blob, why);
    try {
      return await fn(job);
    } finally {
      await job.close();
      ffmpegIdleTimer = setTimeout(dropFfmpeg, FFMPEG_IDLE_MS);
    }
  });
  ffmpegQueue = queued.catch(() => undefined);
  return queued;
}

interface Probe {
  durationSec: number;
  /** presentation time of the first frame, seconds (non-zero in e.g. MPEG-TS) */
  startSec: number;
  width: number;
  height: number;
  /** 1 / average frame rate, seconds; 0 when unknown */
  frameSec: number;
  rotation: number;
}

interface ProbeJson {
  format?: { duration?: string; start_time?: string };
  streams?: {
    codec_type?: string;
    width?: number;
    height?: number;
    duration?: string;
    avg_frame_rate?: string;
    side_data_list?: { rotation?: number }[];
    tags?: { rotate?: string };
  }[];
}

/** The first ffmpeg error line that says something ("Invalid data found…", "moov atom not found"). */
function ffmpegReason(log: string[]): string {
  const line = log.find((l) => /invalid data|not found|error|corrupt|truncat|could not|unsupported|no such/i.test(l)) ?? log[log.length - 1] ?? 'no output';
  return line.replace(/^\[[^\]]*\]\s*/, '').replace(`${INPUT}: `, '').trim();
}

/** A codec neither decoder knows is not damage: say which codec, so the user knows to convert the file. */
function damagedOrUnsupported(reason: string): string {
  const codec = /unsupported AVCodecID (\S+?)\.?$|Decoder \((\S+)\) not found|codec (\S+) not (?:found|supported)/i.exec(reason);
  return codec ? MESSAGES.unsupported(`the video codec ${codec[1] ?? codec[2] ?? codec[3]}`) : MESSAGES.damaged(reason);
}

function parseRate(rate: string | undefined): number {
  const [num, den] = (rate ?? '').split('/').map(Number);
  const fps = den ? num! / den : Number(num);
  return fps > 0 && fps <= 1000 && Number.isFinite(fps) ? fps : 0;
}

async function probe(job: FfmpegJob, why: FallbackReason): Promise<Probe> {
  const out = '/probe.json';
  const { code, log, output } = await job.run('ffprobe', [
    '-v', 'error',
    '-show_entries',
    'format=duration,start_time:stream=codec_type,width,height,duration,avg_frame_rate:stream_side_data=rotation:stream_tags=rotate',
    '-of', 'json',
    INPUT,
    '-o', out,
  ], out);
  let parsed: ProbeJson = {};
  try {
    parsed = JSON.parse(new TextDecoder().decode(output)) as ProbeJson;
  } catch {
    /* no output: handled below */
  }
  const streams = parsed.streams ?? [];
  if (code !== 0 && streams.length === 0) {
    const reason = ffmpegReason(log);
    if (/moov atom not found|end of file|truncat|corrupt/i.test(reason)) throw new VideoError(MESSAGES.damaged(reason));
    // "Invalid data found when processing input": damaged if mediabunny knew the container, else a
    // format neither decoder reads.
    throw new VideoError(why.recognised ? damagedOrUnsupported(reason) : MESSAGES.unsupported(why.what));
  }
  const video = streams.find((s) => s.codec_type === 'video');
  if (!video) throw new VideoError(MESSAGES.noVideo);
  const fps = parseRate(video.avg_frame_rate);
  return {
    durationSec: Number(parsed.format?.duration ?? video.duration),
    startSec: Number(parsed.format?.start_time) || 0,
    width: video.width ?? 0,
    height: video.height ?? 0,
    frameSec: fps ? 1 / fps : 0,
    rotation: Number(video.side_data_list?.find((d) => d.rotation !== undefined)?.rotation ?? video.tags?.rotate ?? 0),
  };
}

/** pts_time of each frame that passed `showinfo`, in output order. */
function showinfoTimes(log: string[]): number[] {
  const times: number[] = [];
  for (const line of log) {
    const m = /Parsed_showinfo.*\bpts_time:\s*(-?[\d.]+)/.exec(line);
    if (m) times.push(Number(m[1]));
  }
  return times;
}

async function decodeWithFfmpeg(blob: Blob, o: ExtractOptions, why: FallbackReason): Promise<Decoded> {
  return withFfmpeg(blob, why.what, async (job) => {
    const p = await probe(job, why);
    if (!(p.durationSec > 0) || !(p.width > 0 && p.height > 0)) throw new VideoError(MESSAGES.empty);
    const quarterTurn = Math.abs(p.rotation) % 180 === 90;
    const width = quarterTurn ? p.height : p.width;
    const height = quarterTurn ? p.width : p.height;
    const size = workSize(width, height, o);
    const collector = new FrameCollector(size.width, size.height);
    try {
      const decoded = { decoder: 'ffmpeg' as const, durationSec: p.durationSec, width, height, collector };
      const work = p.durationSec * (p.frameSec > 0 ? 1 / p.frameSec : DEFAULT_FPS) * ((p.width * p.height) / (640 * 360));
      const readableSec =
        work <= FFMPEG_SEQUENTIAL_MAX_WORK ? await ffmpegSequential(job, p, size, o, collector) : await ffmpegSeeking(job, p, size, o, collector);
      return readableSec === undefined ? decoded : { ...decoded, readableSec };
    } catch (err) {
      collector.close();
      throw err;
    }
  });
}

const FRAMES_OUT = '/frames.rgba';

function scaleFilter(size: { width: number; height: number }): string {
  return `scale=${size.width}:${size.height}:flags=area,format=rgba`;
}

/**
 * One pass front to back, keeping for each candidate time T the frame a player shows at T (the
 * latest one starting at or before T). A streaming filter cannot look ahead, so for a frame period
 * f it keeps the first frame starting at or after T − f + 1 ms, which is that frame for a constant
 * frame rate. Returns the readable length when the file ends early.
 */
async function ffmpegSequential(job: FfmpegJob, p: Probe, size: { width: number; height: number }, o: ExtractOptions, collector: FrameCollector): Promise<number | undefined> {
  const times = candidateTimestamps(p.durationSec, { minSecondsBetween: o.minSecondsBetween });
  const step = times.length > 1 ? times[1]! - times[0]! : p.durationSec;
  const lead = p.frameSec > 0.001 ? p.frameSec - 0.001 : 0;
  const b0 = (p.startSec + times[0]! - lead).toFixed(6);
  const s = step.toFixed(6);
  // Candidate k's window is [b0 + k·step, b0 + (k+1)·step): the first frame in each window passes.
  const select = `select='if(isnan(prev_selected_t),gte(t,${b0}),gt(floor((t-${b0})/${s}),floor((prev_selected_t-${b0})/${s})))'`;
  const { code, log, output: data } = await job.run('exec', [
    '-v', 'info', '-nostats', '-an', '-sn', '-dn',
    '-i', INPUT,
    '-vf', `${select},showinfo,${scaleFilter(size)}`,
    '-frames:v', String(times.length),
    // Without passthrough the rawvideo muxer repeats frames to fill a constant frame rate.
    '-fps_mode', 'passthrough',
    '-f', 'rawvideo', FRAMES_OUT,
  ], FRAMES_OUT);
  const frameBytes = size.width * size.height * 4;
  const count = Math.floor(data.length / frameBytes);
  if (count === 0) throw new VideoError(code !== 0 ? damagedOrUnsupported(ffmpegReason(log)) : MESSAGES.damaged('no frame could be decoded'));
  const pts = showinfoTimes(log);
  let lastIndex = -1;
  for (let i = 0; i < count; i++) {
    const k = pts[i] === undefined ? i : Math.floor((pts[i]! - Number(b0)) / step + 1e-6);
    if (k <= lastIndex || k >= times.length) continue;
    lastIndex = k;
    collector.addRgba(times[k]!, new Uint8ClampedArray(data.buffer as ArrayBuffer, data.byteOffset + i * frameBytes, frameBytes));
  }
  const readableSec = Math.min(p.durationSec, (pts[count - 1] ?? p.startSec + times[lastIndex]!) - p.startSec + p.frameSec);
  return code !== 0 || p.durationSec - readableSec > Math.max(TRUNCATED_MIN_GAP_SEC, 0.05 * p.durationSec) ? readableSec : undefined;
}

/**
 * Long videos: per candidate, jump to the keyframe at or before it and keep that keyframe only
 * (no decoding up to the exact instant), so the work is bounded by the number of candidates.
 */
async function ffmpegSeeking(job: FfmpegJob, p: Probe, size: { width: number; height: number }, o: ExtractOptions, collector: FrameCollector): Promise<undefined> {
  const times = candidateTimestamps(p.durationSec, { minSecondsBetween: o.minSecondsBetween });
  const frameBytes = size.width * size.height * 4;
  let lastSec = -Infinity;
  let lastLog: string[] = [];
  for (const t of times) {
    const { log, output: data } = await job.run('exec', [
      '-v', 'info', '-nostats', '-an', '-sn', '-dn',
      '-noaccurate_seek', '-ss', t.toFixed(3), '-copyts',
      '-i', INPUT,
      '-vf', `showinfo,${scaleFilter(size)}`,
      '-frames:v', '1',
      '-f', 'rawvideo', FRAMES_OUT,
    ], FRAMES_OUT);
    lastLog = log;
    if (data.length < frameBytes) continue;
    const frameSec = (showinfoTimes(log)[0] ?? t + p.startSec) - p.startSec;
    // Keyframes further apart than the candidates come back more than once.
    if (frameSec < lastSec + o.minSecondsBetween) continue;
    lastSec = frameSec;
    collector.addRgba(frameSec, new Uint8ClampedArray(data.buffer as ArrayBuffer, data.byteOffset, frameBytes));
  }
  if (collector.candidates.length === 0) throw new VideoError(damagedOrUnsupported(ffmpegReason(lastLog)));
  return undefined;
}

// ------------------------------------------------------------------ API

async function extract(blob: Blob, o: ExtractOptions): Promise<ExtractedVideo> {
  if (blob.size === 0) throw new VideoError(MESSAGES.emptyFile);
  const started = performance.now();
  let decoded: Decoded;
  try {
    if (o.decoder === 'ffmpeg') {
      decoded = await decodeWithFfmpeg(blob, o, { what: 'this video', recognised: false });
    } else {
      try {
        decoded = await decodeWithWebCodecs(blob, o);
      } catch (err) {
        if (err instanceof VideoError || o.decoder === 'webcodecs') throw err;
        // Anything mediabunny trips over (odd or damaged metadata) gets a second chance with ffmpeg.
        const why = err instanceof NeedsFallback ? err : { what: 'this file', recognised: true };
        decoded = await decodeWithFfmpeg(blob, o, why);
      }
    }
  } catch (err) {
    if (err instanceof VideoError) throw new Error(err.message);
    if (err instanceof NeedsFallback) throw new Error(MESSAGES.unsupported(err.message));
    throw new Error(`could not be decoded: ${describeError(err)}`);
  }
  const decodeMs = performance.now() - started - decoded.collector.filterMs;
  try {
    return await finish(decoded, o, decodeMs);
  } catch (err) {
    throw new Error(err instanceof VideoError ? err.message : `could not be processed: ${describeError(err)}`);
  }
}

const api = {
  /**
   * Picks up to `maxFrames` distinct, non-blank frames of a video and prepares them for the model:
   * WebCodecs (mediabunny) first, ffmpeg.wasm for containers or codecs WebCodecs cannot read.
   * Rejects with a user-facing message (no video track, empty, unsupported, damaged).
   */
  extract,

  /** Lets another worker (ingest) call this API directly, without a hop through the page. */
  connect(port: MessagePort): void {
    expose(api, port);
  },
};

export type VideoApi = typeof api;
expose(api);
