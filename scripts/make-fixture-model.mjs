#!/usr/bin/env node
// Generates a tiny, *meaningful* CLIP-shaped fixture model for tests and offline builds.
//
//   node scripts/make-fixture-model.mjs [--out DIR] [--if-missing]
//
// The output folder has the same layout as Xenova/clip-vit-base-patch32, so
// @huggingface/transformers loads it unchanged with
//   env.allowRemoteModels = false; env.localModelPath = '<parent of DIR>/';
//   CLIPVisionModelWithProjection.from_pretrained('shoebox-fixture-clip', { dtype: 'q8' })
//   CLIPTextModelWithProjection.from_pretrained('shoebox-fixture-clip', { dtype: 'q8' })
//   AutoTokenizer / AutoProcessor.from_pretrained('shoebox-fixture-clip')
//
// Semantics: a 12-concept colour space.
//  * vision: per 8x8 patch, the mean RGB (CLIP normalisation undone) is softly
//    assigned to the concept prototype colours (softmax of -|rgb - proto|^2 / tau);
//    the per-image concept histogram is projected to 512-d.
//  * text: every colour word / synonym maps to its concept, everything else to 0;
//    the per-query concept counts are projected with the same matrix.
//  * both add a shared "common" direction so embeddings live in a cone (like real
//    CLIP) and an all-unknown query still yields a non-zero vector.
// So cos(text('red'), image(red picture)) is the highest among colour images.
//
// No dependencies beyond Node built-ins. Output is byte-for-byte deterministic.

