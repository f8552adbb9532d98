import { describe, expect, it } from 'vitest';
import { damagedOrUnsupported, ffmpegReason, parseRate, probeOf, showinfoTimes } from '../../../src/lib/video/ffmpeg-log';

describe('ffmpeg log', () => {
  it.each([
    ['30000/1001', 30000 / 1001],
    ['25/1', 25],
    ['0/0', 0],
    ['90000/1', 0],
    [undefined, 0],
    ['24', 24],
  ])('rate %s → %d fps', (rate, fps) => {
    expect(parseRate(rate)).toBeCloseTo(fps, 9);
  });

  it('probe: the video stream, its rotation (side data or tag), and the container start', () => {
    const p = probeOf({
      format: { duration: '12.5', start_time: '1.4' },
      streams: [{ codec_type: 'audio' }, { codec_type: 'video', width: 1920, height: 1080, avg_frame_rate: '25/1', side_data_list: [{}, { rotation: -90 }] }],
    });
    expect(p).toEqual({ durationSec: 12.5, startSec: 1.4, width: 1920, height: 1080, frameSec: 0.04, rotation: -90 });
    expect(probeOf({ streams: [{ codec_type: 'video', duration: '3', tags: { rotate: '180' } }] })).toMatchObject({ durationSec: 3, startSec: 0, rotation: 180, frameSec: 0 });
    expect(probeOf({ streams: [{ codec_type: 'audio' }] })).toBeNull();
  });

  it('showinfo times in output order', () => {
    const log = [
      '[Parsed_showinfo_1 @ 0x1] n:   0 pts:  12800 pts_time:1       duration:512',
      'frame=    1 fps=0.0',
      '[Parsed_showinfo_1 @ 0x1] n:   1 pts:  38400 pts_time:3.04    duration:512',
    ];
    expect(showinfoTimes(log)).toEqual([1, 3.04]);
  });

  it('the reason shown is the first line that says what went wrong, without the input path', () => {
    const log = ['ffprobe version n5.1', '[mov,mp4 @ 0x5] moov atom not found', '/input/video: Invalid data found when processing input'];
    expect(ffmpegReason(log, '/input/video')).toBe('moov atom not found');
    expect(ffmpegReason(['/input/video: Invalid data found when processing input'], '/input/video')).toBe('Invalid data found when processing input');
    expect(ffmpegReason([], '/input/video')).toBe('no output');
  });

  it('an unknown codec is "not supported", anything else "damaged"', () => {
    expect(damagedOrUnsupported('Decoder (hevc) not found for input stream')).toBe('could not be decoded: the video codec hevc is not supported by this browser');
    expect(damagedOrUnsupported('Invalid data found when processing input')).toBe('the video file is damaged (Invalid data found when processing input); nothing could be read from it');
  });
});
