// Seeded uniform random numbers: mulberry32 (Tommy Ettinger's 32-bit generator, public domain).
// Same seed, same sequence on every platform, so clustering, the tests that check it and the
// generated fixtures reproduce. Plain JavaScript (types in random.d.ts) because the fixture
// scripts and benches run in plain Node, without a TypeScript loader: they import this file, so
// the app and its fixtures share one generator.

/** @param {number} seed */
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

/** @param {number} seed */
export function mulberry32(seed) {
  const next = mulberry32Uint32(seed);
  return () => next() / 4294967296;
}
