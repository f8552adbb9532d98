// Builds full-size CLIP towers (ViT-B/32 vision, 12-layer text transformer) as ONNX graphs with
// random weights, for benchmarks. The graphs follow the structure of the Xenova/optimum export of
// openai/clip-vit-base-patch32 after onnxruntime's `quantize_dynamic` (what transformers.js loads as
// dtype "q8"), so the compute has the same shape and the same kind of kernels:
//
//   * every MatMul with a weight  -> DynamicQuantizeLinear(x) -> MatMulInteger(x_q, W_q, x_zp, W_zp)
//                                    -> Cast(float) -> Mul(x_scale * W_scale) [-> Add(bias)]
//     (one DynamicQuantizeLinear shared by q/k/v, as the quantizer does); weights per-tensor,
//     7-bit range (quantize_dynamic's reduce_range), uint8 in the vision tower (it has a Conv, so
//     the export used QUInt8) and int8 in the text tower;
//   * activation x activation MatMuls (q·kᵀ, p·v) -> DynamicQuantizeLinear on both sides + MatMulInteger
//     (quantize_dynamic quantizes both inputs unless MatMulConstBOnly is set);
//   * the patch-embedding Conv -> ConvInteger; the token-embedding Gather -> int8 table + DequantizeLinear.
//
// Differences from the real file, none of which changes the cost materially: LayerNormalization is
// one op (opset 17) where the opset-14 export spells it out (ORT fuses it back at load time), the
// EOS pooling uses Range/Gather instead of the exporter's pattern, and the weights are random.
//
// With { quantized: false } the same weights (dequantized) are written as fp32 MatMul/Conv/Gather.

import { DataType, tensor, node, valueInfo, graph, model } from './onnx-writer.mjs';
import { mulberry32Uint32 } from '../../src/lib/core/random.js';

/** mulberry32: fast, seedable, identical on every platform. Returns uint32. */
export const makeUint32Rng = mulberry32Uint32;

/** Std of a uniform integer on [-64, 63]: the 7-bit range of reduce_range weights. */
const INT7_STD = Math.sqrt((128 * 128 - 1) / 12);

/**
 * Graph under construction: nodes, initializers, unique names, seeded weights.
 * All random tensors are drawn in a fixed order, so output bytes depend only on the seed.
 */
export class GraphBuilder {
  /** @param {{seed: number, quantized: boolean, weightType: 'uint8'|'int8', weightStd: number}} o */
  constructor({ seed, quantized, weightType, weightStd }) {
    this.rng = makeUint32Rng(seed);
    this.quantized = quantized;
    this.weightType = weightType;
    this.weightStd = weightStd;
    /** @type {Uint8Array[]} */
    this.nodes = [];
    /** @type {Uint8Array[]} */
    this.inits = [];
    this.used = new Set();
    this.consts = new Map();
  }

  unique(base) {
    let name = base;
    for (let i = 1; this.used.has(name); i++) name = `${base}_${i}`;
    this.used.add(name);
    return name;
  }

  /** Adds a node; returns its output names (one unless nOut > 1). */
  op(type, inputs, attrs = {}, outBase = type.toLowerCase(), nOut = 1) {
    const outs = Array.from({ length: nOut }, (_, i) => this.unique(nOut === 1 ? outBase : `${outBase}_${i}`));
    this.nodes.push(node(type, inputs, outs, attrs));
    return nOut === 1 ? outs[0] : outs;
  }

  init(name, dims, data, dataType) {
    const n = this.unique(name);
    this.inits.push(tensor(n, dims, data, dataType));
    return n;
  }

  /** Shared small constants (int64 vectors/scalars, float scalars). */
  constI64(values, scalar = false) {
    const key = `i64:${scalar}:${values.join(',')}`;
    if (!this.consts.has(key)) {
      const dims = scalar ? [] : [values.length];
      this.consts.set(key, this.init(`const_i64_${values.join('_').replace(/-/g, 'm')}${scalar ? '_s' : ''}`, dims, BigInt64Array.from(values.map(BigInt))));
    }
    return this.consts.get(key);
  }

