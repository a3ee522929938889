/**
 * The rendering stage: the laid-out STAC tree in, the HTML site out (pages beside each JSON
 * document, CSS/JS/favicon assets, a search index). Pure: the templates are read once from site/
 * (or passed in), and the same input always gives the same bytes.
 */
import { createHash } from 'node:crypto';
import { posix } from 'node:path';
import Handlebars from 'handlebars';
import type { OutputFile } from '../types.js';
import { contentTypeOf } from '../media-types.js';
import type { RenderInput } from './types.js';
import { bundledSiteSources, type SiteSources } from './assets.js';
import { buildModel, pagePathFor, sharedFolders, type CategoryView, type ProjectView, type SiteModel } from './model.js';
import { projectPage, stacBrowserHref } from './project.js';
import { resolveSite, type ResolvedSite } from './site-config.js';
import { absoluteUrl, isAbsoluteUrl, relativeHref, rootPrefix } from './paths.js';
import { isoDate, markdownToText, summary } from './format.js';
import { LIST_SORTS, PAGE_SIZE, listPagePath, pageCount, sortProjects, type ListSort } from './listing.js';
import { FACETS, SEARCH_DIR, SearchIndex, docText, type TermTable } from './search-index.js';
import { renderReadme } from './markdown.js';
import { SafeHtml, esc } from './html.js';
import { FaultCollector } from '../isolate.js';
import { atomFeed, recentUnique, sitemap, structuredData } from './feeds.js';
import { readmeJob } from './project-readme.js';
import { ReadmePool, answerError } from './readme-pool.js';

/** Pages queued per render thread ahead of the page being made (keeps every thread busy). */
const READMES_AHEAD = 32;

export type { RenderInput } from './types.js';
export type { SiteConfig, SiteLink } from './site-config.js';
export { siteConfigFromYaml } from './site-config.js';
export { withLogoFile } from './site-files.js';

/** Root-relative paths of the files the site adds beside the STAC documents. */
export const SITE_FILES = {
  css: 'assets/site.css',
  js: 'assets/site.js',
  themeJs: 'assets/theme.js',
  favicon: 'assets/favicon.svg',
  /** Folder of the search index (search-index.ts) and of the search page's further list pages. */
  searchIndex: `${SEARCH_DIR}/`,
  // At the root with a dot in its name, so it can never meet a category folder (ids have no dots).
  searchPage: 'search.html',
  /** Only with a base URL (a sitemap needs absolute URLs). */
  sitemap: 'sitemap.xml',
  /** Only with a base URL (it is served at any depth, so it needs the site's absolute address). */
  notFound: '404.html',
  /** Atom feed of recently updated projects; only with a base URL (feeds need absolute URLs). */
  feed: 'feed.xml',
} as const;

const enc = new TextEncoder();

function file(path: string, mediaType: string, text: string): OutputFile {
  return { path, mediaType, content: enc.encode(text) };
}

function shortHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 10);
}

/** A card of a project list, with hrefs relative to the page that shows it. */
interface Card {
  id: string;
  title: string;
  href: string;
  summary: string;
  preview: string | null;
  initials: string;
  hue: number;
  category: string;
  categoryId: string;
  keywords: string[];
  license: string | null;
  framework: string | null;
  tasks: string[];
  dataTypes: string[];
  stars: number;
  updated: string;
  /** What the card says of the last update: its date (a relative time would change every page daily). */
  updatedAgo: string;
  versions: number;
  data: Record<string, string>;
}

interface Facet {
  name: string;
  label: string;
  options: Array<{ value: string; count: number }>;
  many: boolean;
}

/** A colour bucket (0..11, 30° of hue apart) derived from an id: placeholders and category accents. */
function hueOf(s: string): number {
  let h = 0;
  for (const ch of s) h = (h * 31 + ch.charCodeAt(0)) % 360;
  return Math.floor(h / 30);
}

function initialsOf(title: string): string {
  const words = title.replace(/[^\p{L}\p{N} ]+/gu, ' ').trim().split(/\s+/);
  return ((words[0]?.[0] ?? '?') + (words[1]?.[0] ?? '')).toUpperCase();
}

