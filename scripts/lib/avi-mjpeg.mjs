// Minimal AVI (RIFF) muxer for Motion-JPEG: one video stream, every frame a keyframe, with an
// idx1 index. Enough for ffmpeg's avi demuxer and mjpeg decoder; mediabunny has no AVI
// demuxer, which is the point: such a file must take the ffmpeg.wasm fallback.
//
// Layout (Microsoft "AVI RIFF File Reference"):
//   RIFF 'AVI '
//     LIST 'hdrl'  avih (MainAVIHeader, 56 B)
//                  LIST 'strl'  strh (AVIStreamHeader, 56 B)  strf (BITMAPINFOHEADER, 40 B)
//     LIST 'movi'  '00dc' <jpeg> …            (chunks padded to an even size)
//     idx1         { '00dc', AVIIF_KEYFRAME, offset from the 'movi' fourcc, size } per frame

const AVIF_HASINDEX = 0x10;
const AVIIF_KEYFRAME = 0x10;

const fourcc = (s) => Buffer.from(s, 'ascii');

function u32(...values) {
  const b = Buffer.alloc(4 * values.length);
  values.forEach((v, i) => b.writeInt32LE(v | 0, i * 4));
  return b;
}

function chunk(id, data) {
  const pad = data.length % 2 ? Buffer.alloc(1) : Buffer.alloc(0);
  return Buffer.concat([fourcc(id), u32(data.length), data, pad]);
}

function list(type, ...children) {
  const body = Buffer.concat([fourcc(type), ...children]);
  return Buffer.concat([fourcc('LIST'), u32(body.length), body]);
}

/**
 * @param {Buffer[]} jpegs  baseline JPEG frames, all width×height
 * @param {{ width: number, height: number, fps: number }} o  fps: integer frames per second
 * @returns {Buffer} the .avi file
 */
export function muxMjpegAvi(jpegs, { width, height, fps }) {
  const maxFrame = Math.max(...jpegs.map((j) => j.length));
  const avih = chunk(
    'avih',
    u32(Math.round(1e6 / fps), maxFrame * fps, 0, AVIF_HASINDEX, jpegs.length, 0, 1, maxFrame, width, height, 0, 0, 0, 0),
  );
  const rcFrame = Buffer.alloc(8);
  rcFrame.writeInt16LE(width, 4);
  rcFrame.writeInt16LE(height, 6);
  const strh = chunk(
    'strh',
    Buffer.concat([
      fourcc('vids'),
      fourcc('MJPG'),
      u32(0, 0, 0), // dwFlags, wPriority+wLanguage, dwInitialFrames
      u32(1, fps, 0, jpegs.length, maxFrame, -1, 0), // dwScale, dwRate, dwStart, dwLength, dwSuggestedBufferSize, dwQuality, dwSampleSize
      rcFrame,
    ]),
  );
  const bih = Buffer.alloc(40);
  bih.writeUInt32LE(40, 0);
  bih.writeInt32LE(width, 4);
  bih.writeInt32LE(height, 8);
  bih.writeUInt16LE(1, 12); // planes
  bih.writeUInt16LE(24, 14); // bit count
  fourcc('MJPG').copy(bih, 16);
  bih.writeUInt32LE(width * height * 3, 20);
  const strf = chunk('strf', bih);
  const hdrl = list('hdrl', avih, list('strl', strh, strf));

  const frames = [];
  const index = [];
  let offset = 4; // idx1 offsets count from the 'movi' fourcc
  for (const jpeg of jpegs) {
    const c = chunk('00dc', jpeg);
    index.push(Buffer.concat([fourcc('00dc'), u32(AVIIF_KEYFRAME, offset, jpeg.length)]));
    frames.push(c);
    offset += c.length;
  }
  const movi = list('movi', ...frames);
  const idx1 = chunk('idx1', Buffer.concat(index));
  const body = Buffer.concat([fourcc('AVI '), hdrl, movi, idx1]);
  return Buffer.concat([fourcc('RIFF'), u32(body.length), body]);
}
