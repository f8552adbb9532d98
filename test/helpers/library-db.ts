import { afterEach } from 'vitest';
import { openLibraryDb, type Db } from '../../src/lib/db/db';

export interface LibraryDbs {
  /** Opens the library database `name` (a new unique one when omitted). */
  open(name?: string): Promise<Db>;
  /** A database name no test used yet: open it twice to play two tabs of one library. */
  uniqueName(): string;
}

/**
 * Library databases for unit tests (fake-indexeddb), each under a unique name; every connection
 * opened is closed after each test. Call it at the top level of a test file.
 */
export function libraryDbs(prefix: string): LibraryDbs {
  let seq = 0;
  const opened: Db[] = [];
  afterEach(() => {
    for (const db of opened.splice(0)) db.close();
  });
  const uniqueName = () => `shoebox-${prefix}-${++seq}-${Math.random().toString(36).slice(2)}`;
  return {
    uniqueName,
    async open(name = uniqueName()) {
      const db = await openLibraryDb(name);
      opened.push(db);
      return db;
    },
  };
}
