// Verifies scripts/make-fixture-model.mjs: the generated folder loads with the
// stock @huggingface/transformers code paths (Node -> onnxruntime-node) and the
// embeddings carry real colour semantics.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AutoProcessor,
  AutoTokenizer,
  CLIPTextModelWithProjection,
  CLIPVisionModelWithProjection,
  RawImage,
  env,
} from '@huggingface/transformers';
import { rng } from './helpers/random';

const MODEL_ID = 'shoebox-fixture-clip';
const SCRIPT = fileURLToPath(new URL('../scripts/make-fixture-model.mjs', import.meta.url));

let base: string;
let modelDir: string;

function generate(outDir: string, ...extra: string[]): string {
  return execFileSync(process.execPath, [SCRIPT, '--out', outDir, ...extra], { encoding: 'utf8' });
}

// ---------------------------------------------------------------------------
// Synthetic photos: solid-ish colour + noise + a couple of off-colour shapes.
// ---------------------------------------------------------------------------

type RGB = [number, number, number];

function makeImage(base: RGB, seed: number, channels: 3 | 4 = 3, width = 160, height = 120): RawImage {
  const rand = rng(seed);
  const data = new Uint8ClampedArray(width * height * channels);
  // A gray rectangle (~12% of the area) and a white-ish disc (~6%).
  const rx = Math.floor(rand() * width * 0.5);
  const ry = Math.floor(rand() * height * 0.5);
  const cx = width * (0.3 + rand() * 0.4);
  const cy = height * (0.3 + rand() * 0.4);
  const r = Math.min(width, height) * 0.2;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let c: RGB = base;
      if (x >= rx && x < rx + width * 0.35 && y >= ry && y < ry + height * 0.35) c = [128, 128, 128];
      if ((x - cx) ** 2 + (y - cy) ** 2 < r * r) c = [235, 235, 225];
      const i = (y * width + x) * channels;
      for (let k = 0; k < 3; k++) data[i + k] = c[k] + (rand() - 0.5) * 40;
      if (channels === 4) data[i + 3] = 255;
    }
  }
  return new RawImage(data, width, height, channels);
}

const IMAGES: { name: string; rgb: RGB }[] = [
  { name: 'red', rgb: [205, 30, 35] },
  { name: 'orange', rgb: [245, 140, 25] },
  { name: 'yellow', rgb: [240, 220, 45] },
  { name: 'green', rgb: [40, 165, 60] },
  { name: 'blue', rgb: [30, 65, 200] },
  { name: 'purple', rgb: [120, 40, 165] },
  { name: 'white', rgb: [248, 248, 245] },
  { name: 'black', rgb: [22, 20, 26] },
];

function normalize(v: number[]): number[] {
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
}
const dot = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i], 0);

// ---------------------------------------------------------------------------

beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), 'shoebox-fixture-'));
  modelDir = join(base, MODEL_ID);
  generate(modelDir);
  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  env.localModelPath = `${base}/`;
});

afterAll(() => {
  if (base) rmSync(base, { recursive: true, force: true });
});

