/**
 * Glob matching for asset rules and `.gitattributes` (PURE), in time linear in the pattern times
 * the path. A README's pattern is outside input: a regex-based matcher backtracks (picomatch takes
 * 1.3 s for `*a*a*a*a*a*b` against a 60-character name, and minutes with a few more stars), so
 * patterns are matched here segment by segment without any regular expression.
 *
 * Supported: `*` (any characters within a segment, dotfiles included), `?` (one character),
 * `[abc]`, `[a-z]`, `[!a]` / `[^a]` (a class), `\x` (a literal x), `**` as a whole segment (any number
 * of segments, none included) and `{a,b}` alternatives (at most `MAX_ALTERNATIVES` in all).
 */

/** Brace alternatives a pattern may expand to. */
export const MAX_ALTERNATIVES = 64;

type Token = { kind: 'star' } | { kind: 'any' } | { kind: 'char'; ch: string } | { kind: 'class'; negate: boolean; test: (ch: string) => boolean };
type Segment = { globstar: true } | { globstar: false; tokens: Token[] };

/** A matcher for a whole path (segments separated by `/`). Throws on a pattern it cannot use. */
export function globMatcher(pattern: string): (path: string) => boolean {
  const alternatives = expandBraces(pattern).map((p) => p.split('/').map(compileSegment));
  return (path) => {
    const segments = path.split('/');
    return alternatives.some((a) => matchSegments(a, segments));
  };
}

/** The number of `/`-separated segments of a pattern (for matching from the right). */
export function segmentCount(pattern: string): number {
  return pattern.split('/').length;
}

function expandBraces(pattern: string): string[] {
  let out = [pattern];
  for (let round = 0; round < 16; round++) {
    let changed = false;
    const next: string[] = [];
    for (const p of out) {
      const open = findUnescaped(p, '{', 0);
      if (open < 0) {
        next.push(p);
        continue;
      }
      // The innermost-first pair: the first `}` after the last `{` before it.
      const close = findUnescaped(p, '}', open);
      if (close < 0) {
        next.push(p);
        continue;
      }
      const start = p.lastIndexOf('{', close);
      const inner = p.slice(start + 1, close);
      if (!inner.includes(',')) {
        next.push(p.slice(0, start) + '\\{' + inner + '\\}' + p.slice(close + 1));
        changed = true;
        continue;
      }
      for (const alt of inner.split(',')) next.push(p.slice(0, start) + alt + p.slice(close + 1));
      changed = true;
      if (next.length > MAX_ALTERNATIVES) throw new Error(`the pattern expands to more than ${MAX_ALTERNATIVES} alternatives`);
    }
    out = next;
    if (!changed) return out;
  }
  throw new Error('the pattern nests braces too deeply');
}

function findUnescaped(s: string, ch: string, from: number): number {
  for (let i = from; i < s.length; i++) {
    if (s[i] === '\\') i++;
    else if (s[i] === ch) return i;
  }
  return -1;
}

function compileSegment(seg: string): Segment {
  if (seg === '**') return { globstar: true };
  const tokens: Token[] = [];
  for (let i = 0; i < seg.length; i++) {
    const ch = seg[i]!;
    if (ch === '\\' && i + 1 < seg.length) tokens.push({ kind: 'char', ch: seg[++i]! });
    else if (ch === '*') {
      if (tokens[tokens.length - 1]?.kind !== 'star') tokens.push({ kind: 'star' });
    } else if (ch === '?') tokens.push({ kind: 'any' });
    else if (ch === '[') {
      const end = seg.indexOf(']', i + 2);
      if (end < 0) {
        tokens.push({ kind: 'char', ch });
        continue;
      }
      let body = seg.slice(i + 1, end);
      const negate = body.startsWith('!') || body.startsWith('^');
      if (negate) body = body.slice(1);
      const ranges: Array<[string, string]> = [];
      for (let j = 0; j < body.length; j++) {
        if (body[j + 1] === '-' && j + 2 < body.length) {
          ranges.push([body[j]!, body[j + 2]!]);
          j += 2;
        } else ranges.push([body[j]!, body[j]!]);
      }
      tokens.push({ kind: 'class', negate, test: (c) => ranges.some(([a, b]) => c >= a && c <= b) });
      i = end;
    } else tokens.push({ kind: 'char', ch });
  }
  return { globstar: false, tokens };
}

/** Wildcard matching of one segment: two pointers, remembering the last star (O(pattern x text)). */
function matchSegment(tokens: Token[], text: string): boolean {
  const chars = [...text];
  let t = 0;
  let p = 0;
  let starP = -1;
  let starT = 0;
  while (t < chars.length) {
    const tok = tokens[p];
    if (tok && tok.kind !== 'star' && one(tok, chars[t]!)) {
      t++;
      p++;
    } else if (tok?.kind === 'star') {
      starP = p++;
      starT = t;
    } else if (starP >= 0) {
      p = starP + 1;
      t = ++starT;
    } else return false;
  }
  while (tokens[p]?.kind === 'star') p++;
  return p === tokens.length;
}

function one(tok: Exclude<Token, { kind: 'star' }>, ch: string): boolean {
  if (tok.kind === 'any') return true;
  if (tok.kind === 'char') return tok.ch === ch;
  return tok.test(ch) !== tok.negate;
}

/** Segments against segments, `**` spanning any number of them (memoised: O(pattern x path)). */
function matchSegments(pattern: Segment[], path: string[]): boolean {
  const memo = new Map<number, boolean>();
  const go = (i: number, j: number): boolean => {
    const key = i * (path.length + 1) + j;
    const known = memo.get(key);
    if (known !== undefined) return known;
    let r: boolean;
    if (i === pattern.length) r = j === path.length;
    else {
      const seg = pattern[i]!;
      if (seg.globstar) r = go(i + 1, j) || (j < path.length && go(i, j + 1));
      else r = j < path.length && matchSegment(seg.tokens, path[j]!) && go(i + 1, j + 1);
    }
    memo.set(key, r);
    return r;
  };
  return go(0, 0);
}
