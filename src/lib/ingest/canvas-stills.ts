/// <reference lib="webworker" />
/**
 * The pixel work of an import in the browser: createImageBitmap decodes (EXIF orientation
 * applied), OffscreenCanvas scales. A HEIC/HEIF the browser cannot decode goes through libheif
 * (WebAssembly, loaded on first need) to the same kind of bitmap. Browser-only;
 * the rest of the import reaches it through the StillDecoder port.
 */
import { SNIFF_BYTES, pixelLimitReason, sniffFileKind, type FileKind } from '../core/file-kind';
import { centerSquare, fitWithin } from '../core/geometry';
import { THUMBNAIL_JPEG_QUALITY } from './asset-records';
import { HeifDecodeError, withHeifPrimary } from './heif-decode';
import { loadLibheif, releaseLargeLibheifHeap } from './libheif-loader';
import type { DecodedStill, StillDecoder } from './ports';
import { context2d } from '../canvas/context2d';

/** What is shown when libheif itself cannot be fetched (offline before HEIC was ever needed). */
export const HEIF_DECODER_MISSING = 'could not be decoded: the HEIC/HEIF decoder could not be loaded (offline before it was first needed?); try again online';

/**
 * libheif-js is built with libde265 (HEVC) only, no AV1 decoder: an AVIF the browser cannot decode
 * (browsers before Chrome 85, Firefox 93, Safari 16.4) cannot be decoded here either.
 */
export const AVIF_UNSUPPORTED = 'could not be decoded: this browser cannot decode AVIF photos; update it, or export the photo as JPEG';

const kindOf = async (blob: Blob): Promise<FileKind> => sniffFileKind(new Uint8Array(await blob.slice(0, SNIFF_BYTES).arrayBuffer()));

/** The primary image of a HEIC as a bitmap, decoded by libheif. */
async function heifBitmap(blob: Blob): Promise<ImageBitmap> {
  const lib = await loadLibheif().catch(() => {
    throw new HeifDecodeError(HEIF_DECODER_MISSING);
  });
  try {
    // createImageBitmap copies the ImageData when called, so the pixels can stay in the wasm heap.
    return await withHeifPrimary(
      lib,
      new Uint8Array(await blob.arrayBuffer()),
      (pixels) => createImageBitmap(new ImageData(pixels.data, pixels.width, pixels.height)),
      (width, height) => {
        // The headers were checked before; libheif's own size is checked again before it allocates the pixels.
        const tooLarge = pixelLimitReason({ width, height });
        if (tooLarge) throw new HeifDecodeError(tooLarge);
      },
    );
  } finally {
    releaseLargeLibheifHeap(lib);
  }
}

/**
 * A photo as a bitmap, upright: the browser's decoder first (Safari decodes HEIC itself; the
 * failure elsewhere is immediate, from the header), libheif when that fails on a HEIC.
 */
async function decodeBitmap(blob: Blob): Promise<ImageBitmap> {
  try {
    return await createImageBitmap(blob, { imageOrientation: 'from-image' });
  } catch (err) {
    const kind = await kindOf(blob);
    if (kind.kind !== 'image') throw err;
    if (kind.format === 'heic') return heifBitmap(blob);
    if (kind.format === 'avif') throw new HeifDecodeError(AVIF_UNSUPPORTED);
    throw err;
  }
}

/** The bitmap scaled down to a long edge of at most `maxEdgePx`, on a canvas. */
function scaledWithin(bitmap: ImageBitmap, maxEdgePx: number): OffscreenCanvas {
  const size = fitWithin(bitmap.width, bitmap.height, maxEdgePx);
  const ctx = context2d(size.width, size.height);
  ctx.drawImage(bitmap, 0, 0, size.width, size.height);
  return ctx.canvas;
}

/**
 * Square canvases of the sizes read back for every photo (the model's crop, the pHash input), kept
 * for the worker's lifetime: making a canvas costs more than drawing into it. Each use clears,
 * draws and reads back in one synchronous step, so photos prepared side by side never share one.
 */
