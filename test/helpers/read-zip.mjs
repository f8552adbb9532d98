// A small reader of stored (uncompressed) zip files, enough to check what Shoebox's export wrote:
// entries from the central directory, each with its name, size, bytes and DOS date (local time).

/**
 * Entries of a zip read from its central directory.
 * @param {Uint8Array} bytes
 * @returns {{ name: string, size: number, data: Uint8Array, modified: Date }[]}
 */
export function readZip(bytes) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let eocd = bytes.length - 22;
  while (eocd >= 0 && view.getUint32(eocd, true) !== 0x06054b50) eocd--;
  if (eocd < 0) throw new Error('not a zip: no end record');
  const count = view.getUint16(eocd + 10, true);
  let at = view.getUint32(eocd + 16, true);
  const out = [];
  for (let i = 0; i < count; i++) {
    if (view.getUint32(at, true) !== 0x02014b50) throw new Error(`not a central directory header at ${at}`);
    const [time, date] = [view.getUint16(at + 12, true), view.getUint16(at + 14, true)];
    const size = view.getUint32(at + 24, true);
    const nameLength = view.getUint16(at + 28, true);
    const extraLength = view.getUint16(at + 30, true);
    const commentLength = view.getUint16(at + 32, true);
    const local = view.getUint32(at + 42, true);
    const name = new TextDecoder().decode(bytes.subarray(at + 46, at + 46 + nameLength));
    const dataAt = local + 30 + view.getUint16(local + 26, true) + view.getUint16(local + 28, true);
    const modified = new Date(1980 + (date >> 9), ((date >> 5) & 15) - 1, date & 31, time >> 11, (time >> 5) & 63, (time & 31) * 2);
    out.push({ name, size, data: bytes.subarray(dataAt, dataAt + size), modified });
    at += 46 + nameLength + extraLength + commentLength;
  }
  return out;
}

