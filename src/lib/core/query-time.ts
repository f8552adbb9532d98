/**
 * Dates in a search query: "beach 2019", "snow in december", "last summer", "july 2023" are split
 * into the words that describe what to find (for CLIP) and time filters on the date taken.
 *
 * chrono-node (casual English) reads full dates and day-level relative phrases ("14 july 2023",
 * "2023-07-14", "yesterday", "3 days ago", "last friday", "june to august 2023"). Shoebox adds what
 * it does not read, or reads as one instant where a photo library wants a period: bare years and
 * year ranges ("2019", "2019-2021", "between 2019 and 2021"), months and seasons with or without
 * a year, month ranges ("june to august 2023"), "this/last/past week|month|year", "last weekend",
 * "5 years ago", and open-ended periods ("since 2020", "after july 2023", "before 2015").
 *
 * Every range is in local calendar time and half-open: [fromMs, toMs).
 *
 * Decisions, each covered by the phrase table in test/lib/core/query-time.test.ts:
 * - A month or season without a year ("snow in december") means that month in every year: in a
 *   photo library the useful question is "our Decembers", not "December of this year". Such a
 *   filter carries one span per year (YEAR_SPAN_FROM..this year).
 * - Seasons are the northern hemisphere's meteorological ones: spring Mar–May, summer Jun–Aug,
 *   autumn (fall) Sep–Nov, winter Dec–Feb. "winter 2020" is Dec 2019–Feb 2020, the winter whose
 *   January falls in 2020; "last summer" is the latest summer that has ended.
 * - Words that are dates only sometimes must not be eaten from a description: a month or season
 *   name without a year counts when it is the whole query, when "in", "during", "since", "from",
 *   "this" or "last" stands before it ("flowers in may"), or when it ends the query and is not also a
 *   common word or name ("snow december", but "beach may" keeps "may"). So "may flowers",
 *   "march of penguins", "spring water" and "fall colours" stay words. A weekday counts only after
 *   "last" or "this" ("last sunday"; "sunday market" stays words). Times of day ("evening") never count.
 * - Several time phrases in one query are alternatives: an item matches when it lies in any of them.
 * - A query that looks like a file name ("IMG-2019.jpg") is left alone.
 */
import * as chrono from 'chrono-node';
import type { TimeFilter, TimeSpan } from './time-spans';

export type { TimeFilter, TimeSpan };

export interface TimeQuery {
  /** The query without its time phrases and their leftover prepositions: what CLIP reads. */
  text: string;
  filters: TimeFilter[];
}

export interface TimeQueryOptions {
  /** The reference instant of relative phrases ("yesterday", "last summer"), ms since epoch. */
  nowMs: number;
  /** IANA zone of the calendar (e.g. "Europe/Lisbon"); default: this machine's own zone. */
  timeZone?: string;
}

/** First year a month or season "of any year" covers: older photos are scans with guessed dates anyway. */
export const YEAR_SPAN_FROM = 1900;
/** Lowest number read as a year: the oldest surviving photographs are from the 1820s. */
const MIN_YEAR = 1826;

const MONTHS = ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december'];
const MONTH_LABELS = MONTHS.map((m) => m[0]!.toUpperCase() + m.slice(1));
const SHORT_MONTH_LABELS = MONTH_LABELS.map((m) => m.slice(0, 3));
/** Month words → 0-based month; abbreviations count only beside a year ("jul 2023"). */
const MONTH_INDEX = new Map<string, number>(MONTHS.map((m, i) => [m, i]));
const MONTH_ABBREVIATIONS = new Map<string, number>(['jan', 'feb', 'mar', 'apr', 'jun', 'jul', 'aug', 'sep', 'sept', 'oct', 'nov', 'dec'].map((m) => [m, MONTHS.findIndex((f) => f.startsWith(m.slice(0, 3)))]));
/** Month and season names that are also everyday words or given names: they need "in" (or to be alone). */
const AMBIGUOUS_WORDS = new Set(['may', 'march', 'june', 'april', 'august', 'spring', 'fall']);
/** Season → first month (0-based) and length 3; winter starts in December of the year before. */
const SEASONS = new Map<string, number>([
  ['spring', 2],
  ['summer', 5],
  ['autumn', 8],
  ['fall', 8],
  ['winter', 11],
]);
/** Words that introduce a time phrase and go with it. */
const LEAD_WORDS = new Set(['in', 'during', 'from', 'since', 'on', 'of', 'the', 'taken']);
/** Words that make a bare month or season word a date. */
const ANCHOR_WORDS = new Set(['in', 'during', 'since', 'from', 'this', 'last']);

