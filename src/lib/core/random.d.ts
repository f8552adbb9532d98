/** A generator of uniform 32-bit unsigned integers from a 32-bit seed (mulberry32). */
export function mulberry32Uint32(seed: number): () => number;
/** A generator of uniform numbers in [0, 1) from a 32-bit seed (mulberry32). */
export function mulberry32(seed: number): () => number;