import { mkdirSync, writeFileSync, renameSync, existsSync } from 'node:fs';
import { join, resolve, dirname, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { DataType, tensor, node, valueInfo, graph, model } from './lib/onnx-writer.mjs';
import { mulberry32 } from '../src/lib/core/random.js';

const HERE = dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = resolve(HERE, '..');
export const MODEL_ID = 'shoebox-fixture-clip';
export const DEFAULT_OUT = join(REPO_ROOT, 'test', 'fixtures', 'models', MODEL_ID);

// ---------------------------------------------------------------------------
// Fixture definition
// ---------------------------------------------------------------------------

export const EMBED_DIM = 512; // projection_dim, same as real CLIP ViT-B/32
export const IMAGE_SIZE = 224;
export const PATCH = 8; // 224 / 8 = 28 x 28 patches
export const GRID = IMAGE_SIZE / PATCH;
export const TAU = 0.03; // softmax temperature on squared RGB distances (RGB in [0,1])
export const COMMON_WEIGHT = 0.5; // weight of the shared direction (cone)
export const SEED = 0x5eb0c5; // fixed PRNG seed
export const MAX_LENGTH = 77;

// CLIP preprocessing constants (identical to openai/clip-vit-base-patch32).
export const IMAGE_MEAN = [0.48145466, 0.4578275, 0.40821073];
export const IMAGE_STD = [0.26862954, 0.26130258, 0.27577711];

/**
 * Concepts: prototype colour (RGB in [0,1]) and the words that mean it.
 * The first word is the canonical name.
 */
export const CONCEPTS = [
  { name: 'red', rgb: [0.9, 0.1, 0.1], words: ['red', 'crimson', 'scarlet', 'ruby', 'cherry', 'tomato', 'fire', 'strawberry', 'blood', 'maroon', 'wine'] },
  { name: 'orange', rgb: [1.0, 0.55, 0.0], words: ['orange', 'sunset', 'pumpkin', 'tangerine', 'amber', 'carrot'] },
  { name: 'yellow', rgb: [0.95, 0.9, 0.1], words: ['yellow', 'lemon', 'banana', 'sun', 'sunny', 'gold', 'golden', 'sunflower', 'mustard'] },
  { name: 'green', rgb: [0.1, 0.7, 0.2], words: ['green', 'grass', 'forest', 'leaf', 'leaves', 'lime', 'jungle', 'emerald', 'olive', 'moss', 'meadow'] },
  { name: 'cyan', rgb: [0.0, 0.75, 0.8], words: ['cyan', 'teal', 'turquoise', 'aqua', 'aquamarine', 'lagoon'] },
  { name: 'blue', rgb: [0.1, 0.25, 0.9], words: ['blue', 'sky', 'ocean', 'sea', 'water', 'navy', 'azure', 'cobalt', 'lake', 'sapphire'] },
  { name: 'purple', rgb: [0.5, 0.15, 0.7], words: ['purple', 'violet', 'lavender', 'lilac', 'plum', 'indigo', 'mauve'] },
  { name: 'pink', rgb: [1.0, 0.4, 0.75], words: ['pink', 'magenta', 'rose', 'fuchsia', 'flamingo', 'blush'] },
  { name: 'white', rgb: [0.97, 0.97, 0.97], words: ['white', 'bright', 'snow', 'snowy', 'light', 'ivory', 'cream', 'milk'] },
  { name: 'black', rgb: [0.05, 0.05, 0.05], words: ['black', 'dark', 'night', 'shadow', 'shadows', 'darkness', 'midnight', 'ebony', 'coal'] },
  { name: 'gray', rgb: [0.5, 0.5, 0.5], words: ['gray', 'grey', 'silver', 'cloud', 'clouds', 'cloudy', 'concrete', 'stone', 'fog', 'foggy', 'ash'] },
  { name: 'brown', rgb: [0.5, 0.3, 0.12], words: ['brown', 'wood', 'wooden', 'chocolate', 'coffee', 'dirt', 'soil', 'mud', 'tan', 'beige', 'bronze'] },
];
export const NUM_CONCEPTS = CONCEPTS.length;

/** Ordinary words that are in the vocabulary but carry no concept (embed to zero). */
export const NEUTRAL_WORDS = [
  'a', 'an', 'the', 'of', 'with', 'and', 'or', 'in', 'on', 'at', 'by', 'to', 'from', 'for', 'my', 'our',
  'some', 'very', 'is', 'are', 'this', 'that', 'photo', 'photograph', 'picture', 'image', 'pic', 'shot',
  'car', 'cat', 'dog', 'house', 'flower', 'flowers', 'tree', 'trees', 'person', 'people', 'man', 'woman',
  'girl', 'boy', 'child', 'kids', 'family', 'friends', 'beach', 'mountain', 'mountains', 'city', 'street',
  'road', 'field', 'wall', 'shirt', 'dress', 'ball', 'apple', 'bird', 'boat', 'building', 'door', 'table',
  'chair', 'food', 'cake', 'bike', 'bicycle', 'bus', 'truck', 'train', 'plane', 'garden', 'park', 'party',
  'birthday', 'wedding', 'holiday', 'vacation', 'summer', 'winter', 'autumn', 'fall', 'spring', 'morning',
  'evening', 'portrait', 'landscape', 'selfie', 'close', 'up', 'big', 'small', 'little', 'old', 'new',
  'square', 'circle', 'stripe', 'stripes', 'pattern', 'background', 'against', 'under', 'over',
];

export const UNK_TOKEN = '[UNK]';
export const BOS_TOKEN = '<|startoftext|>';
export const EOS_TOKEN = '<|endoftext|>';
const SPECIAL_TOKENS = [UNK_TOKEN, BOS_TOKEN, EOS_TOKEN]; // ids 0, 1, 2

// ---------------------------------------------------------------------------
// Deterministic maths helpers (no transcendental functions -> identical bytes
// on every platform / Node version)
// ---------------------------------------------------------------------------

/** mulberry32 PRNG, returns uniform floats in [-1, 1). */
function makeRng(seed) {
  const next = mulberry32(seed);
  return () => next() * 2 - 1;
}

/** count orthonormal vectors of length dim (Gram-Schmidt on random vectors). */
function orthonormalVectors(count, dim, rng) {
  const out = [];
  while (out.length < count) {
    const v = Array.from({ length: dim }, rng);
    for (const u of out) {
      let d = 0;
      for (let i = 0; i < dim; i++) d += v[i] * u[i];
      for (let i = 0; i < dim; i++) v[i] -= d * u[i];
    }
    let n = 0;
    for (let i = 0; i < dim; i++) n += v[i] * v[i];
    n = Math.sqrt(n);
    if (n < 1e-6) continue;
    out.push(v.map((x) => x / n));
  }
  return out;
}

// ---------------------------------------------------------------------------
// Weights
// ---------------------------------------------------------------------------

/** Builds vocabulary, concept table and projection. Pure function of the constants above. */
export function buildFixture() {
  // Vocabulary: specials, concept words, neutral words (first occurrence wins).
  const vocab = new Map();
  const conceptOf = new Map();
  for (const t of SPECIAL_TOKENS) vocab.set(t, vocab.size);
  CONCEPTS.forEach((c, ci) => {
    for (const w of c.words) {
      if (vocab.has(w)) throw new Error(`duplicate vocabulary word "${w}"`);
      vocab.set(w, vocab.size);
      conceptOf.set(w, ci);
    }
  });
  for (const w of NEUTRAL_WORDS) {
    if (vocab.has(w)) throw new Error(`duplicate vocabulary word "${w}"`);
    vocab.set(w, vocab.size);
  }
  const V = vocab.size;
  const C = NUM_CONCEPTS;

  // Token -> concept table [V, C] (one-hot for concept words, zero otherwise).
  const tokenConcepts = new Float32Array(V * C);
  for (const [w, ci] of conceptOf) tokenConcepts[vocab.get(w) * C + ci] = 1;

  // Projection: one orthonormal direction per concept plus a shared one.
  const rng = makeRng(SEED);
  const [common, ...dirs] = orthonormalVectors(C + 1, EMBED_DIM, rng);
  const projection = new Float32Array(C * EMBED_DIM);
  dirs.forEach((d, ci) => d.forEach((x, j) => (projection[ci * EMBED_DIM + j] = x)));
  const commonBias = Float32Array.from(common, (x) => x * COMMON_WEIGHT);

  // Vision: one strided Conv computes, per 8x8 patch p and concept c,
  //   logit_c = (2 rgb_p . proto_c - |proto_c|^2) / tau
  // where rgb_p = mean(pixel_values over patch) * std + mean (CLIP normalisation undone).
  // The -|rgb_p|^2 term is the same for every concept, so softmax over concepts
  // equals softmax(-|rgb_p - proto_c|^2 / tau) exactly.
  const convW = new Float32Array(C * 3 * PATCH * PATCH);
  const convB = new Float32Array(C);
  const area = PATCH * PATCH;
  CONCEPTS.forEach((c, ci) => {
    let bias = 0;
    for (let k = 0; k < 3; k++) {
      const w = (2 * c.rgb[k] * IMAGE_STD[k]) / (area * TAU);
      for (let i = 0; i < area; i++) convW[(ci * 3 + k) * area + i] = w;
      bias += 2 * c.rgb[k] * IMAGE_MEAN[k] - c.rgb[k] * c.rgb[k];
    }
    convB[ci] = bias / TAU;
  });

  return { vocab, conceptOf, tokenConcepts, projection, commonBias, convW, convB, V, C };
}

// ---------------------------------------------------------------------------
// ONNX graphs
// ---------------------------------------------------------------------------

function visionModel(fx) {
  const { C } = fx;
  const nodes = [
    node('Conv', ['pixel_values', 'concept_conv.weight', 'concept_conv.bias'], ['patch_logits'], {
      kernel_shape: [PATCH, PATCH],
      strides: [PATCH, PATCH],
      pads: [0, 0, 0, 0],
      dilations: [1, 1],
      group: 1,
    }),
    node('Softmax', ['patch_logits'], ['patch_concepts'], { axis: 1 }),
    node('ReduceMean', ['patch_concepts'], ['image_concepts'], { axes: [2, 3], keepdims: 0 }),
    node('MatMul', ['image_concepts', 'projection.weight'], ['image_projected']),
    node('Add', ['image_projected', 'projection.common'], ['image_embeds']),
    node('Reshape', ['patch_concepts', 'patch_shape'], ['patch_concepts_flat']),
    node('Transpose', ['patch_concepts_flat'], ['last_hidden_state'], { perm: [0, 2, 1] }),
  ];
  const initializers = [
    tensor('concept_conv.weight', [C, 3, PATCH, PATCH], fx.convW),
    tensor('concept_conv.bias', [C], fx.convB),
    tensor('projection.weight', [C, EMBED_DIM], fx.projection),
    tensor('projection.common', [EMBED_DIM], fx.commonBias),
    tensor('patch_shape', [3], BigInt64Array.from([0n, BigInt(C), -1n])),
  ];
  return model({
    docString: 'Shoebox fixture CLIP vision tower (colour-concept model, not a neural network).',
    metadata: { concepts: CONCEPTS.map((c) => c.name).join(','), fixture: MODEL_ID },
    graph: graph({
      name: 'shoebox_fixture_clip_vision',
      nodes,
      initializers,
      inputs: [valueInfo('pixel_values', DataType.FLOAT, ['batch_size', 3, IMAGE_SIZE, IMAGE_SIZE])],
      outputs: [
        valueInfo('image_embeds', DataType.FLOAT, ['batch_size', EMBED_DIM]),
        valueInfo('last_hidden_state', DataType.FLOAT, ['batch_size', GRID * GRID, C]),
      ],
    }),
  });
}

function textModel(fx) {
  const { C, V } = fx;
  const nodes = [
    node('Gather', ['token_concepts.weight', 'input_ids'], ['last_hidden_state'], { axis: 0 }),
    node('ReduceSum', ['last_hidden_state', 'sequence_axis'], ['text_concepts'], { keepdims: 0 }),
    node('MatMul', ['text_concepts', 'projection.weight'], ['text_projected']),
    node('Add', ['text_projected', 'projection.common'], ['text_embeds']),
  ];
  const initializers = [
    tensor('token_concepts.weight', [V, C], fx.tokenConcepts),
    tensor('sequence_axis', [1], BigInt64Array.from([1n])),
    tensor('projection.weight', [C, EMBED_DIM], fx.projection),
    tensor('projection.common', [EMBED_DIM], fx.commonBias),
  ];
  return model({
    docString: 'Shoebox fixture CLIP text tower (colour-word model, not a neural network).',
    metadata: { concepts: CONCEPTS.map((c) => c.name).join(','), fixture: MODEL_ID },
    graph: graph({
      name: 'shoebox_fixture_clip_text',
      nodes,
      initializers,
      inputs: [valueInfo('input_ids', DataType.INT64, ['batch_size', 'sequence_length'])],
      outputs: [
        valueInfo('text_embeds', DataType.FLOAT, ['batch_size', EMBED_DIM]),
        valueInfo('last_hidden_state', DataType.FLOAT, ['batch_size', 'sequence_length', C]),
      ],
    }),
  });
}

// ---------------------------------------------------------------------------
// JSON files
// ---------------------------------------------------------------------------

function configJson(fx) {
  const { C, V, vocab } = fx;
  return {
    _name_or_path: MODEL_ID,
    architectures: ['CLIPModel'],
    initializer_factor: 1.0,
    logit_scale_init_value: 2.6592,
    model_type: 'clip',
    projection_dim: EMBED_DIM,
    text_config: {
      model_type: 'clip_text_model',
      architectures: null,
      bos_token_id: vocab.get(BOS_TOKEN),
      eos_token_id: vocab.get(EOS_TOKEN),
      pad_token_id: vocab.get(EOS_TOKEN),
      hidden_act: 'quick_gelu',
      hidden_size: C,
      intermediate_size: C,
      max_position_embeddings: MAX_LENGTH,
      num_attention_heads: 1,
      num_hidden_layers: 0,
      projection_dim: EMBED_DIM,
      vocab_size: V,
    },
    vision_config: {
      model_type: 'clip_vision_model',
      architectures: null,
      hidden_act: 'quick_gelu',
      hidden_size: C,
      intermediate_size: C,
      image_size: IMAGE_SIZE,
      num_attention_heads: 1,
      num_channels: 3,
      num_hidden_layers: 0,
      patch_size: PATCH,
      projection_dim: EMBED_DIM,
    },
    transformers_version: null,
    shoebox_fixture: {
      description:
        'Synthetic colour-concept CLIP stand-in generated by scripts/make-fixture-model.mjs. Not a trained model.',
      concepts: CONCEPTS.map((c) => ({ name: c.name, rgb: c.rgb })),
      temperature: TAU,
      common_weight: COMMON_WEIGHT,
      seed: SEED,
    },
  };
}

function preprocessorConfigJson() {
  // Identical to openai/clip-vit-base-patch32.
  return {
    crop_size: { height: IMAGE_SIZE, width: IMAGE_SIZE },
    do_center_crop: true,
    do_convert_rgb: true,
    do_normalize: true,
    do_rescale: true,
    do_resize: true,
    feature_extractor_type: 'CLIPFeatureExtractor',
    image_mean: IMAGE_MEAN,
    image_processor_type: 'CLIPFeatureExtractor',
    image_std: IMAGE_STD,
    resample: 3,
    rescale_factor: 0.00392156862745098,
    size: { shortest_edge: IMAGE_SIZE },
  };
}

function tokenizerJson(fx) {
  const { vocab } = fx;
  const special = (content) => ({
    id: vocab.get(content),
    content,
    single_word: false,
    lstrip: false,
    rstrip: false,
    normalized: false,
    special: true,
  });
  const specialEntry = (content) => ({ id: content, ids: [vocab.get(content)], tokens: [content] });
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: SPECIAL_TOKENS.map(special),
    normalizer: { type: 'Sequence', normalizers: [{ type: 'NFC' }, { type: 'Lowercase' }] },
    pre_tokenizer: {
      type: 'Sequence',
      pretokenizers: [{ type: 'WhitespaceSplit' }, { type: 'Punctuation', behavior: 'Isolated' }],
    },
    post_processor: {
      type: 'TemplateProcessing',
      single: [
        { SpecialToken: { id: BOS_TOKEN, type_id: 0 } },
        { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: { id: EOS_TOKEN, type_id: 0 } },
      ],
      pair: [
        { SpecialToken: { id: BOS_TOKEN, type_id: 0 } },
        { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: { id: EOS_TOKEN, type_id: 0 } },
        { Sequence: { id: 'B', type_id: 1 } },
        { SpecialToken: { id: EOS_TOKEN, type_id: 1 } },
      ],
      special_tokens: { [BOS_TOKEN]: specialEntry(BOS_TOKEN), [EOS_TOKEN]: specialEntry(EOS_TOKEN) },
    },
    decoder: null,
    model: { type: 'WordLevel', vocab: Object.fromEntries(vocab), unk_token: UNK_TOKEN },
  };
}

