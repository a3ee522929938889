/**
 * Presentation settings of the HTML site: the `site:` block of `stachub.config.yml`
 * (schemas/site.schema.json) in its camelCase form, plus the defaults applied when a key is absent.
 */

/** A link of the footer (or of the header navigation). */
export interface SiteLink {
  label: string;
  /** Absolute URL, or a path relative to the site root. */
  href: string;
}

/** Presentation settings of the site; every field is optional and has a default. */
export interface SiteConfig {
  /** Site name in the header, the `<title>` and Open Graph tags. Default: the root catalog's title. */
  title?: string;
  /** One line under the title on the home page. Default: the root catalog's description. */
  tagline?: string;
  /**
   * Logo image: absolute URL, or a path relative to the site root. In the configuration file a
   * local path names an image beside it, read by `withLogoFile` into `logoFile`. Default: the bundled mark.
   */
  logo?: string;
  /**
   * The logo's bytes, when `logo` names a local file (see `withLogoFile`): published as
   * `assets/logo-<name>` and used instead of `logo`.
   */
  logoFile?: { name: string; mediaType: string; content: Uint8Array };
  /** Accent colours (CSS colours). Choose them with AA contrast against white (light) and #0f1419 (dark). */
  colors?: { accent?: string; accentDark?: string };
  /** Links shown in the footer. */
  footerLinks?: SiteLink[];
  /** Base URL of a STAC Browser deployment; project pages link to `<base>#/external/<item URL>`. Default: none (no link). */
  stacBrowserUrl?: string;
  /**
   * Raster tile URL template (`{z}/{x}/{y}`) drawn under the spatial extent. Off by default: the
   * map is then an outline on a bundled graticule and no page requests a third-party host.
   */
  mapTileUrl?: string;
  /** Attribution shown under the map when `mapTileUrl` is set. */
  mapAttribution?: string;
  /** How many recently updated projects the home page lists. Default 6. */
  recentCount?: number;
  /** `lang` of the pages. Default `en`. */
  lang?: string;
}

/** SiteConfig with every default filled in. */
export interface ResolvedSite {
  title: string;
  tagline: string;
  /** Absolute URL or root-relative path of the logo. */
  logo: string | null;
  /** The logo file to publish (root-relative path), when the settings carry its bytes. */
  logoFile: { path: string; mediaType: string; content: Uint8Array } | null;
  colors: { accent: string; accentDark: string };
  footerLinks: SiteLink[];
  stacBrowserUrl: string | null;
  mapTileUrl: string | null;
  mapAttribution: string | null;
  recentCount: number;
  lang: string;
}

// Checked for WCAG AA (>= 4.5:1) against the light and dark page backgrounds of site.css.
export const DEFAULT_ACCENT = '#0b5cad';
export const DEFAULT_ACCENT_DARK = '#7cb8ff';

export function resolveSite(site: SiteConfig | undefined, catalog: { id?: string; title?: string; description: string }): ResolvedSite {
  return {
    title: site?.title ?? catalog.title ?? catalog.id ?? 'Model hub',
    tagline: site?.tagline ?? catalog.description,
    logo: site?.logoFile ? logoPath(site.logoFile.name) : site?.logo && safeHref(site.logo) ? site.logo : null,
    logoFile: site?.logoFile ? { ...site.logoFile, path: logoPath(site.logoFile.name) } : null,
    colors: {
      accent: site?.colors?.accent ?? DEFAULT_ACCENT,
      accentDark: site?.colors?.accentDark ?? site?.colors?.accent ?? DEFAULT_ACCENT_DARK,
    },
    footerLinks: (site?.footerLinks ?? []).filter((l) => safeHref(l.href)),
    stacBrowserUrl: site?.stacBrowserUrl && /^https?:\/\//i.test(site.stacBrowserUrl) ? site.stacBrowserUrl : null,
    mapTileUrl: site?.mapTileUrl && /^https?:\/\//i.test(site.mapTileUrl) ? site.mapTileUrl : null,
    mapAttribution: site?.mapAttribution ?? null,
    recentCount: site?.recentCount ?? 6,
    lang: site?.lang ?? 'en',
  };
}

// The schema already limits these; the site checks again so a value that skipped validation
// (settings given programmatically) can never become a script URL.
function safeHref(href: string): boolean {
  return /^(https?:\/\/|mailto:)/i.test(href) || !/^[a-z][a-z0-9+.-]*:/i.test(href.trim());
}

function logoPath(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? 'logo';
  return `assets/logo-${base.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[.-]+/, '') || 'image'}`;
}

/**
 * Convert the `site:` block of the configuration file (snake_case keys, already checked against
 * schemas/site.schema.json) to a SiteConfig. Unknown keys are ignored.
 */
export function siteConfigFromYaml(block: unknown): SiteConfig {
  if (block === null || typeof block !== 'object') return {};
  const b = block as Record<string, unknown>;
  const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
  const colors = (b.colors ?? {}) as Record<string, unknown>;
  const links = Array.isArray(b.footer_links) ? (b.footer_links as Array<Record<string, unknown>>) : [];
  const map = (b.map ?? {}) as Record<string, unknown>;
  const out: SiteConfig = {};
  const set = <K extends keyof SiteConfig>(k: K, v: SiteConfig[K] | undefined): void => {
    if (v !== undefined) out[k] = v;
  };
  set('title', str(b.title));
  set('tagline', str(b.tagline));
  set('logo', str(b.logo));
  const accent = str(colors.accent);
  const accentDark = str(colors.accent_dark);
  if (accent !== undefined || accentDark !== undefined) {
    out.colors = {};
    if (accent !== undefined) out.colors.accent = accent;
    if (accentDark !== undefined) out.colors.accentDark = accentDark;
  }
  if (links.length > 0) {
    out.footerLinks = links
      .filter((l) => typeof l?.label === 'string' && typeof l?.href === 'string')
      .map((l) => ({ label: l.label as string, href: l.href as string }));
  }
  set('stacBrowserUrl', str(b.stac_browser_url));
  set('mapTileUrl', str(map.tile_url));
  set('mapAttribution', str(map.attribution));
  if (typeof b.recent_count === 'number') out.recentCount = b.recent_count;
  set('lang', str(b.lang));
  return out;
}
