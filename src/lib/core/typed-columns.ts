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
 * `column` copied into a new one of `length` rows ({@link resizedColumn}), its own buffer given
 * back now rather than at the thread's next garbage collection: nothing else may hold it.
 */
export function replacedColumn<T extends NumberColumn>(column: T, length: number, fill = 0): T {
  const out = resizedColumn(column, length, fill);
  releaseBuffer(column);
  return out;
}

/**
 * Gives a buffer's memory back at once: an idle worker or page runs no garbage collection for a
 * long time, and a large buffer dropped there would otherwise stay allocated until it does (after
 * an index snapshot's restore, about 220 MB more at 100,000 items; during an import, a model
 * batch's ~10 MB a batch in the model's worker). Every view of the buffer is empty afterwards.
 *
 * The buffer is moved into a message that is never delivered: its memory goes with the message,
 * whoever made it. Detaching it (`ArrayBuffer.prototype.transfer(0)`) frees only a buffer script
 * allocated; one the browser made (Response.arrayBuffer(), getImageData, a buffer received by
 * postMessage) is also held by the browser's own wrapper until a collection, which detaching hides
 * from the collector. Measured in a Chromium 156 worker, 40 buffers of 4.8 MB from getImageData:
 * detached, ~190 MB held each time; moved into such a message, nothing held.
 */
export function releaseBuffer(memory: ArrayBufferView | ArrayBuffer): void {
  const buffer = ArrayBuffer.isView(memory) ? memory.buffer : memory;
  if (!(buffer instanceof ArrayBuffer) || buffer.detached || buffer.byteLength === 0) return;
  if (typeof MessageChannel === 'function') {
    const { port1, port2 } = new MessageChannel();
    try {
      port1.postMessage(null, [buffer]);
    } catch {
      // Not transferable here (a wasm memory's buffer): left to the collector.
    } finally {
      port1.close();
      port2.close();
    }
  } else if (typeof buffer.transfer === 'function') buffer.transfer(0);
}
