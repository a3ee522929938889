/**
 * MLflow's search syntax (SearchRuns proto doc, `mlflow/utils/search_utils.py` behaviour):
 * `filter` = clauses joined by AND, each `<identifier> <comparator> <value>`; identifiers
 * `metrics.k`, `params.k`, `tags.k`, `attributes.k` (or a bare attribute such as `name`, `run_id`),
 * keys optionally quoted with "..." or backticks; values are 'strings', "strings", numbers or
 * `('a', 'b')` lists for IN. `order_by` = `<identifier> [ASC|DESC]`. Page tokens are opaque
 * base64 offsets, as MLflow's are.
 */
import { invalid } from './errors.js';

export type EntityType = 'metric' | 'param' | 'tag' | 'attribute' | 'dataset';
export type Comparator = '=' | '!=' | '<' | '<=' | '>' | '>=' | 'LIKE' | 'ILIKE' | 'IN' | 'NOT IN';

export interface Clause {
  type: EntityType;
  key: string;
  comparator: Comparator;
  value: string | number | string[];
  /**
   * Character comparisons the `LIKE`/`ILIKE` of this clause may still spend in this request (set
   * by `parseFilter`; see {@link LIKE_BUDGET}).
   */
  budget?: { left: number };
}

export interface OrderBy {
  type: EntityType;
  key: string;
  ascending: boolean;
}

type Token = { kind: 'ident' | 'str' | 'num' | 'op' | 'lparen' | 'rparen' | 'comma'; text: string };

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (c === "'" || c === '"' || c === '`') {
      // Quoted string or quoted key; '' escapes a quote inside.
      let j = i + 1;
      let text = '';
      for (;;) {
        if (j >= src.length) throw invalid(`Invalid filter '${src}': unterminated quote`);
        if (src[j] === c) {
          if (src[j + 1] === c) {
            text += c;
            j += 2;
            continue;
          }
          break;
        }
        text += src[j];
        j++;
      }
      out.push({ kind: c === "'" ? 'str' : c === '"' ? 'str' : 'ident', text });
      // A double-quoted token right after a dot is a key, handled by the parser.
      (out[out.length - 1] as Token & { quote?: string }).quote = c;
      i = j + 1;
    } else if (c === '(') {
      out.push({ kind: 'lparen', text: c });
      i++;
    } else if (c === ')') {
      out.push({ kind: 'rparen', text: c });
      i++;
    } else if (c === ',') {
      out.push({ kind: 'comma', text: c });
      i++;
    } else if ('=!<>'.includes(c)) {
      const two = src.slice(i, i + 2);
      if (two === '!=' || two === '<=' || two === '>=' || two === '==') {
        out.push({ kind: 'op', text: two === '==' ? '=' : two });
        i += 2;
      } else if (c === '!') {
        throw invalid(`Invalid filter '${src}'`);
      } else {
        out.push({ kind: 'op', text: c });
        i++;
      }
    } else if (/[-+\d.]/.test(c) && /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?/.test(src.slice(i)) && !isIdentContinuation(out)) {
      const m = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?/.exec(src.slice(i))!;
      out.push({ kind: 'num', text: m[0] });
      i += m[0].length;
    } else if (/[\w.]/.test(c)) {
      let j = i;
      while (j < src.length && /[\w.\-/:]/.test(src[j]!)) j++;
      out.push({ kind: 'ident', text: src.slice(i, j) });
      i = j;
    } else {
      throw invalid(`Invalid filter '${src}': unexpected character '${c}'`);
    }
  }
  return out;
}

/** A number right after `metrics.` would be part of a key such as `metrics.0_loss`. */
function isIdentContinuation(out: Token[]): boolean {
  const last = out[out.length - 1];
  return last !== undefined && last.kind === 'ident' && last.text.endsWith('.');
}

const PREFIXES: Record<string, EntityType> = {
  metric: 'metric',
  metrics: 'metric',
  param: 'param',
  params: 'param',
  parameter: 'param',
  parameters: 'param',
  tag: 'tag',
  tags: 'tag',
  attribute: 'attribute',
  attributes: 'attribute',
  attr: 'attribute',
  run: 'attribute',
  dataset: 'dataset',
  datasets: 'dataset',
};

