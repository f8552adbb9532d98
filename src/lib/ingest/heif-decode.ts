/**
 * Decodes the primary image of a HEIC/HEIF file with libheif compiled to WebAssembly (libheif-js),
 * into RGBA: the decoder for what the browser's own cannot open (HEIC outside Safari). libheif-js
 * is built with libde265 only: it reads an AVIF's structure but has no AV1 decoder for its pixels.
 * The library is passed in, so the same code runs in the ingest worker (loaded by
 * libheif-loader.ts) and in vitest under Node (loaded from node_modules).
 *
 * libheif applies the file's own transformations (irot, imir, clap) while decoding, so the pixels
 * come out upright; the EXIF Orientation tag of a HEIF is informational and must not be applied
 * again. A multi-image file (a burst, a HEIF with alternates) shows its primary image (pitm).
 */

/** An embind enum value: compared by identity with the module's constants. */
type HeifEnum = object;

interface HeifError {
  code: HeifEnum;
  message: string;
}

interface HeifChannel {
  id: HeifEnum;
  width: number;
  height: number;
  /** Bytes per row, possibly padded. */
  stride: number;
  /** A view into the wasm heap: valid until the image is released. */
  data: Uint8Array;
}

/** The part of libheif-js's module (libheif-wasm/libheif.js) Shoebox uses. */
export interface LibHeif {
  heif_error_code: { heif_error_Ok: HeifEnum };
  heif_colorspace: { heif_colorspace_RGB: HeifEnum };
  heif_chroma: { heif_chroma_interleaved_RGBA: HeifEnum };
  heif_channel: { heif_channel_interleaved: HeifEnum };
  heif_context_alloc(): object;
  heif_context_free(context: object): void;
  heif_context_read_from_memory(context: object, bytes: Uint8Array): HeifError;
  /** A handle, or an error object with a `code`. */
  heif_js_context_get_primary_image_handle(context: object): object | (HeifError & object);
  heif_image_handle_get_width(handle: object): number;
  heif_image_handle_get_height(handle: object): number;
  heif_image_handle_release(handle: object): void;
  heif_js_decode_image2(handle: object, colorspace: HeifEnum, chroma: HeifEnum): { image: object; channels: HeifChannel[] } | HeifError | null | Promise<{ image: object; channels: HeifChannel[] } | HeifError | null>;
  heif_image_release(image: object): void;
}

export interface HeifPixels {
  /** Upright size, px. */
  width: number;
  height: number;
  /** RGBA, 4 bytes a pixel, rows packed. */
  data: Uint8ClampedArray<ArrayBuffer>;
}

/** libheif could not read the file: the message is shown next to it, as is. */
export class HeifDecodeError extends Error {
  override name = 'HeifDecodeError';
}

const hasError = (x: unknown): x is HeifError => typeof x === 'object' && x !== null && 'code' in x && 'message' in x;

/** libheif's messages read "Invalid input: Unexpected end of file: …"; shown after our own words. */
const libheifSays = (message: string) => message.replace(/\s+/g, ' ').trim().slice(0, 200);

/**
 * Decodes the file's primary image and hands its upright RGBA pixels to `use`, then frees them.
 * The pixels may be a view into the wasm heap (no copy when rows are not padded): `use` must copy
 * them before it first awaits, as another decode meanwhile may grow the heap, which detaches the
 * view (createImageBitmap of an ImageData takes its snapshot at the call). `checkSize` sees the
 * decoded size before any pixel is decoded and may throw (the pixel limit): the second check after
 * the one on the file's headers, as libheif's own size may differ from the largest `ispe` (a
 * rotation, a crop).
 * Throws HeifDecodeError with libheif's reason when the file cannot be read.
 */
export async function withHeifPrimary<T>(lib: LibHeif, bytes: Uint8Array, use: (pixels: HeifPixels) => T | Promise<T>, checkSize?: (width: number, height: number) => void): Promise<T> {
  const context = lib.heif_context_alloc();
  try {
    const read = lib.heif_context_read_from_memory(context, bytes);
    if (read.code !== lib.heif_error_code.heif_error_Ok) throw new HeifDecodeError(`could not be decoded: the HEIF file is damaged (${libheifSays(read.message)})`);
    const handle = lib.heif_js_context_get_primary_image_handle(context);
    if (hasError(handle)) throw new HeifDecodeError(`could not be decoded: the HEIF file has no primary image (${libheifSays(handle.message)})`);
    try {
      const width = lib.heif_image_handle_get_width(handle);
      const height = lib.heif_image_handle_get_height(handle);
      checkSize?.(width, height);
      const image = await lib.heif_js_decode_image2(handle, lib.heif_colorspace.heif_colorspace_RGB, lib.heif_chroma.heif_chroma_interleaved_RGBA);
      if (!image || hasError(image)) throw new HeifDecodeError(`could not be decoded: the HEIF image data is damaged (${libheifSays(image?.message ?? 'no image')})`);
      try {
        const plane = image.channels.find((c) => c.id === lib.heif_channel.heif_channel_interleaved);
        if (!plane) throw new HeifDecodeError('could not be decoded: libheif returned no RGBA plane');
        // Awaited, so the pixels are freed only once `use` is done with them.
        return await use({ width: plane.width, height: plane.height, data: packedRows(plane) });
      } finally {
        lib.heif_image_release(image.image);
      }
    } finally {
      lib.heif_image_handle_release(handle);
    }
  } finally {
    // The context holds a copy of the file: freed at once, not at the next decode.
    lib.heif_context_free(context);
  }
}

/** The upright pixels of the file's primary image, copied out of the wasm heap (see withHeifPrimary). */
export function decodeHeifPrimary(lib: LibHeif, bytes: Uint8Array, checkSize?: (width: number, height: number) => void): Promise<HeifPixels> {
  return withHeifPrimary(lib, bytes, (pixels) => ({ ...pixels, data: pixels.data.slice() }), checkSize);
}

/** The RGBA plane with rows packed: a view of the wasm heap when they already are, else a copy without the padding. */
function packedRows(plane: HeifChannel): Uint8ClampedArray<ArrayBuffer> {
  const rowBytes = plane.width * 4;
  const heap = plane.data;
  if (plane.stride === rowBytes) return new Uint8ClampedArray(heap.buffer as ArrayBuffer, heap.byteOffset, rowBytes * plane.height);
  const out = new Uint8ClampedArray(rowBytes * plane.height);
  for (let y = 0; y < plane.height; y++) out.set(heap.subarray(y * plane.stride, y * plane.stride + rowBytes), y * rowBytes);
  return out;
}