describe('make-fixture-model.mjs', () => {
  it('writes the transformers.js CLIP folder layout, small and deterministic', () => {
    for (const f of [
      'config.json',
      'preprocessor_config.json',
      'tokenizer.json',
      'tokenizer_config.json',
      'special_tokens_map.json',
      'onnx/text_model_quantized.onnx',
      'onnx/vision_model_quantized.onnx',
    ]) {
      expect(statSync(join(modelDir, f)).size, f).toBeGreaterThan(0);
    }
    const total = [...readdirSync(modelDir), ...readdirSync(join(modelDir, 'onnx')).map((f) => `onnx/${f}`)]
      .map((f) => statSync(join(modelDir, f)))
      .filter((s) => s.isFile())
      .reduce((a, s) => a + s.size, 0);
    expect(total).toBeLessThan(5 * 1024 * 1024);

    const config = JSON.parse(readFileSync(join(modelDir, 'config.json'), 'utf8'));
    expect(config.model_type).toBe('clip');
    expect(config.projection_dim).toBe(512);

    const again = join(base, 'again');
    generate(again);
    for (const f of ['tokenizer.json', 'onnx/text_model_quantized.onnx', 'onnx/vision_model_quantized.onnx']) {
      expect(readFileSync(join(again, f)).equals(readFileSync(join(modelDir, f))), f).toBe(true);
    }
    expect(generate(again, '--if-missing')).toMatch(/nothing to do/);
  });

  it('tokenizer loads with AutoTokenizer and pads/marks sensibly', async () => {
    const tokenizer = await AutoTokenizer.from_pretrained(MODEL_ID);
    const enc = tokenizer(['a red car', 'blue sky'], { padding: true, truncation: true });
    const ids = (enc.input_ids.tolist() as bigint[][]).map((r) => r.map(Number));
    const mask = (enc.attention_mask.tolist() as bigint[][]).map((r) => r.map(Number));
    const bos = tokenizer.bos_token_id!;
    const eos = tokenizer.eos_token_id!;
    expect(tokenizer.pad_token_id).toBe(eos);
    expect(enc.input_ids.dims).toEqual([2, 5]);
    expect(ids[0][0]).toBe(bos);
    expect(ids[0][4]).toBe(eos);
    expect(ids[1].slice(3)).toEqual([eos, eos]); // eos + padding (= eos)
    expect(mask).toEqual([
      [1, 1, 1, 1, 1],
      [1, 1, 1, 1, 0],
    ]);
    // lowercase + punctuation split; unknown words -> [UNK]
    expect(tokenizer.tokenize('Red, BLUE!')).toEqual(['red', ',', 'blue', '!']);
    const unk = tokenizer('xyzzy').input_ids.tolist() as bigint[][];
    expect(unk[0].map(Number)).toEqual([bos, tokenizer.unk_token_id, eos]);
    expect(tokenizer.model_max_length).toBe(77);
  });

  it('embeddings rank the matching colour image first', async () => {
    const [tokenizer, processor, textModel, visionModel] = await Promise.all([
      AutoTokenizer.from_pretrained(MODEL_ID),
      AutoProcessor.from_pretrained(MODEL_ID),
      CLIPTextModelWithProjection.from_pretrained(MODEL_ID, { dtype: 'q8' }),
      CLIPVisionModelWithProjection.from_pretrained(MODEL_ID, { dtype: 'q8' }),
    ]);

    // Mix RGB and RGBA sources, like decoded photos.
    const images = IMAGES.map((im, i) => makeImage(im.rgb, 100 + i, i % 2 ? 4 : 3));
    const { pixel_values } = await processor(images);
    expect(pixel_values.dims).toEqual([IMAGES.length, 3, 224, 224]);
    const vision = await visionModel({ pixel_values });
    expect(vision.image_embeds.dims).toEqual([IMAGES.length, 512]);
    expect(vision.last_hidden_state.dims[0]).toBe(IMAGES.length);
    const imageVecs = (vision.image_embeds.tolist() as number[][]).map(normalize);

    const queries: [string, string][] = [
      ['red', 'red'],
      ['orange', 'orange'],
      ['yellow', 'yellow'],
      ['green', 'green'],
      ['blue', 'blue'],
      ['purple', 'purple'],
      ['white', 'white'],
      ['black', 'black'],
      ['dark', 'black'],
      ['a photo of a red car', 'red'],
      ['Blue sky over the ocean.', 'blue'],
      ['grass', 'green'],
      ['LEMON!', 'yellow'],
      ['snow', 'white'],
    ];
    const text = tokenizer(
      queries.map(([q]) => q),
      { padding: true, truncation: true },
    );
    const { text_embeds } = await textModel(text);
    expect(text_embeds.dims).toEqual([queries.length, 512]);
    const textVecs = (text_embeds.tolist() as number[][]).map(normalize);

    queries.forEach(([q, expected], qi) => {
      const scores = imageVecs.map((v) => dot(textVecs[qi], v));
      const ranked = scores.map((s, i) => ({ s, name: IMAGES[i].name })).sort((a, b) => b.s - a.s);
      expect(ranked[0].name, `"${q}" -> ${JSON.stringify(ranked.slice(0, 3))}`).toBe(expected);
      // A clear margin, not a coin toss.
      expect(ranked[0].s - ranked[1].s, `"${q}" margin`).toBeGreaterThan(0.2);
    });

    // Unknown words still give a usable (non-zero, finite) vector.
    const unk = await textModel(tokenizer(['xyzzy plugh'], { padding: true, truncation: true }));
    const v = unk.text_embeds.tolist()[0] as number[];
    expect(v).toHaveLength(512);
    expect(v.every(Number.isFinite)).toBe(true);
    expect(Math.hypot(...v)).toBeGreaterThan(0.1);
  });
});
