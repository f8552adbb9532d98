#!/usr/bin/env node
// Writes a full-size CLIP ViT-B/32 with RANDOM weights, for throughput benchmarks only.
//
//   node scripts/make-bench-model.mjs [--out DIR] [--if-missing] [--fp32] [--no-check]
//
// Default DIR: .cache/models/clip-vit-b32-random (git-ignored; never commit model weights).
// Layout = Xenova/clip-vit-base-patch32, so transformers.js loads it as dtype "q8":
//   config.json, preprocessor_config.json, tokenizer.json, tokenizer_config.json,
//   special_tokens_map.json   (copied from ../shared/models/clip-vit-base-patch32/, relative to the repo)
//   onnx/vision_model_quantized.onnx, onnx/text_model_quantized.onnx   (generated)
//   onnx/vision_model.onnx, onnx/text_model.onnx                       (only with --fp32)
//   bench-model.json          (what this is, seeds, generator version)
//
// The graphs have the shapes, operators and quantisation scheme of the real q8 export (see
// scripts/lib/clip-graph.mjs), so inference costs the same; the embeddings mean nothing.
// Deterministic: same seed -> same bytes. After writing, both towers are run once in
// onnxruntime-node to check that the outputs have the right shapes and are finite.

import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { TEXT, VISION, textModelBytes, visionModelBytes } from './lib/clip-graph.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = resolve(HERE, '..');
export const BENCH_MODEL_ID = 'clip-vit-b32-random';
export const DEFAULT_OUT = join(REPO_ROOT, '.cache', 'models', BENCH_MODEL_ID);
export const SHARED_MODEL_DIR = process.env.SHOEBOX_SHARED_MODEL_DIR || resolve(REPO_ROOT, '..', 'shared', 'models', 'clip-vit-base-patch32');
export const JSON_FILES = ['config.json', 'preprocessor_config.json', 'tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json'];
const GENERATOR_VERSION = 1;
const VISION_SEED = 0xc11b32;
const TEXT_SEED = 0x7e47b32;
const MARKER = 'bench-model.json';

function marker(fp32) {
  return {
    generator: 'scripts/make-bench-model.mjs',
    generatorVersion: GENERATOR_VERSION,
    weights: 'RANDOM (benchmark only: the embeddings are meaningless)',
    architecture: { vision: VISION, text: TEXT },
    quantization: 'dynamic q8 like onnxruntime quantize_dynamic: DynamicQuantizeLinear + MatMulInteger/ConvInteger, 7-bit per-tensor weights (uint8 vision, int8 text)',
    seeds: { vision: VISION_SEED, text: TEXT_SEED },
    fp32: Boolean(fp32),
  };
}

function onnxFiles(fp32) {
  const files = ['onnx/vision_model_quantized.onnx', 'onnx/text_model_quantized.onnx'];
  if (fp32) files.push('onnx/vision_model.onnx', 'onnx/text_model.onnx');
  return files;
}

export function isComplete(outDir, fp32 = false) {
  const m = join(outDir, MARKER);
  if (!existsSync(m)) return false;
  try {
    const have = JSON.parse(readFileSync(m, 'utf8'));
    if (have.generatorVersion !== GENERATOR_VERSION || (fp32 && !have.fp32)) return false;
  } catch {
    return false;
  }
  return [...JSON_FILES, ...onnxFiles(fp32)].every((f) => existsSync(join(outDir, f)));
}

function writeAtomic(path, bytes) {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, bytes);
  renameSync(tmp, path);
}

/** Runs both towers once in onnxruntime-node; throws unless shapes are right and values finite. */
export async function checkModel(outDir, { fp32 = false, log = () => {} } = {}) {
  const require = createRequire(join(REPO_ROOT, 'package.json'));
  let ort;
  try {
    ort = require('onnxruntime-node');
  } catch (err) {
    log(`  check skipped: onnxruntime-node is not installed (${err.message.split('\n')[0]})`);
    return null;
  }
  const results = {};
  for (const suffix of fp32 ? ['_quantized', ''] : ['_quantized']) {
    const opts = { intraOpNumThreads: 2, interOpNumThreads: 1, graphOptimizationLevel: 'all' };
    const vision = await ort.InferenceSession.create(join(outDir, `onnx/vision_model${suffix}.onnx`), opts);
    const batch = 2;
    const px = new Float32Array(batch * 3 * 224 * 224);
    let s = 12345;
    for (let i = 0; i < px.length; i++) {
      s = (Math.imul(s, 1103515245) + 12345) >>> 0;
      px[i] = (s / 4294967296) * 4 - 2; // roughly the range of CLIP-normalised pixels
    }
    const t0 = performance.now();
    const vOut = await vision.run({ pixel_values: new ort.Tensor('float32', px, [batch, 3, 224, 224]) });
    const visionMs = performance.now() - t0;
    expectTensor(vOut.image_embeds, [batch, VISION.proj], `vision${suffix}.image_embeds`);
    expectTensor(vOut.last_hidden_state, [batch, 50, VISION.width], `vision${suffix}.last_hidden_state`);
    if (sameRows(vOut.image_embeds.data, batch)) throw new Error(`vision${suffix}: different images gave identical embeddings`);

    const text = await ort.InferenceSession.create(join(outDir, `onnx/text_model${suffix}.onnx`), opts);
    // "a photo of a dog" / "a cat", padded with EOS (49407) like the CLIP tokenizer does.
    const ids = BigInt64Array.from([49406, 320, 1125, 539, 320, 1929, 49407, 49406, 320, 2368, 49407, 49407, 49407, 49407].map(BigInt));
    const tOut = await text.run({ input_ids: new ort.Tensor('int64', ids, [2, 7]) });
    expectTensor(tOut.text_embeds, [2, TEXT.proj], `text${suffix}.text_embeds`);
    expectTensor(tOut.last_hidden_state, [2, 7, TEXT.width], `text${suffix}.last_hidden_state`);
    const norm = (d, r, n) => Math.hypot(...d.subarray(r * n, (r + 1) * n));
    results[suffix || '_fp32'] = {
      imageEmbedNorm: Number(norm(vOut.image_embeds.data, 0, VISION.proj).toFixed(3)),
      textEmbedNorm: Number(norm(tOut.text_embeds.data, 0, TEXT.proj).toFixed(3)),
    };
    log(`  check ${suffix || 'fp32'}: outputs finite; vision batch 2 in ${Math.round(visionMs)} ms (first run, incl. warm-up); |image_embeds| ${results[suffix || '_fp32'].imageEmbedNorm}, |text_embeds| ${results[suffix || '_fp32'].textEmbedNorm}`);
    await vision.release?.();
    await text.release?.();
  }
  return results;
}

