/**
 * Names of the files inside an exported .zip. Each is the item's own file name, made safe to
 * extract (no folders: "/" and "\" would let a name climb out of the folder it is unpacked to, the
 * "zip slip"; no control characters; no leading dots that hide a file) and unique within the zip,
 * the way file managers number copies: "IMG_1.jpg", "IMG_1 (2).jpg", "IMG_1 (3).jpg".
 * Uniqueness ignores letter case, so the zip unpacks on case-insensitive file systems too.
 */

/** Longest entry name kept, in UTF-16 code units (file systems allow 255 bytes). */
const MAX_NAME_LENGTH = 120;

/** One name made safe to unpack: path separators and control characters become "_". */
export function safeZipName(name: string): string {
  let out = name.replace(/[\u0000-\u001f\u007f/\\]/g, '_').trim().replace(/^\.+/, '');
  if (out.length > MAX_NAME_LENGTH) {
    const dot = out.lastIndexOf('.');
    const ext = dot > 0 && out.length - dot <= 10 ? out.slice(dot) : '';
    out = out.slice(0, MAX_NAME_LENGTH - ext.length).replace(/[\ud800-\udbff]$/, '') + ext;
  }
  return out || 'item';
}

/** Splits "IMG_1.jpg" into "IMG_1" and ".jpg" (a name without a dot, or only a leading one, has no extension). */
function splitExtension(name: string): [string, string] {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? [name.slice(0, dot), name.slice(dot)] : [name, ''];
}

/** Safe, unique names for files named `names`, in the same order. */
export function uniqueZipNames(names: readonly string[]): string[] {
  const taken = new Set<string>();
  return names.map((raw) => {
    const name = safeZipName(raw);
    const [stem, ext] = splitExtension(name);
    let candidate = name;
    for (let n = 2; taken.has(candidate.toLowerCase()); n++) candidate = `${stem} (${n})${ext}`;
    taken.add(candidate.toLowerCase());
    return candidate;
  });
}
