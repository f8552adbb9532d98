/**
 * Places in a search query: "in Lisbon", "dog in paris", "Spain", "photos from portugal". The
 * names of the places present in the library (cities, regions, countries) are found in the words,
 * case- and accent-insensitively and at word boundaries, longest name first; each becomes a place
 * filter with the preposition before it ("in", "at", "from", "near", "around"). The rest is what
 * CLIP reads; when the rest is only words like "photos" or "taken", the query is only a place.
 *
 * Decisions, each covered by the phrase table in test/lib/core/query-place.test.ts:
 * - A name shared by several places (Paris in France and in Texas; Lisbon the city and the
 *   region) is one filter over all of them: the chip reads the name, the items are any of them.
 * - Several place phrases are alternatives, like several time phrases: "lisbon or porto".
 * - Names that are also everyday words ("nice", "reading", "bath") or given names ("Georgia")
 *   count only after a preposition or as the whole query, so "nice sunset" stays words.
 * - A query that looks like a file name ("lisbon.jpg") is left alone.
 */
import { foldName, type PlaceKey } from './places';

export interface PlaceFilter {
  /** The place's name as the library spells it: the chip's text. */
  label: string;
  /** The words of the query it came from ("in lisbon"), removed with the chip. */
  phrase: string;
  /** Keys of the places it stands for (core/places.ts `placeKeysOf`). */
  keys: string[];
}

export interface PlaceQuery {
  /** The query without its place phrases: what CLIP reads ('' when only a place was asked for). */
  text: string;
  filters: PlaceFilter[];
}

const PREPOSITIONS = new Set(['in', 'at', 'from', 'near', 'around']);
/** Words that say nothing about what is in the picture once a place was named. */
const FILLER = new Set(['photo', 'photos', 'picture', 'pictures', 'pics', 'image', 'images', 'video', 'videos', 'taken', 'shot', 'shots', 'of', 'my', 'our', 'me', 'us', 'all', 'and', 'or', 'show', 'the', ...PREPOSITIONS]);
/** Place names that are also common words or given names: they need a preposition, or to be the whole query. */
const COMMON_WORDS = new Set([
  ...['nice', 'reading', 'bath', 'mobile', 'split', 'orange', 'hope', 'best', 'man', 'eagle', 'paradise', 'university', 'opportunity', 'independence', 'liberty'],
  // Given names that are also places.
  ...['victoria', 'florence', 'georgia', 'jordan', 'chad', 'lincoln', 'darwin', 'chester', 'austin'],
]);

/** The text folded character by character, with each folded character's index in the original. */
function foldWithOrigins(text: string): { folded: string; origin: number[] } {
  let folded = '';
  const origin: number[] = [];
  let i = 0;
  for (const ch of text) {
    const f = foldName(ch) || (/\s/.test(ch) ? ' ' : '');
    for (let k = 0; k < f.length; k++) origin.push(i);
    folded += f;
    i += ch.length;
  }
  origin.push(text.length);
  return { folded, origin };
}

const isWordChar = (c: string | undefined) => !!c && /[\p{L}\p{N}]/u.test(c);

/** Splits the place phrases off a query, against the places of the library. */
export function parsePlaceQuery(query: string, places: readonly PlaceKey[]): PlaceQuery {
  // A file name ("lisbon.jpg") is searched as a name, as query-time.ts leaves it too.
  if (/\.[a-z0-9]{2,5}$/i.test(query.trim())) return { text: query.trim(), filters: [] };
  const { folded, origin } = foldWithOrigins(query);
  const byName = new Map<string, PlaceKey[]>();
  for (const p of places) {
    const name = foldName(p.name);
    if (name.length >= 2) (byName.get(name) ?? byName.set(name, []).get(name)!).push(p);
  }
  const names = [...byName.keys()].sort((a, b) => b.length - a.length);
  const wholeQuery = folded.replace(/\s+/g, ' ').trim();
  const claimed: Array<[number, number]> = [];
  const found: Array<{ from: number; to: number; name: string }> = [];
  for (const name of names) {
    for (let at = folded.indexOf(name); at >= 0; at = folded.indexOf(name, at + 1)) {
      const end = at + name.length;
      if (isWordChar(folded[at - 1]) || isWordChar(folded[end])) continue;
      if (claimed.some(([a, b]) => at < b && end > a)) continue;
      const before = /(\p{L}+)\s+$/u.exec(folded.slice(0, at));
      const preposition = before && PREPOSITIONS.has(before[1]!) ? at - before[0].length : at;
      if (COMMON_WORDS.has(name) && preposition === at && wholeQuery !== name) continue;
      claimed.push([preposition, end]);
      found.push({ from: preposition, to: end, name });
    }
  }
  if (!found.length) return { text: query.trim(), filters: [] };
  found.sort((a, b) => a.from - b.from);
  const filters: PlaceFilter[] = [];
  let rest = '';
  let last = 0;
  for (const f of found) {
    const [from, to] = [origin[f.from]!, origin[f.to]!];
    rest += query.slice(last, from) + ' ';
    last = to;
    const matches = byName.get(f.name)!;
    const existing = filters.find((x) => foldName(x.label) === f.name);
    const phrase = query.slice(from, to);
    if (existing) continue;
    // The city's spelling names it ("Zürich", not its region "Zurich").
    const label = (matches.find((m) => m.level === 'city') ?? matches.find((m) => m.level === 'region') ?? matches[0]!).name;
    filters.push({ label, phrase, keys: [...new Set(matches.map((m) => m.key))] });
  }
  rest = (rest + query.slice(last)).replace(/\s+/g, ' ').trim();
  const words = rest.split(' ').filter(Boolean);
  const onlyFiller = words.every((w) => FILLER.has(foldName(w).replace(/[^\p{L}\p{N}]/gu, '')));
  return { text: onlyFiller ? '' : rest, filters };
}