  constF32(value) {
    const key = `f32:${value}`;
    if (!this.consts.has(key)) this.consts.set(key, this.init(`const_f32_${this.consts.size}`, [], Float32Array.of(value)));
    return this.consts.get(key);
  }

  /** Uniform float in [-1, 1). */
  uniform() {
    return (this.rng() / 4294967296) * 2 - 1;
  }

  /** Random fp32 tensor with the given std (uniform distribution), plus an optional offset. */
  randomF32(name, dims, std, offset = 0) {
    const count = dims.reduce((a, b) => a * b, 1);
    const a = std * Math.sqrt(3);
    const data = new Float32Array(count);
    for (let i = 0; i < count; i++) data[i] = offset + a * this.uniform();
    return this.init(name, dims, data);
  }

  /**
   * Random 7-bit weights: integer codes uniform on [-64, 63] (+64 for uint8), one scale per tensor
   * chosen so the dequantized weights have `std`. Returns the codes and the quantisation params.
   */
  randomCodes(count, std, type = this.weightType) {
    const codes = new Uint8Array(count);
    let i = 0;
    while (i < count) {
      let r = this.rng();
      for (let k = 0; k < 4 && i < count; k++, i++, r >>>= 8) codes[i] = r & 127; // uniform 0..127
    }
    // int8: stored byte is the two's complement of (code - 64); uint8: code itself, zero point 64.
    if (type === 'int8') for (let j = 0; j < count; j++) codes[j] = (codes[j] - 64) & 255;
    return { codes, scale: std / INT7_STD, zeroPoint: type === 'int8' ? 0 : 64, type };
  }

  /** Dequantized fp32 copy of codes (fp32 mode). */
  static dequantize({ codes, scale, zeroPoint, type }) {
    const out = new Float32Array(codes.length);
    for (let i = 0; i < codes.length; i++) {
      const q = type === 'int8' ? (codes[i] << 24) >> 24 : codes[i];
      out[i] = (q - zeroPoint) * scale;
    }
    return out;
  }

  /** Quantized weight initializers: W_quantized, W_scale (scalar), W_zero_point (scalar). */
  quantWeight(name, dims, q) {
    const dt = q.type === 'int8' ? DataType.INT8 : DataType.UINT8;
    return {
      w: this.init(`${name}_quantized`, dims, q.codes, dt),
      scale: this.init(`${name}_scale`, [], Float32Array.of(q.scale)),
      zp: this.init(`${name}_zero_point`, [], Uint8Array.of(q.zeroPoint & 255), dt),
    };
  }

  /** DynamicQuantizeLinear: returns { q, scale, zp } (uint8). */
  dynQuant(x) {
    const [q, scale, zp] = this.op('DynamicQuantizeLinear', [x], {}, `${x}_dq`, 3);
    return { q, scale, zp };
  }

  /** Integer matmul of two quantized operands, rescaled to float. */
  intMatMul(a, b) {
    const yi = this.op('MatMulInteger', [a.q, b.q, a.zp, b.zp], {}, 'mmi');
    const yf = this.op('Cast', [yi], { to: DataType.FLOAT }, 'mmi_f');
    const s = this.op('Mul', [a.scale, b.scale], {}, 'mmi_scale');
    return this.op('Mul', [yf, s], {}, 'mmi_out');
  }

  /**
   * x[..., inDim] · W[inDim, outDim] (+ b). `xq` may carry an already quantized x (shared by q/k/v).
   * Bias std is small; weights have this.weightStd.
   */
  linear(x, name, inDim, outDim, { bias = true, xq = null } = {}) {
    const q = this.randomCodes(inDim * outDim, this.weightStd);
    let y;
    if (this.quantized) {
      const W = this.quantWeight(`${name}.weight`, [inDim, outDim], q);
      y = this.intMatMul(xq ?? this.dynQuant(x), { q: W.w, scale: W.scale, zp: W.zp });
    } else {
      const W = this.init(`${name}.weight`, [inDim, outDim], GraphBuilder.dequantize(q));
      y = this.op('MatMul', [x, W], {}, `${name}_mm`);
    }
    if (!bias) return y;
    const b = this.randomF32(`${name}.bias`, [outDim], 0.01);
    return this.op('Add', [y, b], {}, `${name}_out`);
  }

