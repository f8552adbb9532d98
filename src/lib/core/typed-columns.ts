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
