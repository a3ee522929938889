/**
 * The README body: relative image and link targets rewritten to URLs that resolve, the DOIs the
 * text cites (SharingHub §1.7, §2.3) and the image it names as preview (preview.ts says which wins).
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

/** DOIs the body cites: the first is the item's, the others its publications. */
export interface Citation {
  doi?: string;
  citation?: string;
  publications: Publication[];
}

/** What a project's record takes from its README body. */
export interface BodyFacts {
  /** The body with its repository-relative targets rewritten (see `rewriteBody`). */
  text: string;
  citation: Citation;
  /** The target of the last Markdown image whose alt text is "preview" (SharingHub's `_retrieve_preview`). */
  previewImage?: string;
}

// A Markdown image (any title), a Markdown link to doi.org (its text is the citation), a bare DOI URL.
const PREVIEW_IMAGE = /!\[([^\]]*)\]\(\s*<?([^)\s>]+)[^)]*\)/y;
const DOI_LINK = /\[([^\]]+)\]\(\s*<?https?:\/\/(?:dx\.)?doi\.org\/(10\.\d{4,9}\/[^)\s>]+)>?\s*\)/iy;
const BARE_DOI = /https?:\/\/(?:dx\.)?doi\.org\/(10\.\d{4,9}\/[^\s)\]>"']+)/iy;

/**
 * Read the body once (pure): one walk finds the preview image and the DOIs, then the targets are
 * rewritten. Each pattern is tried where its previous match ended or later, as a global regex
 * scan would, so a pattern's matches are the same as scanning the body with it alone.
 */
export function readBody(body: string, resolve: HrefResolver): BodyFacts {
  const doiLinks: Array<{ text: string; doi: string }> = [];
  let previewImage: string | undefined;
  let bare: string | undefined;
  let previewFrom = 0;
  let doiFrom = 0;
  const at = (re: RegExp, i: number): RegExpExecArray | null => {
    re.lastIndex = i;
    return re.exec(body);
  };
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c === '!' && i >= previewFrom) {
      const m = at(PREVIEW_IMAGE, i);
      if (m) {
        if (m[1]!.trim().toLowerCase() === 'preview') previewImage = m[2];
        previewFrom = i + m[0].length;
      }
    } else if (c === '[' && i >= doiFrom) {
      const m = at(DOI_LINK, i);
      if (m) {
        doiLinks.push({ text: m[1] ?? '', doi: m[2] ?? '' });
        doiFrom = i + m[0].length;
      }
    } else if ((c === 'h' || c === 'H') && bare === undefined) {
      const m = at(BARE_DOI, i);
      if (m) bare = m[1]!;
    }
  }
  return { text: rewriteBody(body, resolve), citation: citationOf(doiLinks, bare), ...(previewImage !== undefined ? { previewImage } : {}) };
}

/** DOIs in the body: Markdown links to doi.org first (with their text as citation), else a bare DOI URL. */
function citationOf(links: ReadonlyArray<{ text: string; doi: string }>, bare: string | undefined): Citation {
  if (links.length > 0) {
    const [first, ...rest] = links.map((m) => ({ citation: cleanCitation(m.text), doi: decodeDoi(m.doi) }));
    return {
      doi: first!.doi,
      ...(first!.citation ? { citation: first!.citation } : {}),
      publications: rest.map((p) => ({ doi: p.doi, ...(p.citation ? { citation: p.citation } : {}) })),
    };
  }
  return bare !== undefined ? { doi: decodeDoi(bare.replace(/[.,;]+$/, '')), publications: [] } : { publications: [] };
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