  /** Activation × activation matmul (attention): both sides dynamically quantized in q8 mode. */
  actMatMul(a, b, name) {
    if (!this.quantized) return this.op('MatMul', [a, b], {}, name);
    return this.intMatMul(this.dynQuant(a), this.dynQuant(b));
  }

  layerNorm(x, name, dim) {
    const gamma = this.randomF32(`${name}.weight`, [dim], 0.02, 1);
    const beta = this.randomF32(`${name}.bias`, [dim], 0.02);
    return this.op('LayerNormalization', [x, gamma, beta], { axis: -1, epsilon: 1e-5 }, `${name}_out`);
  }

  /** One pre-LN CLIP encoder layer. `mask` (float, broadcastable to [B,H,S,S]) is added to the scores. */
  encoderLayer(h, name, { width, heads, mlp, mask = null }) {
    const headDim = width / heads;
    const x = this.layerNorm(h, `${name}.layer_norm1`, width);
    const xq = this.quantized ? this.dynQuant(x) : null;
    const qProj = this.linear(x, `${name}.self_attn.q_proj`, width, width, { xq });
    const q = this.op('Mul', [qProj, this.constF32(1 / Math.sqrt(headDim))], {}, `${name}_q_scaled`);
    const k = this.linear(x, `${name}.self_attn.k_proj`, width, width, { xq });
    const v = this.linear(x, `${name}.self_attn.v_proj`, width, width, { xq });
    const split = this.constI64([0, 0, heads, headDim]);
    const qh = this.op('Transpose', [this.op('Reshape', [q, split], {}, `${name}_q4`)], { perm: [0, 2, 1, 3] }, `${name}_qh`);
    const kt = this.op('Transpose', [this.op('Reshape', [k, split], {}, `${name}_k4`)], { perm: [0, 2, 3, 1] }, `${name}_kt`);
    const vh = this.op('Transpose', [this.op('Reshape', [v, split], {}, `${name}_v4`)], { perm: [0, 2, 1, 3] }, `${name}_vh`);
    let scores = this.actMatMul(qh, kt, `${name}_scores`);
    if (mask) scores = this.op('Add', [scores, mask], {}, `${name}_masked`);
    const probs = this.op('Softmax', [scores], { axis: -1 }, `${name}_probs`);
    const ctx = this.actMatMul(probs, vh, `${name}_ctx`);
    const merged = this.op(
      'Reshape',
      [this.op('Transpose', [ctx], { perm: [0, 2, 1, 3] }, `${name}_ctx_t`), this.constI64([0, 0, width])],
      {},
      `${name}_ctx_merged`,
    );
    const attn = this.linear(merged, `${name}.self_attn.out_proj`, width, width);
    const h1 = this.op('Add', [h, attn], {}, `${name}_res1`);

    const y = this.layerNorm(h1, `${name}.layer_norm2`, width);
    const f1 = this.linear(y, `${name}.mlp.fc1`, width, mlp);
    // QuickGELU: x * sigmoid(1.702 x)
    const gate = this.op('Sigmoid', [this.op('Mul', [f1, this.constF32(1.702)], {}, `${name}_gelu_in`)], {}, `${name}_gelu_gate`);
    const act = this.op('Mul', [f1, gate], {}, `${name}_gelu`);
    const f2 = this.linear(act, `${name}.mlp.fc2`, mlp, width);
    return this.op('Add', [h1, f2], {}, `${name}_res2`);
  }
}

export const VISION = Object.freeze({ image: 224, patch: 32, width: 768, layers: 12, heads: 12, mlp: 3072, proj: 512 });
export const TEXT = Object.freeze({ vocab: 49408, positions: 77, width: 512, layers: 12, heads: 8, mlp: 2048, proj: 512 });

