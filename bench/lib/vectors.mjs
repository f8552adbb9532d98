// Seeded random vectors and the real CLIP ViT-B/32 text prototypes for the Node benches
// (bench/search.mjs, bench/cluster.mjs). Every generator is deterministic: a seed gives the same
// vectors on every run and platform, so results of different runs compare.
import { readFileSync } from 'node:fs';

export { mulberry32 } from '../../src/lib/core/random.js';

/** CLIP ViT-B/32 embedding width. */
export const CLIP_DIM = 512;

/**
 * Standard normal numbers by Box–Muller from `rand`. With `pairs` both numbers of each pair of
 * uniforms are used (half the draws); without, only the cosine one. The two modes give different
 * streams from one seed: each bench keeps the one its published results were made with.
 */
export function gaussian(rand, { pairs = false } = {}) {
  let spare = null;
  return () => {
    if (spare !== null) {
      const s = spare;
      spare = null;
      return s;
    }
    let u = 0;
    while (u === 0) u = rand();
    const r = Math.sqrt(-2 * Math.log(u));
    const th = 2 * Math.PI * rand();
    if (pairs) spare = r * Math.sin(th);
    return r * Math.cos(th);
  };
}

export function normalizeInPlace(v) {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i] * v[i];
  s = 1 / Math.sqrt(s);
  for (let i = 0; i < v.length; i++) v[i] *= s;
  return v;
}

/** A unit vector of `dim` gaussian components (`g` from gaussian()): uniform over directions. */
export function randomUnit(g, dim = CLIP_DIM) {
  const v = new Float32Array(dim);
  for (let i = 0; i < dim; i++) v[i] = g();
  return normalizeInPlace(v);
}

export function dot(a, b) {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/** IEEE 754 binary16 bits → number. */
export function halfToFloat(h) {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * f * 2 ** -24;
  if (e === 31) return f ? NaN : s * Infinity;
  return s * (1 + f / 1024) * 2 ** (e - 15);
}

/** Reads a little-endian float16 .npy (format 1.x/2.x). */
export function readNpyFp16(path) {
  const buf = readFileSync(path);
  if (buf.readUInt32BE(0) !== 0x934e554d || buf[4] !== 0x50 || buf[5] !== 0x59) throw new Error(`${path}: not a .npy file`);
  const major = buf[6];
  const headerLen = major === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const start = major === 1 ? 10 : 12;
  const header = buf.toString('latin1', start, start + headerLen);
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(header)?.[1] === 'True';
  const shape = (/'shape':\s*\(([^)]*)\)/.exec(header)?.[1] ?? '').split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  if (descr !== '<f2') throw new Error(`${path}: dtype ${descr}, expected <f2`);
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  const off = start + headerLen;
  for (let i = 0; i < n; i++) data[i] = halfToFloat(buf.readUInt16LE(off + 2 * i));
  return { shape, fortran, data };
}

/**
 * The text prototypes of the CLIP ImageNet zero-shot .npy (shape (512, classes), C order, column
 * j = class j, so element [d, j] sits at d·classes + j), L2-normalised: those of `classes`, or all.
 * @returns {{ protos: Float32Array[], shape: number[] }}
 */
export function readPrototypes(path, classes = null) {
  const { shape, fortran, data } = readNpyFp16(path);
  if (fortran || shape.length !== 2 || shape[0] !== CLIP_DIM) throw new Error(`unexpected prototype array: shape ${shape}, fortran ${fortran}`);
  const count = shape[1];
  const protos = (classes ?? Array.from({ length: count }, (_, c) => c)).map((c) => {
    const v = new Float32Array(CLIP_DIM);
    for (let d = 0; d < CLIP_DIM; d++) v[d] = data[d * count + c];
    return normalizeInPlace(v);
  });
  return { protos, shape };
}
