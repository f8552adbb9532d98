import { describe, expect, it } from 'vitest';
import { candidateTimestamps } from '../../../src/lib/core/frame-select';
import { MESSAGES, NeedsFallback, VideoError } from '../../../src/lib/video/errors';
import { extractVideo } from '../../../src/lib/video/extract';
import type { FrameDecoder } from '../../../src/lib/video/frame-decoder';
import type { ExtractOptions } from '../../../src/lib/video/types';
import { FakeRaster, OPTIONS, colourAt, colourName, durationOf, fakeVideo, refusingDecoder, sampleDecoder, type FakeVideo } from './fake-video';

const FILE = new Blob([new Uint8Array(16)], { type: 'video/mp4' });

async function run(video: FakeVideo, options: Partial<ExtractOptions> = {}, decoders: Partial<{ webcodecs: FrameDecoder; ffmpeg: FrameDecoder }> = {}) {
  const raster = new FakeRaster();
  const webcodecs = decoders.webcodecs ?? sampleDecoder(video, 'webcodecs');
  const ffmpeg = decoders.ffmpeg ?? sampleDecoder(video, 'ffmpeg');
  const result = await extractVideo(FILE, { ...OPTIONS, ...options }, { webcodecs, ffmpeg, raster });
  return { result, raster, colours: result.frames.map((f) => colourName(f.pixels.data)) };
}

const times = (video: FakeVideo, options: Partial<ExtractOptions> = {}) =>
  candidateTimestamps(durationOf(video), { minSecondsBetween: options.minSecondsBetween ?? OPTIONS.minSecondsBetween });