/** Read an identifier (`metrics.loss`, `tags."a b"`, `name`) starting at tokens[i]. */
function readIdentifier(tokens: Token[], i: number, src: string): { type: EntityType; key: string; next: number } {
  const t = tokens[i];
  if (!t || (t.kind !== 'ident' && t.kind !== 'str')) throw invalid(`Invalid filter '${src}': expected an identifier`);
  if (t.kind === 'str' && (t as Token & { quote?: string }).quote === "'") {
    throw invalid(`Invalid filter '${src}': expected an identifier, got '${t.text}'`);
  }
  const text = t.text;
  const quoted = (t as Token & { quote?: string }).quote !== undefined;
  if (!quoted) {
    const dot = text.indexOf('.');
    if (dot > 0) {
      const prefix = text.slice(0, dot).toLowerCase();
      const type = PREFIXES[prefix];
      if (type) {
        const rest = text.slice(dot + 1);
        if (rest === '') {
          const k = tokens[i + 1];
          if (!k || (k.kind !== 'ident' && k.kind !== 'str')) throw invalid(`Invalid filter '${src}': missing key after '${text}'`);
          return { type, key: k.text, next: i + 2 };
        }
        return { type, key: rest, next: i + 1 };
      }
    }
  }
  return { type: 'attribute', key: text, next: i + 1 };
}

/** Parse an MLflow filter string into clauses (AND only, as MLflow). */
export function parseFilter(filter: string | undefined): Clause[] {
  if (filter === undefined || filter.trim() === '') return [];
  const tokens = tokenize(filter);
  const clauses: Clause[] = [];
  let i = 0;
  for (;;) {
    const id = readIdentifier(tokens, i, filter);
    i = id.next;
    const opTok = tokens[i];
    let comparator: Comparator;
    if (opTok?.kind === 'op') {
      comparator = opTok.text as Comparator;
      i++;
    } else if (opTok?.kind === 'ident' && ['LIKE', 'ILIKE', 'IN'].includes(opTok.text.toUpperCase())) {
      comparator = opTok.text.toUpperCase() as Comparator;
      i++;
    } else if (opTok?.kind === 'ident' && opTok.text.toUpperCase() === 'NOT' && tokens[i + 1]?.text.toUpperCase() === 'IN') {
      comparator = 'NOT IN';
      i += 2;
    } else {
      throw invalid(`Invalid filter '${filter}': expected a comparator after '${id.key}'`);
    }
    let value: Clause['value'];
    const v = tokens[i];
    if (comparator === 'IN' || comparator === 'NOT IN') {
      if (v?.kind !== 'lparen') throw invalid(`Invalid filter '${filter}': IN needs a parenthesised list`);
      i++;
      const list: string[] = [];
      for (;;) {
        const item = tokens[i];
        if (!item || (item.kind !== 'str' && item.kind !== 'num')) throw invalid(`Invalid filter '${filter}': bad IN list`);
        list.push(item.text);
        i++;
        const sep = tokens[i];
        if (sep?.kind === 'comma') i++;
        else if (sep?.kind === 'rparen') {
          i++;
          break;
        } else throw invalid(`Invalid filter '${filter}': bad IN list`);
      }
      value = list;
    } else if (v?.kind === 'str') {
      value = v.text;
      if ((comparator === 'LIKE' || comparator === 'ILIKE') && [...value].length > MAX_LIKE_PATTERN) {
        throw invalid(`Invalid filter: the ${comparator} pattern for '${id.key}' is longer than ${MAX_LIKE_PATTERN} characters.`);
      }
      i++;
    } else if (v?.kind === 'num') {
      value = Number(v.text);
      i++;
    } else {
      throw invalid(`Invalid filter '${filter}': expected a value after '${comparator}'`);
    }
    if (id.type === 'metric' && typeof value !== 'number') {
      throw invalid(`Invalid filter '${filter}': metric '${id.key}' must be compared with a number`);
    }
    if ((id.type === 'param' || id.type === 'tag') && typeof value === 'number') {
      throw invalid(`Invalid filter '${filter}': ${id.type} '${id.key}' must be compared with a quoted string`);
    }
    const like = comparator === 'LIKE' || comparator === 'ILIKE';
    clauses.push({ type: id.type, key: id.key, comparator, value, ...(like ? { budget: { left: LIKE_BUDGET } } : {}) });
    const and = tokens[i];
    if (!and) break;
    if (and.kind === 'ident' && and.text.toUpperCase() === 'AND') {
      i++;
      continue;
    }
    throw invalid(`Invalid filter '${filter}': only AND is supported between clauses`);
  }
  return clauses;
}

