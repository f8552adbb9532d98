/**
 * The Shoebox library archive: one file that holds a whole library, for backups and moving
 * between browsers.
 *
 * Container: POSIX.1-1988 "ustar" tar (512-byte headers, octal sizes, header checksum = byte
 * sum with the checksum field read as spaces; data padded to 512; two zero blocks at the end).
 * Only regular files are written or accepted. Entry order:
 *
 *   manifest.json                       format, versions, model, counts, and the size and
 *                                       SHA-256 of every later entry, in order
 *   records/<store>/<nnnnnn>.jsonl      records as JSON lines (vector fields left out)
 *   vectors/<store>/<nnnnnn>.f32        those records' vectors, little-endian float32, same order
 *   thumbnails/<thumbnailId>            thumbnail image bytes
 *   originals/<assetId>                 original files (optional)
 *   originals/<assetId>#motion          a Live Photo's motion file, with its still's original
 *
 * Reading checks everything before anything is written to a library: names, order, sizes,
 * digests, record shapes, vector lengths and norms, duplicate ids and references. Any failure
 * is an `ArchiveError` with a message meant for the user.
 */
import type { AlbumItemRecord, AlbumRecord, AssetRecord, ClusterRecord, EmbeddingRecord, FrameEmbeddingRecord, LineageRecord } from './records';
import { TAKEN_AT_SOURCES } from './records';
import { albumItemId, cleanAlbumName } from './albums';
import { sha256Hex } from './sha256';
import { motionOriginalId } from './live-photos';

export const ARCHIVE_FORMAT = 'shoebox-archive';
export const ARCHIVE_FORMAT_VERSION = 1;
export const MANIFEST_NAME = 'manifest.json';
/** Records per `records/…` chunk: small enough to hold a chunk in memory, large enough to keep the entry count low. */
export const RECORDS_PER_CHUNK = 500;
const BLOCK = 512;
/** A manifest lists every entry; 64 MiB is far above a million-item library's. */
const MAX_MANIFEST_BYTES = 64 * 1024 * 1024;
/** |‖v‖ − 1| above this is not an L2-normalized vector (float32 sums of 512 terms stay far below). */
const NORM_TOLERANCE = 1e-3;

export type RecordStore = 'assets' | 'thumbnails' | 'embeddings' | 'frameEmbeddings' | 'lineage' | 'clusters' | 'meta' | 'albums' | 'albumItems';
export const RECORD_STORES: readonly RecordStore[] = ['assets', 'thumbnails', 'embeddings', 'frameEmbeddings', 'lineage', 'clusters', 'meta', 'albums', 'albumItems'];
/** Stores archives written before albums existed do not count: read as none. */
type LaterStore = 'albums' | 'albumItems';
const LATER_STORES: readonly LaterStore[] = ['albums', 'albumItems'];
/** How many records of each kind an archive holds. */
export type ArchiveCounts = Record<Exclude<RecordStore, LaterStore> | 'originals', number> & Partial<Record<LaterStore, number>>;
const countOf = (counts: ArchiveCounts, key: RecordStore | 'originals'): number => counts[key] ?? 0;
/** Stores whose records carry a Float32Array, kept in a `vectors/` entry instead of the JSON. */
export const VECTOR_FIELD: Partial<Record<RecordStore, 'vector' | 'centroid'>> = { embeddings: 'vector', frameEmbeddings: 'vector', clusters: 'centroid' };

/**
 * Meta keys never written to an archive: the VLM key stays on this device; versions, the model
 * choice and the leftover sweep's bookkeeping (ids of this device's stored files) are the device's own.
 */
export function isExportableMetaKey(key: string): boolean {
  // takeout: Takeout sidecars waiting for their photo, this device's import state; metadata-pass:
  // how far this device's records have had their metadata read.
  return !key.startsWith('vlm:') && !key.startsWith('migration:') && !key.startsWith('sweep:') && !key.startsWith('takeout:') && !key.startsWith('metadata-pass:') && key !== 'schemaVersion' && key !== 'settings:modelSource';
}

export interface ManifestEntry {
  name: string;
  sizeBytes: number;
  sha256: string;
}

export interface ArchiveManifest {
  format: typeof ARCHIVE_FORMAT;
  formatVersion: number;
  schemaVersion: number;
  /** ms since epoch */
  createdAt: number;
  modelKey: string;
  dim: number;
  includesOriginals: boolean;
  counts: ArchiveCounts;
  entries: ManifestEntry[];
}

/** Thumbnail metadata in `records/thumbnails`; the bytes are the `thumbnails/<id>` entry. */
export interface ThumbnailMeta {
  id: string;
  width: number;
  height: number;
  mime: string;
}

export class ArchiveError extends Error {
  override name = 'ArchiveError';
}

// ------------------------------------------------------------------ names

const ID = '[A-Za-z0-9_-]{1,64}';
const NAME_PATTERNS: ReadonlyArray<[RegExp, EntryKind]> = [
  [new RegExp(`^records/(${RECORD_STORES.join('|')})/(\\d{6})\\.jsonl$`), 'records'],
  [/^vectors\/(embeddings|frameEmbeddings|clusters)\/(\d{6})\.f32$/, 'vectors'],
  [new RegExp(`^thumbnails/(${ID}(?:#\\d{1,6})?)$`), 'thumbnail'],
  [new RegExp(`^originals/(${ID}(?:#motion)?)$`), 'original'],
];
type EntryKind = 'manifest' | 'records' | 'vectors' | 'thumbnail' | 'original';

/**
 * Rejects names a tar extractor could be tricked with (`../`, absolute paths, backslashes, NUL,
 * control characters, empty or dot segments), then anything that is not one of ours.
 */
export function checkEntryName(name: string): { kind: EntryKind; store?: RecordStore; chunk?: number; id?: string } {
  const shown = JSON.stringify(name.slice(0, 120));
  if (name.length === 0) throw new ArchiveError('The archive has an entry without a name.');
  if (name.includes('\0')) throw new ArchiveError(`The archive has an entry name with a NUL character: ${shown}.`);
  if (name.includes('\\')) throw new ArchiveError(`The archive has an entry name with a backslash: ${shown}.`);
  if (name.startsWith('/') || /^[A-Za-z]:/.test(name)) throw new ArchiveError(`The archive has an absolute entry name: ${shown}.`);
  if (name.split('/').some((s) => s === '..')) throw new ArchiveError(`The archive has an entry name that leaves its folder ("../"): ${shown}.`);
  if (/[\u0000-\u001f\u007f]/.test(name)) throw new ArchiveError(`The archive has an entry name with control characters: ${shown}.`);
  if (name.split('/').some((s) => s === '' || s === '.')) throw new ArchiveError(`The archive has an entry name with an empty or "." part: ${shown}.`);
  if (name === MANIFEST_NAME) return { kind: 'manifest' };
  for (const [re, kind] of NAME_PATTERNS) {
    const m = re.exec(name);
    if (!m) continue;
    if (kind === 'records' || kind === 'vectors') return { kind, store: m[1] as RecordStore, chunk: Number(m[2]) };
    return { kind, id: m[1] };
  }
  throw new ArchiveError(`The archive has an entry Shoebox does not know: ${shown}.`);
}

