/**
 * Reads a labelled folder for the search quality check: which files are photos or videos and what
 * label each has. Two layouts:
 * - one subfolder per label, the class-folder layout of ImageNet-style sets (`cats/1.jpg`,
 *   `dogs/2.jpg`; deeper folders belong to their top subfolder's label);
 * - a `labels.csv` (any `.csv` at the top) naming each file and its label, one per line:
 *   `file,label`, an optional header, RFC 4180 quoting ("a, b" and "" inside quotes).
 * Optionally a `moments.json` at the top: `[{ "file": "clips/a.mp4", "query": "a dog", "atSec": 12 }]`
 * gives, for videos, a query and the second at which it should be found.
 *
 * Paths are as a folder picker gives them (`webkitRelativePath`, "/"-separated, starting with the
 * picked folder's own name, which is dropped). Only names are read here; file contents are the
 * runner's job.
 *
 * Pure and synchronous.
 */

export type MediaKind = 'image' | 'video';

const IMAGE_EXTENSIONS = new Set(['jpg', 'jpeg', 'png', 'gif', 'webp', 'bmp', 'avif']);
const VIDEO_EXTENSIONS = new Set(['mp4', 'm4v', 'mov', 'webm']);

/** More labels than this is refused: every label costs a text encode per template. */
export const MAX_LABELS = 1000;

export interface LabelledFile {
  /** Index of the file in the input list. */
  index: number;
  /** Path inside the picked folder. */
  path: string;
  kind: MediaKind;
  /** Index into `labels`. */
  label: number;
}

export interface MomentSpec {
  /** Path inside the picked folder. */
  path: string;
  query: string;
  atSec: number;
}

export interface LabelledFolder {
  files: LabelledFile[];
  /** Label names as written, sorted (code-unit order), each with at least one file. */
  labels: string[];
  /** What the text model reads for each label: underscores as spaces, runs of spaces as one. */
  labelTexts: string[];
  moments: MomentSpec[];
  /** Files left out and why ("no label", "not a photo or video", "not in labels.csv"). */
  ignored: Array<{ path: string; reason: string }>;
}

export type FolderReading = { ok: true; folder: LabelledFolder } | { ok: false; message: string };

/** The side files of a picked folder: the labels CSV and the moments JSON, if any (top level only). */
export function sideFiles(paths: readonly string[]): { csv: string | null; moments: string | null } {
  const rel = relativePaths(paths);
  const top = rel.map((p, i) => ({ p, i })).filter(({ p }) => !p.includes('/'));
  const csv = top.find(({ p }) => p.toLowerCase() === 'labels.csv') ?? top.find(({ p }) => extension(p) === 'csv');
  const moments = top.find(({ p }) => p.toLowerCase() === 'moments.json');
  return { csv: csv ? paths[csv.i]! : null, moments: moments ? paths[moments.i]! : null };
}

function extension(path: string): string {
  const name = path.slice(path.lastIndexOf('/') + 1);
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(dot + 1).toLowerCase() : '';
}

export function mediaKindOf(path: string): MediaKind | null {
  const ext = extension(path);
  return IMAGE_EXTENSIONS.has(ext) ? 'image' : VIDEO_EXTENSIONS.has(ext) ? 'video' : null;
}

/** Paths without the picked folder's own name, when every path starts with the same one. */
function relativePaths(paths: readonly string[]): string[] {
  const clean = paths.map((p) => p.replace(/\\/g, '/').replace(/^\/+/, ''));
  const first = clean[0]?.split('/')[0];
  const shared = first !== undefined && clean.every((p) => p.includes('/') && p.split('/')[0] === first);
  return shared ? clean.map((p) => p.slice(first!.length + 1)) : clean;
}

