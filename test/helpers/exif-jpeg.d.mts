export interface SharpExif {
  [ifd: string]: Record<string, string>;
}
export function jpegWithExif(opts?: { width?: number; height?: number; colour?: { r: number; g: number; b: number }; pixelsOf?: Uint8Array; exif?: SharpExif; xmp?: string }): Promise<Buffer>;
export function gpsRational(deg: number): string;
export function damagedExif(jpeg: Uint8Array, how: 'ifd-past-end' | 'offset-loop' | 'garbage'): Buffer;