describe('frame collector', () => {
  it('red, blue, red again: the first red and the first blue candidate are kept, the repeat is not', async () => {
    const video = fakeVideo([{ untilSec: 2, colour: 'red' }, { untilSec: 4, colour: 'blue' }, { untilSec: 6, colour: 'red' }]);
    const { result, colours, raster } = await run(video);
    const candidates = times(video);
    expect(result.candidateCount).toBe(candidates.length);
    expect(colours).toEqual(['red', 'blue']);
    expect(result.frames.map((f) => f.timestampSec)).toEqual([candidates[0], candidates.find((t) => t >= 2)]);
    expect(result.skippedBlank).toBe(0);
    expect(result.decoder).toBe('webcodecs');
    expect(result.readableSec).toBeUndefined();
    // Model squares at modelInputPx, thumbnails and poster within their edges.
    for (const f of result.frames) {
      expect(f.pixels).toMatchObject({ width: 224, height: 224 });
      expect(f.pixels.data.length).toBe(224 * 224 * 4);
      expect(f.thumbnail.type).toBe('image/jpeg');
    }
    expect(result.poster).toMatchObject({ width: 320, height: 180 });
    // Every frame the collector held is released, kept or not.
    expect(raster.frames.length).toBe(candidates.length);
    expect(raster.frames.every((f) => f.closed)).toBe(true);
  });

  it('plain colour cards with no structure at all (red, then blue) are both kept: only black counts as blank', async () => {
    const video = fakeVideo([{ untilSec: 2, colour: 'red' }, { untilSec: 4, colour: 'blue' }, { untilSec: 5, colour: 'black' }], { solid: true });
    const { result, colours } = await run(video);
    expect(colours).toEqual(['red', 'blue']);
    expect(result.skippedBlank).toBe(times(video).filter((t) => t >= 4).length);
  });

  it('frames are scaled once to the work size: short edge ≥ the model input, long edge ≥ the poster', async () => {
    const video = fakeVideo([{ untilSec: 1, colour: 'green' }], { width: 1920, height: 1080 });
    const { result, raster } = await run(video);
    expect(raster.frames.map((f) => [f.width, f.height])).toEqual(times(video).map(() => [398, 224]));
    expect(result).toMatchObject({ width: 1920, height: 1080, poster: { width: 320, height: 180 } });
  });

  it('a black opening is skipped and counted', async () => {
    const video = fakeVideo([{ untilSec: 1, colour: 'black' }, { untilSec: 4, colour: 'yellow' }]);
    const { result, colours } = await run(video);
    const blackCandidates = times(video).filter((t) => colourAt(video, Math.floor(t * video.fps) / video.fps) === 'black');
    expect(blackCandidates.length).toBeGreaterThanOrEqual(2);
    expect(result.skippedBlank).toBe(blackCandidates.length);
    expect(result.frames[0]!.timestampSec).toBeGreaterThanOrEqual(1);
    expect(colours).toEqual(['yellow']);
  });

  it('an all-black video still yields one frame, the middle candidate', async () => {
    const video = fakeVideo([{ untilSec: 3, colour: 'black' }]);
    const { result } = await run(video);
    const candidates = times(video);
    expect(result.skippedBlank).toBe(candidates.length);
    expect(result.frames.map((f) => f.timestampSec)).toEqual([candidates[(candidates.length - 1) >> 1]]);
  });

  it('the diversity threshold decides what counts as a repeat', async () => {
    const video = fakeVideo([{ untilSec: 2, colour: 'red' }, { untilSec: 4, colour: 'blue' }]);
    const n = times(video).length;
    // Distance is ≥ 0 for every pair: nothing is a repeat.
    expect((await run(video, { diversityThreshold: 0 })).result.frames.length).toBe(n);
    // No distance reaches 1.01: only the first frame stays.
    expect((await run(video, { diversityThreshold: 1.01 })).colours).toEqual(['red']);
  });

  it('maxFrames caps the kept frames, choosing distinct ones', async () => {
    const colours = ['red', 'green', 'blue', 'yellow', 'magenta', 'cyan'] as const;
    const video = fakeVideo(colours.map((colour, i) => ({ untilSec: i + 1, colour })));
    expect((await run(video)).colours).toEqual([...colours]);
    const capped = await run(video, { maxFrames: 2 });
    expect(capped.result.frames.length).toBe(2);
    expect(new Set(capped.colours).size).toBe(2);
    expect(capped.raster.frames.every((f) => f.closed)).toBe(true);
  });

  it('two candidates on one long frame are compared once', async () => {
    // 1 frame per second, candidates every 0.4 s: several candidates share a sample.
    const video = fakeVideo([{ untilSec: 2, colour: 'red' }, { untilSec: 4, colour: 'green' }], { fps: 1 });
    const { result } = await run(video);
    expect(result.candidateCount).toBe(4);
    expect(times(video).length).toBeGreaterThan(4);
  });

  it('a stream that fails part-way keeps the frames before the failure and reports the readable part', async () => {
    const video = fakeVideo([{ untilSec: 2, colour: 'red' }, { untilSec: 4, colour: 'green' }, { untilSec: 6, colour: 'blue' }], { cutAtSec: 3 });
    const { result, colours } = await run(video);
    expect(result.durationSec).toBe(6);
    expect(result.readableSec).toBeGreaterThan(2);
    expect(result.readableSec).toBeLessThanOrEqual(3);
    expect(result.frames.every((f) => f.timestampSec <= result.readableSec!)).toBe(true);
    expect(colours).toEqual(['red', 'green']);
    expect(result.candidateCount).toBe(times(video).filter((t) => Math.floor(t * video.fps) / video.fps < 3).length);
  });

  it('decoding time excludes the histogram work; both are reported', async () => {
    const video = fakeVideo([{ untilSec: 2, colour: 'red' }]);
    let clockMs = 0;
    // Every frame costs 10 ms to decode and 1 ms for its statistics; the clock stands still otherwise.
    const raster = new FakeRaster(
      () => (clockMs += 10),
      () => (clockMs += 1),
    );
    const result = await extractVideo(FILE, OPTIONS, { webcodecs: sampleDecoder(video), ffmpeg: sampleDecoder(video, 'ffmpeg'), raster, now: () => clockMs });
    expect(result.decodeMs).toBe(10 * result.candidateCount);
    expect(result.filterMs).toBe(result.candidateCount);
  });
});

