// Small byte-level edits of generated containers, for fixtures that no encoder writes directly.

// ------------------------------------------------------------------ Matroska / WebM (EBML)

const EBML_HEADER = 0x1a45dfa3;
const SEGMENT = 0x18538067;
const INFO = 0x1549a966;
const TRACKS = 0x1654ae6b;
const DURATION = 0x4489;

/** EBML variable-length integer at `pos`: { value, length }; IDs keep their marker bit. */
function readVint(buf, pos, keepMarker) {
  const first = buf[pos];
  let length = 1;
  while (length <= 8 && !(first & (0x80 >> (length - 1)))) length++;
  if (length > 8) throw new Error(`bad EBML vint at ${pos}`);
  let value = keepMarker ? first : first & (0xff >> length);
  for (let i = 1; i < length; i++) value = value * 256 + buf[pos + i];
  return { value, length };
}

function* elements(buf, start, end) {
  for (let pos = start; pos < end; ) {
    const id = readVint(buf, pos, true);
    const size = readVint(buf, pos + id.length, false);
    const dataStart = pos + id.length + size.length;
    const dataEnd = dataStart + size.value;
    yield { id: id.value, start: pos, dataStart, dataEnd };
    pos = dataEnd;
  }
}

/** Element with an 8-byte size field (value < 2^53). */
function element(idBytes, data) {
  const size = Buffer.alloc(8);
  size[0] = 0x01;
  size.writeUIntBE(Math.floor(data.length / 2 ** 32), 1, 3);
  size.writeUInt32BE(data.length % 2 ** 32, 4);
  return Buffer.concat([idBytes, size, data]);
}

/**
 * A WebM that keeps only its EBML header, segment Info (minus Duration) and Tracks: a video track
 * that declares a codec but holds no frame, as a recorder leaves behind when stopped at once.
 * @param {Buffer} webm
 */
export function webmWithoutFrames(webm) {
  const parts = [];
  for (const top of elements(webm, 0, webm.length)) {
    if (top.id === EBML_HEADER) parts.push(webm.subarray(top.start, top.dataEnd));
    if (top.id !== SEGMENT) continue;
    const children = [];
    for (const el of elements(webm, top.dataStart, Math.min(top.dataEnd, webm.length))) {
      if (el.id === TRACKS) children.push(webm.subarray(el.start, el.dataEnd));
      if (el.id === INFO) {
        const kept = [];
        for (const f of elements(webm, el.dataStart, el.dataEnd)) if (f.id !== DURATION) kept.push(webm.subarray(f.start, f.dataEnd));
        children.push(element(webm.subarray(el.start, el.start + 4), Buffer.concat(kept)));
      }
    }
    parts.push(element(webm.subarray(top.start, top.start + 4), Buffer.concat(children)));
  }
  return Buffer.concat(parts);
}

// ------------------------------------------------------------------ MP4 (ISO BMFF)

const CONTAINERS = new Set(['moov', 'trak', 'mdia']);
const TIMED = new Set(['mvhd', 'tkhd', 'mdhd']);

/**
 * Zeroes the creation and modification times of mvhd, tkhd and mdhd in place, so that the same
 * frames give the same bytes on every run.
 * @param {Buffer} mp4
 */
export function zeroMp4Times(mp4, start = 0, end = mp4.length) {
  for (let pos = start; pos + 8 <= end; ) {
    let size = mp4.readUInt32BE(pos);
    const type = mp4.toString('latin1', pos + 4, pos + 8);
    let header = 8;
    if (size === 1) {
      size = Number(mp4.readBigUInt64BE(pos + 8));
      header = 16;
    } else if (size === 0) {
      size = end - pos;
    }
    if (size < header) break;
    if (CONTAINERS.has(type)) zeroMp4Times(mp4, pos + header, Math.min(pos + size, end));
    if (TIMED.has(type) && pos + header + 4 + 16 <= end) {
      const version = mp4[pos + header];
      mp4.fill(0, pos + header + 4, pos + header + 4 + (version === 1 ? 16 : 8));
    }
    pos += size;
  }
  return mp4;
}
