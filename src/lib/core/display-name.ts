/**
 * File names made safe to show. A name comes from whoever made the file, so it can carry
 * characters that change how the text around them is drawn without being drawn themselves:
 * bidirectional controls (UAX #9, "Unicode Bidirectional Algorithm") such as U+202E RIGHT-TO-LEFT
 * OVERRIDE turn "report\u202Egpj.exe" into "reportexe.jpg" on screen, and zero-width or other
 * format characters make two different names look the same (UTS #39 and Unicode TR #36,
 * "Unicode Security Considerations", §2.1 and §3.9).
 *
 * Such a character is replaced by a visible marker: its short Unicode name in double angle
 * brackets ("⟪RLO⟫", "⟪ZWSP⟫") or its code point ("⟪U+001B⟫"). A named marker rather than
 * U+FFFD: it tells the reader what was hidden, keeps names with different hidden characters
 * apart (U+FFFD would show "a\u200Bb" and "a\u202Eb" alike), reads aloud as letters in a
 * screen reader, and "⟪" (U+27EA) almost never occurs in real names, so a marker is not
 * mistaken for part of one.
 *
 * Legitimate right-to-left names (Hebrew, Arabic) are left as they are: the UI isolates each
 * name (`<bdi>`, or FSI…PDI in running text) so it reads in its own direction without
 * reordering the text around it. ZWNJ and ZWJ are kept where they shape a word (between
 * letters of a joining or Indic script: Persian "نامه‌ها") or build an emoji sequence, and
 * shown everywhere else, where they only hide.
 */

/** A name ready to show: `text` is `stem + extension`, with every hidden character made visible. */
export interface DisplayName {
  text: string;
  /** Everything before the extension; the part a narrow tile may shorten. */
  stem: string;
  /** The real extension: the last ".xxx" of `text` ("" when there is none); always shown in full. */
  extension: string;
}

const NAMED: Record<number, string> = {
  0x061c: 'ALM',
  0x00ad: 'SHY',
  0x200b: 'ZWSP',
  0x200c: 'ZWNJ',
  0x200d: 'ZWJ',
  0x200e: 'LRM',
  0x200f: 'RLM',
  0x2028: 'LSEP',
  0x2029: 'PSEP',
  0x202a: 'LRE',
  0x202b: 'RLE',
  0x202c: 'PDF',
  0x202d: 'LRO',
  0x202e: 'RLO',
  0x2060: 'WJ',
  0x2066: 'LRI',
  0x2067: 'RLI',
  0x2068: 'FSI',
  0x2069: 'PDI',
  0xfeff: 'BOM',
};

/** Controls (C0, DEL, C1), format characters, line/paragraph separators and lone surrogates. */
const HIDDEN = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/u;
/** Format characters that draw a visible sign (Arabic number signs, end of ayah, Syriac abbreviation mark, Kaithi number signs). */
const VISIBLE_FORMAT = /[\u0600-\u0605\u06dd\u070f\u0890\u0891\u08e2\u{110bd}\u{110cd}]/u;
/** Scripts whose letters ZWNJ/ZWJ legitimately shape: cursive joining and Indic conjuncts. */
const JOINING_LETTER =
  /[\p{Script=Arabic}\p{Script=Syriac}\p{Script=Nko}\p{Script=Mongolian}\p{Script=Mandaic}\p{Script=Devanagari}\p{Script=Bengali}\p{Script=Gurmukhi}\p{Script=Gujarati}\p{Script=Oriya}\p{Script=Tamil}\p{Script=Telugu}\p{Script=Kannada}\p{Script=Malayalam}\p{Script=Sinhala}\p{Script=Myanmar}\p{Script=Khmer}]/u;
