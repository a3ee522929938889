/** Deterministic formatting of numbers, sizes and dates for the pages (no locale, no clock). */

/** The SI units of `formatBytes` above bytes, smallest first. */
const BYTE_UNITS = ['kB', 'MB', 'GB', 'TB', 'PB'] as const;

/**
 * `31062016` -> `31.1 MB` (SI units, as file managers show them), up to the unit `largest`
 * (sizes beyond it are counted in it: `1200 TB` with `TB`).
 */
export function formatBytes(n: number, largest: (typeof BYTE_UNITS)[number] = 'PB'): string {
  if (!Number.isFinite(n) || n < 0) return '';
  if (n < 1000) return `${n} B`;
  const units = BYTE_UNITS.slice(0, BYTE_UNITS.indexOf(largest) + 1);
  let v = n;
  let i = -1;
  do {
    v /= 1000;
    i++;
  } while (v >= 1000 && i < units.length - 1);
  return `${v >= 100 ? v.toFixed(0) : v.toFixed(1)} ${units[i]}`;
}

/** `7765442` -> `7.8M` (parameter counts). */
export function formatCount(n: number): string {
  if (!Number.isFinite(n)) return '';
  const abs = Math.abs(n);
  if (abs < 1000) return String(n);
  const steps: Array<[number, string]> = [
    [1e12, 'T'],
    [1e9, 'B'],
    [1e6, 'M'],
    [1e3, 'k'],
  ];
  for (const [size, suffix] of steps) {
    if (abs >= size) {
      const v = n / size;
      return `${Math.abs(v) >= 100 ? v.toFixed(0) : v.toFixed(1).replace(/\.0$/, '')}${suffix}`;
    }
  }
  return String(n);
}

/** `1234567` -> `1,234,567`. */
export function groupDigits(n: number): string {
  const [int, frac] = String(n).split('.');
  const grouped = int!.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return frac === undefined ? grouped : `${grouped}.${frac}`;
}

/** Metric values: at most 4 significant digits. */
export function formatMetric(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (Number.isInteger(v)) return groupDigits(v);
  const abs = Math.abs(v);
  if (abs >= 1000) return groupDigits(Math.round(v));
  return String(Number(v.toPrecision(4)));
}

/** ISO date part (`2026-03-14`) of an ISO timestamp, or '' when it does not parse. */
export function isoDate(ts: unknown): string {
  if (typeof ts !== 'string') return '';
  const t = Date.parse(ts);
  return Number.isNaN(t) ? '' : new Date(t).toISOString().slice(0, 10);
}

/** "3 days ago" relative to the build time, so the output stays stable for a given build time. */
export function ago(ts: unknown, now: string): string {
  if (typeof ts !== 'string') return '';
  const t = Date.parse(ts);
  const n = Date.parse(now);
  if (Number.isNaN(t) || Number.isNaN(n)) return '';
  const s = Math.max(0, Math.round((n - t) / 1000));
  const units: Array<[number, string]> = [
    [365 * 86400, 'year'],
    [30 * 86400, 'month'],
    [7 * 86400, 'week'],
    [86400, 'day'],
    [3600, 'hour'],
    [60, 'minute'],
  ];
  for (const [size, name] of units) {
    if (s >= size) {
      const k = Math.floor(s / size);
      return `${k} ${name}${k === 1 ? '' : 's'} ago`;
    }
  }
  return 'just now';
}

/** Plain text of a Markdown document (for descriptions on cards and the search index). */
export function markdownToText(md: string): string {
  return md
    .replace(/```[\s\S]*?```/g, ' ')
    .replace(/<(script|style|svg|iframe|textarea)\b[\s\S]*?<\/\1\s*>/gi, ' ')
    .replace(/<!--[\s\S]*?-->/g, ' ')
    .replace(/<[^>]*>/g, ' ')
    .replace(/!\[[^\]]*\]\([^)]*\)/g, ' ')
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/^\s{0,3}#{1,6}\s+/gm, '')
    .replace(/^\s*\|?[-:| ]+\|[-:| ]*$/gm, ' ')
    .replace(/(^|\s)[*_~]+|[*_~]+(?=\s|[.,;:!?)]|$)/g, '$1')
    .replace(/[`>|]/g, ' ')
    .replace(/\s+([.,;:!?])/g, '$1')
    .replace(WHITESPACE_RUNS, ' ')
    .trim();
}

/**
 * What `/\s+/g` matches, for a replace by one space: runs of two or more, or one whitespace that
 * is not a space (a lone space stays as it is). Same result, many times faster on long text (V8
 * replaced every single space between words one by one).
 */
export const WHITESPACE_RUNS = /\s\s+|[\t\n\v\f\r\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]/g;

/**
 * A short summary of a README for cards: the first paragraph that is not a heading, image,
 * code or table, cut at `max` characters on a word boundary.
 */
export function summary(md: string, max = 160): string {
  const blocks = md.replace(/```[\s\S]*?```/g, '\n\n').split(/\n\s*\n/);
  let text = '';
  for (const b of blocks) {
    const trimmed = b.trim();
    if (trimmed === '' || /^(#|!\[|\||<)/.test(trimmed)) continue;
    text = markdownToText(trimmed);
    if (text !== '') break;
  }
  if (text === '') text = markdownToText(md);
  if (text.length <= max) return text;
  const cut = text.slice(0, max);
  const space = cut.lastIndexOf(' ');
  return (space > max * 0.6 ? cut.slice(0, space) : cut).replace(/[,.;:]$/, '') + '…';
}