function tokenizerConfigJson(fx) {
  // Plain-string special tokens: transformers.js' WordLevel ("Legacy") model resolves
  // the unknown-token id from tokenizer_config.unk_token, so it must be a string.
  const added_tokens_decoder = {};
  for (const t of SPECIAL_TOKENS) {
    added_tokens_decoder[String(fx.vocab.get(t))] = {
      content: t,
      lstrip: false,
      normalized: false,
      rstrip: false,
      single_word: false,
      special: true,
    };
  }
  return {
    added_tokens_decoder,
    bos_token: BOS_TOKEN,
    clean_up_tokenization_spaces: true,
    do_lower_case: true,
    eos_token: EOS_TOKEN,
    model_max_length: MAX_LENGTH,
    pad_token: EOS_TOKEN,
    processor_class: 'CLIPProcessor',
    tokenizer_class: 'CLIPTokenizer',
    unk_token: UNK_TOKEN,
  };
}

function specialTokensMapJson() {
  return { bos_token: BOS_TOKEN, eos_token: EOS_TOKEN, pad_token: EOS_TOKEN, unk_token: UNK_TOKEN };
}

// ---------------------------------------------------------------------------
// Output
// ---------------------------------------------------------------------------

export const ONNX_FILES = ['onnx/text_model_quantized.onnx', 'onnx/vision_model_quantized.onnx'];
// fp32 names too (identical bytes), so the default dtype (fp32 in Node) also loads.
export const ONNX_FP32_FILES = ['onnx/text_model.onnx', 'onnx/vision_model.onnx'];
export const JSON_FILES = [
  'config.json',
  'preprocessor_config.json',
  'tokenizer.json',
  'tokenizer_config.json',
  'special_tokens_map.json',
];
export const ALL_FILES = [...JSON_FILES, ...ONNX_FP32_FILES, ...ONNX_FILES];