function card(view: ProjectView, page: string, model: SiteModel): Card {
  const category = model.categories.find((c) => c.id === view.categoryId);
  const preview = view.preview === null ? null : isAbsoluteUrl(view.preview) ? view.preview : relativeHref(page, view.preview);
  return {
    id: view.item.json.id,
    title: view.title,
    href: relativeHref(page, view.page),
    summary: view.summary,
    // Remote previews would be a third-party request: only images published with the catalog are shown.
    preview: preview !== null && isAbsoluteUrl(preview) ? null : preview,
    initials: initialsOf(view.title),
    hue: hueOf(view.item.json.id),
    category: category?.title ?? view.categoryId,
    categoryId: view.categoryId,
    keywords: view.keywords,
    license: view.license,
    framework: view.framework,
    tasks: view.tasks,
    dataTypes: view.dataTypes,
    stars: view.stars,
    updated: isoDate(view.updated),
    updatedAgo: isoDate(view.updated),
    versions: view.versions.length,
    data: {
      id: view.item.json.id,
      title: view.title.toLowerCase(),
      stars: String(view.stars),
      updated: view.updated ?? '',
      created: view.created ?? '',
    },
  };
}

/** Filter values offered per facet on a list page (the most used; any value still works from a URL). */
const FACET_OPTIONS = 40;

/** The facets of a list with the number of its projects per value, precomputed for the page. */
function facets(projects: ProjectView[], withCategory: CategoryView[] | null): Facet[] {
  const count = (values: (v: ProjectView) => string[]): Array<{ value: string; count: number }> => {
    const m = new Map<string, number>();
    for (const p of projects) for (const v of new Set(values(p))) m.set(v, (m.get(v) ?? 0) + 1);
    return [...m]
      .map(([value, n]) => ({ value, count: n }))
      .sort((a, b) => b.count - a.count || a.value.localeCompare(b.value, 'en'))
      .slice(0, FACET_OPTIONS);
  };
  const out: Facet[] = [];
  if (withCategory) {
    out.push({
      name: 'category',
      label: 'Category',
      options: withCategory.map((c) => ({ value: c.id, count: c.projects.length })).filter((o) => o.count > 0),
      many: false,
    });
  }
  for (const f of FACETS) out.push({ name: f.name, label: f.label, options: count(f.values), many: f.many });
  return out.filter((f) => f.options.length > 0);
}

function handlebarsEnv(sources: SiteSources): { env: typeof Handlebars; templates: Record<string, Handlebars.TemplateDelegate> } {
  const env = Handlebars.create();
  for (const [name, text] of Object.entries(sources.partials)) env.registerPartial(name, text);
  env.registerHelper('eq', (a: unknown, b: unknown) => a === b);
  env.registerHelper('join', (xs: unknown, sep: unknown) => (Array.isArray(xs) ? xs.join(typeof sep === 'string' ? sep : ', ') : ''));
  env.registerHelper('plural', (n: unknown, one: unknown, many: unknown) => (n === 1 ? one : many));
  const templates: Record<string, Handlebars.TemplateDelegate> = {};
  for (const [name, text] of Object.entries(sources.templates)) templates[name] = env.compile(text, { strict: false });
  return { env, templates };
}

/** Render the site for a laid-out catalog (every file at once; see `renderSite` for a stream). */
export function render(input: RenderInput, sources: SiteSources = bundledSiteSources()): OutputFile[] {
  return [...renderSite(input, sources)];
}

/**
 * Render the site for a laid-out catalog, one file at a time: the caller writes each file and
 * lets it go, so memory holds the model of the catalog, never its pages.
 */
