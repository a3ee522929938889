/**
 * The site's source files (site/): handlebars templates and partials, CSS, the small script and
 * the favicon. Read once from disk on first use and cached; `render` itself does no I/O.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The contents of a site folder, as strings keyed by name. */
export interface SiteSources {
  /** `home`, `category`, `project`, `layout`... (site/templates/*.hbs without extension). */
  templates: Record<string, string>;
  /** site/partials/*.hbs without extension. */
  partials: Record<string, string>;
  /** site/assets/* by file name (site.css, site.js, theme.js, favicon.svg): text files, published under assets/. */
  assets: Record<string, string>;
}

/** Find the repository's `site/` folder from this module (source in generator/render, compiled in dist/generator/render). */
export function defaultSiteDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const candidate = join(dir, 'site');
    if (existsSync(join(candidate, 'templates', 'layout.hbs'))) return candidate;
    dir = resolve(dir, '..');
  }
  throw new Error('stachub: cannot find the site/ folder (templates) next to the installed package');
}

function readFolder(dir: string, ext: string | null): Record<string, string> {
  const out: Record<string, string> = {};
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir).sort()) {
    if (ext !== null && !name.endsWith(ext)) continue;
    out[ext === null ? name : name.slice(0, -ext.length)] = readFileSync(join(dir, name), 'utf8');
  }
  return out;
}

/** Read every template, partial and asset of a site folder. */
export function loadSiteSources(dir: string): SiteSources {
  return {
    templates: readFolder(join(dir, 'templates'), '.hbs'),
    partials: readFolder(join(dir, 'partials'), '.hbs'),
    assets: readFolder(join(dir, 'assets'), null),
  };
}

let cached: SiteSources | null = null;

/** The bundled site folder, read on first call. */
export function bundledSiteSources(): SiteSources {
  cached ??= loadSiteSources(defaultSiteDir());
  return cached;
}