export const chunkName = (dir: 'records' | 'vectors', store: RecordStore, chunk: number): string =>
  `${dir}/${store}/${String(chunk).padStart(6, '0')}.${dir === 'records' ? 'jsonl' : 'f32'}`;

// ------------------------------------------------------------------ tar blocks

const enc = new TextEncoder();
const dec = new TextDecoder('utf-8', { fatal: true });

function writeString(block: Uint8Array, offset: number, length: number, value: string): void {
  const bytes = enc.encode(value);
  if (bytes.length > length) throw new ArchiveError(`Name too long for the archive: ${value}`);
  block.set(bytes, offset);
}

function writeOctal(block: Uint8Array, offset: number, length: number, value: number): void {
  writeString(block, offset, length, value.toString(8).padStart(length - 1, '0') + '\0');
}

/** A ustar header for a regular file. `mtimeSec` is seconds since epoch. */
export function tarHeader(name: string, sizeBytes: number, mtimeSec = 0): Uint8Array {
  const block = new Uint8Array(BLOCK);
  writeString(block, 0, 100, name);
  writeOctal(block, 100, 8, 0o644);
  writeOctal(block, 108, 8, 0);
  writeOctal(block, 116, 8, 0);
  writeOctal(block, 124, 12, sizeBytes);
  writeOctal(block, 136, 12, Math.floor(mtimeSec));
  block[156] = 0x30; // '0': regular file
  writeString(block, 257, 6, 'ustar\0');
  writeString(block, 263, 2, '00');
  block.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of block) sum += b;
  writeString(block, 148, 8, sum.toString(8).padStart(6, '0') + '\0 ');
  return block;
}

/** Zero bytes that bring an entry of `sizeBytes` to a whole number of blocks. */
export function tarPadding(sizeBytes: number): Uint8Array {
  return new Uint8Array((BLOCK - (sizeBytes % BLOCK)) % BLOCK);
}

/** Two zero blocks end a tar. */
export const tarEnd = (): Uint8Array => new Uint8Array(BLOCK * 2);

function readOctal(block: Uint8Array, offset: number, length: number): number {
  let text = '';
  for (let i = offset; i < offset + length; i++) {
    const c = block[i];
    if (c === 0 || c === 0x20) {
      if (text) break;
      continue;
    }
    if (c < 0x30 || c > 0x37) return NaN;
    text += String.fromCharCode(c);
  }
  return text ? parseInt(text, 8) : NaN;
}

function readString(block: Uint8Array, offset: number, length: number): string {
  let end = offset;
  while (end < offset + length && block[end] !== 0) end++;
  try {
    return dec.decode(block.subarray(offset, end));
  } catch {
    throw new ArchiveError('The archive has an entry name that is not valid UTF-8.');
  }
}

interface TarHeader {
  name: string;
  sizeBytes: number;
}

/** Parses one header block; null for a zero block (the end). */
export function parseTarHeader(block: Uint8Array): TarHeader | null {
  if (block.every((b) => b === 0)) return null;
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : block[i];
  if (readOctal(block, 148, 8) !== sum) throw new ArchiveError('The archive is damaged: a tar header checksum does not match.');
  if (readString(block, 257, 6) !== 'ustar') throw new ArchiveError('This file is not a Shoebox archive (not a ustar tar).');
  const type = block[156];
  if (type !== 0x30 && type !== 0) throw new ArchiveError(`The archive holds a link, folder or other special entry (type "${String.fromCharCode(type)}"); only files are allowed.`);
  const sizeBytes = readOctal(block, 124, 12);
  if (!Number.isSafeInteger(sizeBytes)) throw new ArchiveError('The archive is damaged: an entry size is unreadable.');
  const prefix = readString(block, 345, 155);
  const base = readString(block, 0, 100);
  return { name: prefix ? `${prefix}/${base}` : base, sizeBytes };
}

// ------------------------------------------------------------------ records and vectors

/** Records as JSON lines, with the vector field (if the store has one) taken out. */
export function encodeRecords(store: RecordStore, records: readonly object[]): Uint8Array {
  const field = VECTOR_FIELD[store];
  const lines = records.map((r) => {
    if (!field) return JSON.stringify(r);
    const copy: Record<string, unknown> = { ...(r as Record<string, unknown>) };
    delete copy[field];
    return JSON.stringify(copy);
  });
  return enc.encode(lines.length ? lines.join('\n') + '\n' : '');
}

/** The vectors of a chunk of records, concatenated as little-endian float32. */
export function encodeVectors(store: RecordStore, records: readonly object[], dim: number): Uint8Array {
  const field = VECTOR_FIELD[store]!;
  const out = new Uint8Array(records.length * dim * 4);
  const view = new DataView(out.buffer);
  records.forEach((r, i) => {
    const v = (r as Record<string, unknown>)[field] as Float32Array;
    if (v.length !== dim) throw new ArchiveError(`A stored vector has ${v.length} dimensions, the model ${dim}.`);
    for (let j = 0; j < dim; j++) view.setFloat32((i * dim + j) * 4, v[j], true);
  });
  return out;
}

function decodeLines(name: string, bytes: Uint8Array): unknown[] {
  let text: string;
  try {
    text = dec.decode(bytes);
  } catch {
    throw new ArchiveError(`${name} is not valid UTF-8 text.`);
  }
  return text
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l, i) => {
      try {
        return JSON.parse(l) as unknown;
      } catch {
        throw new ArchiveError(`${name}, line ${i + 1}: not valid JSON.`);
      }
    });
}