/** Calendar arithmetic in one zone: wall-clock date ↔ instant. */
interface WallClock {
  /** The instant a local day starts; month and day may overflow (month 12 = January next year). */
  startOfDay(year: number, month0: number, day: number): number;
  /** Local date of an instant. */
  dateOf(ms: number): { year: number; month0: number; day: number; weekday: number; hour: number; minute: number };
}

const machineClock: WallClock = {
  startOfDay: (y, m, d) => new Date(y, m, d).getTime(),
  dateOf: (ms) => {
    const t = new Date(ms);
    return { year: t.getFullYear(), month0: t.getMonth(), day: t.getDate(), weekday: t.getDay(), hour: t.getHours(), minute: t.getMinutes() };
  },
};

const zoneClocks = new Map<string, WallClock>();

/** A named zone's calendar through Intl, for tests and for a zone other than the machine's. */
function zoneClock(timeZone: string): WallClock {
  const cached = zoneClocks.get(timeZone);
  if (cached) return cached;
  const format = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric', weekday: 'short' });
  const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
  const dateOf = (ms: number) => {
    const p: Record<string, string> = {};
    for (const part of format.formatToParts(ms)) p[part.type] = part.value;
    return { year: +p.year!, month0: +p.month! - 1, day: +p.day!, weekday: WEEKDAYS.indexOf(p.weekday!), hour: +p.hour!, minute: +p.minute!, second: +p.second! };
  };
  /** Zone offset at an instant, ms (local − UTC). */
  const offsetAt = (ms: number) => {
    const d = dateOf(ms);
    return Date.UTC(d.year, d.month0, d.day, d.hour, d.minute, d.second) - Math.floor(ms / 1000) * 1000;
  };
  const clock: WallClock = {
    startOfDay: (y, m, d) => {
      const wall = Date.UTC(y, m, d);
      // Two passes settle the offset across a DST change at the boundary.
      const guess = wall - offsetAt(wall);
      return wall - offsetAt(guess);
    },
    dateOf,
  };
  zoneClocks.set(timeZone, clock);
  return clock;
}

interface Found {
  start: number;
  end: number;
  filter: Omit<TimeFilter, 'phrase'>;
}

/**
 * Splits `query` into the text CLIP reads and the time filters of its date phrases.
 * ~0.05 ms per query after chrono's first call (see the timing test).
 */
export function parseTimeQuery(query: string, opts: TimeQueryOptions): TimeQuery {
  const clock = opts.timeZone ? zoneClock(opts.timeZone) : machineClock;
  if (!query.trim() || /\.[a-z0-9]{2,5}$/i.test(query.trim())) return { text: query.trim(), filters: [] };
  const now = clock.dateOf(opts.nowMs);
  const ctx: Context = { clock, now, found: [], text: query };
  // chrono first: "14 july 2023" is one day, not "14" and July 2023.
  readChrono(ctx, query);
  for (const rule of RULES) rule(ctx);

  const found = ctx.found.sort((a, b) => a.start - b.start);
  openEnded(ctx);
  // Remove the phrases, and a lead word ("in", "from", "during") left just before each.
  let text = '';
  let at = 0;
  const filters: TimeFilter[] = [];
  for (const f of found) {
    let start = f.start;
    for (let lead = /(\S+)\s+$/.exec(query.slice(at, start)); lead && LEAD_WORDS.has(lead[1]!.toLowerCase()); lead = /(\S+)\s+$/.exec(query.slice(at, start))) {
      start = at + lead.index;
    }
    text += query.slice(at, start) + ' ';
    filters.push({ ...f.filter, phrase: query.slice(start, f.end).trim() });
    at = f.end;
  }
  text += query.slice(at);
  text = text.replace(/\s+/g, ' ');
  // Punctuation the phrase leaves alone ("kids 2019." → "kids").
  if (filters.length) text = text.replace(/\s+([,.;!?])/g, '$1').replace(/^[\s,.;!?]+|[\s,.;!?]+$/g, '');
  return { text: text.trim(), filters };
}

