/**
 * README rendering: Markdown to HTML (marked, GitHub-flavoured), then an allow-list sanitiser
 * (sanitize-html), so that scripts, event handlers, `javascript:` URLs, frames, forms and inline
 * styles never reach a page, whatever the project's README contains. Relative links and images are
 * rewritten by a caller-supplied function (to files of the catalog or of the GitLab project).
 */
import { Marked } from 'marked';
import sanitizeHtml from 'sanitize-html';

/** Map a URL found in the README to the href to publish; null removes the attribute. */
export type UrlRewriter = (url: string, kind: 'link' | 'image') => string | null;

/** Prefix of README heading ids: keeps them apart from the page's own ids (`model`, `files`...). */
export const README_ID_PREFIX = 'readme-';

/** GitHub-style anchor of a heading text: lower case, punctuation dropped, spaces to dashes. */
export function headingSlug(text: string): string {
  return text
    .toLowerCase()
    .replace(/<[^>]*>/g, '')
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .trim()
    .replace(/\s/g, '-');
}

function markedWithAnchors(): Marked {
  // Headings get ids as on GitLab/GitHub (with a prefix, and -1, -2... for repeats), so a README's
  // table of contents (`[Usage](#usage)`, rewritten to `#readme-usage`) keeps working.
  const seen = new Map<string, number>();
  const m = new Marked({ gfm: true, breaks: false });
  m.use({
    renderer: {
      heading({ tokens, depth, text }) {
        const base = headingSlug(text) || 'section';
        const n = seen.get(base) ?? 0;
        seen.set(base, n + 1);
        const id = README_ID_PREFIX + (n === 0 ? base : `${base}-${n}`);
        return `<h${depth} id="${id}">${this.parser.parseInline(tokens)}</h${depth}>\n`;
      },
    },
  });
  return m;
}

// README headings sit under the page's own <h1>: shift every level down by one.
// Only ids this module generated survive (raw HTML headings cannot pick arbitrary ids).
const shiftHeading = (to: string): sanitizeHtml.Transformer => (_tag, attribs) => {
  const id = attribs.id;
  const kept: sanitizeHtml.Attributes = {};
  if (id !== undefined && id.startsWith(README_ID_PREFIX) && /^[\p{L}\p{N}_-]+$/u.test(id)) kept.id = id;
  return { tagName: to, attribs: kept };
};

/** Render README Markdown to sanitised HTML. Raw HTML in the README goes through the same allow-list. */
export function renderReadme(markdown: string, rewrite: UrlRewriter): string {
  const raw = markedWithAnchors().parse(markdown, { async: false });
  return sanitizeHtml(raw, {
    allowedTags: [
      'h2', 'h3', 'h4', 'h5', 'h6', 'p', 'br', 'hr', 'blockquote', 'pre', 'code', 'kbd', 'samp', 'var',
      'ul', 'ol', 'li', 'dl', 'dt', 'dd', 'a', 'img', 'figure', 'figcaption', 'em', 'strong', 'b', 'i',
      'u', 's', 'del', 'ins', 'mark', 'small', 'sub', 'sup', 'abbr', 'cite', 'q', 'span', 'div',
      'table', 'caption', 'thead', 'tbody', 'tfoot', 'tr', 'th', 'td', 'details', 'summary', 'input',
    ],
    allowedAttributes: {
      h2: ['id'], h3: ['id'], h4: ['id'], h5: ['id'], h6: ['id'],
      a: ['href', 'title'],
      img: ['src', 'alt', 'title', 'width', 'height', 'loading'],
      code: ['class'],
      th: ['align', 'colspan', 'rowspan'],
      td: ['align', 'colspan', 'rowspan'],
      ol: ['start'],
      input: ['type', 'checked', 'disabled'],
      abbr: ['title'],
    },
    allowedClasses: { code: [/^language-[\w+-]+$/] },
    allowedSchemes: ['http', 'https', 'mailto'],
    allowedSchemesByTag: { img: ['http', 'https'] },
    allowProtocolRelative: false,
    // Script and style bodies are dropped with their tags rather than kept as text.
    nonTextTags: ['script', 'style', 'textarea', 'option', 'noscript', 'title', 'iframe', 'svg', 'math'],
    exclusiveFilter: (frame) => frame.tag === 'input' && frame.attribs.type !== 'checkbox',
    transformTags: {
      h1: shiftHeading('h2'),
      h2: shiftHeading('h3'),
      h3: shiftHeading('h4'),
      h4: shiftHeading('h5'),
      h5: shiftHeading('h6'),
      h6: shiftHeading('h6'),
      input: (tagName, attribs) => ({ tagName, attribs: { ...attribs, disabled: 'disabled' } }),
      a: (tagName, attribs) => {
        const out = { ...attribs };
        if (out.href !== undefined && out.href.startsWith('#') && out.href.length > 1) {
          out.href = '#' + README_ID_PREFIX + out.href.slice(1).replace(new RegExp('^' + README_ID_PREFIX), '');
        } else if (out.href !== undefined) {
          const href = rewrite(out.href.trim(), 'link');
          if (href === null) delete out.href;
          else out.href = href;
        }
        return { tagName, attribs: out };
      },
      img: (tagName, attribs) => {
        const out: Record<string, string> = { ...attribs, loading: 'lazy' };
        if (out.src !== undefined) {
          const src = rewrite(out.src.trim(), 'image');
          if (src === null) delete out.src;
          else out.src = src;
        }
        return { tagName, attribs: out };
      },
    },
  }).trim();
}
