/**
 * What the site says of itself to machines: schema.org data of a project page, the Atom feed of
 * recently updated projects and the sitemap.
 */
import { byRecent, type ProjectView } from './model.js';
import type { projectPage } from './project.js';
import type { ResolvedSite } from './site-config.js';
import { absoluteUrl, isAbsoluteUrl } from './paths.js';

/** schema.org description of a project page (search engines; SharingHub injects the same kind). */
export function structuredData(view: ProjectView, content: ReturnType<typeof projectPage>, baseUrl: string | undefined): Record<string, unknown> {
  const p = view.item.json.properties;
  const isDataset = /dataset/i.test(view.categoryId);
  const providers = Array.isArray(p.providers) ? (p.providers as Array<Record<string, unknown>>) : [];
  const creators = providers
    .filter((pr) => Array.isArray(pr.roles) && (pr.roles as unknown[]).some((r) => r === 'producer' || r === 'licensor'))
    .map((pr) => ({ '@type': 'Organization', name: String(pr.name ?? ''), ...(typeof pr.url === 'string' ? { url: pr.url } : {}) }));
  const data: Record<string, unknown> = {
    '@context': 'https://schema.org',
    '@type': isDataset ? 'Dataset' : 'CreativeWork',
    name: view.title,
    identifier: view.item.json.id,
  };
  if (view.summary) data.description = view.summary;
  if (baseUrl) data.url = absoluteUrl(baseUrl, view.page.replace(/(^|\/)index\.html$/, '$1'));
  if (view.keywords.length > 0) data.keywords = view.keywords;
  if (content.license) data.license = content.license.href && isAbsoluteUrl(content.license.href) ? content.license.href : content.license.id;
  if (view.created) data.dateCreated = view.created;
  if (view.updated) data.dateModified = view.updated;
  if (creators.length > 0) data.creator = creators;
  if (content.citation?.doi) data.sameAs = `https://doi.org/${content.citation.doi}`;
  if (content.gitlab) data.isBasedOn = content.gitlab;
  return data;
}

/** The `n` most recently updated projects, a project listed in two categories (two topics) once. */
export function recentUnique(projects: ProjectView[], n: number): ProjectView[] {
  const seen = new Set<string>();
  const out: ProjectView[] = [];
  for (const v of projects.slice().sort(byRecent)) {
    if (out.length >= n) break;
    if (seen.has(v.item.json.id)) continue;
    seen.add(v.item.json.id);
    out.push(v);
  }
  return out;
}

/** Atom feed (RFC 4287) of recently updated projects, for feed readers and chat integrations. */
export function atomFeed(projects: ProjectView[], site: ResolvedSite, baseUrl: string, generatedAt: string, feedPath: string): string {
  const xml = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
  const pageUrl = (page: string): string => absoluteUrl(baseUrl, page.replace(/(^|\/)index\.html$/, '$1'));
  const entries = projects.map((v) =>
    [
      '  <entry>',
      `    <title>${xml(v.title)}</title>`,
      `    <id>${xml(pageUrl(v.page))}</id>`,
      `    <link href="${xml(pageUrl(v.page))}"/>`,
      `    <updated>${xml(v.updated && !Number.isNaN(Date.parse(v.updated)) ? new Date(v.updated).toISOString() : generatedAt)}</updated>`,
      ...(v.summary ? [`    <summary>${xml(v.summary)}</summary>`] : []),
      ...v.keywords.map((k) => `    <category term="${xml(k)}"/>`),
      '  </entry>',
    ].join('\n'),
  );
  return [
    '<?xml version="1.0" encoding="utf-8"?>',
    '<feed xmlns="http://www.w3.org/2005/Atom">',
    `  <title>${xml(site.title)}: recently updated</title>`,
    `  <id>${xml(absoluteUrl(baseUrl, ''))}</id>`,
    `  <link rel="self" href="${xml(absoluteUrl(baseUrl, feedPath))}"/>`,
    `  <link href="${xml(absoluteUrl(baseUrl, ''))}"/>`,
    `  <updated>${xml(generatedAt)}</updated>`,
    '  <author><name>stachub</name></author>',
    ...entries,
    '</feed>',
    '',
  ].join('\n');
}

/** sitemap.xml of the given HTML pages (sitemaps.org protocol). */
export function sitemap(pages: string[], baseUrl: string): string {
  const xml = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  const urls = pages.map((p) => `  <url><loc>${xml(absoluteUrl(baseUrl, p.replace(/(^|\/)index\.html$/, '$1')))}</loc></url>`);
  return `<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n${urls.join('\n')}\n</urlset>\n`;
}
