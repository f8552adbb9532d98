import { mulberry32 } from '../../src/lib/core/random';
import { l2Normalize } from '../../src/lib/core/vector';

/** Deterministic PRNG (the one clustering uses), so vector tests and their failures reproduce exactly. */
export const rng: (seed: number) => () => number = mulberry32;

/** A random unit vector, uniform over directions only approximately (cube sampling is enough for tests). */
export function randomUnit(r: () => number, dim: number): Float32Array {
  return l2Normalize(Float32Array.from({ length: dim }, () => r() * 2 - 1));
}
