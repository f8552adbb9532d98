/** Files under dropped or picked handles, and folders remembered so a later scan adds only what is new. */
import { listFolders, putFolder } from '../db/repo';
import type { Db } from '../db/db';
import { fileKey, type Candidate } from '../core/drop-manifest';

export interface FoundFile {
  file: File;
  path: string;
}

/** Lists every file under a file or directory handle with its path. */
export async function walkHandle(handle: FileSystemHandle, prefix: string, out: FoundFile[]): Promise<void> {
  const path = prefix ? `${prefix}/${handle.name}` : handle.name;
  if (handle.kind === 'file') {
    out.push({ file: await (handle as FileSystemFileHandle).getFile(), path });
    return;
  }
  for await (const child of (handle as FileSystemDirectoryHandle).values()) await walkHandle(child, path, out);
}

export const candidateOf = ({ file, path }: FoundFile): Candidate => ({ name: file.name, sizeBytes: file.size, lastModifiedMs: file.lastModified, path });

/** Keeps a dropped or picked folder with every file it holds now: a later scan adds only what is new. */
export async function rememberFolder(db: Db, handle: FileSystemDirectoryHandle, found: FoundFile[], nowMs: number): Promise<void> {
  let folder = null;
  for (const f of await listFolders(db)) if (await f.handle.isSameEntry(handle)) folder = f;
  const seen = new Set(folder?.seen ?? []);
  for (const f of found) seen.add(fileKey(candidateOf(f)));
  await putFolder(db, {
    id: folder?.id ?? crypto.randomUUID(),
    name: handle.name,
    handle,
    addedAtMs: folder?.addedAtMs ?? nowMs,
    lastScanAtMs: nowMs,
    seen: [...seen],
  });
}
