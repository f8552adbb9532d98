// Seeded randomness for generated fixtures and benches: a seed gives the same numbers on every
// run and platform, so generated files are byte-identical from run to run.

/** mulberry32: uniform 32-bit unsigned integers from a 32-bit seed. */
export function mulberry32Uint32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

/** mulberry32: uniform numbers in [0, 1) from a 32-bit seed. */
export function mulberry32(seed) {
  const next = mulberry32Uint32(seed);
  return () => next() / 4294967296;
}