function expectTensor(t, dims, what) {
  if (!t) throw new Error(`${what}: missing output`);
  if (t.dims.length !== dims.length || t.dims.some((d, i) => d !== dims[i])) {
    throw new Error(`${what}: shape [${t.dims}] instead of [${dims}]`);
  }
  for (const v of t.data) if (!Number.isFinite(v)) throw new Error(`${what}: non-finite value ${v}`);
}

function sameRows(data, rows) {
  const n = data.length / rows;
  for (let i = 0; i < n; i++) if (data[i] !== data[n + i]) return false;
  return true;
}

/**
 * @param {{outDir?: string, ifMissing?: boolean, fp32?: boolean, check?: boolean, log?: (m: string) => void}} [opts]
 */
export async function generateBenchModel({ outDir = DEFAULT_OUT, ifMissing = false, fp32 = false, check = true, log = () => {} } = {}) {
  outDir = resolve(outDir);
  if (ifMissing && isComplete(outDir, fp32)) {
    log(`bench model already present in ${outDir} (--if-missing): nothing to do`);
    return { outDir, skipped: true };
  }
  const missing = JSON_FILES.filter((f) => !existsSync(join(SHARED_MODEL_DIR, f)));
  if (missing.length) {
    throw new Error(
      `the CLIP tokenizer/config files are not in ${SHARED_MODEL_DIR} (missing: ${missing.join(', ')}). ` +
        'This bench-only tool copies them from the shared folder; set SHOEBOX_SHARED_MODEL_DIR to a folder holding ' +
        'the JSON files of Xenova/clip-vit-base-patch32.',
    );
  }
  const started = performance.now();
  for (const f of JSON_FILES) {
    // Copied by content: the shared files are read-only and a mode-preserving copy could not be replaced later.
    writeAtomic(join(outDir, f), readFileSync(join(SHARED_MODEL_DIR, f)));
  }
  const written = [];
  const build = (rel, make) => {
    const t0 = performance.now();
    const bytes = make();
    writeAtomic(join(outDir, rel), bytes);
    written.push(rel);
    log(`  ${rel.padEnd(34)} ${(bytes.length / 1e6).toFixed(1).padStart(6)} MB  (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  };
  log(`writing random-weight CLIP ViT-B/32 "${BENCH_MODEL_ID}" to ${relative(process.cwd(), outDir) || outDir}`);
  build('onnx/vision_model_quantized.onnx', () => visionModelBytes({ seed: VISION_SEED, quantized: true }));
  build('onnx/text_model_quantized.onnx', () => textModelBytes({ seed: TEXT_SEED, quantized: true }));
  if (fp32) {
    build('onnx/vision_model.onnx', () => visionModelBytes({ seed: VISION_SEED, quantized: false }));
    build('onnx/text_model.onnx', () => textModelBytes({ seed: TEXT_SEED, quantized: false }));
  }
  const checked = check ? await checkModel(outDir, { fp32, log }) : null;
  // The marker goes last: --if-missing trusts a folder only once everything was written and checked.
  writeAtomic(join(outDir, MARKER), Buffer.from(`${JSON.stringify({ ...marker(fp32), check: checked }, null, 2)}\n`));
  log(`  done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return { outDir, skipped: false, files: written, check: checked };
}

function parseArgs(argv) {
  const opts = { outDir: DEFAULT_OUT, ifMissing: false, fp32: false, check: true };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--out') {
      if (!argv[i + 1]) throw new Error('--out needs a directory');
      opts.outDir = argv[++i];
    } else if (a.startsWith('--out=')) opts.outDir = a.slice('--out='.length);
    else if (a === '--if-missing') opts.ifMissing = true;
    else if (a === '--fp32') opts.fp32 = true;
    else if (a === '--no-check') opts.check = false;
    else if (a === '-h' || a === '--help') opts.help = true;
    else throw new Error(`unknown argument: ${a}`);
  }
  return opts;
}

const isMain = process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href;
if (isMain) {
  try {
    const opts = parseArgs(process.argv.slice(2));
    if (opts.help) {
      console.log('usage: node scripts/make-bench-model.mjs [--out DIR] [--if-missing] [--fp32] [--no-check]');
      console.log(`default DIR: ${relative(process.cwd(), DEFAULT_OUT)}`);
    } else {
      await generateBenchModel({ ...opts, log: (m) => console.log(m) });
    }
  } catch (err) {
    console.error(`make-bench-model: ${err instanceof Error ? err.message : err}`);
    process.exitCode = 1;
  }
}