function decodeVectors(name: string, bytes: Uint8Array, count: number, dim: number): Float32Array[] {
  if (bytes.length !== count * dim * 4) throw new ArchiveError(`${name} holds ${bytes.length} bytes; ${count} vectors of ${dim} dimensions need ${count * dim * 4}.`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: Float32Array[] = [];
  for (let i = 0; i < count; i++) {
    const v = new Float32Array(dim);
    let norm = 0;
    for (let j = 0; j < dim; j++) {
      const x = view.getFloat32((i * dim + j) * 4, true);
      if (!Number.isFinite(x)) throw new ArchiveError(`${name}: vector ${i + 1} has a NaN or infinite value.`);
      v[j] = x;
      norm += x * x;
    }
    if (Math.abs(Math.sqrt(norm) - 1) > NORM_TOLERANCE) throw new ArchiveError(`${name}: vector ${i + 1} is not unit length (norm ${Math.sqrt(norm).toFixed(4)}).`);
    out.push(v);
  }
  return out;
}

// ------------------------------------------------------------------ record shapes

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const ASSET_ID = new RegExp(`^${ID}$`);
const isStr = (v: unknown, max = 4096): v is string => typeof v === 'string' && v.length <= max;
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isCount = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;

function need(ok: boolean, where: string, what: string): void {
  if (!ok) throw new ArchiveError(`${where}: ${what}.`);
}

function checkAsset(r: unknown, where: string): AssetRecord {
  need(isObj(r), where, 'not a record');
  const a = r as Obj;
  need(isStr(a.id) && ASSET_ID.test(a.id), where, 'the asset id is missing or malformed');
  need(isStr(a.name, 1024), where, 'the name is missing or too long');
  need(a.type === 'image' || a.type === 'video', where, 'the type is neither image nor video');
  need(isStr(a.mime, 255), where, 'the media type is missing');
  need(isCount(a.sizeBytes), where, 'the size is missing');
  need(isStr(a.sha256) && /^[0-9a-f]{64}$/.test(a.sha256), where, 'the SHA-256 is malformed');
  need(isStr(a.pHash) && /^[0-9a-f]{16}$/.test(a.pHash), where, 'the perceptual hash is malformed');
  need(isCount(a.width) && isCount(a.height), where, 'the size in pixels is missing');
  need(isNum(a.addedAt), where, 'the date added is missing');
  const out: AssetRecord = {
    id: a.id as string,
    name: a.name as string,
    type: a.type as AssetRecord['type'],
    mime: a.mime as string,
    sizeBytes: a.sizeBytes as number,
    sha256: a.sha256 as string,
    pHash: a.pHash as string,
    width: a.width as number,
    height: a.height as number,
    addedAt: a.addedAt as number,
    // Archives written before dates taken were kept carry only the date added.
    takenAtMs: a.addedAt as number,
    takenAtSource: 'added',
    status: 'ready',
    blobLocation: 'idb',
  };
  if (a.takenAtMs !== undefined) {
    need(isNum(a.takenAtMs) && (TAKEN_AT_SOURCES as readonly unknown[]).includes(a.takenAtSource), where, 'the date taken is malformed');
    out.takenAtMs = a.takenAtMs as number;
    out.takenAtSource = a.takenAtSource as AssetRecord['takenAtSource'];
  }
  if (a.takenAtOffsetMin !== undefined) {
    need(Number.isInteger(a.takenAtOffsetMin) && Math.abs(a.takenAtOffsetMin as number) <= 14 * 60, where, 'the UTC offset of the date taken is malformed');
    out.takenAtOffsetMin = a.takenAtOffsetMin as number;
  }
  if (a.camera !== undefined) {
    const c = a.camera;
    const name = (v: unknown) => v === undefined || isStr(v, 255);
    need(isObj(c) && name(c.make) && name(c.model) && name(c.lens), where, 'the camera is malformed');
    const { make, model, lens } = c as { make?: string; model?: string; lens?: string };
    out.camera = { ...(make !== undefined ? { make } : {}), ...(model !== undefined ? { model } : {}), ...(lens !== undefined ? { lens } : {}) };
  }
  if (a.metadataVersion !== undefined) {
    need(isCount(a.metadataVersion), where, 'the metadata version is malformed');
    out.metadataVersion = a.metadataVersion as number;
  }
  if (a.gps !== undefined) {
    const g = a.gps;
    need(isObj(g) && isNum(g.lat) && isNum(g.lon) && Math.abs(g.lat) <= 90 && Math.abs(g.lon) <= 180, where, 'the GPS position is malformed');
    out.gps = { lat: (g as Obj).lat as number, lon: (g as Obj).lon as number };
  }
  if (a.gpsSource !== undefined) {
    need(a.gpsSource === 'takeout' || a.gpsSource === 'video-metadata', where, 'the source of the GPS position is malformed');
    out.gpsSource = a.gpsSource as AssetRecord['gpsSource'];
  }
  if (a.fileName !== undefined) {
    need(isStr(a.fileName, 1024), where, 'the file name is too long');
    out.fileName = a.fileName as string;
  }
  if (a.favourite !== undefined) {
    need(typeof a.favourite === 'boolean', where, 'the favourite mark is malformed');
    if (a.favourite) out.favourite = true;
  }
  if (a.nearDuplicateOf !== undefined) {
    const n = a.nearDuplicateOf;
    need(isObj(n) && isStr(n.id) && isStr(n.name, 1024) && isNum(n.distance), where, 'the near-duplicate note is malformed');
    out.nearDuplicateOf = { id: (n as Obj).id as string, name: (n as Obj).name as string, distance: (n as Obj).distance as number };
  }
  if (a.pHashStructure !== undefined) {
    need(isNum(a.pHashStructure) && (a.pHashStructure as number) >= 0, where, 'the perceptual hash structure is malformed');
    out.pHashStructure = a.pHashStructure as number;
  }
  if (a.durationSec !== undefined) {
    need(isNum(a.durationSec), where, 'the duration is malformed');
    out.durationSec = a.durationSec as number;
  }
  if (a.decoder !== undefined) {
    need(a.decoder === 'webcodecs' || a.decoder === 'ffmpeg', where, 'the decoder is unknown');
    out.decoder = a.decoder as AssetRecord['decoder'];
  }
  if (a.frameTimestampsSec !== undefined) {
    need(Array.isArray(a.frameTimestampsSec) && a.frameTimestampsSec.every(isNum), where, 'the frame times are malformed');
    out.frameTimestampsSec = a.frameTimestampsSec as number[];
  }
  if (a.motion !== undefined) out.motion = checkMotion(a.motion, out, where);
  return out;
}

/** A Live Photo's motion file (its bytes are an `originals/<id>#motion` entry) or a Motion Photo's MP4 inside the still's bytes. */
function checkMotion(m: unknown, asset: AssetRecord, where: string): NonNullable<AssetRecord['motion']> {
  need(isObj(m) && asset.type === 'image', where, 'the motion is malformed');
  const o = m as Obj;
  if (o.kind === 'motion-photo') {
    need(isCount(o.offsetBytes) && isCount(o.sizeBytes) && (o.offsetBytes as number) + (o.sizeBytes as number) <= asset.sizeBytes, where, "the Motion Photo's video lies outside its file");
    return { kind: 'motion-photo', offsetBytes: o.offsetBytes as number, sizeBytes: o.sizeBytes as number };
  }
  need(o.kind === 'live' && isStr(o.name, 1024) && isStr(o.mime, 255) && isCount(o.sizeBytes) && isNum(o.durationSec) && isStr(o.sha256) && /^[0-9a-f]{64}$/.test(o.sha256), where, 'the Live Photo motion is malformed');
  return { kind: 'live', name: o.name as string, mime: o.mime as string, sizeBytes: o.sizeBytes as number, sha256: o.sha256 as string, durationSec: o.durationSec as number, blobLocation: 'idb' };
}

function checkThumbnail(r: unknown, where: string): ThumbnailMeta {
  need(isObj(r), where, 'not a record');
  const t = r as Obj;
  need(isStr(t.id) && new RegExp(`^${ID}(#\\d{1,6})?$`).test(t.id), where, 'the thumbnail id is malformed');
  need(isCount(t.width) && isCount(t.height), where, 'the thumbnail size is missing');
  need(isStr(t.mime, 255), where, 'the thumbnail media type is missing');
  return { id: t.id as string, width: t.width as number, height: t.height as number, mime: t.mime as string };
}

function checkEmbedding(r: unknown, where: string, m: ArchiveManifest): Omit<EmbeddingRecord, 'vector'> {
  need(isObj(r), where, 'not a record');
  const e = r as Obj;
  need(isStr(e.id) && ASSET_ID.test(e.id), where, 'the asset id is malformed');
  need(e.modelId === m.modelKey && e.dim === m.dim, where, `the vector is not from the archive's model ${m.modelKey} (${m.dim} dimensions)`);
  return { id: e.id as string, modelId: m.modelKey, dim: m.dim };
}

function checkFrame(r: unknown, where: string, m: ArchiveManifest): Omit<FrameEmbeddingRecord, 'vector'> {
  need(isObj(r), where, 'not a record');
  const f = r as Obj;
  need(isStr(f.assetId) && ASSET_ID.test(f.assetId), where, 'the asset id is malformed');
  need(isCount(f.frameIndex) && f.id === `${f.assetId as string}#${f.frameIndex as number}`, where, 'the frame id is malformed');
  need(isNum(f.timestampSec), where, 'the frame time is missing');
  need(f.modelId === m.modelKey && f.dim === m.dim, where, `the vector is not from the archive's model ${m.modelKey} (${m.dim} dimensions)`);
  return { id: f.id as string, assetId: f.assetId as string, frameIndex: f.frameIndex as number, timestampSec: f.timestampSec as number, modelId: m.modelKey, dim: m.dim };
}

function checkLineage(r: unknown, where: string): LineageRecord {
  need(isObj(r), where, 'not a record');
  const l = r as Obj;
  need(isStr(l.id) && isStr(l.recordId) && isStr(l.producer) && isStr(l.producerVersion) && isNum(l.createdAt), where, 'the lineage record is malformed');
  need(isStr(l.sourceAssetId) && ASSET_ID.test(l.sourceAssetId), where, 'the source asset id is malformed');
  need(['embeddings', 'thumbnails', 'assets', 'frameEmbeddings'].includes(l.store as string), where, 'the lineage store is unknown');
  need(isObj(l.params) && Object.values(l.params).every((v) => ['string', 'number', 'boolean'].includes(typeof v)), where, 'the lineage parameters are malformed');
  return l as unknown as LineageRecord;
}

const isIdList = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => isStr(x) && ASSET_ID.test(x));

