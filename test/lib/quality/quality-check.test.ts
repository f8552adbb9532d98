import { describe, expect, it } from 'vitest';
import { runQualityCheck, type CheckFile, type QualityEmbedder } from '../../../src/lib/quality/quality-check';
import type { StillDecoder } from '../../../src/lib/ingest/ports';

// A stand-in model: a photo's bytes name a colour; its vector and a text's vector are one-hot on
// the colour named (texts naming none point elsewhere).
const COLOURS = ['red', 'green', 'blue'];
const oneHot = (i: number) => Float32Array.from({ length: 4 }, (_, j) => (j === i ? 1 : 0));
const colourOf = (s: string) => COLOURS.findIndex((c) => s.includes(c));

const stills: StillDecoder = {
  async decodeImage(blob) {
    const text = await blob.text();
    if (colourOf(text) < 0) throw new Error('not an image');
    return {
      width: 1,
      height: 1,
      thumbnail: () => Promise.reject(new Error('unused')),
      thumbnailRgba: () => new Uint8ClampedArray(4),
      centerCrop: () => ({ data: new Uint8ClampedArray([colourOf(text), 0, 0, 255]), width: 1, height: 1 }),
      close: () => {},
    };
  },
  decodePoster: () => Promise.reject(new Error('unused')),
};

function embedder(calls: { texts: number }): QualityEmbedder {
  return {
    embedImages: async (images) => images.map((img) => oneHot(img.data[0]!)),
    embedText: async (text) => {
      calls.texts++;
      const c = colourOf(text);
      return oneHot(c < 0 ? 3 : c);
    },
  };
}

const file = (path: string, content: string): CheckFile => ({ path, blob: new Blob([content]) });

describe('runQualityCheck', () => {
  it('reports the figures of a folder whose photos are what their labels say, and one filed wrong', async () => {
    const files = [
      file('set/red/1.png', 'red'),
      file('set/red/2.png', 'red'),
      file('set/green/1.png', 'green'),
      file('set/green/2.png', 'blue'), // filed under green, shows blue
      file('set/blue/1.png', 'blue'),
      file('set/blue/broken.jpg', 'garbage'),
      file('set/readme.txt', 'hello'),
    ];
    const calls = { texts: 0 };
    const progress: string[] = [];
    const r = await runQualityCheck(files, embedder(calls), { modelKey: 'm', stills, onProgress: (p) => progress.push(p.phase), now: () => new Date(0) });
    if (!r.ok) throw new Error(r.message);
    const rep = r.report;
    expect(rep.images).toBe(5);
    expect(rep.labels).toBe(3);
    expect(rep.zeroShot.single.top1).toBe(0.8);
    expect(rep.zeroShot.ensemble).toEqual({ source: "OpenAI CLIP's 80 ImageNet templates", templates: 80, top1: 0.8, top5: 1 });
    expect(calls.texts).toBe(3 * 81);
    expect(rep.perLabel.map((l) => [l.label, l.correct, l.images])).toEqual([
      ['blue', 1, 1],
      ['green', 1, 2],
      ['red', 2, 2],
    ]);
    expect(rep.confusions).toEqual([{ label: 'green', predicted: 'blue', count: 1 }]);
    // Photos in order: red/1, red/2, green/1, green/2 (blue), blue/1. Query "blue": green/2 and
    // blue/1 tie, the earlier first → its photo at rank 2, AP 1/2. Query "green": green/1 first,
    // green/2 scores 0 like red/1 and red/2 before it → ranks 1 and 4, AP (1 + 2/4)/2. "red": AP 1.
    expect(rep.retrieval.recallAt1).toBeCloseTo(2 / 3, 12);
    expect(rep.retrieval.meanAveragePrecision).toBeCloseTo((0.5 + 0.75 + 1) / 3, 12);
    expect(rep.skipped).toEqual([
      { path: 'readme.txt', reason: 'not a photo or video' },
      { path: 'blue/broken.jpg', reason: 'could not be read as a photo' },
    ]);
    expect(rep.createdAt).toBe('1970-01-01T00:00:00.000Z');
    expect(new Set(progress)).toEqual(new Set(['photos', 'labels', 'figures']));
  });

  it('measures videos: moments within ±1 s and zero-shot top-1 under each pooling', async () => {
    const model = embedder({ texts: 0 });
    // A video's bytes list its frames: "red@0 red@1 blue@4" → three frames at those seconds.
    model.videoFrames = async (blob) => {
      const text = await blob.text();
      if (!text.includes('@')) throw new Error('not a video');
      return text.split(' ').map((f) => {
        const [colour, at] = f.split('@');
        return { timestampSec: Number(at), pixels: { data: new Uint8ClampedArray([colourOf(colour!), 0, 0, 255]), width: 1, height: 1 } };
      });
    };
    const files = [
      file('s/red/1.png', 'red'),
      file('s/blue/1.png', 'blue'),
      file('s/red/clip.mp4', 'red@0 red@1 blue@4'),
      file('s/blue/clip.webm', 'red@0 red@2 blue@6'), // mean and attention both pick red: wrong
      file('s/blue/broken.mp4', 'garbage'),
      file('s/moments.json', JSON.stringify([
        { file: 'red/clip.mp4', query: 'blue', atSec: 4.5 },
        { file: 'blue/clip.webm', query: 'blue', atSec: 3 },
      ])),
    ];
    const r = await runQualityCheck(files, model, { modelKey: 'm', stills });
    if (!r.ok) throw new Error(r.message);
    expect(r.report.video).toEqual({ videos: 2, moments: 2, momentsFound: 1, meanPoolTop1: 0.5, attentionPoolTop1: 0.5 });
    expect(r.report.videosNotMeasured).toBe(1);
    expect(r.report.skipped).toEqual([{ path: 'blue/broken.mp4', reason: 'could not be read as a video' }]);
  });

  it('gives the same report with the label prompts batched', async () => {
    const files = [file('s/red/1.png', 'red'), file('s/green/1.png', 'green'), file('s/green/2.png', 'blue'), file('s/blue/1.png', 'blue')];
    const one = embedder({ texts: 0 });
    const calls: number[] = [];
    const batched: QualityEmbedder = { ...one, embedTexts: async (texts) => (calls.push(texts.length), Promise.all(texts.map((t) => one.embedText(t)))) };
    const opts = { modelKey: 'm', stills, now: () => new Date(0) };
    const strip = (o: Awaited<ReturnType<typeof runQualityCheck>>) => (o.ok ? { ...o.report, timingsMs: null } : o);
    expect(strip(await runQualityCheck(files, batched, opts))).toEqual(strip(await runQualityCheck(files, one, opts)));
    expect(calls).toEqual([32, 32, 32, 32, 32, 32, 32, 19]); // 3 labels × (1 + 80 templates) = 243 prompts
  });

  it('says so when only one label has readable photos', async () => {
    const r = await runQualityCheck([file('s/red/1.png', 'red'), file('s/blue/1.png', 'garbage')], embedder({ texts: 0 }), { modelKey: 'm', stills });
    expect(r).toEqual({ ok: false, message: 'Photos of only one label could be read (1 could not): the check needs photos of at least two labels.' });
  });

  it('stops when cancelled', async () => {
    const ac = new AbortController();
    ac.abort();
    await expect(runQualityCheck([file('s/red/1.png', 'red'), file('s/blue/1.png', 'blue')], embedder({ texts: 0 }), { modelKey: 'm', stills, signal: ac.signal })).rejects.toThrow();
  });
});