/** RFC 4180 rows: comma-separated, double quotes around fields, "" for a quote inside them. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  const s = text.replace(/^\uFEFF/, '');
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]!;
    if (quoted) {
      if (ch === '"' && s[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"' && field === '') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && s[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += ch;
  }
  if (field !== '' || row.length) {
    row.push(field);
    rows.push(row);
  }
  return rows.filter((r) => r.some((f) => f.trim() !== ''));
}

const HEADER_FILE = /^(file|filename|file name|path|image|name)$/i;
const HEADER_LABEL = /^(label|class|category|tag)$/i;

function labelText(label: string): string {
  return label.replace(/_/g, ' ').replace(/\s+/g, ' ').trim();
}

function cleanLabel(label: string): string {
  return label.normalize('NFC').trim();
}

function readMoments(text: string | undefined, known: Map<string, number>): MomentSpec[] {
  if (!text) return [];
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return [];
  }
  const list = Array.isArray(data) ? data : Array.isArray((data as { moments?: unknown })?.moments) ? (data as { moments: unknown[] }).moments : [];
  const out: MomentSpec[] = [];
  for (const m of list as Array<Record<string, unknown>>) {
    const path = typeof m?.file === 'string' ? m.file.replace(/^\.?\//, '') : null;
    const atSec = Number(m?.atSec);
    if (!path || typeof m.query !== 'string' || !m.query.trim() || !Number.isFinite(atSec) || atSec < 0 || !known.has(path)) continue;
    out.push({ path, query: m.query.trim(), atSec });
  }
  return out;
}

/**
 * The labelled files of a picked folder, or a message saying what is missing.
 * @param paths    every file's path as the picker gives it
 * @param csvText  contents of the file {@link sideFiles} named as CSV, if any
 * @param momentsText contents of the moments JSON, if any
 */
export function readLabelledFolder(paths: readonly string[], csvText?: string, momentsText?: string): FolderReading {
  const rel = relativePaths(paths);
  const ignored: LabelledFolder['ignored'] = [];
  const media: Array<{ index: number; path: string; kind: MediaKind }> = [];
  rel.forEach((path, index) => {
    const name = path.slice(path.lastIndexOf('/') + 1);
    if (name.startsWith('.')) return; // .DS_Store, ._photo.jpg: the system's files, not the user's
    const kind = mediaKindOf(path);
    if (kind) media.push({ index, path, kind });
    else if (path.includes('/') || (extension(path) !== 'csv' && path.toLowerCase() !== 'moments.json')) ignored.push({ path, reason: 'not a photo or video' });
  });
  if (media.length === 0) return { ok: false, message: 'This folder has no photos or videos.' };

  const labelOf = new Map<number, string>();
  if (csvText !== undefined) {
    const byPath = new Map<string, number[]>();
    const byName = new Map<string, number[]>();
    media.forEach((m, i) => {
      byPath.set(m.path, [...(byPath.get(m.path) ?? []), i]);
      const name = m.path.slice(m.path.lastIndexOf('/') + 1);
      byName.set(name, [...(byName.get(name) ?? []), i]);
    });
    parseCsv(csvText).forEach((row, r) => {
      const file = (row[0] ?? '').trim().replace(/^\.?\//, '');
      const label = cleanLabel(row[1] ?? '');
      if (r === 0 && HEADER_FILE.test(file) && HEADER_LABEL.test(label)) return;
      if (!file || !label) return;
      // A bare file name names the one file of that name anywhere in the folder.
      const hits = byPath.get(file) ?? ((byName.get(file)?.length ?? 0) === 1 ? byName.get(file) : undefined);
      for (const i of hits ?? []) labelOf.set(i, label);
    });
    media.forEach((m, i) => {
      if (!labelOf.has(i)) ignored.push({ path: m.path, reason: 'not in the labels CSV' });
    });
  } else {
    media.forEach((m, i) => {
      const slash = m.path.indexOf('/');
      const label = slash > 0 ? cleanLabel(m.path.slice(0, slash)) : '';
      if (label) labelOf.set(i, label);
      else ignored.push({ path: m.path, reason: 'no label (not in a subfolder)' });
    });
  }

  const labels = [...new Set(labelOf.values())].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  if (labels.length === 0) {
    return {
      ok: false,
      message: 'No labels found: put the photos in one subfolder per label (for example cats/ and dogs/), or add a labels.csv with a file name and a label on each line.',
    };
  }
  if (labels.length === 1) return { ok: false, message: `Only one label (“${labels[0]}”): the check compares labels, so it needs at least two.` };
  if (labels.length > MAX_LABELS) {
    return { ok: false, message: `${labels.length.toLocaleString('en')} labels are more than the check compares (at most ${MAX_LABELS.toLocaleString('en')}).` };
  }
  const labelIndex = new Map(labels.map((l, i) => [l, i]));
  const files: LabelledFile[] = [];
  media.forEach((m, i) => {
    const label = labelOf.get(i);
    if (label !== undefined) files.push({ index: m.index, path: m.path, kind: m.kind, label: labelIndex.get(label)! });
  });
  const moments = readMoments(momentsText, new Map(files.filter((f) => f.kind === 'video').map((f) => [f.path, f.index])));
  return { ok: true, folder: { files, labels, labelTexts: labels.map(labelText), moments, ignored } };
}
