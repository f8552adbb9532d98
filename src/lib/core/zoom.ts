/**
 * Zoom and pan of one picture in the viewer, as pure geometry. The picture is drawn at its
 * natural size with the CSS transform `translate(x, y) scale(scale)` (origin at its top-left
 * corner), inside a stage of `view` CSS pixels. All lengths are CSS pixels; `scale` is display
 * pixels per picture pixel (1 = 100 %).
 *
 * The rules are the ones photo viewers share (PhotoSwipe's "fit" and pan bounds, Apple Photos'
 * zoom towards the pointer): the smallest scale fits the whole picture in the stage, a side that is
 * smaller than the stage is centred, a side that is larger may be panned but never past its edge,
 * and zooming keeps the picture point under the pointer where it is.
 */

export interface Size {
  width: number;
  height: number;
}

export interface Transform {
  scale: number;
  /** Picture's top-left corner in stage pixels. */
  x: number;
  y: number;
}

/** The scale at which the whole picture fits in the stage (may be above 1 for a small picture). */
export function fitScale(view: Size, picture: Size): number {
  if (picture.width <= 0 || picture.height <= 0 || view.width <= 0 || view.height <= 0) return 1;
  return Math.min(view.width / picture.width, view.height / picture.height);
}

/** The largest zoom: 4× the natural size, or 4× the fitted size for a picture smaller than the stage. */
export function maxScale(view: Size, picture: Size): number {
  return Math.max(1, fitScale(view, picture)) * 4;
}

/**
 * Where a double-click goes from the fitted view: 100 % when that is a real enlargement (at least
 * 1.5× the fitted scale), else twice the fitted scale.
 */
export function toggleScale(view: Size, picture: Size): number {
  const fit = fitScale(view, picture);
  return 1 >= fit * 1.5 ? 1 : fit * 2;
}

/** Whether `t` shows the picture larger than fitted (then dragging pans instead of swiping). */
export function isZoomed(t: Transform, view: Size, picture: Size): boolean {
  return t.scale > fitScale(view, picture) * 1.001;
}

function clampAxis(offset: number, viewLength: number, shownLength: number): number {
  if (shownLength <= viewLength) return (viewLength - shownLength) / 2;
  return Math.min(0, Math.max(viewLength - shownLength, offset));
}

/** `t` with its scale kept between fitted and `maxScale`, and its offset kept inside the pan bounds. */
export function clampTransform(t: Transform, view: Size, picture: Size): Transform {
  const scale = Math.min(maxScale(view, picture), Math.max(fitScale(view, picture), t.scale));
  return {
    scale,
    x: clampAxis(t.x, view.width, picture.width * scale),
    y: clampAxis(t.y, view.height, picture.height * scale),
  };
}

/** The picture fitted and centred. */
export function fitTransform(view: Size, picture: Size): Transform {
  return clampTransform({ scale: fitScale(view, picture), x: 0, y: 0 }, view, picture);
}

/** Zooms to `scale` (clamped) keeping the picture point under stage point (`atX`, `atY`) still. */
export function zoomAt(t: Transform, scale: number, atX: number, atY: number, view: Size, picture: Size): Transform {
  const pictureX = (atX - t.x) / t.scale;
  const pictureY = (atY - t.y) / t.scale;
  const bounded = Math.min(maxScale(view, picture), Math.max(fitScale(view, picture), scale));
  return clampTransform({ scale: bounded, x: atX - pictureX * bounded, y: atY - pictureY * bounded }, view, picture);
}

/** Moves the picture by (`dx`, `dy`) stage pixels, within the pan bounds. */
export function panBy(t: Transform, dx: number, dy: number, view: Size, picture: Size): Transform {
  return clampTransform({ scale: t.scale, x: t.x + dx, y: t.y + dy }, view, picture);
}

/** The CSS transform for `t` (the picture element has `transform-origin: 0 0`). */
export function cssTransform(t: Transform): string {
  return `translate(${t.x}px, ${t.y}px) scale(${t.scale})`;
}