/** Clusters are kept as written (their schema grows), but every id they name must be an asset of the archive. */
function checkCluster(r: unknown, where: string, m: ArchiveManifest): Omit<ClusterRecord, 'centroid'> {
  need(isObj(r), where, 'not a record');
  const c = r as Obj;
  need(isStr(c.id, 128) && c.id.length > 0, where, 'the cluster id is missing');
  need(c.modelKey === m.modelKey, where, `the cluster is not from the archive's model ${m.modelKey}`);
  need(isIdList(c.memberIds) && isIdList(c.representativeIds), where, 'the member lists are malformed');
  for (const k of ['namedMemberIds', 'pinnedIds'] as const) need(c[k] === undefined || isIdList(c[k]), where, `${k} is malformed`);
  need(isStr(c.name, 1024) && ['user', 'vlm', 'zero-shot'].includes(c.nameSource as string), where, 'the name is malformed');
  return c as unknown as Omit<ClusterRecord, 'centroid'>;
}

/** Album names are the user's text: kept as text (markup included), cleaned and length-limited as when typed. */
function checkAlbum(r: unknown, where: string): AlbumRecord {
  need(isObj(r), where, 'not a record');
  const a = r as Obj;
  need(isStr(a.id) && ASSET_ID.test(a.id), where, 'the album id is missing or malformed');
  need(isStr(a.name, 1024), where, 'the album name is missing or too long');
  const name = cleanAlbumName(a.name as string);
  need(name.length > 0, where, 'the album name is empty');
  need(isNum(a.createdAtMs) && isNum(a.updatedAtMs), where, 'the album dates are missing');
  return { id: a.id as string, name, createdAtMs: a.createdAtMs as number, updatedAtMs: a.updatedAtMs as number };
}

function checkAlbumItem(r: unknown, where: string): AlbumItemRecord {
  need(isObj(r), where, 'not a record');
  const m = r as Obj;
  need(isStr(m.albumId) && ASSET_ID.test(m.albumId) && isStr(m.assetId) && ASSET_ID.test(m.assetId), where, 'the album or asset id is malformed');
  need(m.id === albumItemId(m.albumId as string, m.assetId as string), where, 'the album item id is malformed');
  need(isNum(m.addedAtMs), where, 'the date added to the album is missing');
  return { id: m.id as string, albumId: m.albumId as string, assetId: m.assetId as string, addedAtMs: m.addedAtMs as number };
}