/** Bounds of an open-ended period: the Date range's own limits (±8.64e15 ms). */
const EARLIEST_MS = -8.64e15;
const LATEST_MS = 8.64e15;

/**
 * "since 2020", "after july 2023", "before 2015": the found period becomes open on one side
 * (since: from its start on; after: from its end on; before: up to its start).
 * A period of every year ("since december") stays as it is.
 */
function openEnded(ctx: Context): void {
  for (const f of ctx.found) {
    if (f.filter.spans) continue;
    const before = /(\S+)\s+$/.exec(ctx.text.slice(0, f.start));
    const word = before?.[1]?.toLowerCase();
    if (word !== 'since' && word !== 'after' && word !== 'before') continue;
    const { fromMs, toMs, label } = f.filter;
    f.filter = word === 'since' ? { fromMs, toMs: LATEST_MS, label: `Since ${label}` } : word === 'after' ? { fromMs: toMs, toMs: LATEST_MS, label: `After ${label}` } : { fromMs: EARLIEST_MS, toMs: fromMs, label: `Before ${label}` };
    f.start = before!.index;
  }
}

interface Context {
  clock: WallClock;
  now: ReturnType<WallClock['dateOf']>;
  found: Found[];
  /** The query as typed (patterns match ignoring case). */
  text: string;
}

/** Adds a match unless it overlaps one already found (earlier rules win). */
function add(ctx: Context, start: number, end: number, filter: Omit<TimeFilter, 'phrase'>): void {
  if (ctx.found.some((f) => start < f.end && end > f.start)) return;
  ctx.found.push({ start, end, filter });
}

function yearOf(text: string, now: Context['now']): number | null {
  const y = Number(text);
  return Number.isInteger(y) && y >= MIN_YEAR && y <= now.year + 1 ? y : null;
}

/** Day of the month (may be ≤ 0) of this week's Monday: weeks start on Monday (ISO 8601). */
const mondayOf = (now: Context['now']) => now.day - ((now.weekday + 6) % 7);

const range = (ctx: Context, y0: number, m0: number, d0: number, y1: number, m1: number, d1: number) => ({
  fromMs: ctx.clock.startOfDay(y0, m0, d0),
  toMs: ctx.clock.startOfDay(y1, m1, d1),
});

/** The same months [month0, month0 + months) in every year from YEAR_SPAN_FROM to this year. */
function everyYear(ctx: Context, month0: number, months: number, label: string): Omit<TimeFilter, 'phrase'> {
  const spans: TimeSpan[] = [];
  for (let y = YEAR_SPAN_FROM; y <= ctx.now.year; y++) spans.push(range(ctx, y, month0, 1, y, month0 + months, 1));
  return { fromMs: spans[0]!.fromMs, toMs: spans[spans.length - 1]!.toMs, spans, label: `${label}, any year` };
}

// A token boundary: whitespace, the ends of the query, or trailing punctuation.
const B0 = '(?<=^|\\s)';
const B1 = '(?=$|\\s|[,;!?)]|\\.(?:\\s|$))';
const YEAR = '(\\d{4})';
const MONTH_WORD = `(${[...MONTHS, ...MONTH_ABBREVIATIONS.keys()].join('|')})\\.?`;
const SEASON_WORD = `(${[...SEASONS.keys()].join('|')})`;

type Rule = (ctx: Context) => void;

const compiled = new Map<string, RegExp>();

function each(ctx: Context, pattern: string, visit: (m: RegExpExecArray) => void): void {
  let re = compiled.get(pattern);
  if (!re) compiled.set(pattern, (re = new RegExp(`${B0}${pattern}${B1}`, 'gi')));
  for (const m of ctx.text.matchAll(re)) visit(m as RegExpExecArray);
}

const seasonLabel = (name: string) => (name === 'fall' ? 'Autumn' : name[0]!.toUpperCase() + name.slice(1));

