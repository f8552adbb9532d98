/**
 * What the viewer's info panel and navigation say about an item, as pure functions over its
 * records: where its date taken came from, its lineage in one line per record, and which item
 * comes next in the list it was opened from.
 */
import type { AssetRecord, LineageRecord, TakenAtSource } from './records';

/** "UTC+02:00", "UTC-05:30", "UTC" for an offset in minutes east of UTC. */
export function utcOffsetText(offsetMin: number): string {
  if (offsetMin === 0) return 'UTC';
  const abs = Math.abs(offsetMin);
  const hhmm = `${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
  return `UTC${offsetMin < 0 ? '-' : '+'}${hhmm}`;
}

/** Where the date taken came from, as the info panel says it; `offsetMin` when the metadata gave one. */
export function takenAtSourceLabel(source: TakenAtSource, offsetMin?: number): string {
  const zone = offsetMin === undefined ? "no time zone given: read as this device's local time" : utcOffsetText(offsetMin);
  switch (source) {
    case 'exif':
      return `from the photo's metadata (${zone})`;
    case 'xmp':
      return `from the photo's XMP metadata (${zone})`;
    case 'gps-time':
      return "from the photo's GPS clock (UTC)";
    case 'takeout':
      return 'from its Google Takeout sidecar (UTC)';
    case 'video-metadata':
      return offsetMin === undefined ? "from the video's creation time (UTC)" : `from the video's creation date (${zone})`;
    case 'file-name':
      return 'from the file name';
    case 'file-modified':
      return "from the file's date";
    default:
      return 'date added';
  }
}

/** A position as text, 4 decimals (about 11 m): "48.8584° N, 2.2945° E". */
export function positionText({ lat, lon }: { lat: number; lon: number }): string {
  return `${Math.abs(lat).toFixed(4)}° ${lat < 0 ? 'S' : 'N'}, ${Math.abs(lon).toFixed(4)}° ${lon < 0 ? 'W' : 'E'}`;
}

/** Where a position came from, as the info panel says it. */
export function positionSourceLabel(source: AssetRecord['gpsSource']): string {
  if (source === 'takeout') return 'from its Google Takeout sidecar';
  if (source === 'video-metadata') return "from the video's metadata";
  return "from the photo's metadata";
}

/** "Canon EOS 5D", or the make or model alone; null when neither is known. */
export function cameraText(camera: AssetRecord['camera']): string | null {
  const text = [camera?.make, camera?.model].filter(Boolean).join(' ');
  return text || null;
}

/** What kind of moving photo an item is, as the info panel and a tile's label say it. */
export function motionKindText(kind: NonNullable<AssetRecord['motion']>['kind']): string {
  return kind === 'live' ? 'Live Photo' : 'Motion Photo';
}

/** A tile's accessible name: "Open IMG_1.JPG", with a video's length or a moving photo's kind (the text drawn on the tile). */
export function tileLabel(shownName: string, item: { type: AssetRecord['type']; durationSec?: number; motion?: { kind: NonNullable<AssetRecord['motion']>['kind'] } }, lengthText: (sec: number) => string): string {
  if (item.type === 'video' && item.durationSec !== undefined) return `Open ${shownName}, video ${lengthText(item.durationSec)}`;
  if (item.motion) return `Open ${shownName}, ${motionKindText(item.motion.kind)}`;
  return `Open ${shownName}`;
}

/** The word on a moving photo's tile badge, which its label holds too (WCAG 2.5.3). */
export function motionBadgeText(kind: NonNullable<AssetRecord['motion']>['kind']): string {
  return kind === 'live' ? 'Live' : 'Motion';
}

/** Which stored record a lineage entry produced, as a reader would name it. */
const PRODUCT: Record<LineageRecord['store'], string> = {
  assets: 'Record',
  thumbnails: 'Thumbnail',
  embeddings: 'Search vector',
  frameEmbeddings: 'Keyframe vectors',
};

export interface LineageLine {
  /** What was made: "Thumbnail", "Search vector"… */
  product: string;
  /** "thumbnail 1.0.0" */
  producer: string;
  model?: string;
  /** "maxEdgePx 256 · format image/jpeg" */
  params: string;
}

/** One short line per lineage record, the item's own record first, in a fixed order. */
export function lineageLines(records: readonly LineageRecord[]): LineageLine[] {
  const order: LineageRecord['store'][] = ['assets', 'thumbnails', 'embeddings', 'frameEmbeddings'];
  return [...records]
    .sort((a, b) => order.indexOf(a.store) - order.indexOf(b.store) || a.id.localeCompare(b.id))
    .map((r) => ({
      product: PRODUCT[r.store] ?? r.store,
      producer: `${r.producer} ${r.producerVersion}`.trim(),
      model: r.modelId,
      params: Object.entries(r.params)
        .map(([k, v]) => `${k} ${String(v)}`)
        .join(' · '),
    }));
}

/**
 * The list after `id` left it, and the item to show next: the one that followed it, else the one
 * before it (it was last), else none (the list is empty).
 */
export function afterRemoval(listIds: readonly string[], id: string): { listIds: string[]; nextId: string | null } {
  const at = listIds.indexOf(id);
  const rest = listIds.filter((x) => x !== id);
  if (rest.length === 0) return { listIds: rest, nextId: null };
  if (at < 0) return { listIds: rest, nextId: rest[0] };
  return { listIds: rest, nextId: rest[Math.min(at, rest.length - 1)] };
}

/** The id `step` places from `id` in the list (±1 for next/previous), or null past either end. */
export function stepFrom(listIds: readonly string[], id: string, step: number): string | null {
  const at = listIds.indexOf(id);
  if (at < 0) return null;
  return listIds[at + step] ?? null;
}
