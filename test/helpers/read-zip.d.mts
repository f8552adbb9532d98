export interface ZipEntry {
  name: string;
  size: number;
  data: Uint8Array;
  modified: Date;
}
export function readZip(bytes: Uint8Array): ZipEntry[];
