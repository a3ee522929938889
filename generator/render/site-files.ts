/**
 * Edge helper for the build: reads the local files the `site:` settings name (the logo), so the
 * rendering stage itself never touches the disk. Paths come from the operator's configuration and
 * are resolved against the configuration file's folder; only image files are accepted.
 */
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { SiteConfig } from './site-config.js';
import type { Diagnostic } from '../types.js';
import { isImageType, mediaTypeOf } from '../media-types.js';


/** Largest logo the site publishes: a logo is shown at 28 px, anything bigger is a mistake. */
export const MAX_LOGO_BYTES = 512 * 1024;

/**
 * When `site.logo` is a local path (not a URL) of an image beside the configuration, return the
 * settings with `logoFile` filled; otherwise the settings unchanged plus a diagnostic saying why.
 */
export function withLogoFile(site: SiteConfig, configDir: string): { site: SiteConfig; diagnostics: Diagnostic[] } {
  const logo = site.logo;
  if (logo === undefined || /^[a-z][a-z0-9+.-]*:/i.test(logo) || logo.startsWith('//')) return { site, diagnostics: [] };
  const file = path.resolve(configDir, logo);
  const mediaType = mediaTypeOf(file);
  const type = isImageType(mediaType) ? mediaType : undefined;
  const problem = (message: string): { site: SiteConfig; diagnostics: Diagnostic[] } => {
    const { logo: _dropped, ...rest } = site;
    return { site: rest, diagnostics: [{ level: 'warning', code: 'site/logo', message }] };
  };
  if (type === undefined) return problem(`site.logo ${logo}: not an image file (svg, png, jpg, webp, gif, ico); the default mark is shown`);
  let size: number;
  try {
    size = statSync(file).size;
  } catch {
    // Not beside the configuration: a path inside the published site, left as it is.
    return { site, diagnostics: [] };
  }
  if (size > MAX_LOGO_BYTES) return problem(`site.logo ${logo}: ${size} bytes is larger than ${MAX_LOGO_BYTES}; the default mark is shown`);
  const content = new Uint8Array(readFileSync(file));
  return { site: { ...site, logoFile: { name: path.basename(file), mediaType: type, content } }, diagnostics: [] };
}