/** CLIP ViT-B/32 vision tower with projection → ModelProto bytes. */
export function visionModelBytes({ seed, quantized, weightStd = 0.02 }) {
  const V = VISION;
  const g = new GraphBuilder({ seed, quantized, weightType: 'uint8', weightStd });
  const grid = V.image / V.patch;
  const tokens = grid * grid + 1;

  // Patch embedding: Conv 3→768, kernel = stride = 32, no bias (as in CLIP).
  const convQ = g.randomCodes(V.width * 3 * V.patch * V.patch, weightStd);
  const convAttrs = { kernel_shape: [V.patch, V.patch], strides: [V.patch, V.patch], pads: [0, 0, 0, 0], dilations: [1, 1], group: 1 };
  let patches;
  if (quantized) {
    const W = g.quantWeight('embeddings.patch_embedding.weight', [V.width, 3, V.patch, V.patch], convQ);
    const xq = g.dynQuant('pixel_values');
    const yi = g.op('ConvInteger', [xq.q, W.w, xq.zp, W.zp], convAttrs, 'patch_conv_i');
    const yf = g.op('Cast', [yi], { to: DataType.FLOAT }, 'patch_conv_f');
    patches = g.op('Mul', [yf, g.op('Mul', [xq.scale, W.scale], {}, 'patch_conv_scale')], {}, 'patch_conv');
  } else {
    const W = g.init('embeddings.patch_embedding.weight', [V.width, 3, V.patch, V.patch], GraphBuilder.dequantize(convQ));
    patches = g.op('Conv', ['pixel_values', W], convAttrs, 'patch_conv');
  }
  const seq = g.op(
    'Transpose',
    [g.op('Reshape', [patches, g.constI64([0, V.width, -1])], {}, 'patch_flat')],
    { perm: [0, 2, 1] },
    'patch_tokens',
  );
  // Class token, broadcast over the batch.
  const cls = g.randomF32('embeddings.class_embedding', [1, 1, V.width], 0.02);
  const batch = g.op('Slice', [g.op('Shape', ['pixel_values'], {}, 'pixel_shape'), g.constI64([0]), g.constI64([1])], {}, 'batch');
  const clsShape = g.op('Concat', [batch, g.constI64([1, V.width])], { axis: 0 }, 'cls_shape');
  const clsTokens = g.op('Expand', [cls, clsShape], {}, 'cls_tokens');
  const embedded = g.op('Concat', [clsTokens, seq], { axis: 1 }, 'tokens');
  const pos = g.randomF32('embeddings.position_embedding.weight', [1, tokens, V.width], 0.02);
  let h = g.layerNorm(g.op('Add', [embedded, pos], {}, 'embeddings'), 'pre_layrnorm', V.width);
  for (let i = 0; i < V.layers; i++) {
    h = g.encoderLayer(h, `encoder.layers.${i}`, { width: V.width, heads: V.heads, mlp: V.mlp });
  }
  g.op('Identity', [h], {}, 'last_hidden_state');
  const clsOut = g.op('Gather', [h, g.constI64([0], true)], { axis: 1 }, 'pooled_raw');
  const pooled = g.layerNorm(clsOut, 'post_layernorm', V.width);
  const embeds = g.linear(pooled, 'visual_projection', V.width, V.proj, { bias: false });
  g.op('Identity', [embeds], {}, 'image_embeds');

  return model({
    producerName: 'shoebox-bench-model',
    docString: 'Benchmark stand-in for CLIP ViT-B/32 vision tower: real shapes and op types, RANDOM weights.',
    metadata: { seed: String(seed), quantized: String(quantized), weights: 'random' },
    graph: graph({
      name: 'clip_vit_b32_random_vision',
      nodes: g.nodes,
      initializers: g.inits,
      inputs: [valueInfo('pixel_values', DataType.FLOAT, ['batch_size', 3, V.image, V.image])],
      outputs: [
        valueInfo('image_embeds', DataType.FLOAT, ['batch_size', V.proj]),
        valueInfo('last_hidden_state', DataType.FLOAT, ['batch_size', tokens, V.width]),
      ],
    }),
  });
}