const EMOJI = /[\p{Extended_Pictographic}\u{1f3fb}-\u{1f3ff}\ufe0f]/u;
const PICTOGRAPH = /\p{Extended_Pictographic}/u;
/** A subdivision flag (🏴 + tag letters + CANCEL TAG): the only place tag characters belong. */
const TAG_FLAG = /\u{1f3f4}[\u{e0020}-\u{e007e}]+\u{e007f}/gu;
/** Strong right-to-left letters and Arabic-Indic digits: what could reorder the sentence around a name. */
const RIGHT_TO_LEFT =
  /[\p{Script=Hebrew}\p{Script=Arabic}\p{Script=Syriac}\p{Script=Thaana}\p{Script=Nko}\p{Script=Samaritan}\p{Script=Mandaic}\p{Script=Adlam}\p{Script=Hanifi_Rohingya}]/u;
/**
 * The last ".xxx": up to 24 characters without a dot or a space (a marker such as "⟪ZWSP⟫" counts as
 * part of it), after at least one character, so ".profile" has none; trailing spaces belong to it,
 * as systems that drop them would still see that extension.
 */
const EXTENSION = /(?<=.)\.[^.\s]{1,24}\s*$/su;

/** A marker as {@link safeName} writes it, for the UI to draw it apart from the letters of the name. */
export const MARKER = /⟪(?:[A-Z]{2,6}|U\+[0-9A-F]{4,6})⟫/gu;

const FIRST_STRONG_ISOLATE = '\u2068';
const POP_DIRECTIONAL_ISOLATE = '\u2069';

function marker(codePoint: number): string {
  const name = NAMED[codePoint] ?? `U+${codePoint.toString(16).toUpperCase().padStart(4, '0')}`;
  return `⟪${name}⟫`;
}

function keepsJoiner(codePoint: number, before: string | undefined, after: string | undefined): boolean {
  if (codePoint !== 0x200c && codePoint !== 0x200d) return false;
  if (!before || !after) return false;
  // Vowel signs and harakat are often of the Inherited script: a mark counts on either side.
  const word = (c: string) => /[\p{L}\p{M}]/u.test(c) && (JOINING_LETTER.test(c) || /\p{M}/u.test(c));
  if (word(before) && word(after) && (JOINING_LETTER.test(before) || JOINING_LETTER.test(after))) return true;
  return codePoint === 0x200d && EMOJI.test(before) && PICTOGRAPH.test(after);
}

/** `name` with every hidden character replaced by a visible marker (see the file's comment). */
export function safeName(name: string): string {
  const flags: [number, number][] = [...name.matchAll(TAG_FLAG)].map((m) => [m.index, m.index + m[0].length]);
  const inFlag = (at: number) => flags.some(([from, to]) => at >= from && at < to);
  // Split by code point; a lone surrogate stays one element and is caught by \p{Cs}.
  const chars = Array.from(name);
  let out = '';
  let at = 0;
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i];
    const codePoint = c.codePointAt(0)!;
    const hidden = HIDDEN.test(c) && !VISIBLE_FORMAT.test(c) && !inFlag(at) && !keepsJoiner(codePoint, chars[i - 1], chars[i + 1]);
    out += !hidden ? c : codePoint >= 0xd800 && codePoint <= 0xdfff ? '\ufffd' : marker(codePoint);
    at += c.length;
  }
  return out;
}

/** The safe text of `name`, split so the UI can shorten the stem and keep the real extension in view. */
export function displayName(name: string): DisplayName {
  const text = safeName(name);
  const found = EXTENSION.exec(text);
  const extension = found ? found[0] : '';
  return { text, stem: text.slice(0, text.length - extension.length), extension };
}

/**
 * The safe text of `name` for a sentence in plain text (live-region announcements, messages):
 * wrapped in FIRST STRONG ISOLATE … POP DIRECTIONAL ISOLATE when it holds right-to-left
 * characters, so it reads in its own direction and cannot reorder the words around it. Names
 * without such characters come back unwrapped, as they cannot reorder anything.
 */
export function nameInText(name: string): string {
  const text = safeName(name);
  return RIGHT_TO_LEFT.test(text) ? `${FIRST_STRONG_ISOLATE}${text}${POP_DIRECTIONAL_ISOLATE}` : text;
}
