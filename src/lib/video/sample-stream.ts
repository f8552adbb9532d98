// The decoder-independent part of reading WebCodecs samples (mediabunny's VideoSample): one frame
// per candidate time, repeats skipped, a failure part-way keeping what came before, and where the
// readable part ends. Written against a minimal sample interface so it runs under Node with fakes.
import type { FrameSink, FrameSource } from './frame-decoder';

/** A header duration this much longer than the last frame (and 5 % of it) means the file was cut short. */
export const TRUNCATED_MIN_GAP_SEC = 1;

/** What this code needs of a decoded sample. */
export interface TimedSample {
  /** presentation time, seconds */
  readonly timestamp: number;
  /** seconds */
  readonly duration: number;
  close(): void;
}

/**
 * For each time, the sample a player shows then (the latest one starting at or before it), from a
 * single front-to-back decode (`samples`, starting at or before times[0]) that stops after the last
 * time; the same contract as mediabunny's `samplesAtTimestamps`, except that a frame shown at
 * several times is yielded once per time as a clone. The caller closes every yielded sample.
 */
export async function* samplesSequential<S extends TimedSample & { clone(): S }>(samples: AsyncIterable<S>, times: number[]): AsyncGenerator<S | null> {
  let k = 0;
  let shown: S | null = null;
  try {
    for await (const next of samples) {
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

export interface SampleRun {
  /** what stopped the samples early (damaged data), or null */
  failure: unknown;
  /** end of the last sample handed over, seconds from the first frame */
  lastGoodSec: number;
}

/**
 * Hands `sink` the sample for each candidate time (one sample per element of `samples`, null when
 * there is none), closing every sample. The same sample for two times (a frame longer than the
 * candidate spacing, or the end of the data) is handed over once. A decoder error part-way
 * (damaged data) ends the run and keeps the frames before it.
 * @param firstSec presentation time of the first frame, seconds; `times` count from it
 */
export async function collectSamples<S extends TimedSample>(
  samples: AsyncIterable<S | null>,
  times: number[],
  firstSec: number,
  sink: Pick<FrameSink, 'add'>,
  frameOf: (sample: S) => FrameSource | Promise<FrameSource>,
): Promise<SampleRun> {
  let lastSampleSec = -Infinity;
  let lastGoodSec = 0;
  let failure: unknown = null;
  try {
    let i = 0;
    for await (const sample of samples) {
      const t = times[i++]!;
      if (!sample) continue;
      try {
        if (sample.timestamp === lastSampleSec) continue;
        lastSampleSec = sample.timestamp;
        lastGoodSec = sample.timestamp + sample.duration - firstSec;
        // A candidate is the frame a player shows at time t, so t is where "jump to moment" lands.
        sink.add(t, await frameOf(sample));
      } finally {
        sample.close();
      }
    }
  } catch (err) {
    failure = err;
  }
  return { failure, lastGoodSec };
}

/**
 * How much of the video could be read, seconds, or undefined when all of it could.
 * @param run         how the samples went
 * @param lastTimeSec the last candidate time, seconds
 * @param readableSec the end of the last packet in the file, seconds
 * @param truncated   the file states a longer duration than its packets cover
 */
export function readableAfterRun(run: SampleRun, lastTimeSec: number, readableSec: number, truncated: boolean): number | undefined {
  // Data missing behind an intact index (a cut fast-start MP4) ends the samples before the last candidate.
  const endedEarly = run.failure !== null || run.lastGoodSec < lastTimeSec - TRUNCATED_MIN_GAP_SEC;
  return endedEarly ? Math.min(readableSec, run.lastGoodSec) : truncated ? readableSec : undefined;
}

/** True when the header's duration is enough longer than the packets to call the file cut short. */
export function isTruncated(statedSec: number, readableSec: number): boolean {
  return statedSec - readableSec > Math.max(TRUNCATED_MIN_GAP_SEC, 0.05 * statedSec);
}