// ------------------------------------------------------------------ manifest

export function checkManifest(value: unknown, schemaVersion: number): ArchiveManifest {
  if (!isObj(value) || value.format !== ARCHIVE_FORMAT) throw new ArchiveError('This file is not a Shoebox archive (its manifest names another format).');
  const m = value;
  if (m.formatVersion !== ARCHIVE_FORMAT_VERSION)
    throw new ArchiveError(`This archive uses format version ${String(m.formatVersion)}; this Shoebox reads version ${ARCHIVE_FORMAT_VERSION}. Update Shoebox to import it.`);
  if (!isCount(m.schemaVersion) || m.schemaVersion < 1) throw new ArchiveError('The archive manifest has no valid schema version.');
  if (m.schemaVersion > schemaVersion)
    throw new ArchiveError(`This archive comes from a newer Shoebox (library version ${m.schemaVersion}, this one ${schemaVersion}). Update Shoebox to import it.`);
  if (!isNum(m.createdAt) || !isStr(m.modelKey, 512) || !isCount(m.dim) || m.dim === 0 || m.dim > 8192 || typeof m.includesOriginals !== 'boolean')
    throw new ArchiveError('The archive manifest is incomplete (date, model or dimensions missing).');
  const laterOk = (k: string) => LATER_STORES.includes(k as LaterStore) && (m.counts as Obj)[k] === undefined;
  if (!isObj(m.counts) || ![...RECORD_STORES, 'originals'].every((k) => isCount((m.counts as Obj)[k]) || laterOk(k))) throw new ArchiveError('The archive manifest has no valid counts.');
  if (!Array.isArray(m.entries)) throw new ArchiveError('The archive manifest lists no entries.');
  for (const e of m.entries) {
    if (!isObj(e) || !isStr(e.name, 255) || !isCount(e.sizeBytes) || !isStr(e.sha256) || !/^[0-9a-f]{64}$/.test(e.sha256))
      throw new ArchiveError('The archive manifest has a malformed entry.');
  }
  return m as unknown as ArchiveManifest;
}

// ------------------------------------------------------------------ reading

/** Random access to the archive's bytes: a File in the browser, a Uint8Array in tests. */
export interface ByteSource {
  sizeBytes: number;
  read(offset: number, length: number): Promise<Uint8Array>;
}

export function bytesSource(bytes: Uint8Array): ByteSource {
  return { sizeBytes: bytes.length, read: async (offset, length) => bytes.subarray(offset, offset + length) };
}

/** Where a blob entry's bytes are in the archive, so an import reads them only when it writes them. */
export interface BlobRef {
  offset: number;
  sizeBytes: number;
}

export interface ArchiveAsset {
  asset: AssetRecord;
  embedding?: EmbeddingRecord;
  frames: FrameEmbeddingRecord[];
  thumbnails: Array<ThumbnailMeta & BlobRef>;
  lineage: LineageRecord[];
  original?: BlobRef;
  /** A Live Photo's motion file. */
  motionOriginal?: BlobRef;
}

export interface ArchiveContents {
  manifest: ArchiveManifest;
  assets: ArchiveAsset[];
  clusters: ClusterRecord[];
  meta: Array<[string, unknown]>;
  albums: AlbumRecord[];
  albumItems: AlbumItemRecord[];
}

export interface ReadProgress {
  doneBytes: number;
  totalBytes: number;
}

/** Bytes an entry takes in the tar: its header, its data and the padding to a whole block. */
const entrySpan = (sizeBytes: number): number => BLOCK + sizeBytes + tarPadding(sizeBytes).length;

/** How many headers one read of the header walk may cover: small entries are read in runs, large ones skipped. */
const HEADER_WINDOW_BYTES = 1024 * 1024;

/**
 * What the manifest says about itself and the file's size, checked without reading any entry:
 * the number of entries the file can hold, the bytes the declared sizes need, the entry counts per
 * kind against `counts`, and the vector bytes against counts × dim. `entriesOffset` is where the
 * first entry after the manifest starts.
 */
export function checkDeclaredShape(manifest: ArchiveManifest, entriesOffset: number, fileSizeBytes: number): void {
  const room = fileSizeBytes - entriesOffset - 2 * BLOCK;
  // Every entry takes at least its header block: this bounds all later work by the file's size.
  const maxEntries = Math.max(0, Math.floor(room / BLOCK));
  if (manifest.entries.length > maxEntries)
    throw new ArchiveError(`The archive is truncated or its manifest is wrong: the manifest lists ${manifest.entries.length} entries; a file of ${fileSizeBytes} bytes holds at most ${maxEntries}.`);
  let declaredBytes = 0;
  for (const e of manifest.entries) declaredBytes += entrySpan(e.sizeBytes);
  if (declaredBytes > room) throw new ArchiveError(`The archive is truncated: its manifest declares ${declaredBytes} bytes of entries, the file has room for ${Math.max(0, room)}.`);

  const seen = new Set<string>();
  const chunks = (): Record<RecordStore, Map<number, ManifestEntry>> => Object.fromEntries(RECORD_STORES.map((s) => [s, new Map()])) as Record<RecordStore, Map<number, ManifestEntry>>;
  const recordChunks = chunks();
  const vectorChunks = chunks();
  let thumbnails = 0;
  let originals = 0;
  for (const e of manifest.entries) {
    const info = checkEntryName(e.name);
    if (info.kind === 'manifest') throw new ArchiveError('The archive holds a second manifest.');
    if (seen.has(e.name)) throw new ArchiveError(`The archive lists ${e.name} twice.`);
    seen.add(e.name);
    if (info.kind === 'records') recordChunks[info.store!].set(info.chunk!, e);
    else if (info.kind === 'vectors') vectorChunks[info.store!].set(info.chunk!, e);
    else if (info.kind === 'thumbnail') thumbnails++;
    else originals++;
  }
  const { counts } = manifest;
  if (thumbnails !== counts.thumbnails) throw new ArchiveError(`The archive manifest counts ${counts.thumbnails} thumbnails but lists ${thumbnails} thumbnail images.`);
  if (originals !== counts.originals) throw new ArchiveError(`The archive manifest counts ${counts.originals} original files but lists ${originals}.`);
  for (const store of RECORD_STORES) {
    const list = recordChunks[store];
    // Writers never write an empty records entry, so each holds at least one record.
    const count = countOf(counts, store);
    if (list.size > count) throw new ArchiveError(`The archive manifest counts ${count} ${store} but lists ${list.size} entries of them.`);
    if (count > 0 && list.size === 0) throw new ArchiveError(`The archive manifest counts ${count} ${store} but lists no entry of them.`);
    if (!VECTOR_FIELD[store]) continue;
    const vectorsOf = vectorChunks[store];
    for (const chunk of list.keys()) if (!vectorsOf.has(chunk)) throw new ArchiveError(`${chunkName('records', store, chunk)} has no vectors entry.`);
    let vectorBytes = 0;
    for (const [chunk, e] of vectorsOf) {
      if (!list.has(chunk)) throw new ArchiveError(`${e.name} belongs to no records entry.`);
      vectorBytes += e.sizeBytes;
    }
    const needBytes = count * manifest.dim * 4;
    if (vectorBytes !== needBytes) {
      const where = vectorsOf.size === 1 ? `${[...vectorsOf.values()][0]!.name} holds` : `The ${store} vectors entries hold`;
      throw new ArchiveError(`${where} ${vectorBytes} bytes; ${count} vectors of ${manifest.dim} dimensions need ${needBytes}.`);
    }
  }
}