const squareContexts = new Map<number, OffscreenCanvasRenderingContext2D>();

function squareContext(sizePx: number): OffscreenCanvasRenderingContext2D {
  let ctx = squareContexts.get(sizePx);
  if (!ctx) squareContexts.set(sizePx, (ctx = context2d(sizePx, sizePx)));
  // A photo with transparency must not show the previous one through it.
  else ctx.clearRect(0, 0, sizePx, sizePx);
  return ctx;
}

/**
 * The thumbnail canvas, kept for the worker's lifetime and resized for each photo: a new canvas
 * per photo made its JPEG encode take about twice as long (2.2–2.6 against 1.2 ms for a 320 px
 * thumbnail in Chromium). A still holds it from its thumbnail until it is closed, since the pHash
 * input is read from it; a still that needs one meanwhile gets a canvas of its own.
 */
let sharedThumbnail: OffscreenCanvasRenderingContext2D | null = null;
let sharedThumbnailHeld = false;

function stillOf(bitmap: ImageBitmap): DecodedStill {
  let thumb: OffscreenCanvas | null = null;
  let holdsShared = false;
  return {
    width: bitmap.width,
    height: bitmap.height,
    async thumbnail(maxEdgePx) {
      const size = fitWithin(bitmap.width, bitmap.height, maxEdgePx);
      let ctx: OffscreenCanvasRenderingContext2D;
      if (holdsShared || !sharedThumbnailHeld) {
        sharedThumbnailHeld = holdsShared = true;
        ctx = sharedThumbnail ??= context2d(size.width, size.height);
        ctx.canvas.width = size.width;
        ctx.canvas.height = size.height;
        // Resizing resets the context's settings.
        ctx.imageSmoothingEnabled = true;
        ctx.imageSmoothingQuality = 'high';
      } else ctx = context2d(size.width, size.height);
      ctx.drawImage(bitmap, 0, 0, size.width, size.height);
      const canvas = (thumb = ctx.canvas);
      return { blob: await canvas.convertToBlob({ type: 'image/jpeg', quality: THUMBNAIL_JPEG_QUALITY }), width: canvas.width, height: canvas.height };
    },
    thumbnailRgba(sizePx) {
      const ctx = squareContext(sizePx);
      ctx.drawImage(thumb ?? bitmap, 0, 0, sizePx, sizePx);
      return ctx.getImageData(0, 0, sizePx, sizePx).data;
    },
    centerCrop(sizePx) {
      const crop = centerSquare(bitmap.width, bitmap.height);
      const ctx = squareContext(sizePx);
      ctx.drawImage(bitmap, crop.x, crop.y, crop.width, crop.height, 0, 0, sizePx, sizePx);
      return { data: ctx.getImageData(0, 0, sizePx, sizePx).data, width: sizePx, height: sizePx };
    },
    close() {
      bitmap.close();
      if (holdsShared) sharedThumbnailHeld = holdsShared = false;
      thumb = null;
    },
  };
}

export const canvasStills: StillDecoder = {
  decodeImage: async (blob) => stillOf(await decodeBitmap(blob)),
  decodePoster: async (blob) => stillOf(await createImageBitmap(blob)),
};

/** Quality of the viewer's copies of photos the page cannot decode: finer than a thumbnail's, as it fills the screen. */
const SCREEN_COPY_JPEG_QUALITY = 0.9;

/**
 * A JPEG of a photo with its long edge at most `maxEdgePx`, for a page that cannot decode the
 * original itself (a HEIC in the viewer outside Safari).
 */
export async function screenCopy(blob: Blob, maxEdgePx: number): Promise<Blob> {
  const bitmap = await decodeBitmap(blob);
  try {
    return await scaledWithin(bitmap, maxEdgePx).convertToBlob({ type: 'image/jpeg', quality: SCREEN_COPY_JPEG_QUALITY });
  } finally {
    bitmap.close();
  }
}
