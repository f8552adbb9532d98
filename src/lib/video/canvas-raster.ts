// The frame collector's pixels in a browser worker: OffscreenCanvas and ImageBitmap.
import { centerSquare, fitWithin } from '../core/geometry';
import type { FrameSource } from './frame-decoder';
import type { FrameRaster, FrameSurface, Rgba } from './frame-collector';
import { context2d } from '../canvas/context2d';

const JPEG_QUALITY = 0.85;


class CanvasSurface implements FrameSurface<ImageBitmap> {
  readonly #work: OffscreenCanvasRenderingContext2D;
  #small: OffscreenCanvasRenderingContext2D | null = null;

  constructor(width: number, height: number) {
    this.#work = context2d(width, height);
  }

  paint(frame: FrameSource): void {
    const { width, height } = this.#work.canvas;
    if ('rgba' in frame) this.#work.putImageData(new ImageData(frame.rgba, width, height), 0, 0);
    else frame.draw(this.#work);
  }

  scaledCopy({ width, height }: { width: number; height: number }): Rgba {
    if (this.#small?.canvas.width !== width || this.#small.canvas.height !== height) this.#small = context2d(width, height);
    this.#small.drawImage(this.#work.canvas, 0, 0, width, height);
    return { data: this.#small.getImageData(0, 0, width, height).data, width, height };
  }

  take(): ImageBitmap {
    // transferToImageBitmap hands over the pixels without a copy and leaves a blank canvas.
    return this.#work.canvas.transferToImageBitmap();
  }
}

export class CanvasRaster implements FrameRaster<ImageBitmap> {
  #model: OffscreenCanvasRenderingContext2D | null = null;

  surface(width: number, height: number): FrameSurface<ImageBitmap> {
    return new CanvasSurface(width, height);
  }

  centreSquare(frame: ImageBitmap, side: number): Uint8ClampedArray<ArrayBuffer> {
    if (this.#model?.canvas.width !== side) this.#model = context2d(side, side);
    const crop = centerSquare(frame.width, frame.height);
    this.#model.drawImage(frame, crop.x, crop.y, crop.width, crop.height, 0, 0, side, side);
    return this.#model.getImageData(0, 0, side, side).data;
  }

  async jpeg(frame: ImageBitmap, maxEdgePx: number): Promise<{ blob: Blob; width: number; height: number }> {
    const size = fitWithin(frame.width, frame.height, maxEdgePx);
    const ctx = context2d(size.width, size.height);
    ctx.drawImage(frame, 0, 0, size.width, size.height);
    return { blob: await ctx.canvas.convertToBlob({ type: 'image/jpeg', quality: JPEG_QUALITY }), ...size };
  }
}