/**
 * Walks the tar headers the manifest's sizes lead to, without reading the data between them (runs
 * of small entries are read together, up to HEADER_WINDOW_BYTES): each header must name the listed
 * entry with the listed size, and the end marker must follow the last one. Returns where each
 * entry's data starts. Call after checkDeclaredShape, which makes every position lie in the file.
 */
export async function checkHeaders(src: ByteSource, entries: readonly ManifestEntry[], entriesOffset: number): Promise<number[]> {
  const headerAt: number[] = [];
  let at = entriesOffset;
  for (const e of entries) {
    headerAt.push(at);
    at += entrySpan(e.sizeBytes);
  }
  headerAt.push(at); // the end marker
  let window: Uint8Array = new Uint8Array(0);
  let windowStart = 0;
  let reach = 0;
  const blockAt = async (i: number): Promise<Uint8Array> => {
    const offset = headerAt[i]!;
    if (offset < windowStart || offset + BLOCK > windowStart + window.length) {
      reach = Math.max(reach, i);
      while (reach + 1 < headerAt.length && headerAt[reach + 1]! + BLOCK - offset <= HEADER_WINDOW_BYTES) reach++;
      const end = Math.min(headerAt[reach]! + BLOCK, src.sizeBytes);
      if (end < offset + BLOCK) throw new ArchiveError('The archive is truncated: it ends inside a tar header.');
      window = await src.read(offset, end - offset);
      windowStart = offset;
    }
    return window.subarray(offset - windowStart, offset - windowStart + BLOCK);
  };
  for (const [i, declared] of entries.entries()) {
    const header = parseTarHeader(await blockAt(i));
    if (!header) throw new ArchiveError(`The archive ends before ${declared.name}, which its manifest lists.`);
    checkEntryName(header.name);
    if (header.name !== declared.name) throw new ArchiveError(`The archive holds ${JSON.stringify(header.name.slice(0, 120))} where its manifest lists ${declared.name}.`);
    if (header.sizeBytes > declared.sizeBytes) throw new ArchiveError(`${declared.name} is larger than the manifest declares (${header.sizeBytes} > ${declared.sizeBytes} bytes).`);
    if (header.sizeBytes !== declared.sizeBytes) throw new ArchiveError(`${declared.name} is smaller than the manifest declares (${header.sizeBytes} < ${declared.sizeBytes} bytes).`);
  }
  if (parseTarHeader(await blockAt(entries.length)) !== null) throw new ArchiveError('The archive holds entries its manifest does not list.');
  return headerAt.slice(0, -1).map((offset) => offset + BLOCK);
}

/** What the library opening the archive uses, to refuse what it cannot take. */
export interface ReadExpectations {
  schemaVersion: number;
  /** The current model: vectors of another model cannot be searched beside this one's. */
  modelKey?: string;
  dim?: number;
}

/**
 * Reads and checks a whole archive without writing anything. Vectors and records are returned;
 * thumbnails and originals only as positions, after their digests were checked.
 */
