/**
 * Columns of numbers kept in typed arrays, one value (or a fixed run of values) per row. A typed
 * array's length is fixed: a column grows, or is trimmed, by copying it into a new array.
 */

/** A typed array of numbers (not of bigints). */
export type NumberColumn = Int8Array | Uint8Array | Uint8ClampedArray | Int16Array | Uint16Array | Int32Array | Uint32Array | Float32Array | Float64Array;

/**
 * A new column of the same type with `length` values: `column`'s first values (as many as fit),
 * then `fill` (0 unless given). `column` itself is left as it was.
 */
export function resizedColumn<T extends NumberColumn>(column: T, length: number, fill = 0): T {
  const out = new (column.constructor as new (length: number) => T)(length);
  if (fill !== 0) out.fill(fill);
  out.set(column.subarray(0, Math.min(length, column.length)));
  return out;
}

/**
 * Gives a buffer's memory back at once by detaching it (`ArrayBuffer.prototype.transfer(0)`): an
 * idle worker or page runs no garbage collection for a long time, and a large buffer dropped
 * there would otherwise stay allocated until it does (after an index snapshot's restore, about
 * 220 MB more at 100,000 items). Every view of the buffer is empty afterwards.
 */
export function releaseBuffer(view: ArrayBufferView): void {
  const buffer = view.buffer;
  if (buffer instanceof ArrayBuffer && typeof buffer.transfer === 'function' && !buffer.detached) buffer.transfer(0);
}
