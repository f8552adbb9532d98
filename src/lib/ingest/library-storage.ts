import type { Db } from '../db/db';
import { deletePartialOriginal, deleteUnownedOriginal, getOriginal, putOriginal } from '../db/blob-store';
import type { IngestStorage } from './ports';

/** The library's own storage for the import: the database and the originals kept beside it (OPFS, else IndexedDB). */
export function libraryStorage(db: Db): IngestStorage {
  return {
    db,
    originals: {
      put: (id, blob) => putOriginal(db, id, blob),
      get: (id, location) => getOriginal(db, id, location),
      deleteUnowned: (id, location) => deleteUnownedOriginal(db, id, location),
      deletePartial: (id, location) => deletePartialOriginal(db, id, location),
    },
  };
}