/** CLIP text tower (12 layers, width 512, causal) with projection → ModelProto bytes. */
export function textModelBytes({ seed, quantized, weightStd = 0.02 }) {
  const T = TEXT;
  const g = new GraphBuilder({ seed, quantized, weightType: 'int8', weightStd });

  const tokQ = g.randomCodes(T.vocab * T.width, weightStd);
  let tok;
  if (quantized) {
    const W = g.quantWeight('embeddings.token_embedding.weight', [T.vocab, T.width], tokQ);
    const gathered = g.op('Gather', [W.w, 'input_ids'], { axis: 0 }, 'token_embeds_q');
    tok = g.op('DequantizeLinear', [gathered, W.scale, W.zp], {}, 'token_embeds');
  } else {
    const W = g.init('embeddings.token_embedding.weight', [T.vocab, T.width], GraphBuilder.dequantize(tokQ));
    tok = g.op('Gather', [W, 'input_ids'], { axis: 0 }, 'token_embeds');
  }
  const shape = g.op('Shape', ['input_ids'], {}, 'ids_shape');
  const seqLen = g.op('Slice', [shape, g.constI64([1]), g.constI64([2])], {}, 'seq_len');
  const posTable = g.randomF32('embeddings.position_embedding.weight', [T.positions, T.width], 0.01);
  const pos = g.op('Slice', [posTable, g.constI64([0]), seqLen, g.constI64([0])], {}, 'position_embeds');
  let h = g.op('Add', [tok, pos], {}, 'embeddings');

  // Causal mask: 0 on and below the diagonal, a large negative number above it.
  const maskData = new Float32Array(T.positions * T.positions);
  for (let i = 0; i < T.positions; i++) for (let j = i + 1; j < T.positions; j++) maskData[i * T.positions + j] = -1e9;
  const maskTable = g.init('causal_mask', [T.positions, T.positions], maskData);
  const maskEnds = g.op('Concat', [seqLen, seqLen], { axis: 0 }, 'mask_ends');
  const mask = g.op('Slice', [maskTable, g.constI64([0, 0]), maskEnds, g.constI64([0, 1])], {}, 'mask');

  for (let i = 0; i < T.layers; i++) {
    h = g.encoderLayer(h, `encoder.layers.${i}`, { width: T.width, heads: T.heads, mlp: T.mlp, mask });
  }
  const last = g.layerNorm(h, 'final_layer_norm', T.width);
  g.op('Identity', [last], {}, 'last_hidden_state');

  // Pool the EOS token: the highest id in each row (HF casts to int32 before argmax too).
  const eos = g.op('ArgMax', [g.op('Cast', ['input_ids'], { to: DataType.INT32 }, 'ids_i32')], { axis: -1, keepdims: 0 }, 'eos_pos');
  const bScalar = g.op('Gather', [shape, g.constI64([0], true)], { axis: 0 }, 'batch_scalar');
  const sScalar = g.op('Gather', [shape, g.constI64([1], true)], { axis: 0 }, 'seq_scalar');
  const rows = g.op('Range', [g.constI64([0], true), bScalar, g.constI64([1], true)], {}, 'rows');
  const flatIdx = g.op('Add', [g.op('Mul', [rows, sScalar], {}, 'row_offsets'), eos], {}, 'eos_flat');
  const flat = g.op('Reshape', [last, g.constI64([-1, T.width])], {}, 'hidden_flat');
  const pooled = g.op('Gather', [flat, flatIdx], { axis: 0 }, 'pooled');
  const embeds = g.linear(pooled, 'text_projection', T.width, T.proj, { bias: false });
  g.op('Identity', [embeds], {}, 'text_embeds');

  return model({
    producerName: 'shoebox-bench-model',
    docString: 'Benchmark stand-in for the CLIP ViT-B/32 text tower: real shapes and op types, RANDOM weights.',
    metadata: { seed: String(seed), quantized: String(quantized), weights: 'random' },
    graph: graph({
      name: 'clip_vit_b32_random_text',
      nodes: g.nodes,
      initializers: g.inits,
      inputs: [valueInfo('input_ids', DataType.INT64, ['batch_size', 'sequence_length'])],
      outputs: [
        valueInfo('text_embeds', DataType.FLOAT, ['batch_size', T.proj]),
        valueInfo('last_hidden_state', DataType.FLOAT, ['batch_size', 'sequence_length', T.width]),
      ],
    }),
  });
}