export async function readArchive(src: ByteSource, expect: ReadExpectations, onProgress?: (p: ReadProgress) => void): Promise<ArchiveContents> {
  const truncated = (what: string) => new ArchiveError(`The archive is truncated: it ends inside ${what}.`);
  const readBlock = async (offset: number, what: string) => {
    if (offset + BLOCK > src.sizeBytes) throw truncated(what);
    return src.read(offset, BLOCK);
  };

  let offset = 0;
  const first = parseTarHeader(await readBlock(0, 'the first header'));
  if (!first || first.name !== MANIFEST_NAME) throw new ArchiveError('This file is not a Shoebox archive (manifest.json must come first).');
  if (first.sizeBytes > MAX_MANIFEST_BYTES) throw new ArchiveError('The archive manifest is implausibly large.');
  offset = BLOCK;
  if (offset + first.sizeBytes > src.sizeBytes) throw truncated('manifest.json');
  let manifestValue: unknown;
  try {
    manifestValue = JSON.parse(dec.decode(await src.read(offset, first.sizeBytes)));
  } catch {
    throw new ArchiveError('The archive manifest is not valid JSON.');
  }
  const manifest = checkManifest(manifestValue, expect.schemaVersion);
  // Hostile names are refused before anything else is considered.
  for (const e of manifest.entries) checkEntryName(e.name);
  if (expect.modelKey !== undefined && manifest.modelKey !== expect.modelKey)
    throw new ArchiveError(
      `This archive's vectors come from the model ${manifest.modelKey}; this library uses ${expect.modelKey}. Choose that model in Settings, then import again.`,
    );
  if (expect.dim !== undefined && manifest.dim !== expect.dim) throw new ArchiveError(`This archive's vectors have ${manifest.dim} dimensions; the model here makes ${expect.dim}.`);
  offset += first.sizeBytes + tarPadding(first.sizeBytes).length;

  // Everything the manifest and the tar headers alone can contradict is checked before the
  // first digest: a hostile archive of many entries costs a header walk, not a hash of each one.
  checkDeclaredShape(manifest, offset, src.sizeBytes);
  const dataOffsets = await checkHeaders(src, manifest.entries, offset);

  const records: Record<RecordStore, Map<number, unknown[]>> = Object.fromEntries(RECORD_STORES.map((s) => [s, new Map()])) as Record<RecordStore, Map<number, unknown[]>>;
  const vectors = new Map<string, { bytes: Uint8Array; name: string }>();
  const thumbBlobs = new Map<string, BlobRef>();
  const originals = new Map<string, BlobRef & { sha256: string }>();

  for (const [i, declared] of manifest.entries.entries()) {
    const info = checkEntryName(declared.name);
    const dataOffset = dataOffsets[i]!;
    const bytes = await src.read(dataOffset, declared.sizeBytes);
    if ((await sha256Hex(bytes)) !== declared.sha256) throw new ArchiveError(`${declared.name} is damaged: its SHA-256 does not match the manifest.`);
    onProgress?.({ doneBytes: dataOffset + declared.sizeBytes, totalBytes: src.sizeBytes });

    if (info.kind === 'records') records[info.store!].set(info.chunk!, decodeLines(declared.name, bytes));
    else if (info.kind === 'vectors') vectors.set(`${info.store}/${info.chunk}`, { bytes, name: declared.name });
    else if (info.kind === 'thumbnail') thumbBlobs.set(info.id!, { offset: dataOffset, sizeBytes: declared.sizeBytes });
    else originals.set(info.id!, { offset: dataOffset, sizeBytes: declared.sizeBytes, sha256: declared.sha256 });
  }

  // Records, with each vector chunk matched to its record chunk.
  const all = <T>(store: RecordStore, check: (r: unknown, where: string) => T): Array<{ rec: T; chunk: number; index: number }> => {
    const out: Array<{ rec: T; chunk: number; index: number }> = [];
    for (const [chunk, list] of [...records[store]].sort((a, b) => a[0] - b[0])) {
      list.forEach((r, index) => out.push({ rec: check(r, `${chunkName('records', store, chunk)}, line ${index + 1}`), chunk, index }));
    }
    return out;
  };
  const withVectors = <T extends object>(store: RecordStore, rows: Array<{ rec: T; chunk: number; index: number }>) => {
    const decoded = new Map<number, Float32Array[]>();
    for (const [chunk, list] of records[store]) {
      const v = vectors.get(`${store}/${chunk}`);
      if (!v) throw new ArchiveError(`${chunkName('records', store, chunk)} has no vectors entry.`);
      decoded.set(chunk, decodeVectors(v.name, v.bytes, list.length, manifest.dim));
      vectors.delete(`${store}/${chunk}`);
    }
    return rows.map(({ rec, chunk, index }) => ({ ...rec, [VECTOR_FIELD[store]!]: decoded.get(chunk)![index] })) as unknown[];
  };

  const assetRows = all('assets', checkAsset).map((r) => r.rec);
  const thumbRows = all('thumbnails', checkThumbnail).map((r) => r.rec);
  const embeddingRows = withVectors('embeddings', all('embeddings', (r, w) => checkEmbedding(r, w, manifest))) as EmbeddingRecord[];
  const frameRows = withVectors('frameEmbeddings', all('frameEmbeddings', (r, w) => checkFrame(r, w, manifest))) as FrameEmbeddingRecord[];
  const lineageRows = all('lineage', checkLineage).map((r) => r.rec);
  const clusterRows = withVectors('clusters', all('clusters', (r, w) => checkCluster(r, w, manifest))) as ClusterRecord[];
  const metaRows = all('meta', (r, where) => {
    need(Array.isArray(r) && r.length === 2 && isStr(r[0], 256), where, 'not a [key, value] pair');
    return r as [string, unknown];
  }).map((r) => r.rec);
  const albumRows = all('albums', checkAlbum).map((r) => r.rec);
  const albumItemRows = all('albumItems', checkAlbumItem).map((r) => r.rec);
  if (vectors.size) throw new ArchiveError(`${[...vectors.values()][0].name} belongs to no records entry.`);

  const counts: Record<string, number> = {
    assets: assetRows.length,
    thumbnails: thumbRows.length,
    embeddings: embeddingRows.length,
    frameEmbeddings: frameRows.length,
    lineage: lineageRows.length,
    clusters: clusterRows.length,
    meta: metaRows.length,
    albums: albumRows.length,
    albumItems: albumItemRows.length,
    originals: originals.size,
  };
  for (const [k, n] of Object.entries(counts)) {
    const declared = countOf(manifest.counts, k as RecordStore);
    if (declared !== n) throw new ArchiveError(`The archive manifest counts ${declared} ${k}, the archive holds ${n}.`);
  }

  const byId = new Map<string, ArchiveAsset>();
  const shas = new Set<string>();
  for (const asset of assetRows) {
    if (byId.has(asset.id)) throw new ArchiveError(`The archive lists the asset ${asset.id} twice.`);
    if (shas.has(asset.sha256)) throw new ArchiveError(`The archive lists the same file twice (SHA-256 ${asset.sha256.slice(0, 12)}…).`);
    shas.add(asset.sha256);
    byId.set(asset.id, { asset, frames: [], thumbnails: [], lineage: [] });
  }
  const owner = (id: string, what: string) => {
    const a = byId.get(id);
    if (!a) throw new ArchiveError(`The archive has ${what} for an unknown asset id ${id}.`);
    return a;
  };
  const unique = (kind: string) => {
    const ids = new Set<string>();
    return (id: string) => {
      if (ids.has(id)) throw new ArchiveError(`The archive lists the ${kind} ${id} twice.`);
      ids.add(id);
    };
  };
  const once = { thumb: unique('thumbnail'), emb: unique('vector of'), frame: unique('frame'), lineage: unique('lineage record'), cluster: unique('cluster') };

  for (const t of thumbRows) {
    once.thumb(t.id);
    const blob = thumbBlobs.get(t.id);
    if (!blob) throw new ArchiveError(`The thumbnail ${t.id} has no image entry.`);
    thumbBlobs.delete(t.id);
    owner(t.id.split('#')[0], 'a thumbnail').thumbnails.push({ ...t, ...blob });
  }
  if (thumbBlobs.size) throw new ArchiveError(`The archive has a thumbnail image ${[...thumbBlobs.keys()][0]} without its record.`);
  for (const e of embeddingRows) {
    once.emb(e.id);
    owner(e.id, 'a vector').embedding = e;
  }
  for (const f of frameRows) {
    once.frame(f.id);
    owner(f.assetId, 'a frame vector').frames.push(f);
  }
  for (const l of lineageRows) {
    once.lineage(l.id);
    owner(l.sourceAssetId, 'a lineage record').lineage.push(l);
  }
  for (const [id, { offset: at, sizeBytes, sha256 }] of originals) {
    const a = owner(id.split('#')[0], 'an original file');
    if (id !== a.asset.id) {
      const m = a.asset.motion;
      if (m?.kind !== 'live' || id !== motionOriginalId(a.asset.id)) throw new ArchiveError(`The archive has a motion file for ${a.asset.name}, which is no Live Photo.`);
      if (sizeBytes !== m.sizeBytes || sha256 !== m.sha256) throw new ArchiveError(`The motion file of ${a.asset.name} does not match its record.`);
      a.motionOriginal = { offset: at, sizeBytes };
      continue;
    }
    if (sizeBytes !== a.asset.sizeBytes) throw new ArchiveError(`The original file of ${a.asset.name} has ${sizeBytes} bytes; its record says ${a.asset.sizeBytes}.`);
    // The entry's digest was checked above; it must also be the asset's own SHA-256, the file's identity in a library.
    if (sha256 !== a.asset.sha256) throw new ArchiveError(`The original file of ${a.asset.name} does not match its recorded SHA-256.`);
    a.original = { offset: at, sizeBytes };
  }
  for (const c of clusterRows) {
    once.cluster(c.id);
    for (const id of [...c.memberIds, ...c.representativeIds, ...(c.namedMemberIds ?? []), ...(c.pinnedIds ?? [])]) owner(id, `the cluster "${c.name}"`);
  }
  const metaKeys = unique('setting');
  for (const [key] of metaRows) {
    metaKeys(key);
    if (!isExportableMetaKey(key)) throw new ArchiveError(`The archive holds the setting ${key}, which archives never carry.`);
  }

  const albumIds = unique('album');
  for (const a of albumRows) albumIds(a.id);
  const albumNames = new Map(albumRows.map((a) => [a.id, a.name]));
  const memberships = unique('album item');
  for (const m of albumItemRows) {
    memberships(m.id);
    const album = albumNames.get(m.albumId);
    if (album === undefined) throw new ArchiveError(`The archive has an album item for an unknown album id ${m.albumId}.`);
    owner(m.assetId, `the album "${album}"`);
  }

  return { manifest, assets: [...byId.values()], clusters: clusterRows, meta: metaRows, albums: albumRows, albumItems: albumItemRows };
}

