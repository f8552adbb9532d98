import { expect } from 'vitest';
import { IndexFormatError } from '../../src/lib/core/vector-index';

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