/** Parse `order_by` entries such as `metrics.loss DESC`, `name`, `attributes.start_time ASC`. */
export function parseOrderBy(orderBy: string[] | undefined): OrderBy[] {
  const out: OrderBy[] = [];
  for (const raw of orderBy ?? []) {
    const tokens = tokenize(raw);
    if (tokens.length === 0) continue;
    const id = readIdentifier(tokens, 0, raw);
    let ascending = true;
    const dir = tokens[id.next];
    if (dir) {
      const d = dir.text.toUpperCase();
      if (d === 'DESC') ascending = false;
      else if (d !== 'ASC') throw invalid(`Invalid order_by clause '${raw}'. Could not be parsed.`);
      if (tokens.length > id.next + 1) throw invalid(`Invalid order_by clause '${raw}'. Could not be parsed.`);
    }
    out.push({ type: id.type, key: id.key, ascending });
  }
  return out;
}

/**
 * Longest `LIKE`/`ILIKE` pattern accepted, in characters. MLflow sets none (the SQL store hands the
 * pattern to the database); ours keeps a search's cost bounded (pattern length x value length per
 * compared value), and is far above any name MLflow accepts (run names, params: 250/6000 characters
 * are values, not patterns).
 */
export const MAX_LIKE_PATTERN = 1000;

/**
 * Character comparisons one `LIKE`/`ILIKE` clause may make over a whole search (about a tenth of a
 * second of CPU). Pieces holding `_` are compared character by character, so a crafted pattern
 * over many long values (tags hold 8,000 characters) could otherwise keep the server busy for
 * minutes; past this the search is refused with INVALID_PARAMETER_VALUE.
 */
export const LIKE_BUDGET = 50_000_000;

/**
 * SQL `LIKE` as MLflow's SQL store evaluates it: `%` is any run of characters (none included), `_` is
 * exactly one character, everything else is itself; `ILIKE` ignores case. No regular expression: the
 * pattern is cut at each `%` and every piece is found at its leftmost place after the previous one
 * (leftmost is always right for pieces between `%`), so the work is at most pattern length x value
 * length, whatever the number of `%`.
 */
export function likeMatches(value: string, pattern: string, caseInsensitive: boolean, budget?: { left: number }): boolean {
  const spend = (n: number): void => {
    if (budget && (budget.left -= n) < 0) {
      throw invalid(`Invalid filter: the LIKE pattern '${pattern.slice(0, 100)}' needs more than ${LIKE_BUDGET} character comparisons over this search; use fewer '_' wildcards or a shorter pattern.`);
    }
  };
  spend(value.length + 1);
  if (!pattern.includes('_')) return likeWithoutUnderscore(caseInsensitive ? value.toLowerCase() : value, caseInsensitive ? pattern.toLowerCase() : pattern);
  const v = Array.from(caseInsensitive ? value.toLowerCase() : value);
  const pieces: string[][] = [[]];
  for (const ch of caseInsensitive ? pattern.toLowerCase() : pattern) {
    if (ch === '%') pieces.push([]);
    else pieces[pieces.length - 1]!.push(ch);
  }
  const at = (piece: string[], start: number): boolean => {
    for (let k = 0; k < piece.length; k++) if (piece[k] !== '_' && piece[k] !== v[start + k]) return false;
    return true;
  };
  const first = pieces[0]!;
  if (pieces.length === 1) return v.length === first.length && at(first, 0);
  const last = pieces[pieces.length - 1]!;
  const end = v.length - last.length;
  if (first.length > end || !at(first, 0) || !at(last, end)) return false;
  let pos = first.length;
  for (let i = 1; i < pieces.length - 1; i++) {
    const piece = pieces[i]!;
    if (piece.length === 0) continue;
    let found = -1;
    for (let s = pos; s + piece.length <= end; s++) {
      spend(piece.length);
      if (at(piece, s)) {
        found = s;
        break;
      }
    }
    if (found === -1) return false;
    pos = found + piece.length;
  }
  return true;
}

