// Decoding with ffmpeg.wasm (self-hosted core), for containers or codecs WebCodecs cannot take
// (AVI, MPEG-4 Part 2, HEVC without a decoder). Short videos are decoded front to back in one run;
// long ones are sampled by keyframe seeks.
import { releaseBuffer } from '../core/typed-columns';
import { MESSAGES, VideoError, type FallbackReason } from './errors';
import { damagedOrUnsupported, ffmpegReason, probeOf, showinfoTimes, type Probe, type ProbeJson } from './ffmpeg-log';
import { FFMPEG_INPUT, type FfmpegJob, type FfmpegRunner } from './ffmpeg-runner';
import type { DecodedVideo, FrameDecoder, FrameSink } from './frame-decoder';
import { isTruncated } from './sample-stream';

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
const FRAMES_OUT = '/frames.rgba';

type Size = { width: number; height: number };

async function probe(job: FfmpegJob, why: FallbackReason): Promise<Probe> {
  const out = '/probe.json';
  const { code, log, output } = await job.run('ffprobe', [
    '-v', 'error',
    '-show_entries',
    'format=duration,start_time:stream=codec_type,width,height,duration,avg_frame_rate:stream_side_data=rotation:stream_tags=rotate',
    '-of', 'json',
    FFMPEG_INPUT,
    '-o', out,
  ], out);
  let parsed: ProbeJson = {};
  try {
    parsed = JSON.parse(new TextDecoder().decode(output)) as ProbeJson;
  } catch {
    /* no output: handled below */
  }
  if (code !== 0 && (parsed.streams ?? []).length === 0) {
    const reason = ffmpegReason(log, FFMPEG_INPUT);
    if (/moov atom not found|end of file|truncat|corrupt/i.test(reason)) throw new VideoError(MESSAGES.damaged(reason));
    // "Invalid data found when processing input": damaged if mediabunny knew the container, else a
    // format neither decoder reads.
    throw new VideoError(why.recognised ? damagedOrUnsupported(reason) : MESSAGES.unsupported(why.what));
  }
  const p = probeOf(parsed);
  if (!p) throw new VideoError(MESSAGES.noVideo);
  return p;
}

function scaleFilter(size: Size): string {
  return `scale=${size.width}:${size.height}:flags=area,format=rgba`;
}

/**
 * One pass front to back, keeping for each candidate time T the frame a player shows at T (the
 * latest one starting at or before T). A streaming filter cannot look ahead, so for a frame period
 * f it keeps the first frame starting at or after T − f + 1 ms, which is that frame for a constant
 * frame rate. Returns the readable length when the file ends early.
 */
async function sequential(job: FfmpegJob, p: Probe, size: Size, sink: FrameSink): Promise<number | undefined> {
  const times = sink.candidateTimes(p.durationSec);
  const step = times.length > 1 ? times[1]! - times[0]! : p.durationSec;
  const lead = p.frameSec > 0.001 ? p.frameSec - 0.001 : 0;
  const b0 = (p.startSec + times[0]! - lead).toFixed(6);
  const s = step.toFixed(6);
  // Candidate k's window is [b0 + k·step, b0 + (k+1)·step): the first frame in each window passes.
  const select = `select='if(isnan(prev_selected_t),gte(t,${b0}),gt(floor((t-${b0})/${s}),floor((prev_selected_t-${b0})/${s})))'`;
  const { code, log, output: data } = await job.run('exec', [
    '-v', 'info', '-nostats', '-an', '-sn', '-dn',
    '-i', FFMPEG_INPUT,
    '-vf', `${select},showinfo,${scaleFilter(size)}`,
    '-frames:v', String(times.length),
    // Without passthrough the rawvideo muxer repeats frames to fill a constant frame rate.
    '-fps_mode', 'passthrough',
    '-f', 'rawvideo', FRAMES_OUT,
  ], FRAMES_OUT);
  const frameBytes = size.width * size.height * 4;
  const count = Math.floor(data.length / frameBytes);
  if (count === 0) throw new VideoError(code !== 0 ? damagedOrUnsupported(ffmpegReason(log, FFMPEG_INPUT)) : MESSAGES.damaged('no frame could be decoded'));
  const pts = showinfoTimes(log);
  let lastIndex = -1;
  for (let i = 0; i < count; i++) {
    const k = pts[i] === undefined ? i : Math.floor((pts[i]! - Number(b0)) / step + 1e-6);
    if (k <= lastIndex || k >= times.length) continue;
    lastIndex = k;
    sink.add(times[k]!, { rgba: new Uint8ClampedArray(data.buffer as ArrayBuffer, data.byteOffset + i * frameBytes, frameBytes) });
  }
  // Every candidate was painted onto the collector's surface: the frames' bytes (one buffer) can go.
  releaseBuffer(data);
  const readableSec = Math.min(p.durationSec, (pts[count - 1] ?? p.startSec + times[lastIndex]!) - p.startSec + p.frameSec);
  return code !== 0 || isTruncated(p.durationSec, readableSec) ? readableSec : undefined;
}

