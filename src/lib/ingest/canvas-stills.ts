/// <reference lib="webworker" />
/**
 * The pixel work of an import in the browser: createImageBitmap decodes (EXIF orientation
 * applied), OffscreenCanvas scales. Browser-only; the rest of the import reaches it through the
 * StillDecoder port.
 */
import { centerSquare, fitWithin } from '../core/geometry';
import { THUMBNAIL_JPEG_QUALITY } from './asset-records';
import type { DecodedStill, StillDecoder } from './ports';
import { context2d } from '../canvas/context2d';


function stillOf(bitmap: ImageBitmap): DecodedStill {
  let thumb: OffscreenCanvas | null = null;
  return {
    width: bitmap.width,
    height: bitmap.height,
    async thumbnail(maxEdgePx) {
      const size = fitWithin(bitmap.width, bitmap.height, maxEdgePx);
      const ctx = context2d(size.width, size.height);
      ctx.drawImage(bitmap, 0, 0, size.width, size.height);
      thumb = ctx.canvas;
      return { blob: await ctx.canvas.convertToBlob({ type: 'image/jpeg', quality: THUMBNAIL_JPEG_QUALITY }), ...size };
    },
    thumbnailRgba(sizePx) {
      const ctx = context2d(sizePx, sizePx);
      ctx.drawImage(thumb ?? bitmap, 0, 0, sizePx, sizePx);
      return ctx.getImageData(0, 0, sizePx, sizePx).data;
    },
    centerCrop(sizePx) {
      const crop = centerSquare(bitmap.width, bitmap.height);
      const ctx = context2d(sizePx, sizePx);
      ctx.drawImage(bitmap, crop.x, crop.y, crop.width, crop.height, 0, 0, sizePx, sizePx);
      return { data: ctx.getImageData(0, 0, sizePx, sizePx).data, width: sizePx, height: sizePx };
    },
    close: () => bitmap.close(),
  };
}

export const canvasStills: StillDecoder = {
  decodeImage: async (blob) => stillOf(await createImageBitmap(blob, { imageOrientation: 'from-image' })),
  decodePoster: async (blob) => stillOf(await createImageBitmap(blob)),
};