// ------------------------------------------------------------------ writing in memory

export interface PackEntry {
  name: string;
  bytes: Uint8Array;
}

/** Digest and size of one entry, for the manifest. */
export async function describeEntry(name: string, bytes: Uint8Array): Promise<ManifestEntry> {
  checkEntryName(name);
  return { name, sizeBytes: bytes.length, sha256: await sha256Hex(bytes) };
}

export function manifestBytes(manifest: ArchiveManifest): Uint8Array {
  return enc.encode(JSON.stringify(manifest));
}

/** Header, bytes and padding of one entry. */
export function entryParts(name: string, bytes: Uint8Array | { size: number }, mtimeSec: number): Array<Uint8Array | typeof bytes> {
  const size = bytes instanceof Uint8Array ? bytes.length : bytes.size;
  return [tarHeader(name, size, mtimeSec), bytes, tarPadding(size)];
}

/** A whole archive in memory from entries already in order; `manifest.entries` is filled in. */
export async function packArchive(manifest: Omit<ArchiveManifest, 'entries'>, entries: PackEntry[]): Promise<Uint8Array> {
  const described = await Promise.all(entries.map((e) => describeEntry(e.name, e.bytes)));
  const mtimeSec = manifest.createdAt / 1000;
  const parts = [
    ...entryParts(MANIFEST_NAME, manifestBytes({ ...manifest, entries: described }), mtimeSec),
    ...entries.flatMap((e) => entryParts(e.name, e.bytes, mtimeSec)),
    tarEnd(),
  ] as Uint8Array[];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

// ------------------------------------------------------------------ writing in two passes

/** One entry to write: bytes made for the archive, or a stored file whose digest is already known. */
export type SourceEntry = { name: string; bytes: Uint8Array } | { name: string; blob: Blob; sha256: string };

export interface ArchiveSink {
  write(part: Uint8Array | Blob): Promise<void>;
}

export interface WriteProgress {
  phase: 'reading' | 'writing';
  done: number;
  /** 0 while not yet known. */
  total: number;
}

/**
 * Writes an archive whose manifest (first) lists every later entry's digest, without holding the
 * library in memory: `entries()` is read once for the digests and again to write. It must yield
 * the same entries both times; if the library changed in between, the write stops with an error.
 * `counts` is read after the first pass, so the source may fill it in while it is read.
 * Returns the number of bytes written.
 */
export async function writeArchive(
  base: Omit<ArchiveManifest, 'entries' | 'counts'>,
  counts: ArchiveManifest['counts'],
  entries: () => AsyncIterable<SourceEntry>,
  sink: ArchiveSink,
  onProgress?: (p: WriteProgress) => void,
): Promise<number> {
  const listed: ManifestEntry[] = [];
  for await (const e of entries()) {
    listed.push('bytes' in e ? await describeEntry(e.name, e.bytes) : { name: e.name, sizeBytes: e.blob.size, sha256: e.sha256 });
    onProgress?.({ phase: 'reading', done: listed.length, total: 0 });
  }
  const changed = () => new ArchiveError('The library changed while it was being exported. Export again.');
  const mtimeSec = base.createdAt / 1000;
  let sizeBytes = 0;
  const write = async (parts: Array<Uint8Array | Blob | { size: number }>) => {
    for (const p of parts) {
      await sink.write(p as Uint8Array | Blob);
      sizeBytes += p instanceof Uint8Array ? p.length : (p as Blob).size;
    }
  };
  await write(entryParts(MANIFEST_NAME, manifestBytes({ ...base, counts, entries: listed }), mtimeSec));
  let i = 0;
  for await (const e of entries()) {
    const want = listed[i++];
    if (!want || want.name !== e.name) throw changed();
    if ('bytes' in e) {
      if (e.bytes.length !== want.sizeBytes || (await sha256Hex(e.bytes)) !== want.sha256) throw changed();
      await write(entryParts(e.name, e.bytes, mtimeSec));
    } else {
      if (e.blob.size !== want.sizeBytes) throw changed();
      await write(entryParts(e.name, e.blob, mtimeSec));
    }
    onProgress?.({ phase: 'writing', done: i, total: listed.length });
  }
  if (i !== listed.length) throw changed();
  await write([tarEnd()]);
  return sizeBytes;
}