describe('decoder choice', () => {
  const video = fakeVideo([{ untilSec: 2, colour: 'red' }, { untilSec: 4, colour: 'blue' }]);

  it('WebCodecs refuses: ffmpeg.wasm decodes, told why, and the result names it', async () => {
    const refusal = needsFallbackFor('HEVC video');
    const webcodecs = refusingDecoder('webcodecs', refusal);
    const ffmpeg = sampleDecoder(video, 'ffmpeg');
    const { result, colours } = await run(video, {}, { webcodecs, ffmpeg });
    expect(webcodecs.calls).toBe(1);
    expect(ffmpeg.calls).toBe(1);
    expect(ffmpeg.reasons).toEqual([refusal]);
    expect(result.decoder).toBe('ffmpeg');
    expect(colours).toEqual(['red', 'blue']);
  });

  it('WebCodecs trips on the file: ffmpeg.wasm gets a second chance with a recognised container', async () => {
    const ffmpeg = sampleDecoder(video, 'ffmpeg');
    const { result } = await run(video, {}, { webcodecs: refusingDecoder('webcodecs', new TypeError('odd metadata')), ffmpeg });
    expect(result.decoder).toBe('ffmpeg');
    expect(ffmpeg.reasons).toEqual([{ what: 'this file', recognised: true }]);
  });

  it('frames WebCodecs collected before refusing are released, not mixed into the result', async () => {
    const raster = new FakeRaster();
    const partial: FrameDecoder = {
      name: 'webcodecs',
      async decode(blob, sink, why) {
        await sampleDecoder(fakeVideo([{ untilSec: 4, colour: 'green' }])).decode(blob, sink, why);
        throw needsFallbackFor('H264 video');
      },
    };
    const result = await extractVideo(FILE, OPTIONS, { webcodecs: partial, ffmpeg: sampleDecoder(video, 'ffmpeg'), raster });
    expect(result.frames.map((f) => colourName(f.pixels.data))).toEqual(['red', 'blue']);
    expect(result.candidateCount).toBe(times(video).length);
    expect(raster.frames.every((f) => f.closed)).toBe(true);
  });

  it('a message for the user from WebCodecs (audio only) ends it: no fallback', async () => {
    const ffmpeg = sampleDecoder(video, 'ffmpeg');
    await expect(run(video, {}, { webcodecs: refusingDecoder('webcodecs', new VideoError(MESSAGES.noVideo)), ffmpeg })).rejects.toThrow(/^has no video track \(audio only\?\)$/);
    expect(ffmpeg.calls).toBe(0);
  });

  it('decoder "webcodecs" forced: a refusal is reported, ffmpeg.wasm never runs', async () => {
    const ffmpeg = sampleDecoder(video, 'ffmpeg');
    await expect(run(video, { decoder: 'webcodecs' }, { webcodecs: refusingDecoder('webcodecs', needsFallbackFor('HEVC video')), ffmpeg })).rejects.toThrow(
      /^could not be decoded: HEVC video is not supported by this browser$/,
    );
    expect(ffmpeg.calls).toBe(0);
  });

  it('decoder "ffmpeg" forced: WebCodecs never runs', async () => {
    const webcodecs = sampleDecoder(video, 'webcodecs');
    const ffmpeg = sampleDecoder(video, 'ffmpeg');
    const { result } = await run(video, { decoder: 'ffmpeg' }, { webcodecs, ffmpeg });
    expect(result.decoder).toBe('ffmpeg');
    expect(webcodecs.calls).toBe(0);
    expect(ffmpeg.reasons).toEqual([{ what: 'this video', recognised: false }]);
  });

  it('both decoders fail: the fallback\'s message is the one shown', async () => {
    const damaged = new VideoError(MESSAGES.damaged('moov atom not found'));
    await expect(run(video, {}, { webcodecs: refusingDecoder('webcodecs', needsFallbackFor('this file format')), ffmpeg: refusingDecoder('ffmpeg', damaged) })).rejects.toThrow(
      /^the video file is damaged \(moov atom not found\); nothing could be read from it$/,
    );
    await expect(run(video, {}, { webcodecs: refusingDecoder('webcodecs', needsFallbackFor('this file format')), ffmpeg: refusingDecoder('ffmpeg', new Error('wasm trap')) })).rejects.toThrow(
      /^could not be decoded: wasm trap$/,
    );
  });

  it('a decoder that yields no frame at all gives "damaged"', async () => {
    const none: FrameDecoder = { name: 'webcodecs', decode: async () => ({ decoder: 'webcodecs', durationSec: 3, width: 320, height: 180 }) };
    await expect(run(video, {}, { webcodecs: none })).rejects.toThrow(/^the video file is damaged \(no frame could be decoded\); nothing could be read from it$/);
  });

  it('an empty file is refused before any decoder runs', async () => {
    const webcodecs = sampleDecoder(video);
    const ffmpeg = sampleDecoder(video, 'ffmpeg');
    await expect(extractVideo(new Blob([]), OPTIONS, { webcodecs, ffmpeg, raster: new FakeRaster() })).rejects.toThrow(/^the file is empty \(0 bytes\)$/);
    expect(webcodecs.calls + ffmpeg.calls).toBe(0);
  });
});

function needsFallbackFor(what: string): NeedsFallback {
  return new NeedsFallback(what, true);
}
