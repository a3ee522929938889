/**
 * Reading the README and the pages of docs/ as Markdown: their fenced shell blocks split into
 * commands, their links, and the anchors their headings get on GitLab and GitHub.
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { marked, type Token, type Tokens } from 'marked';
import { repoRoot } from '../helpers.js';

/** The documentation: README.md, then every page of docs/, as repository-relative paths. */
export function docFiles(): string[] {
  const pages = readdirSync(path.join(repoRoot, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .sort()
    .map((f) => `docs/${f}`);
  return ['README.md', ...pages];
}

/** Languages of fenced blocks whose lines are shell commands. */
export const SHELL_LANGS = new Set(['sh', 'bash', 'shell', 'console']);

export interface Fence {
  file: string;
  lang: string;
  text: string;
}

/** Every token of a Markdown file, nested ones (lists, tables, links in paragraphs) included. */
function tokensOf(file: string): Token[] {
  const all: Token[] = [];
  marked.walkTokens(marked.lexer(readFileSync(path.join(repoRoot, file), 'utf8')), (t) => void all.push(t));
  return all;
}

export function fences(file: string): Fence[] {
  return tokensOf(file)
    .filter((t): t is Tokens.Code => t.type === 'code' && (t as Tokens.Code).codeBlockStyle !== 'indented')
    .map((t) => ({ file, lang: (t.lang ?? '').trim(), text: t.text }));
}

/** Drops a `#` comment that starts a word outside quotes (`a # b` -> `a`; `"a # b"` is kept). */
function stripComment(line: string): string {
  let quote: string | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote) {
      if (c === quote) quote = null;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '#' && (i === 0 || /\s/.test(line[i - 1]!))) return line.slice(0, i);
  }
  return line;
}

/**
 * The commands of a shell block, one per logical line: continuations (`\` at the end of a line)
 * joined, comments dropped, runs of blanks made one space.
 */
export function commandsOf(text: string): string[] {
  return text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => stripComment(l).replace(/\s+/g, ' ').trim())
    .filter((l) => l !== '');
}

/** The anchor a heading gets (GitHub's and GitLab's rule: lower case, punctuation dropped, spaces as `-`). */
export function slug(heading: string): string {
  return heading
    .toLowerCase()
    .trim()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc}\- ]/gu, '')
    .replace(/ /g, '-');
}

/** The anchors of a Markdown file's headings (a repeated heading gets `-1`, `-2`...). */
export function anchorsOf(file: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const t of tokensOf(file)) {
    if (t.type !== 'heading') continue;
    const base = slug((t as Tokens.Heading).text);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  return out;
}

/** The hrefs of a Markdown file's links and images. */
export function linksOf(file: string): string[] {
  return tokensOf(file)
    .filter((t): t is Tokens.Link | Tokens.Image => t.type === 'link' || t.type === 'image')
    .map((t) => t.href);
}

/** The text of a Markdown file's inline code spans (`like this`), outside fenced blocks. */
export function codeSpansOf(file: string): string[] {
  return tokensOf(file)
    .filter((t): t is Tokens.Codespan => t.type === 'codespan')
    .map((t) => t.text);
}