/** A season of one year: winter YEAR runs from December YEAR-1. */
function seasonOf(ctx: Context, name: string, year: number): Omit<TimeFilter, 'phrase'> {
  const m0 = SEASONS.get(name)!;
  const startYear = m0 === 11 ? year - 1 : year;
  const label = m0 === 11 ? `Winter ${year - 1}–${String(year).slice(2)}` : `${seasonLabel(name)} ${year}`;
  return { ...range(ctx, startYear, m0, 1, startYear, m0 + 3, 1), label };
}

/** Whether a month or season word without a year counts as a date where it stands (see the file comment). */
function anchored(ctx: Context, start: number, end: number, word: string): boolean {
  // "in the spring" counts like "in spring".
  const before = /(\S+)\s+(?:the\s+)?$/i.exec(ctx.text.slice(0, start))?.[1]?.toLowerCase();
  if (before && ANCHOR_WORDS.has(before)) return true;
  if (ctx.text.trim().toLowerCase() === word) return true;
  return ctx.text.slice(end).trim() === '' && !AMBIGUOUS_WORDS.has(word);
}

const RULES: Rule[] = [
  // 2019-2021, 2019–21, from 2019 to 2021, between 2019 and 2021
  (ctx) =>
    each(ctx, `(?:between\\s+${YEAR}\\s+and\\s+${YEAR}|(?:from\\s+)?${YEAR}\\s*(?:-|–|\\s(?:to|until)\\s)\\s*(\\d{4}|\\d{2}))`, (m) => {
      const first = m[1] ?? m[3]!;
      const last = m[2] ?? m[4]!;
      const y0 = yearOf(first, ctx.now);
      const y1 = yearOf(last.length === 2 ? first.slice(0, 2) + last : last, ctx.now);
      if (y0 === null || y1 === null || y1 < y0) return;
      add(ctx, m.index, m.index + m[0].length, { ...range(ctx, y0, 0, 1, y1 + 1, 0, 1), label: `${y0}–${y1}` });
    }),
  // this/last/past week, month, year
  (ctx) =>
    each(ctx, '(this|last|past)\\s+(week|month|year)', (m) => {
      const { year: y, month0: mo, day: d } = ctx.now;
      const which = m[1]!.toLowerCase();
      const unit = m[2]!.toLowerCase();
      let span: TimeSpan;
      let label: string;
      if (unit === 'week') {
        // "past week" is the last seven days including today.
        const monday = mondayOf(ctx.now);
        span = which === 'this' ? range(ctx, y, mo, monday, y, mo, monday + 7) : which === 'last' ? range(ctx, y, mo, monday - 7, y, mo, monday) : range(ctx, y, mo, d - 6, y, mo, d + 1);
        label = dayRangeLabel(ctx, span);
      } else if (unit === 'month') {
        span = which === 'this' ? range(ctx, y, mo, 1, y, mo + 1, 1) : which === 'last' ? range(ctx, y, mo - 1, 1, y, mo, 1) : range(ctx, y, mo - 1, d + 1, y, mo, d + 1);
        label = which === 'past' ? dayRangeLabel(ctx, span) : monthLabel(ctx, span.fromMs);
      } else {
        span = which === 'this' ? range(ctx, y, 0, 1, y + 1, 0, 1) : which === 'last' ? range(ctx, y - 1, 0, 1, y, 0, 1) : range(ctx, y - 1, mo, d + 1, y, mo, d + 1);
        label = which === 'past' ? dayRangeLabel(ctx, span) : String(ctx.clock.dateOf(span.fromMs).year);
      }
      add(ctx, m.index, m.index + m[0].length, { ...span, label });
    }),
  // this/last weekend: Saturday and Sunday of this week, or of the week before
  (ctx) =>
    each(ctx, '(this|last)\\s+weekend', (m) => {
      const { year: y, month0: mo } = ctx.now;
      const monday = mondayOf(ctx.now);
      const saturday = m[1]!.toLowerCase() === 'this' ? monday + 5 : monday - 2;
      const span = range(ctx, y, mo, saturday, y, mo, saturday + 2);
      add(ctx, m.index, m.index + m[0].length, { ...span, label: dayRangeLabel(ctx, span) });
    }),
  // 5 years ago, 2 months ago, a week ago: that calendar year, month or week (days are chrono's)
  (ctx) =>
    each(ctx, '(\\d{1,3}|an?|one|two|three|four|five|six|seven|eight|nine|ten)\\s+(year|month|week)s?\\s+ago', (m) => {
      const words = ['a', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten'];
      const countWord = m[1]!.toLowerCase();
      const n = /^\d/.test(countWord) ? Number(countWord) : countWord === 'an' ? 1 : Math.max(1, words.indexOf(countWord));
      const unit = m[2]!.toLowerCase();
      const { year: y, month0: mo } = ctx.now;
      let span: TimeSpan;
      let label: string;
      if (unit === 'year') {
        span = range(ctx, y - n, 0, 1, y - n + 1, 0, 1);
        label = String(y - n);
      } else if (unit === 'month') {
        span = range(ctx, y, mo - n, 1, y, mo - n + 1, 1);
        label = monthLabel(ctx, span.fromMs);
      } else {
        const monday = mondayOf(ctx.now) - 7 * n;
        span = range(ctx, y, mo, monday, y, mo, monday + 7);
        label = dayRangeLabel(ctx, span);
      }
      add(ctx, m.index, m.index + m[0].length, { ...span, label });
    }),
  // june to august 2023, between june and august 2023, december-february 2020 (the months up to that year's)
  (ctx) =>
    each(ctx, `(?:between\\s+)?(${MONTHS.join('|')})\\s*(?:-|–|\\s(?:to|until|through|and)\\s)\\s*(${MONTHS.join('|')})\\s+${YEAR}`, (m) => {
      const m0 = MONTH_INDEX.get(m[1]!.toLowerCase())!;
      const m1 = MONTH_INDEX.get(m[2]!.toLowerCase())!;
      const year = yearOf(m[3]!, ctx.now);
      if (year === null || (/^between/i.test(m[0]) !== / and /i.test(m[0]))) return;
      const startYear = m0 <= m1 ? year : year - 1;
      add(ctx, m.index, m.index + m[0].length, { ...range(ctx, startYear, m0, 1, year, m1 + 1, 1), label: `${MONTH_LABELS[m0]} – ${MONTH_LABELS[m1]} ${year}` });
    }),
  // summer 2019, summer of 2019, last summer, this winter, in spring, winter
  (ctx) =>
    each(ctx, `(?:(this|last)\\s+)?${SEASON_WORD}(?:\\s+(?:of\\s+)?${YEAR})?`, (m) => {
      const which = m[1]?.toLowerCase();
      const name = m[2]!.toLowerCase();
      const yearText = m[3];
      const start = m.index;
      const end = m.index + m[0].length;
      if (yearText) {
        const year = yearOf(yearText, ctx.now);
        if (year !== null) add(ctx, start, end, seasonOf(ctx, name, year));
        return;
      }
      if (which) {
        // The season of this year, or the latest one that has ended; winter is named by its January.
        const m0 = SEASONS.get(name)!;
        const { year, month0 } = ctx.now;
        const startYear = (y: number) => (m0 === 11 ? y - 1 : y);
        const endsAt = (y: number) => startYear(y) * 12 + m0 + 3;
        const nowAt = year * 12 + month0;
        let y = year + 1;
        if (which === 'last') while (endsAt(y) > nowAt) y--;
        else while (startYear(y) * 12 + m0 > nowAt) y--;
        add(ctx, start, end, seasonOf(ctx, name, y));
        return;
      }
      if (!anchored(ctx, start, end, name)) return;
      const m0 = SEASONS.get(name)!;
      add(ctx, start, end, everyYear(ctx, m0, 3, seasonLabel(name)));
    }),
  // july 2023, jul 2023, december, in may
  (ctx) =>
    each(ctx, `${MONTH_WORD}(?:\\s+(?:of\\s+)?${YEAR})?`, (m) => {
      const word = m[1]!.toLowerCase();
      const start = m.index;
      const end = m.index + m[0].length;
      const full = MONTH_INDEX.get(word);
      const month0 = full ?? MONTH_ABBREVIATIONS.get(word)!;
      if (m[2]) {
        const year = yearOf(m[2], ctx.now);
        if (year !== null) add(ctx, start, end, { ...range(ctx, year, month0, 1, year, month0 + 1, 1), label: `${MONTH_LABELS[month0]} ${year}` });
        return;
      }
      // "14 july" and "july 4th" are chrono's: a day follows or comes before.
      if (/^\s*\d/.test(ctx.text.slice(end)) || /\d(?:st|nd|rd|th)?\s+(?:of\s+)?$/i.test(ctx.text.slice(0, start))) return;
      if (full === undefined || !anchored(ctx, start, end, word)) return;
      add(ctx, start, end, everyYear(ctx, month0, 1, MONTH_LABELS[month0]!));
    }),
  // 2019, in 2019 — a year alone (not "2019-07-14", which chrono reads)
  (ctx) =>
    each(ctx, YEAR, (m) => {
      const year = yearOf(m[1]!, ctx.now);
      if (year === null) return;
      add(ctx, m.index, m.index + m[0].length, { ...range(ctx, year, 0, 1, year + 1, 0, 1), label: String(year) });
    }),
];

/** Day-level phrases through chrono: full dates, "yesterday", "3 days ago", "last friday". */
function readChrono(ctx: Context, query: string): void {
  const { year, month0, day, hour, minute } = ctx.now;
  // chrono computes in the machine's zone: hand it the zone's wall clock as a machine-local date.
  const reference = new Date(year, month0, day, hour, minute);
  for (const r of chrono.en.parse(query, reference)) {
    const start = r.index;
    const end = r.index + r.text.length;
    // Periods ("last week", "last summer") are Shoebox's rules; "now" and times of day are no filter.
    if (/^(this|last|past|next)\s+(week|weekend|month|year|spring|summer|autumn|fall|winter)\b/i.test(r.text) || /\b(weeks?|months?|years?)\s+ago$/i.test(r.text) || /^now$/i.test(r.text.trim())) continue;
    const s = r.start;
    const weekdayOnly = s.isCertain('weekday') && !s.isCertain('day');
    if (weekdayOnly && !/^(last|this)\s/i.test(r.text)) continue;
    if (!weekdayOnly && !(s.isCertain('day') && s.isCertain('month')) && !(s.isCertain('day') && r.tags().has('result/relativeDate'))) continue;
    const startDay = { y: s.get('year')!, m: s.get('month')! - 1, d: s.get('day')! };
    const e = r.end ?? s;
    const endDay = { y: e.get('year')!, m: e.get('month')! - 1, d: e.get('day')! };
    if (!s.isCertain('year') && !weekdayOnly) {
      // "july 4th": that day in every year, like a month without a year.
      const spans: TimeSpan[] = [];
      for (let y = YEAR_SPAN_FROM; y <= year; y++) spans.push(range(ctx, y, startDay.m, startDay.d, y, endDay.m, endDay.d + 1));
      add(ctx, start, end, { fromMs: spans[0]!.fromMs, toMs: spans[spans.length - 1]!.toMs, spans, label: `${startDay.d} ${SHORT_MONTH_LABELS[startDay.m]}, any year` });
      continue;
    }
    const span = range(ctx, startDay.y, startDay.m, startDay.d, endDay.y, endDay.m, endDay.d + 1);
    if (span.toMs <= span.fromMs) continue;
    add(ctx, start, end, { ...span, label: dayRangeLabel(ctx, span) });
  }
}

function dayLabel(d: { year: number; month0: number; day: number }, withYear = true): string {
  return `${d.day} ${SHORT_MONTH_LABELS[d.month0]}${withYear ? ` ${d.year}` : ''}`;
}

function monthLabel(ctx: Context, ms: number): string {
  const d = ctx.clock.dateOf(ms);
  return `${MONTH_LABELS[d.month0]} ${d.year}`;
}

/** "5 Dec 2026", or "30 Nov – 6 Dec 2026" for several days. */
function dayRangeLabel(ctx: Context, span: TimeSpan): string {
  const a = ctx.clock.dateOf(span.fromMs);
  // The last day is the one before the exclusive end; noon avoids a DST hour.
  const lastDay = ctx.clock.dateOf(span.toMs - 12 * 3600_000);
  if (a.year === lastDay.year && a.month0 === lastDay.month0 && a.day === lastDay.day) return dayLabel(a);
  if (a.year === lastDay.year && a.month0 === lastDay.month0) return `${a.day} – ${dayLabel(lastDay)}`;
  return `${dayLabel(a, a.year !== lastDay.year)} – ${dayLabel(lastDay)}`;
}

