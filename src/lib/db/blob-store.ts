import type { Db } from './db';
import type { BlobLocation } from './schema';

const OPFS_DIR = 'originals';

async function opfsDir(): Promise<FileSystemDirectoryHandle | null> {
  try {
    if (typeof navigator === 'undefined' || !navigator.storage?.getDirectory) return null;
    const root = await navigator.storage.getDirectory();
    return await root.getDirectoryHandle(OPFS_DIR, { create: true });
  } catch {
    return null;
  }
}

/**
 * Stores an original file's bytes, in OPFS when the browser has it (large blobs are much
 * cheaper there than in IndexedDB), otherwise in the `blobs` store. Quota errors propagate
 * so the caller can stop the import cleanly.
 */
export async function putOriginal(db: Db, id: string, blob: Blob): Promise<BlobLocation> {
  const dir = await opfsDir();
  if (dir && 'createWritable' in FileSystemFileHandle.prototype) {
    const handle = await dir.getFileHandle(id, { create: true });
    const writable = await handle.createWritable();
    try {
      await writable.write(blob);
      await writable.close();
      return 'opfs';
    } catch (err) {
      await writable.abort().catch(() => undefined);
      await dir.removeEntry(id).catch(() => undefined);
      throw err;
    }
  }
  await db.put('blobs', blob, id);
  return 'idb';
}

export async function getOriginal(db: Db, id: string, location: BlobLocation): Promise<Blob | undefined> {
  if (location === 'opfs') {
    const dir = await opfsDir();
    if (!dir) return undefined;
    try {
      return await (await dir.getFileHandle(id)).getFile();
    } catch {
      return undefined;
    }
  }
  return db.get('blobs', id);
}

export async function deleteOriginal(db: Db, id: string, location: BlobLocation): Promise<void> {
  if (location === 'opfs') {
    const dir = await opfsDir();
    await dir?.removeEntry(id).catch(() => undefined);
    return;
  }
  await db.delete('blobs', id);
}