export function* renderSite(input: RenderInput, sources: SiteSources = bundledSiteSources()): Generator<OutputFile> {
  const { tree, generatedAt } = input;
  // One spelling of the base URL (with its trailing slash), so published hrefs compare equal.
  const baseUrl = input.baseUrl ? input.baseUrl.replace(/\/*$/, '/') : undefined;
  const site = resolveSite(input.site, tree.catalog.json);
  const model = buildModel(tree, baseUrl);
  const { templates } = handlebarsEnv(sources);
  const tpl = (name: string): Handlebars.TemplateDelegate => {
    const t = templates[name];
    if (!t) throw new Error(`site template ${name}.hbs is missing`);
    return t;
  };
  /** HTML pages written so far (for the sitemap). */
  const htmlPages: string[] = [];
  const html = (path: string, text: string): OutputFile => {
    htmlPages.push(path);
    return file(path, 'text/html; charset=utf-8', text);
  };

  // Every file of site/assets/ is published under assets/. The configured accent colours are
  // appended to the style sheet (no inline style: pages stay within a strict CSP).
  const css = (sources.assets['site.css'] ?? '') + `\n${accentCss(site)}\n`;
  for (const [name, text] of Object.entries(sources.assets)) {
    yield (file(`assets/${name}`, contentTypeOf(name), name === 'site.css' ? css : text));
  }
  if (site.logoFile) yield { path: site.logoFile.path, mediaType: site.logoFile.mediaType, content: site.logoFile.content };
  const js = sources.assets['site.js'] ?? '';
  const themeJs = sources.assets['theme.js'] ?? '';
  const version = { css: shortHash(css), js: shortHash(js), themeJs: shortHash(themeJs) };

  const shared = sharedFolders(tree);
  const homePage = pagePathFor(tree.catalog.path, shared);

  const layout = (
    page: string,
    body: string,
    meta: {
      title: string;
      description: string;
      image?: string | null;
      type?: string;
      current?: string;
      jsonLd?: Record<string, unknown>;
      /**
       * Site address for a page served at any depth (404.html): its links are then absolute
       * (a <base> would also redirect the page's own #fragment links to the home page).
       */
      absoluteFrom?: string;
      /** Previous and next pages of a paginated list (root-relative). */
      prev?: string | null;
      next?: string | null;
      /** Only the home page says when the catalog was generated: other pages stay the same bytes between builds. */
      dated?: boolean;
    },
  ): string => {
    const abs = meta.absoluteFrom;
    const root = abs ?? rootPrefix(page);
    const to = (target: string): string => (abs !== undefined ? absoluteUrl(abs, target) : relativeHref(page, target));
    const ogImage =
      meta.image && baseUrl ? (/^https?:\/\//i.test(meta.image) ? meta.image : isAbsoluteUrl(meta.image) ? null : absoluteUrl(baseUrl, meta.image)) : null;
    return tpl('layout')({
      lang: site.lang,
      pageTitle: meta.title === site.title ? site.title : `${meta.title} · ${site.title}`,
      title: meta.title,
      description: meta.description,
      site,
      root,
      home: to(homePage),
      search: to(SITE_FILES.searchPage),
      css: `${root}${SITE_FILES.css}?v=${version.css}`,
      js: `${root}${SITE_FILES.js}?v=${version.js}`,
      themeJs: `${root}${SITE_FILES.themeJs}?v=${version.themeJs}`,
      favicon: `${root}${SITE_FILES.favicon}`,
      logo: site.logo === null ? null : isAbsoluteUrl(site.logo) ? site.logo : `${root}${site.logo.replace(/^\.?\//, '')}`,
      canonical: baseUrl && abs === undefined ? absoluteUrl(baseUrl, page.replace(/(^|\/)index\.html$/, '$1')) : null,
      ogImage,
      ogType: meta.type ?? 'website',
      nav: model.categories.map((c) => ({ title: c.title, href: to(c.page), current: meta.current === c.id })),
      footerLinks: site.footerLinks.map((l) => ({ label: l.label, href: isAbsoluteUrl(l.href) ? l.href : `${root}${l.href.replace(/^\.?\//, '')}` })),
      catalogJson: to(tree.catalog.path),
      feed: baseUrl ? to(SITE_FILES.feed) : null,
      generatedAt: meta.dated ? generatedAt : null,
      generatedDate: isoDate(generatedAt),
      prev: meta.prev ? to(meta.prev) : null,
      next: meta.next ? to(meta.next) : null,
      body: new SafeHtml(body),
      jsonLd: meta.jsonLd ? new SafeHtml(scriptSafeJson(meta.jsonLd)) : null,
    });
  };

  // Project pages (version items included: each has its own page), each under its project's guard
  // (generator/isolate.ts) and handed on as soon as it is made: a page that cannot be made stops no
  // other page, and the failures are thrown once every page is made, before the lists (the caller
  // then renders again without those projects, see generator/build.ts).
  const faults = new FaultCollector();
  // The search index's documents get their terms with their pages (on the render threads when
  // there are some); the index files are written after the lists. Its documents' pages are made
  // first, in the index's id order (its postings stay small, see postings.ts), then the others.
  const searchIndex = new SearchIndex(model.projects);
  const views = [...searchIndex.documents, ...[...model.byPath.values()].filter((v) => !searchIndex.has(v))];
  const jobs = Math.max(0, Math.min(input.jobs ?? 0, views.length));
  if (jobs === 0) {
    for (const view of views) {
      const page = faults.run(view.item.json.id, 'render', () => projectPageFile(view, undefined), null);
      if (page) yield page;
    }
  } else {
    // READMEs go to the render threads a window ahead of the page being made; pages are made here,
    // in the same order, each with its README's answer (readme-pool.ts).
    const pool = new ReadmePool(jobs);
    const tables: TermTable[] = Array.from({ length: jobs }, () => []);
    try {
      const window = READMES_AHEAD * jobs;
      const tickets: Array<{ ticket: number } | { none: true } | { error: unknown }> = [];
      const queueTo = (end: number): void => {
        for (let k = tickets.length; k < Math.min(end, views.length); k++) {
          try {
            const view = views[k]!;
            const job = { readme: readmeJob(view, baseUrl), text: searchIndex.has(view) ? docText(view) : null };
            tickets.push(job.readme === null && job.text === null ? { none: true } : { ticket: pool.submit(job) });
          } catch (error) {
            tickets.push({ error });
          }
        }
      };
      for (let k = 0; k < views.length; k++) {
        queueTo(k + window);
        const view = views[k]!;
        const t = tickets[k]!;
        tickets[k] = { none: true };
        // Outside the project's guard: a render thread that fails to start fails the build.
        const answer = 'ticket' in t ? pool.take(t.ticket) : null;
        if (answer?.terms && 'ticket' in t) searchIndex.addCoded(view, answer.terms, tables[pool.workerOf(t.ticket)]!);
        const page = faults.run(
          view.item.json.id,
          'render',
          () => {
            if ('error' in t) throw t.error;
            if (answer !== null && 'error' in answer) throw answerError(answer);
            return projectPageFile(view, answer === null ? null : answer.html);
          },
          null,
        );
        if (page) yield page;
      }
    } finally {
      pool.close();
    }
  }
  faults.throwIfAny();
  function projectPageFile(view: ProjectView, readme: string | null | undefined): OutputFile {
    const category = model.categories.find((c) => c.id === view.categoryId)!;
    const content = projectPage(view, model, site, baseUrl, readme);
    const body = tpl('project')({
      view: card(view, view.page, model),
      p: content,
      site,
      created: isoDate(view.created),
      breadcrumbs: [
        { title: site.title, href: relativeHref(view.page, homePage) },
        { title: category.title, href: relativeHref(view.page, category.page) },
        ...(view.versionOf ? [{ title: view.versionOf.title, href: relativeHref(view.page, view.versionOf.page) }] : []),
      ],
      hasModel: content.inputs.length + content.outputs.length + content.modelFacts.length > 0 || content.tensors !== null,
      hasRelated: content.uses.length + content.usedBy.length > 0,
      stacBrowserBase: site.stacBrowserUrl,
    });
    return html(
      view.page,
      layout(view.page, body, {
        title: view.title,
        description: view.summary,
        image: view.preview,
        type: 'article',
        current: view.categoryId,
        jsonLd: structuredData(view, content, baseUrl),
      }),
    );
  }

  // Home.
  const recent = recentUnique(model.projects, site.recentCount);
  const homeBody = tpl('home')({
    site,
    tagline: new SafeHtml(renderReadme(site.tagline, (u) => u)),
    search: relativeHref(homePage, SITE_FILES.searchPage),
    total: new Set(model.projects.map((v) => v.item.json.id)).size,
    categories: model.categories.map((c) => ({
      id: c.id,
      title: c.title,
      description: summary(c.description, 200),
      count: c.projects.length,
      href: relativeHref(homePage, c.page),
      hue: hueOf(c.id),
    })),
    recent: recent.map((v) => card(v, homePage, model)),
    catalogJson: relativeHref(homePage, tree.catalog.path),
    catalogUrl: baseUrl
      ? new SafeHtml(esc(absoluteUrl(baseUrl, tree.catalog.path)))
      : new SafeHtml(`<span data-abs="${esc(relativeHref(homePage, tree.catalog.path))}">${esc(relativeHref(homePage, tree.catalog.path))}</span>`),
    stacBrowser: site.stacBrowserUrl && baseUrl ? stacBrowserHref(site.stacBrowserUrl, absoluteUrl(baseUrl, tree.catalog.path)) : null,
    stacBrowserBase: site.stacBrowserUrl,
  });
  yield html(homePage, layout(homePage, homeBody, { title: site.title, description: markdownToText(site.tagline), dated: true }));

  // Category pages and the all-projects search page share the list template: pages of PAGE_SIZE
  // cards in each precomputed order (listing.ts); the filters and the search run in the browser
  // on the index files (search-index.ts).
  function* listPages(first: string, dir: string, projects: ProjectView[], heading: string, description: string, current: string, categories: CategoryView[] | null): Generator<OutputFile> {
    const listFacets = facets(projects, categories);
    const total = projects.length;
    for (const sort of LIST_SORTS.map((s) => s.id)) {
      const sorted = sortProjects(projects, sort);
      const pages = pageCount(total, sort);
      const at = (n: number, s: ListSort = sort): string => listPagePath(first, dir, s, n);
      for (let n = 1; n <= pages; n++) {
        const page = at(n);
        const cards = sorted.slice((n - 1) * PAGE_SIZE, n * PAGE_SIZE);
        const body = tpl('list')({
          heading,
          base: relativeHref(page, first),
          root: rootPrefix(page),
          scope: categories ? '' : current,
          sort,
          description: new SafeHtml(renderReadme(description, (u) => u)),
          count: total,
          cards: cards.map((v) => card(v, page, model)),
          facets: listFacets,
          searchIndex: relativeHref(page, SITE_FILES.searchIndex) + '/',
          collectionJson: ((c) => (c ? relativeHref(page, c.collection.path) : null))(model.categories.find((c) => c.id === current)),
          showCategory: categories !== null,
          breadcrumbs: [{ title: site.title, href: relativeHref(page, homePage) }],
          sorts: LIST_SORTS.map((s) => ({ label: s.label, href: relativeHref(page, at(1, s.id)), current: s.id === sort })),
          pager:
            pages > 1
              ? {
                  n,
                  pages,
                  from: (n - 1) * PAGE_SIZE + 1,
                  to: (n - 1) * PAGE_SIZE + cards.length,
                  first: n > 1 ? relativeHref(page, at(1)) : null,
                  prev: n > 1 ? relativeHref(page, at(n - 1)) : null,
                  next: n < pages ? relativeHref(page, at(n + 1)) : null,
                  last: n < pages ? relativeHref(page, at(pages)) : null,
                  // Orders paginated for their first pages only lead on to the title order, which has them all.
                  more: n === pages && pages * PAGE_SIZE < total ? relativeHref(page, at(1, 'title')) : null,
                }
              : null,
        });
        yield html(
          page,
          layout(page, body, {
            title: n > 1 ? `${heading} (page ${n})` : heading,
            description: markdownToText(description).slice(0, 200),
            current,
            prev: n > 1 ? at(n - 1) : null,
            next: n < pages ? at(n + 1) : null,
          }),
        );
      }
    }
  }
  for (const c of model.categories) {
    yield* listPages(c.page, posix.dirname(c.page), c.projects, c.title, c.description, c.id, null);
  }
  yield* listPages(SITE_FILES.searchPage, SEARCH_DIR, model.projects, 'Search', `Every project of ${site.title}, across categories.`, '_search', model.categories);

  // The search index: what a result card shows, with root-relative hrefs (the script makes them relative).
  for (const f of searchIndex.files((v) => searchCard(card(v, '', model)))) yield file(f.path, 'application/json', f.text);
  if (baseUrl) {
    // GitLab Pages and S3 website hosting serve 404.html for any missing path, at any depth: with
    // the base URL known, its links are absolute and work from wherever it is shown.
    const notFound = tpl('not-found')({ home: absoluteUrl(baseUrl, homePage), search: absoluteUrl(baseUrl, SITE_FILES.searchPage) });
    yield file(
      SITE_FILES.notFound,
      'text/html; charset=utf-8',
      layout(SITE_FILES.notFound, notFound, { title: 'Page not found', description: 'This page does not exist.', absoluteFrom: absoluteUrl(baseUrl, '') }),
    );
    yield file(SITE_FILES.sitemap, 'application/xml', sitemap(htmlPages.filter((page) => page !== SITE_FILES.notFound), baseUrl));
    yield file(SITE_FILES.feed, 'application/atom+xml', atomFeed(recentUnique(model.projects, 20), site, baseUrl, generatedAt, SITE_FILES.feed));
  }
}

/** A card as the search index holds it: the fields a result shows, hrefs from the root. */
function searchCard(c: Card): Record<string, unknown> {
  return {
    id: c.id,
    title: c.title,
    href: c.href,
    summary: c.summary,
    preview: c.preview,
    initials: c.initials,
    hue: c.hue,
    category: c.category,
    keywords: c.keywords,
    license: c.license,
    framework: c.framework,
    tasks: c.tasks,
    stars: c.stars,
    updated: c.updated,
    versions: c.versions,
    data: c.data,
  };
}

/** The accent colours as CSS custom properties; a value that is not a plain colour is left out. */
function accentCss(site: ResolvedSite): string {
  const safe = (c: string): boolean => /^[#(),.%\w\s-]+$/.test(c);
  const decls = [
    ...(safe(site.colors.accent) ? [`--accent:${site.colors.accent}`] : []),
    ...(safe(site.colors.accentDark) ? [`--accent-dark:${site.colors.accentDark}`] : []),
  ];
  return `/* site colours (stachub.config.yml site.colors) */\n:root{${decls.join(';')}}`;
}

/** JSON for an inline `<script>`: nothing in it can close the element or start markup. */
export function scriptSafeJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}