/** True if every generated file is present in outDir. */
export function isComplete(outDir) {
  return ALL_FILES.every((f) => existsSync(join(outDir, f)));
}

function writeAtomic(path, bytes) {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, bytes);
  renameSync(tmp, path);
}

/** Returns the files (relative path -> bytes) that make up the fixture model. */
export function buildFiles() {
  const fx = buildFixture();
  const json = (obj) => Buffer.from(`${JSON.stringify(obj, null, 2)}\n`, 'utf8');
  const text = textModel(fx);
  const vision = visionModel(fx);
  return new Map([
    ['config.json', json(configJson(fx))],
    ['preprocessor_config.json', json(preprocessorConfigJson())],
    ['tokenizer.json', json(tokenizerJson(fx))],
    ['tokenizer_config.json', json(tokenizerConfigJson(fx))],
    ['special_tokens_map.json', json(specialTokensMapJson())],
    // fp32 names first, quantized names last: --if-missing keys on the latter.
    ['onnx/text_model.onnx', text],
    ['onnx/vision_model.onnx', vision],
    ['onnx/text_model_quantized.onnx', text],
    ['onnx/vision_model_quantized.onnx', vision],
  ]);
}

/**
 * Writes the fixture model folder.
 * @param {{outDir?: string, ifMissing?: boolean, log?: (msg: string) => void}} [opts]
 * @returns {{outDir: string, skipped: boolean, files: {path: string, bytes: number}[]}}
 */
