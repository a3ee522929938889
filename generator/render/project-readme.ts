/**
 * A project page's README, as plain data in and HTML out: what the page needs of its item to
 * render the README (`readmeJob`) and the rendering itself (`renderProjectReadme`). Kept apart from
 * the rest of the page so that READMEs, the dominant cost of a large build, can be rendered on
 * worker threads (readme-pool.ts) from a small message, with the same bytes as on the main thread.
 */
import { posix } from 'node:path';
import type { ProjectView } from './model.js';
import { linkTarget } from './model.js';
import { isAbsoluteUrl, isBrowsableHref, relativeHref, resolveFromDoc } from './paths.js';
import { renderReadme } from './markdown.js';

/** Everything the README of one page depends on (structured-cloneable). */
export interface ReadmeJob {
  /** The README Markdown, its leading title heading already dropped. */
  markdown: string;
  /** The item's document path and its page's path (root-relative). */
  docPath: string;
  page: string;
  baseUrl: string | undefined;
  /** The project's GitLab page (`via` link), against which root-relative README URLs resolve. */
  gitlab: string | null;
  /** Assets named by their repository path: normalised path -> href relative to the page. */
  carried: Array<[string, string]>;
}

/** A file of the catalog -> href relative to the page; an absolute URL stays; other schemes give null. */
export function hrefFromDoc(docPath: string, page: string, baseUrl: string | undefined, href: string): string | null {
  if (!isBrowsableHref(href)) return null;
  const target = linkTarget(docPath, { rel: '', href }, baseUrl);
  return target === null ? href : relativeHref(page, target);
}

/** The README job of a view, or null when its README is empty. */
export function readmeJob(view: ProjectView, baseUrl: string | undefined): ReadmeJob | null {
  const item = view.item.json;
  const p = item.properties;
  const markdown = withoutTitleHeading(typeof p.description === 'string' ? p.description : '', view.title);
  if (markdown.trim() === '') return null;
  const docPath = view.item.path;
  const page = view.page;
  const via = item.links.find((l) => l.rel === 'via' && /^https?:\/\//i.test(l.href));
  // README URLs: the metadata stage made links into the repository absolute; assets named by their
  // repository path are mapped to their href.
  const carried: Array<[string, string]> = [];
  for (const [key, asset] of Object.entries(item.assets ?? {})) {
    const href = hrefFromDoc(docPath, page, baseUrl, asset.href);
    if (href !== null && (key.includes('/') || key.includes('.'))) carried.push([posix.normalize(key.replace(/^\.\//, '')), href]);
  }
  return { markdown, docPath, page, baseUrl, gitlab: via?.href ?? null, carried };
}

/** The README's sanitised HTML, its links and images rewritten for the page. */
export function renderProjectReadme(job: ReadmeJob): string {
  const { docPath, page, baseUrl, gitlab } = job;
  const carried = new Map(job.carried);
  return renderReadme(job.markdown, (url) => {
    if (url === '' || url.startsWith('#')) return url;
    if (isAbsoluteUrl(url) || url.startsWith('/')) {
      if (url.startsWith('/') && gitlab) return new URL(url, gitlab).href;
      return url;
    }
    // The metadata stage leaves relative only the files it republishes beside the item
    // (so they resolve from the page, which sits in the item's folder); a relative path that
    // names an asset by its repository path goes to the asset.
    const [pathPart, hash] = url.split('#', 2) as [string, string | undefined];
    const local = carried.get(posix.normalize(pathPart.replace(/^\.\//, '')));
    if (local !== undefined) return local + (hash !== undefined ? '#' + hash : '');
    if (resolveFromDoc(docPath, pathPart) === null && gitlab) return new URL(url, gitlab.replace(/\/?$/, '/')).href;
    return hrefFromDoc(docPath, page, baseUrl, url);
  });
}

/** Drop a README's leading `# Title` when it repeats the page title (the page shows it already). */
export function withoutTitleHeading(markdown: string, title: string): string {
  const m = /^\s*#[ \t]+(.+?)[ \t#]*(\r?\n|$)/.exec(markdown);
  const norm = (t: string): string => t.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, ' ').trim();
  return m && norm(m[1]!) === norm(title) ? markdown.slice(m[0].length) : markdown;
}