/**
 * Long videos: per candidate, jump to the keyframe at or before it and keep that keyframe only
 * (no decoding up to the exact instant), so the work is bounded by the number of candidates.
 */
async function seeking(job: FfmpegJob, p: Probe, size: Size, sink: FrameSink): Promise<undefined> {
  const times = sink.candidateTimes(p.durationSec);
  const frameBytes = size.width * size.height * 4;
  let lastSec = -Infinity;
  let lastLog: string[] = [];
  for (const t of times) {
    const { log, output: data } = await job.run('exec', [
      '-v', 'info', '-nostats', '-an', '-sn', '-dn',
      '-noaccurate_seek', '-ss', t.toFixed(3), '-copyts',
      '-i', FFMPEG_INPUT,
      '-vf', `showinfo,${scaleFilter(size)}`,
      '-frames:v', '1',
      '-f', 'rawvideo', FRAMES_OUT,
    ], FRAMES_OUT);
    lastLog = log;
    if (data.length < frameBytes) continue;
    const frameSec = (showinfoTimes(log)[0] ?? t + p.startSec) - p.startSec;
    // Keyframes further apart than the candidates come back more than once.
    if (frameSec < lastSec + sink.minSecondsBetween) continue;
    lastSec = frameSec;
    sink.add(frameSec, { rgba: new Uint8ClampedArray(data.buffer as ArrayBuffer, data.byteOffset, frameBytes) });
  }
  if (sink.candidateCount === 0) throw new VideoError(damagedOrUnsupported(ffmpegReason(lastLog, FFMPEG_INPUT)));
  return undefined;
}

/** The ffmpeg.wasm decoder over a shared runner (one per worker). */
export function ffmpegDecoder(runner: FfmpegRunner): FrameDecoder {
  return {
    name: 'ffmpeg',
    decode: (blob: Blob, sink: FrameSink, why: FallbackReason): Promise<DecodedVideo> =>
      runner.withJob(blob, why.what, async (job) => {
        const p = await probe(job, why);
        if (!(p.durationSec > 0) || !(p.width > 0 && p.height > 0)) throw new VideoError(MESSAGES.empty);
        const quarterTurn = Math.abs(p.rotation) % 180 === 90;
        const width = quarterTurn ? p.height : p.width;
        const height = quarterTurn ? p.width : p.height;
        const size = sink.start(width, height);
        const work = p.durationSec * (p.frameSec > 0 ? 1 / p.frameSec : DEFAULT_FPS) * ((p.width * p.height) / (640 * 360));
        const readableSec = work <= FFMPEG_SEQUENTIAL_MAX_WORK ? await sequential(job, p, size, sink) : await seeking(job, p, size, sink);
        return { decoder: 'ffmpeg', durationSec: p.durationSec, width, height, ...(readableSec !== undefined ? { readableSec } : {}) };
      }),
  };
}
