import { expect } from 'vitest';
import { decodeIndex, encodeIndex, IndexFormatError } from '../../src/lib/core/vector-index';

/** The IndexFormatError code `f` throws; fails the test if it throws anything else or nothing. */
export function formatErrorCode(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(IndexFormatError);
    return (e as IndexFormatError).code;
  }
  throw new Error('did not throw');
}

/**
 * An HNSW snapshot of codes with residuals (payload version 3, core/hnsw.ts) as the previous
 * version saved it: the same bytes without the residual section, marked version 2.
 */
export function hnswCodesWithoutResiduals(bytes: Uint8Array): Uint8Array {
  const d = decodeIndex(bytes);
  const head = new Uint32Array(d.payload.slice(0, 48).buffer);
  expect(head[1]).toBe(3);
  const nodes = head[7]!;
  const rowBytes = (d.dim + 15) & ~15;
  const residualsAt = 48 + 16 * d.dim + nodes * rowBytes;
  const residualsEnd = residualsAt + nodes * (rowBytes >> 1);
  return encodeIndex({ kind: 'hnsw', dim: d.dim, modelKey: d.modelKey, ids: d.ids }, d.payload.byteLength - (residualsEnd - residualsAt), (out) => {
    out.set(d.payload.subarray(0, residualsAt));
    out.set(d.payload.subarray(residualsEnd), residualsAt);
    new Uint32Array(out.buffer, out.byteOffset + 4, 1)[0] = 2;
  });
}
