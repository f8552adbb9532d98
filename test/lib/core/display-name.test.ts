import { describe, expect, it } from 'vitest';
import { MARKER, displayName, nameInText, safeName } from '../../../src/lib/core/display-name';

/** Every bidirectional control of UAX #9 (embeddings, overrides, isolates, marks). */
const BIDI_CONTROLS = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/u;

describe('displayName', () => {
  it.each([
    // Ordinary names come back unchanged, split at the last dot.
    { name: 'IMG_2041.JPG', text: 'IMG_2041.JPG', stem: 'IMG_2041', extension: '.JPG' },
    { name: 'holiday.tar.gz', text: 'holiday.tar.gz', stem: 'holiday.tar', extension: '.gz' },
    { name: 'README', text: 'README', stem: 'README', extension: '' },
    { name: '.profile', text: '.profile', stem: '.profile', extension: '' },
    { name: 'ends with a dot.', text: 'ends with a dot.', stem: 'ends with a dot.', extension: '' },
    { name: 'My.Holiday photos 2019', text: 'My.Holiday photos 2019', stem: 'My.Holiday photos 2019', extension: '' },
    { name: 'photo.exe ', text: 'photo.exe ', stem: 'photo', extension: '.exe ' },
    { name: 'photo.jpg      .exe', text: 'photo.jpg      .exe', stem: 'photo.jpg      ', extension: '.exe' },
    // RIGHT-TO-LEFT OVERRIDE: drawn as "reportexe.jpg" when left in; the real extension is .exe.
    { name: 'report\u202Egpj.exe', text: 'report⟪RLO⟫gpj.exe', stem: 'report⟪RLO⟫gpj', extension: '.exe' },
    // Isolates and embeddings, and a PDF left unbalanced on purpose.
    { name: 'a\u2067b\u2069.png', text: 'a⟪RLI⟫b⟪PDI⟫.png', stem: 'a⟪RLI⟫b⟪PDI⟫', extension: '.png' },
    { name: '\u2066x\u2069\u202Bz\u202C.jpg', text: '⟪LRI⟫x⟪PDI⟫⟪RLE⟫z⟪PDF⟫.jpg', stem: '⟪LRI⟫x⟪PDI⟫⟪RLE⟫z⟪PDF⟫', extension: '.jpg' },
    { name: 'x\u202Dy\u2068z\u200E\u200F\u061C.jpg', text: 'x⟪LRO⟫y⟪FSI⟫z⟪LRM⟫⟪RLM⟫⟪ALM⟫.jpg', stem: 'x⟪LRO⟫y⟪FSI⟫z⟪LRM⟫⟪RLM⟫⟪ALM⟫', extension: '.jpg' },
    // A zero-width joiner between Latin letters only makes "paypal" look like another name.
    { name: 'pay\u200Dpal.jpg', text: 'pay⟪ZWJ⟫pal.jpg', stem: 'pay⟪ZWJ⟫pal', extension: '.jpg' },
    { name: 'a\u200Bb\u200Cc\uFEFFd\u2060e\u00ADf.jpg', text: 'a⟪ZWSP⟫b⟪ZWNJ⟫c⟪BOM⟫d⟪WJ⟫e⟪SHY⟫f.jpg', stem: 'a⟪ZWSP⟫b⟪ZWNJ⟫c⟪BOM⟫d⟪WJ⟫e⟪SHY⟫f', extension: '.jpg' },
    // A hidden character at the very end is part of the extension, so it stays in view.
    { name: 'photo.jpg\u200B', text: 'photo.jpg⟪ZWSP⟫', stem: 'photo', extension: '.jpg⟪ZWSP⟫' },
    // Controls and separators: line breaks, escape, DEL, a C1 control.
    { name: 'two\nlines\u2028and\u2029more.jpg', text: 'two⟪U+000A⟫lines⟪LSEP⟫and⟪PSEP⟫more.jpg', stem: 'two⟪U+000A⟫lines⟪LSEP⟫and⟪PSEP⟫more', extension: '.jpg' },
    { name: '\u001B[31m\u007F\u0085.jpg', text: '⟪U+001B⟫[31m⟪U+007F⟫⟪U+0085⟫.jpg', stem: '⟪U+001B⟫[31m⟪U+007F⟫⟪U+0085⟫', extension: '.jpg' },
    // A lone surrogate cannot be drawn at all.
    { name: 'bad\uD800.jpg', text: 'bad\uFFFD.jpg', stem: 'bad\uFFFD', extension: '.jpg' },
    // Right-to-left names stay letter for letter: the UI isolates them instead.
    { name: 'תמונה של הים.jpg', text: 'תמונה של הים.jpg', stem: 'תמונה של הים', extension: '.jpg' },
    { name: 'صورة العائلة.png', text: 'صورة العائلة.png', stem: 'صورة العائلة', extension: '.png' },
    // Persian needs ZWNJ inside words ("نامه‌ها", letters); Devanagari uses ZWJ for half forms.
    { name: 'نامه\u200Cها.pdf', text: 'نامه\u200Cها.pdf', stem: 'نامه\u200Cها', extension: '.pdf' },
    { name: 'क्\u200Dष.jpg', text: 'क्\u200Dष.jpg', stem: 'क्\u200Dष', extension: '.jpg' },
    // ZWJ emoji sequences and a subdivision flag are pictures, not spoofs.
    { name: 'family 👨\u200D👩\u200D👧.jpg', text: 'family 👨\u200D👩\u200D👧.jpg', stem: 'family 👨\u200D👩\u200D👧', extension: '.jpg' },
    { name: '🏴\u{E0067}\u{E0062}\u{E0073}\u{E0063}\u{E0074}\u{E007F} trip.jpg', text: '🏴\u{E0067}\u{E0062}\u{E0073}\u{E0063}\u{E0074}\u{E007F} trip.jpg', stem: '🏴\u{E0067}\u{E0062}\u{E0073}\u{E0063}\u{E0074}\u{E007F} trip', extension: '.jpg' },
    // …but a ZWJ at the edge of an Arabic word, or tag characters outside a flag, are shown.
    { name: 'ملف\u200D.jpg', text: 'ملف⟪ZWJ⟫.jpg', stem: 'ملف⟪ZWJ⟫', extension: '.jpg' },
    { name: 'a\u{E0041}.jpg', text: 'a⟪U+E0041⟫.jpg', stem: 'a⟪U+E0041⟫', extension: '.jpg' },
    // Arabic number signs are format characters with a visible glyph.
    { name: '\u0600١٢.jpg', text: '\u0600١٢.jpg', stem: '\u0600١٢', extension: '.jpg' },
  ])('$name → $text', ({ name, text, stem, extension }) => {
    const shown = displayName(name);
    expect(shown).toEqual({ text, stem, extension });
    expect(shown.stem + shown.extension).toBe(shown.text);
  });

  it('leaves no bidirectional control in any name, whatever it holds', () => {
    const all = '\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069';
    for (const c of all) {
      for (const name of [`${c}x.jpg`, `x${c}.jpg`, `x.jpg${c}`, `${c}${c}${c}`, `ملف${c}ملف.jpg`]) {
        expect(safeName(name)).not.toMatch(BIDI_CONTROLS);
      }
    }
  });

  it('writes every marker in the form the UI draws apart from the letters', () => {
    const text = safeName('a\u202Eb\u0085c\u200Bd\u{E0041}e\u2029.jpg');
    expect([...text.matchAll(MARKER)].map((m) => m[0])).toEqual(['⟪RLO⟫', '⟪U+0085⟫', '⟪ZWSP⟫', '⟪U+E0041⟫', '⟪PSEP⟫']);
    expect(text.replace(MARKER, '')).toBe('abcde.jpg');
  });

  it('keeps names with different hidden characters apart', () => {
    const shown = ['ab.jpg', 'a\u200Bb.jpg', 'a\u200Db.jpg', 'a\u202Eb.jpg', 'a\u2060b.jpg'].map(safeName);
    expect(new Set(shown).size).toBe(shown.length);
  });
});

describe('nameInText', () => {
  it.each([
    { name: 'red-ball.jpg', want: 'red-ball.jpg' },
    { name: 'report\u202Egpj.exe', want: 'report⟪RLO⟫gpj.exe' },
    { name: 'תמונה.jpg', want: '\u2068תמונה.jpg\u2069' },
    { name: 'photo ١٢.jpg', want: '\u2068photo ١٢.jpg\u2069' },
    // A name's own isolate is shown, and only ours, balanced, remains.
    { name: 'صورة\u2069.png', want: '\u2068صورة⟪PDI⟫.png\u2069' },
  ])('$name → $want', ({ name, want }) => {
    expect(nameInText(name)).toBe(want);
  });
});
