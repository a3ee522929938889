/**
 * The README body: relative image and link targets rewritten to URLs that resolve, and DOIs found
 * in the text (SharingHub §1.7, §2.3). The preview image is preview.ts's.
 */

/** Where a README reference points after rewriting. */
export type HrefResolver = (href: string, kind: 'image' | 'link') => string | undefined;

const MD_IMAGE = /(!\[[^\]]*\]\()(\s*<?)([^)\s>]+)(>?(?:\s+"[^"]*")?\s*\))/g;
const MD_LINK = /((?:^|[^!])\[[^\]]*\]\()(\s*<?)([^)\s>]+)(>?(?:\s+"[^"]*")?\s*\))/g;
const HTML_ATTR = /(<(?:img|a|source|video)\b[^>]*?\s(?:src|href)\s*=\s*)(["'])([^"']+)\2/gi;

/** True for an href that a README author means relative to the repository. */
export function isRepoRelative(href: string): boolean {
  return !/^[a-z][a-z0-9+.-]*:/i.test(href) && !href.startsWith('#') && !href.startsWith('//') && !href.startsWith('/');
}

/** Rewrite repository-relative image and link targets of a Markdown body (pure). */
export function rewriteBody(body: string, resolve: HrefResolver): string {
  const swap = (href: string, kind: 'image' | 'link'): string => (isRepoRelative(href) ? (resolve(href, kind) ?? href) : href);
  return body
    .replace(MD_IMAGE, (_m, a: string, b: string, href: string, c: string) => `${a}${b}${swap(href, 'image')}${c}`)
    .replace(MD_LINK, (_m, a: string, b: string, href: string, c: string) => `${a}${b}${swap(href, 'link')}${c}`)
    .replace(HTML_ATTR, (m, a: string, q: string, href: string) =>
      `${a}${q}${swap(href, /^<img|^<source|^<video/i.test(m) ? 'image' : 'link')}${q}`,
    )
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

export interface Publication {
  doi: string;
  citation?: string;
}

/** DOIs in the body: Markdown links to doi.org first (with their text as citation), else a bare DOI URL. */
export function doisFromBody(body: string): { doi?: string; citation?: string; publications: Publication[] } {
  const links = [...body.matchAll(/\[([^\]]+)\]\(\s*<?https?:\/\/(?:dx\.)?doi\.org\/(10\.\d{4,9}\/[^)\s>]+)>?\s*\)/gi)];
  if (links.length > 0) {
    const [first, ...rest] = links.map((m) => ({ citation: cleanCitation(m[1] ?? ''), doi: decodeDoi(m[2] ?? '') }));
    return {
      doi: first!.doi,
      ...(first!.citation ? { citation: first!.citation } : {}),
      publications: rest.map((p) => ({ doi: p.doi, ...(p.citation ? { citation: p.citation } : {}) })),
    };
  }
  const bare = /https?:\/\/(?:dx\.)?doi\.org\/(10\.\d{4,9}\/[^\s)\]>"']+)/i.exec(body);
  return bare ? { doi: decodeDoi(bare[1]!.replace(/[.,;]+$/, '')), publications: [] } : { publications: [] };
}

function cleanCitation(text: string): string {
  return text.replace(/^\s*DOI:\s*/i, '').trim();
}

function decodeDoi(doi: string): string {
  try {
    return decodeURIComponent(doi);
  } catch {
    return doi;
  }
}

/** A short plain-text summary (cards, search): the first paragraph of prose, Markdown stripped. */
export function summarize(markdown: string, max = 200): string {
  const text = markdown
    .replace(/```[\s\S]*?```/g, ' ')
    .replace(/<[^>]+>/g, ' ')
    .split(/\n\s*\n/)
    .map((p) => p.trim())
    .filter((p) => p && !/^#/.test(p) && !/^!\[/.test(p) && !/^\|/.test(p) && !/^[-*_]{3,}$/.test(p))
    .map((p) =>
      p
        .replace(/!\[[^\]]*\]\([^)]*\)/g, '')
        .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
        .replace(/[*_`>#]/g, '')
        .replace(/\s+/g, ' ')
        .trim(),
    )
    .find((p) => p.length > 0) ?? '';
  if (text.length <= max) return text;
  const cut = text.slice(0, max);
  return `${cut.slice(0, Math.max(cut.lastIndexOf(' '), max - 20)).trimEnd()}…`;
}
