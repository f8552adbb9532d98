/**
 * File-name search for queries that are names rather than descriptions: camera names
 * ("IMG_2041", "DSC01234"), names with an extension ("beach.jpg"), dates and numbers.
 * A query of plain words ("red car") is left to semantic search alone.
 */
export function looksLikeFileName(query: string): boolean {
  const q = query.trim();
  if (q.length < 2) return false;
  return /[._\-\d]/.test(q) || /^(img|dsc|dscn|pxl|mvi|vid|screenshot)([_\-\d ]|$)/i.test(q);
}

/**
 * 0 when `name` does not contain the query; otherwise higher for closer matches:
 * 3 exact (ignoring case), 2 prefix, 1 substring. Extension is ignored when the query has none.
 */
export function nameMatchScore(query: string, name: string): number {
  const q = query.trim().toLowerCase();
  const n = name.toLowerCase();
  if (!q) return 0;
  const stem = n.replace(/\.[a-z0-9]{1,5}$/, '');
  if (n === q || stem === q) return 3;
  if (n.startsWith(q)) return 2;
  return n.includes(q) ? 1 : 0;
}