/** The same without `_`: pieces are plain substrings, found by `indexOf` (no per-character loop). */
function likeWithoutUnderscore(v: string, pattern: string): boolean {
  const pieces = pattern.split('%');
  const first = pieces[0]!;
  if (pieces.length === 1) return v === first;
  const last = pieces[pieces.length - 1]!;
  const end = v.length - last.length;
  if (first.length > end || !v.startsWith(first) || !v.endsWith(last)) return false;
  let pos = first.length;
  for (let i = 1; i < pieces.length - 1; i++) {
    const piece = pieces[i]!;
    if (piece === '') continue;
    const found = v.indexOf(piece, pos);
    if (found === -1 || found + piece.length > end) return false;
    pos = found + piece.length;
  }
  return true;
}

/** Compare one looked-up value with a clause; a missing value never matches (as MLflow). */
export function matches(actual: string | number | undefined, clause: Clause): boolean {
  if (actual === undefined) return false;
  const { comparator, value } = clause;
  switch (comparator) {
    case 'IN':
      return (value as string[]).includes(String(actual));
    case 'NOT IN':
      return !(value as string[]).includes(String(actual));
    case 'LIKE':
      return likeMatches(String(actual), String(value), false, clause.budget);
    case 'ILIKE':
      return likeMatches(String(actual), String(value), true, clause.budget);
    default:
  }
  let a: string | number = actual;
  let b: string | number = value as string | number;
  if (typeof a === 'number' || typeof b === 'number') {
    a = Number(a);
    b = Number(b);
    if (Number.isNaN(a) || Number.isNaN(b)) return comparator === '!=';
  }
  switch (comparator) {
    case '=':
      return a === b;
    case '!=':
      return a !== b;
    case '<':
      return a < b;
    case '<=':
      return a <= b;
    case '>':
      return a > b;
    case '>=':
      return a >= b;
  }
  return false;
}

/** Compare two optional sort keys, missing values last (MLflow puts NULLs last in both directions). */
export function compareKeys(a: string | number | undefined, b: string | number | undefined, ascending: boolean): number {
  if (a === undefined && b === undefined) return 0;
  if (a === undefined) return 1;
  if (b === undefined) return -1;
  let c: number;
  if (typeof a === 'number' && typeof b === 'number') {
    if (Number.isNaN(a) || Number.isNaN(b)) c = Number.isNaN(a) ? (Number.isNaN(b) ? 0 : 1) : -1;
    else c = a < b ? -1 : a > b ? 1 : 0;
    return ascending || Number.isNaN(a) || Number.isNaN(b) ? c : -c;
  }
  const sa = String(a);
  const sb = String(b);
  c = sa < sb ? -1 : sa > sb ? 1 : 0;
  return ascending ? c : -c;
}

/** Encode an offset as an opaque page token. */
export function encodePageToken(offset: number): string {
  return Buffer.from(JSON.stringify({ offset }), 'utf8').toString('base64');
}

/** Decode a page token; a malformed one is the client's mistake (400). */
export function decodePageToken(token: string | undefined): number {
  if (token === undefined || token === '') return 0;
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64').toString('utf8')) as { offset?: unknown };
    if (typeof parsed.offset === 'number' && Number.isInteger(parsed.offset) && parsed.offset >= 0) return parsed.offset;
  } catch {
    // fall through
  }
  throw invalid(`Invalid page token, could not base64-decode: '${token}'`);
}

/** Cut one page out of a sorted list. */
export function paginate<T>(items: T[], maxResults: number, pageToken: string | undefined): { page: T[]; nextPageToken?: string } {
  const offset = decodePageToken(pageToken);
  const page = items.slice(offset, offset + maxResults);
  const end = offset + page.length;
  return end < items.length ? { page, nextPageToken: encodePageToken(end) } : { page };
}