export function generateFixtureModel({ outDir = DEFAULT_OUT, ifMissing = false, log = () => {} } = {}) {
  outDir = resolve(outDir);
  if (ifMissing && isComplete(outDir)) {
    log(`fixture model already present in ${outDir} (--if-missing): nothing to do`);
    return { outDir, skipped: true, files: [] };
  }
  const files = [];
  for (const [rel, bytes] of buildFiles()) {
    writeAtomic(join(outDir, rel), bytes);
    files.push({ path: rel, bytes: bytes.length });
  }
  const total = files.reduce((a, f) => a + f.bytes, 0);
  const shown = relative(process.cwd(), outDir);
  log(`wrote fixture model "${MODEL_ID}" to ${!shown || shown.startsWith('..') ? outDir : shown}`);
  for (const f of files) log(`  ${f.path.padEnd(36)} ${String(f.bytes).padStart(8)} bytes`);
  log(`  ${'total'.padEnd(36)} ${String(total).padStart(8)} bytes`);
  log(`  concepts: ${CONCEPTS.map((c) => c.name).join(', ')}`);
  return { outDir, skipped: false, files };
}

function parseArgs(argv) {
  const opts = { outDir: DEFAULT_OUT, ifMissing: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--out') {
      if (!argv[i + 1]) throw new Error('--out needs a directory');
      opts.outDir = argv[++i];
    } else if (a.startsWith('--out=')) {
      opts.outDir = a.slice('--out='.length);
    } else if (a === '--if-missing') {
      opts.ifMissing = true;
    } else if (a === '-h' || a === '--help') {
      opts.help = true;
    } else {
      throw new Error(`unknown argument: ${a}`);
    }
  }
  return opts;
}

const isMain = process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href;
if (isMain) {
  try {
    const opts = parseArgs(process.argv.slice(2));
    if (opts.help) {
      console.log('usage: node scripts/make-fixture-model.mjs [--out DIR] [--if-missing]');
      console.log(`default DIR: ${relative(process.cwd(), DEFAULT_OUT)}`);
    } else {
      generateFixtureModel({ ...opts, log: (m) => console.log(m) });
    }
  } catch (err) {
    console.error(`make-fixture-model: ${err instanceof Error ? err.message : err}`);
    process.exitCode = 1;
  }
}
