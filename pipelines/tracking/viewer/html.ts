/**
 * HTML helpers of the run viewer. Every value from the store goes through `esc` (run names, params,
 * tags and model names are written by anyone who can log): the pages carry no inline script or
 * style, and the server sends a CSP that forbids both.
 */
import { esc } from '../../../generator/render/html.js';

export { esc };

/** A link target inside the viewer: path segments encoded one by one. */
export function href(...segments: string[]): string {
  return '/' + segments.map((s) => encodeURIComponent(s)).join('/');
}

/** `?a=1&b=2` from pairs (repeated keys allowed), or '' when empty. */
export function query(pairs: Array<[string, string | number | undefined]>): string {
  const q = new URLSearchParams();
  for (const [k, v] of pairs) if (v !== undefined && v !== '') q.append(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}

/** `2026-11-26 07:00:00 UTC` from ms (the server's clock zone is not the reader's: UTC says so). */
export function time(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return '';
  const iso = new Date(ms).toISOString();
  return `<time datetime="${iso}">${iso.slice(0, 19).replace('T', ' ')} UTC</time>`;
}

/** `1 min 5 s` between two times in ms. */
export function duration(start: number | undefined, end: number | undefined): string {
  if (start === undefined || end === undefined || end < start) return '';
  const s = Math.round((end - start) / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${s % 60} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

/** A metric value as text: up to 6 significant digits, and NaN / ±Infinity spelled out. */
export function metricText(v: number | string | undefined): string {
  if (v === undefined) return '';
  if (typeof v === 'string') return v;
  if (!Number.isFinite(v)) return Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity';
  if (Number.isInteger(v)) return String(v);
  return String(Number(v.toPrecision(6)));
}

export interface Crumb {
  title: string;
  href: string;
}

export interface PageInput {
  title: string;
  /** Trail above the heading, the current page last (not linked). */
  crumbs: Crumb[];
  /** Which main navigation entry is current. */
  section: 'experiments' | 'models';
  body: string;
}

/** The page frame: the catalog site's header, styles and footer, without scripts. */
export function layout(p: PageInput): string {
  const nav = (name: PageInput['section'], label: string, to: string): string =>
    `<li><a href="${to}"${p.section === name ? ' aria-current="page"' : ''}>${label}</a></li>`;
  const crumbs = p.crumbs.length
    ? `<nav class="breadcrumbs" aria-label="Breadcrumb"><ol>${p.crumbs.map((c) => `<li><a href="${esc(c.href)}">${esc(c.title)}</a></li>`).join('')}<li aria-current="page">${esc(p.title)}</li></ol></nav>`
    : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(p.title)} · stachub track</title>
<meta name="color-scheme" content="light dark">
<meta name="generator" content="stachub track">
<link rel="icon" href="/viewer-assets/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/viewer-assets/viewer.css">
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="site-header">
  <div class="wrap header-row">
    <a class="brand" href="/"><svg class="brand-mark" viewBox="0 0 32 32" width="28" height="28" aria-hidden="true"><rect width="32" height="32" rx="8"/><path d="M8 11h16M8 16h11M8 21h14"/></svg><span>stachub track</span></a>
    <nav class="site-nav" aria-label="Sections"><ul>${nav('experiments', 'Experiments', '/')}${nav('models', 'Models', '/models')}</ul></nav>
  </div>
</header>
<main id="main" tabindex="-1">
<div class="wrap viewer">
${crumbs}
${p.body}
</div>
</main>
<footer class="site-footer">
  <div class="wrap footer-row"><p>stachub track: a read-only view of the tracking store. MLflow clients use <code>/api/2.0/mlflow</code> on this server.</p></div>
</footer>
</body>
</html>
`;
}

/** A table inside a scrolling box; `head` and `rows` are HTML already escaped. */
export function table(caption: string, head: string[], rows: string[][], opts: { numeric?: boolean[]; captionHidden?: boolean } = {}): string {
  const cls = (i: number): string => (opts.numeric?.[i] ? ' class="num"' : '');
  return `<div class="table-scroll"><table><caption${opts.captionHidden ? ' class="sr-only"' : ''}>${caption}</caption><thead><tr>${head
    .map((h, i) => `<th scope="col"${cls(i)}>${h}</th>`)
    .join('')}</tr></thead><tbody>${rows.map((r) => `<tr>${r.map((c, i) => `<td${cls(i)}>${c}</td>`).join('')}</tr>`).join('')}</tbody></table></div>`;
}

/** A panel section with a heading. */
export function panel(id: string, title: string, body: string): string {
  return `<section class="panel" id="${esc(id)}" aria-labelledby="${esc(id)}-h"><h2 class="panel-title" id="${esc(id)}-h">${esc(title)}</h2>${body}</section>`;
}

/** A definition list of facts (values are HTML already escaped). */
export function facts(items: Array<[string, string]>): string {
  const shown = items.filter(([, v]) => v !== '');
  return `<dl class="facts">${shown.map(([k, v]) => `<div><dt>${esc(k)}</dt><dd>${v}</dd></div>`).join('')}</dl>`;
}
