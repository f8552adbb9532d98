import { openDB, type IDBPDatabase, type IDBPTransaction, type StoreNames } from 'idb';
import type { ShoeboxDB } from './schema';

export const DB_NAME = 'shoebox';

type UpgradeTx = IDBPTransaction<ShoeboxDB, StoreNames<ShoeboxDB>[], 'versionchange'>;

/**
 * One entry per schema version: `MIGRATIONS[n - 1]` upgrades a database from version n-1 to n.
 * Entries are never edited once released; a change of schema is a new entry, so a library
 * created by any earlier version walks forward step by step and keeps its data.
 */
export const MIGRATIONS: ReadonlyArray<(db: IDBPDatabase<ShoeboxDB>, tx: UpgradeTx) => void> = [
  // v1: the first library layout.
  (db) => {
    const assets = db.createObjectStore('assets', { keyPath: 'id' });
    assets.createIndex('bySha256', 'sha256', { unique: true });
    assets.createIndex('byAddedAt', 'addedAt');
    assets.createIndex('byName', 'name');
    db.createObjectStore('blobs');
    db.createObjectStore('thumbnails', { keyPath: 'id' });
    const embeddings = db.createObjectStore('embeddings', { keyPath: 'id' });
    embeddings.createIndex('byModelId', 'modelId');
    const jobs = db.createObjectStore('jobs', { keyPath: 'id' });
    jobs.createIndex('byStatus', 'status');
    jobs.createIndex('byStatusCreatedAt', ['status', 'createdAt']);
    jobs.createIndex('byCreatedAt', 'createdAt');
    const lineage = db.createObjectStore('lineage', { keyPath: 'id' });
    lineage.createIndex('bySourceAssetId', 'sourceAssetId');
    db.createObjectStore('meta');
    const timings = db.createObjectStore('queryTimings', { keyPath: 'id', autoIncrement: true });
    timings.createIndex('byAt', 'at');
  },
  // v2: video frame vectors (search returns moments) and persisted vector indexes.
  (db) => {
    const frames = db.createObjectStore('frameEmbeddings', { keyPath: 'id' });
    frames.createIndex('byAssetId', 'assetId');
    frames.createIndex('byModelId', 'modelId');
    db.createObjectStore('indexSnapshots', { keyPath: 'name' });
  },
  // v3: clusters of similar media with their names.
  (db) => {
    const clusters = db.createObjectStore('clusters', { keyPath: 'id' });
    clusters.createIndex('byModelKey', 'modelKey');
  },
  // v4: drop manifests (a drop interrupted mid-copy names what never made it in), jobs by drop,
  // remembered folders (scanned again for what is new), and deletes waiting out their undo window,
  // kept in storage so a reload neither loses the undo nor leaves the deleted original behind.
  (db, tx) => {
    db.createObjectStore('drops', { keyPath: 'id' });
    db.createObjectStore('folders', { keyPath: 'id' });
    tx.objectStore('jobs').createIndex('byBatchId', 'batchId');
    const tombstones = db.createObjectStore('tombstones', { keyPath: 'id' });
    tombstones.createIndex('byExpiresAt', 'expiresAtMs');
  },
  // v5: the timeline orders items by date taken (items stored before it get their date added,
  // the only date they kept); favourites; albums with one membership record per item, so an
  // item's albums are found by index when it is deleted or restored.
  (db, tx) => {
    const assets = tx.objectStore('assets');
    assets.createIndex('byTakenAt', 'takenAtMs');
    void (async () => {
      for (let c = await assets.openCursor(); c; c = await c.continue()) {
        if (c.value.takenAtMs === undefined) void c.update({ ...c.value, takenAtMs: c.value.addedAt, takenAtSource: 'added' });
      }
    })();
    db.createObjectStore('albums', { keyPath: 'id' });
    const albumItems = db.createObjectStore('albumItems', { keyPath: 'id' });
    albumItems.createIndex('byAlbumId', 'albumId');
    albumItems.createIndex('byAssetId', 'assetId');
  },
];

export const SCHEMA_VERSION = MIGRATIONS.length;

export type Db = IDBPDatabase<ShoeboxDB>;

/**
 * Opens (and if needed migrates) the library. Each open connection closes itself when another
 * tab or worker needs a newer version, so an upgrade never deadlocks on an old tab.
 * `migrations` is a parameter only so tests can rehearse a future upgrade step on real data.
 */
export async function openLibraryDb(name = DB_NAME, version = SCHEMA_VERSION, migrations = MIGRATIONS): Promise<Db> {
  const db = await openDB<ShoeboxDB>(name, version, {
    upgrade(database, oldVersion, newVersion, tx) {
      for (let v = oldVersion; v < (newVersion ?? version); v++) migrations[v](database, tx);
      void tx.objectStore('meta').put({ from: oldVersion, to: newVersion, at: Date.now() }, `migration:${newVersion}`);
      void tx.objectStore('meta').put(newVersion, 'schemaVersion');
    },
    blocking() {
      db.close();
    },
  });
  return db;
}
