// The synthetic CLIP-like library of the search benches (bench/search.mjs, bench/million.mjs): photos
// in scenes around the real CLIP ViT-B/32 ImageNet text prototypes, text and image queries, and the
// geometry check. The model and its measured cosines are described in the header of bench/search.mjs.
// Deterministic: a seed gives the same vectors on every run, so results of different runs compare.
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { dot, gaussian, mulberry32, normalizeInPlace, randomUnit, readPrototypes } from './vectors.mjs';

const DIM = 512;
/** The prototypes' .npy in the shared data folder next to the repository. */
export const PROTO_PATH = resolve(dirname(fileURLToPath(import.meta.url)), '../../../shared/data/embeddings/clip_vitb32_imagenet_zeroshot/zeroshot_weights_512x1000_fp16.npy');
const round = (x, d = 2) => (Number.isFinite(x) ? Math.round(x * 10 ** d) / 10 ** d : x);

/** The 1000 class prototypes, or random ones in a cone (with a warning through `log`) when the shared data is absent. */
export function loadPrototypes(g, log = console.error) {
  if (existsSync(PROTO_PATH)) {
    const { protos, shape } = readPrototypes(PROTO_PATH);
    return { protos, source: `CLIP ViT-B/32 ImageNet zero-shot text prototypes (${PROTO_PATH}, shape ${shape.join('×')})` };
  }
  log(`WARNING: ${PROTO_PATH} not found: falling back to 1000 random prototypes in a cone (mean off-diagonal cosine ≈ 0.62), NOT real CLIP geometry`);
  const mean = randomUnit(g);
  const protos = [];
  for (let c = 0; c < 1000; c++) {
    const r = randomUnit(g);
    const v = new Float32Array(DIM);
    for (let d = 0; d < DIM; d++) v[d] = 0.79 * mean[d] + 0.61 * r[d];
    protos.push(normalizeInPlace(v));
  }
  return { protos, source: 'synthetic cone (../shared absent)' };
}

/** A generator of photos/queries over fixed prototypes; `typical` links text score and neighbourhood (see header). */
export function makeWorld(protos, seed, typical) {
  const rand = mulberry32(seed);
  const g = gaussian(rand, { pairs: true });
  const modality = randomUnit(g);
  const classImage = protos.map(() => randomUnit(g));
  const perm = protos.map((_, i) => i);
  for (let i = perm.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [perm[i], perm[j]] = [perm[j], perm[i]];
  }
  const cum = [];
  let total = 0;
  for (let i = 0; i < protos.length; i++) cum.push((total += 1 / (i + 1) ** 0.8));
  const pickClass = () => {
    const x = rand() * total;
    let lo = 0;
    let hi = cum.length - 1;
    while (lo < hi) {
      const m = (lo + hi) >> 1;
      if (cum[m] < x) lo = m + 1;
      else hi = m;
    }
    return perm[lo];
  };
  const newScene = () => {
    const c = pickClass();
    let a = 0.3;
    let k = Math.sqrt(0.2);
    let sc = Math.sqrt(0.2);
    if (typical) {
      const tau = rand();
      a = 0.26 + 0.08 * tau;
      k = Math.sqrt(0.12 + 0.16 * tau);
      sc = Math.sqrt(0.55 - a * a - k * k);
    }
    const r = randomUnit(g);
    const center = new Float32Array(DIM);
    const t = protos[c];
    const u = classImage[c];
    for (let d = 0; d < DIM; d++) center[d] = a * t[d] + 0.6 * modality[d] + k * u[d] + sc * r[d];
    return { c, center, noise: Math.sqrt(0.05 + 0.3 * rand()), size: 1 + Math.floor(rand() * 16) };
  };
  const photo = (scene) => {
    const n = randomUnit(g);
    const v = new Float32Array(DIM);
    for (let d = 0; d < DIM; d++) v[d] = scene.center[d] + scene.noise * n[d];
    return normalizeInPlace(v);
  };
  return { rand, pickClass, newScene, photo };
}

/** n photos (ids "img{i}") in scenes, the scene of each photo, and the scenes. */
export function generateLibrary(world, n) {
  const vectors = [];
  const sceneOf = [];
  const scenes = [];
  while (vectors.length < n) {
    const s = world.newScene();
    scenes.push(s);
    for (let i = 0; i < s.size && vectors.length < n; i++) {
      vectors.push(world.photo(s));
      sceneOf.push(scenes.length - 1);
    }
  }
  return { vectors, sceneOf, scenes };
}

/** Queries for a library prefix of `n` photos: text = prototypes (by popularity), image = new photos of scenes in the prefix. */
export function makeQueries(world, protos, lib, n, seed, { text: nText = 150, image: nImage = 150 } = {}) {
  const rand = mulberry32(seed);
  const text = Array.from({ length: nText }, () => protos[world.pickClass()]);
  const lastScene = lib.sceneOf[n - 1];
  const image = Array.from({ length: nImage }, () => world.photo(lib.scenes[Math.floor(rand() * (lastScene + 1))]));
  return { text, image };
}

export function geometryStats(protos, lib, n, rand) {
  const acc = { ownText: [], otherText: [], sameScene: [], sameClass: [], otherClass: [] };
  const classOf = (i) => lib.scenes[lib.sceneOf[i]].c;
  for (let t = 0; t < 4000; t++) {
    const i = Math.floor(rand() * n);
    const c = classOf(i);
    acc.ownText.push(dot(lib.vectors[i], protos[c]));
    acc.otherText.push(dot(lib.vectors[i], protos[(c + 1 + Math.floor(rand() * (protos.length - 1))) % protos.length]));
    if (i + 1 < n && lib.sceneOf[i + 1] === lib.sceneOf[i]) acc.sameScene.push(dot(lib.vectors[i], lib.vectors[i + 1]));
    const j = Math.floor(rand() * n);
    if (j !== i && lib.sceneOf[j] !== lib.sceneOf[i]) (classOf(j) === c ? acc.sameClass : acc.otherClass).push(dot(lib.vectors[i], lib.vectors[j]));
  }
  // same class, different scene: sample within the most popular class
  const byClass = new Map();
  for (let i = 0; i < n; i++) (byClass.get(classOf(i)) ?? byClass.set(classOf(i), []).get(classOf(i))).push(i);
  const big = [...byClass.values()].sort((a, b) => b.length - a.length)[0];
  for (let t = 0; t < 2000; t++) {
    const i = big[Math.floor(rand() * big.length)];
    const j = big[Math.floor(rand() * big.length)];
    if (lib.sceneOf[i] !== lib.sceneOf[j]) acc.sameClass.push(dot(lib.vectors[i], lib.vectors[j]));
  }
  const out = {};
  for (const [k, v] of Object.entries(acc)) {
    v.sort((a, b) => a - b);
    out[k] = { n: v.length, mean: round(v.reduce((s, x) => s + x, 0) / v.length, 3), p5: round(v[Math.floor(v.length * 0.05)], 3), p95: round(v[Math.floor(v.length * 0.95)], 3) };
  }
  out.largestClassShare = round(big.length / n, 3);
  return out;
}
