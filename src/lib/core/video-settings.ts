import { FRAME_DIVERSITY_THRESHOLD, MAX_FRAMES, MIN_SECONDS_BETWEEN_FRAMES } from './frame-select';
import { ATTENTION_TEMPERATURE } from './pooling';

export type PoolingMethod = 'attention' | 'mean';

/** How videos are read into vectors; recorded in lineage with every video. */
export interface VideoSettings {
  maxFrames: number;
  minSecondsBetween: number;
  diversityThreshold: number;
  pooling: PoolingMethod;
  temperature: number;
}

export const DEFAULT_VIDEO_SETTINGS: VideoSettings = {
  maxFrames: MAX_FRAMES,
  minSecondsBetween: MIN_SECONDS_BETWEEN_FRAMES,
  diversityThreshold: FRAME_DIVERSITY_THRESHOLD,
  pooling: 'attention',
  temperature: ATTENTION_TEMPERATURE,
};

/** Keeps user-entered values inside ranges where the pipeline stays bounded and meaningful. */
export function clampVideoSettings(s: Partial<VideoSettings>): VideoSettings {
  const d = DEFAULT_VIDEO_SETTINGS;
  const num = (v: unknown, lo: number, hi: number, def: number) =>
    typeof v === 'number' && Number.isFinite(v) ? Math.min(hi, Math.max(lo, v)) : def;
  return {
    maxFrames: Math.round(num(s.maxFrames, 1, 64, d.maxFrames)),
    minSecondsBetween: num(s.minSecondsBetween, 0.1, 60, d.minSecondsBetween),
    diversityThreshold: num(s.diversityThreshold, 0, 1, d.diversityThreshold),
    pooling: s.pooling === 'mean' ? 'mean' : 'attention',
    temperature: num(s.temperature, 0.001, 10, d.temperature),
  };
}
