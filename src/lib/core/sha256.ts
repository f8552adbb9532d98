/**
 * SHA-256 content digest, used as the stable identity of an imported file.
 *
 * Algorithm: FIPS 180-4 SHA-256, computed by the platform's Web Crypto
 * `crypto.subtle.digest` (browsers, workers, and Node ≥ 20 via
 * `globalThis.crypto`) — native code, so no JS implementation is shipped.
 *
 * Limitation: `crypto.subtle.digest` is one-shot, so a Blob is read fully into
 * memory first. That is fine for photos and short videos; for very large Blobs
 * (say > 256 MiB) it doubles peak memory and may fail on low-memory devices —
 * switch to an incremental (streaming) SHA-256 if such files become common.
 *
 * Async (Web Crypto is promise-based) but otherwise pure: no DOM or idb access.
 */

const HEX: readonly string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/**
 * @param data bytes to hash: an ArrayBuffer, a view on one (only the viewed
 *             bytes are hashed), or a Blob/File
 * @returns the digest as 64 lowercase hex characters
 */
export async function sha256Hex(data: ArrayBuffer | ArrayBufferView | Blob): Promise<string> {
  let bytes: ArrayBuffer | Uint8Array<ArrayBuffer>;
  if (data instanceof ArrayBuffer) {
    bytes = data;
  } else if (ArrayBuffer.isView(data)) {
    if (data.buffer instanceof ArrayBuffer) {
      bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    } else {
      // Web Crypto rejects views on SharedArrayBuffer, so copy those.
      bytes = new Uint8Array(data.byteLength);
      bytes.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    }
  } else {
    bytes = await data.arrayBuffer();
  }
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  let hex = '';
  for (let i = 0; i < digest.length; i++) hex += HEX[digest[i]!];
  return hex;
}
