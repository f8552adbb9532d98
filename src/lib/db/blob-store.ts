import type { Db } from './db';
import type { BlobLocation } from './schema';
import { ownerId } from '../core/leftover-sweep';

const OPFS_DIR = 'originals';

async function openOpfsDir(): Promise<FileSystemDirectoryHandle | null> {
  try {
    if (typeof navigator === 'undefined' || !navigator.storage?.getDirectory) return null;
    const root = await navigator.storage.getDirectory();
    return await root.getDirectoryHandle(OPFS_DIR, { create: true });
  } catch {
    return null;
  }
}

/**
 * The folder of originals, looked up once per thread: every lookup is two round trips to the
 * browser's storage process, paid per file otherwise. `fresh` looks again (the folder was removed
 * from outside, e.g. site data cleared in the browser's settings).
 */
let opfsDirHandle: Promise<FileSystemDirectoryHandle | null> | null = null;
function opfsDir(fresh = false): Promise<FileSystemDirectoryHandle | null> {
  if (fresh || !opfsDirHandle) opfsDirHandle = openOpfsDir();
  return opfsDirHandle;
}

const isNotFound = (err: unknown) => err instanceof DOMException && err.name === 'NotFoundError';

/** A new file in the originals folder; looks the folder up again once if it was removed. */
async function createOpfsFile(dir: FileSystemDirectoryHandle, id: string): Promise<{ dir: FileSystemDirectoryHandle; handle: FileSystemFileHandle }> {
  try {
    return { dir, handle: await dir.getFileHandle(id, { create: true }) };
  } catch (err) {
    const again = isNotFound(err) ? await opfsDir(true) : null;
    if (!again) throw err;
    return { dir: again, handle: await again.getFileHandle(id, { create: true }) };
  }
}

/**
 * Stores an original file's bytes, in OPFS when the browser has it (large blobs are much
 * cheaper there than in IndexedDB), otherwise in the `blobs` store. Quota errors propagate
 * so the caller can stop the import cleanly.
 */
export async function putOriginal(db: Db, id: string, blob: Blob): Promise<BlobLocation> {
  const cached = await opfsDir();
  if (cached && 'createWritable' in FileSystemFileHandle.prototype) {
    const { dir, handle } = await createOpfsFile(cached, id);
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

/**
 * Deletes a stored original only when no asset record refers to it (or, for a second original
 * such as a Live Photo's motion, to its owner): whatever path asks (a
 * duplicate found late, a dismissed job, a cleanup), a file that belongs to an item in the
 * library is never removed. Returns whether it was deleted.
 */
export async function deleteUnownedOriginal(db: Db, id: string, location: BlobLocation): Promise<boolean> {
  // A Live Photo's motion file (`<id>#motion`) belongs to its still's asset.
  if (await db.getKey('assets', ownerId(id))) return false;
  await deleteOriginal(db, id, location);
  return true;
}

/**
 * Deletes the bytes of a copy that was cut off (the tab or browser closed mid-write): the file
 * itself, and the swap file Chromium writes beside it until the write is closed, which a closed
 * browser leaves behind.
 */
export async function deletePartialOriginal(db: Db, id: string, location: BlobLocation): Promise<void> {
  if (!(await deleteUnownedOriginal(db, id, location)) || location !== 'opfs') return;
  const dir = await opfsDir();
  await dir?.removeEntry(`${id}.crswap`).catch(() => undefined);
}

export async function deleteOriginal(db: Db, id: string, location: BlobLocation): Promise<void> {
  if (location === 'opfs') {
    const dir = await opfsDir();
    await dir?.removeEntry(id).catch(() => undefined);
    return;
  }
  await db.delete('blobs', id);
}

/** Ids of every file in the originals folder (empty without OPFS). Names only: no file is opened. */
export async function listOpfsOriginals(): Promise<string[]> {
  const dir = await opfsDir();
  if (!dir) return [];
  const ids: string[] = [];
  try {
    // Names only (no handle per entry); the folder holds only files. TypeScript's DOM types lack
    // the directory iterator every OPFS browser has.
    for await (const name of (dir as unknown as { keys(): AsyncIterable<string> }).keys()) ids.push(name);
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
  return ids;
}

export interface OpfsFileInfo {
  id: string;
  lastModifiedMs: number;
  sizeBytes: number;
}

/** Time and size of the given files in the originals folder; files gone meanwhile are left out. */
export async function statOpfsOriginals(ids: readonly string[]): Promise<OpfsFileInfo[]> {
  const dir = await opfsDir();
  if (!dir) return [];
  // Asked together: each is a round trip to the browser's storage process.
  const found = await Promise.all(
    ids.map(async (id): Promise<OpfsFileInfo | null> => {
      try {
        const file = await (await dir.getFileHandle(id)).getFile();
        return { id, lastModifiedMs: file.lastModified, sizeBytes: file.size };
      } catch (err) {
        if (!isNotFound(err)) throw err;
        return null;
      }
    }),
  );
  return found.filter((f): f is OpfsFileInfo => f !== null);
}
