import { describe, expect, it } from 'vitest';
import { releaseBuffer, resizedColumn } from '../../../src/lib/core/typed-columns';

describe('resizedColumn', () => {
  it.each([
    { what: 'grows, new rows 0', column: Uint32Array.of(7, 8, 9), length: 5, fill: undefined, want: [7, 8, 9, 0, 0] },
    { what: 'grows, new rows filled', column: Uint32Array.of(7, 8, 9), length: 6, fill: 0xffffffff, want: [7, 8, 9, 0xffffffff, 0xffffffff, 0xffffffff] },
    { what: 'trims to its first rows', column: Uint32Array.of(7, 8, 9, 10), length: 2, fill: 1, want: [7, 8] },
    { what: 'same length, a copy', column: Uint32Array.of(7, 8), length: 2, fill: undefined, want: [7, 8] },
    { what: 'to nothing', column: Uint32Array.of(7, 8), length: 0, fill: undefined, want: [] },
    { what: 'from nothing', column: new Uint32Array(0), length: 3, fill: 4, want: [4, 4, 4] },
  ])('$what', ({ column, length, fill, want }) => {
    const before = [...column];
    const out = resizedColumn(column, length, fill);
    expect([...out]).toEqual(want);
    expect(out.buffer).not.toBe(column.buffer);
    expect([...column]).toEqual(before);
  });

  it('keeps the column’s type and its values’ range', () => {
    const floats = resizedColumn(Float64Array.of(1.5, -2.25), 3, 0.5);
    expect(floats).toBeInstanceOf(Float64Array);
    expect([...floats]).toEqual([1.5, -2.25, 0.5]);
    const signed = resizedColumn(Int8Array.of(-128, 127), 3, -1);
    expect(signed).toBeInstanceOf(Int8Array);
    expect([...signed]).toEqual([-128, 127, -1]);
    const bytes = resizedColumn(Uint8Array.of(200), 2, 300);
    expect([...bytes]).toEqual([200, 300 & 0xff]);
  });

  it('copies only a view’s own values (a subarray of a larger buffer)', () => {
    const whole = Int32Array.of(1, 2, 3, 4, 5, 6);
    const out = resizedColumn(whole.subarray(1, 3), 4);
    expect([...out]).toEqual([2, 3, 0, 0]);
    expect(out.byteOffset).toBe(0);
    expect(out.buffer.byteLength).toBe(16);
  });
});

describe('releaseBuffer', () => {
  it('gives a buffer back: every view of it is empty afterwards, and giving it back again does nothing', () => {
    const whole = new Float32Array(1024).fill(1);
    const view = whole.subarray(10, 20);
    releaseBuffer(view);
    expect(whole.length).toBe(0);
    expect(view.length).toBe(0);
    expect(whole.buffer.byteLength).toBe(0);
    expect(() => releaseBuffer(whole)).not.toThrow();
  });

  it('gives back a buffer given as itself, with every view of it', () => {
    const buffer = new ArrayBuffer(64);
    const view = new Uint8Array(buffer, 8, 8);
    releaseBuffer(buffer);
    expect(buffer.byteLength).toBe(0);
    expect(view.length).toBe(0);
  });

  it('leaves a view on memory that cannot be handed over as it is', () => {
    const shared = new Uint8Array(new SharedArrayBuffer(16)).fill(7);
    releaseBuffer(shared);
    expect([...shared]).toEqual(Array(16).fill(7));
  });
});
