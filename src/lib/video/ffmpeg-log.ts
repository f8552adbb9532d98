// Reading what ffmpeg.wasm and ffprobe say: probe JSON, showinfo times, and the error line worth
// showing the user. Pure text parsing.
import { MESSAGES } from './errors';

export interface Probe {
  durationSec: number;
  /** presentation time of the first frame, seconds (non-zero in e.g. MPEG-TS) */
  startSec: number;
  width: number;
  height: number;
  /** 1 / average frame rate, seconds; 0 when unknown */
  frameSec: number;
  rotation: number;
}

/** ffprobe's `-of json` output for the entries the video worker asks for. */
export interface ProbeJson {
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
export function ffmpegReason(log: string[], inputPath: string): string {
  const line = log.find((l) => /invalid data|not found|error|corrupt|truncat|could not|unsupported|no such/i.test(l)) ?? log[log.length - 1] ?? 'no output';
  return line.replace(/^\[[^\]]*\]\s*/, '').replace(`${inputPath}: `, '').trim();
}

/** A codec neither decoder knows is not damage: say which codec, so the user knows to convert the file. */
export function damagedOrUnsupported(reason: string): string {
  const codec = /unsupported AVCodecID (\S+?)\.?$|Decoder \((\S+)\) not found|codec (\S+) not (?:found|supported)/i.exec(reason);
  return codec ? MESSAGES.unsupported(`the video codec ${codec[1] ?? codec[2] ?? codec[3]}`) : MESSAGES.damaged(reason);
}

/** Frames per second from ffprobe's "num/den" rate; 0 when missing or implausible. */
export function parseRate(rate: string | undefined): number {
  const [num, den] = (rate ?? '').split('/').map(Number);
  const fps = den ? num! / den : Number(num);
  return fps > 0 && fps <= 1000 && Number.isFinite(fps) ? fps : 0;
}

/** The first video stream of a probe, or null when there is none. */
export function probeOf(parsed: ProbeJson): Probe | null {
  const video = (parsed.streams ?? []).find((s) => s.codec_type === 'video');
  if (!video) return null;
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
export function showinfoTimes(log: string[]): number[] {
  const times: number[] = [];
  for (const line of log) {
    const m = /Parsed_showinfo.*\bpts_time:\s*(-?[\d.]+)/.exec(line);
    if (m) times.push(Number(m[1]));
  }
  return times;
}
