import { describe, expect, it } from 'vitest';
import { isTruncated, readableAfterRun, samplesSequential } from '../../../src/lib/video/sample-stream';

/** Samples of a decode, each tracking how many of its clones are still open. */
class Sample {
  static open = 0;
  constructor(
    readonly timestamp: number,
    readonly duration: number,
  ) {
    Sample.open++;
  }

  clone(): Sample {
    return new Sample(this.timestamp, this.duration);
  }

  close(): void {
    Sample.open--;
  }
}

async function* decodeFrom(frameTimesSec: number[], frameSec: number, fail?: Error): AsyncGenerator<Sample> {
  for (const t of frameTimesSec) yield new Sample(t, frameSec);
  if (fail) throw fail;
}

async function shownAt(frameTimesSec: number[], times: number[], fail?: Error) {
  Sample.open = 0;
  const shown: (number | null)[] = [];
  for await (const s of samplesSequential(decodeFrom(frameTimesSec, 0.5, fail), times)) {
    shown.push(s ? s.timestamp : null);
    s?.close();
  }
  return shown;
}

describe('samplesSequential', () => {
  it('yields, per time, the latest frame starting at or before it; one frame can serve several times', async () => {
    expect(await shownAt([0, 0.5, 1, 1.5, 2], [0.25, 0.6, 0.9, 1.75])).toEqual([0, 0.5, 0.5, 1.5]);
    expect(Sample.open).toBe(0);
  });

  it('a time before the first frame gets null; times past the last frame get the last one', async () => {
    expect(await shownAt([1, 1.5], [0.5, 1.2, 3, 4])).toEqual([null, 1, 1.5, 1.5]);
    expect(Sample.open).toBe(0);
  });

  it('a decoder failure reaches the caller after the frames before it, and nothing stays open', async () => {
    Sample.open = 0;
    const shown: number[] = [];
    const run = async () => {
      for await (const s of samplesSequential(decodeFrom([0, 0.5], 0.5, new Error('damaged')), [0.25, 0.75, 1.25])) {
        if (s) shown.push(s.timestamp);
        s?.close();
      }
    };
    await expect(run()).rejects.toThrow('damaged');
    expect(shown).toEqual([0]);
    expect(Sample.open).toBe(0);
  });
});

describe('readable part', () => {
  it.each([
    // Header 10 s, packets 6 s: cut short (gap 4 s > max(1, 0.5)).
    { statedSec: 10, readableSec: 6, truncated: true },
    // Gaps under a second or under 5 % are rounding, not truncation.
    { statedSec: 10, readableSec: 9.2, truncated: false },
    { statedSec: 100, readableSec: 96, truncated: false },
    { statedSec: 100, readableSec: 94, truncated: true },
  ])('stated $statedSec s, packets up to $readableSec s → truncated: $truncated', ({ statedSec, readableSec, truncated }) => {
    expect(isTruncated(statedSec, readableSec)).toBe(truncated);
  });

  it('a failure or samples ending a second before the last candidate mark the readable end; a whole file has none', () => {
    expect(readableAfterRun({ failure: new Error('x'), lastGoodSec: 2.5 }, 5.8, 6, false)).toBe(2.5);
    expect(readableAfterRun({ failure: null, lastGoodSec: 3 }, 5.8, 6, false)).toBe(3);
    expect(readableAfterRun({ failure: null, lastGoodSec: 5.9 }, 5.8, 6, false)).toBeUndefined();
    // Packets end early (a cut WebM) though every candidate before them decoded.
    expect(readableAfterRun({ failure: null, lastGoodSec: 3.9 }, 3.8, 4, true)).toBe(4);
  });
});
