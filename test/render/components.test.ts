import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { renderReadme } from '../../generator/render/markdown.js';
import { lineChart } from '../../generator/render/charts.js';
import { extentMap, tiledExtentMap } from '../../generator/render/map.js';
import { ago, formatBytes, formatCount, markdownToText, summary, WHITESPACE_RUNS } from '../../generator/render/format.js';
import { resolveSite, siteConfigFromYaml } from '../../generator/render/site-config.js';
import { checksumText, stacBrowserHref } from '../../generator/render/project.js';
import { snippets } from '../../generator/render/snippets.js';
import { repoRoot } from '../helpers.js';

const keep = (u: string): string => u;
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

describe('README sanitising', () => {
  const attacks: Array<[string, string]> = [
    ['script tag', '<script>alert(1)</script>'],
    ['script in svg', '<svg><script>alert(1)</script></svg>'],
    ['event handler', '<img src="https://x.example/a.png" onerror="alert(1)">'],
    ['handler on any tag', '<div onclick="alert(1)" onmouseover="alert(2)">x</div>'],
    ['javascript: link', '<a href="javascript:alert(1)">x</a>'],
    ['mixed case and spaces', '<a href=" JaVaScRiPt:alert(1)">x</a>'],
    ['entity-encoded scheme', '<a href="&#106;avascript:alert(1)">x</a>'],
    ['markdown javascript link', '[x](javascript:alert(1))'],
    ['data: image', '<img src="data:image/svg+xml;base64,PHN2Zz48L3N2Zz4=">'],
    ['vbscript', '<a href="vbscript:msgbox(1)">x</a>'],
    ['iframe', '<iframe src="https://evil.example/"></iframe>'],
    ['object and embed', '<object data="x.swf"></object><embed src="x.swf">'],
    ['form', '<form action="https://evil.example/"><input name="q"><button>go</button></form>'],
    ['style attribute', '<p style="background:url(javascript:alert(1))">x</p>'],
    ['style element', '<style>body{display:none}</style>'],
    ['meta refresh', '<meta http-equiv="refresh" content="0;url=https://evil.example/">'],
    ['base tag', '<base href="https://evil.example/">'],
    ['link tag', '<link rel="stylesheet" href="https://evil.example/x.css">'],
    ['srcdoc', '<iframe srcdoc="<script>alert(1)</script>"></iframe>'],
    ['formaction', '<button formaction="javascript:alert(1)">x</button>'],
  ];
  for (const [name, md] of attacks) {
    it(`removes ${name}`, () => {
      const html = renderReadme(md, keep);
      expect(html).not.toMatch(/<script|<iframe|<object|<embed|<form|<style|<meta|<base|<link|<button/i);
      expect(html).not.toMatch(/\son\w+\s*=/i);
      expect(html).not.toMatch(/javascript:|vbscript:|data:/i);
      expect(html).not.toMatch(/style=/i);
    });
  }

  it('keeps ordinary Markdown: headings one level down, tables, code with its language, task lists', () => {
    const html = renderReadme('# T\n\n## S\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n```python\nx = 1\n```\n\n- [x] done\n', keep);
    expect(html).toContain('<h2 id="readme-t">T</h2>');
    expect(html).toContain('<h3 id="readme-s">S</h3>');
    expect(html).toContain('<td>1</td>');
    expect(html).toContain('<code class="language-python">x = 1');
    expect(html).toMatch(/<input checked disabled="disabled" type="checkbox" \/> done/);
  });

  it('passes every link and image URL through the rewriter, which may drop it', () => {
    const seen: string[] = [];
    const html = renderReadme('[a](docs/a.md) ![i](img/i.png) <a href="#top">t</a>', (u) => {
      seen.push(u);
      return u.endsWith('.png') ? null : `X/${u}`;
    });
    expect(seen).toEqual(['docs/a.md', 'img/i.png']);
    expect(html).toContain('href="#readme-top"');
    expect(html).toContain('href="X/docs/a.md"');
    expect(html).not.toContain('img/i.png');
    expect(html).toContain('loading="lazy"');
  });
});

describe('README anchors', () => {
  it('gives headings prefixed GitHub-style ids and points in-README links at them', () => {
    const html = renderReadme('[Go](#usage-notes)\n\n## Usage notes!\n\n## Usage notes\n\n<h2 id="model" onclick="x()">raw</h2>', keep);
    expect(html).toContain('<a href="#readme-usage-notes">Go</a>');
    expect(html).toContain('<h3 id="readme-usage-notes">Usage notes!</h3>');
    expect(html).toContain('<h3 id="readme-usage-notes-1">Usage notes</h3>');
    // A raw heading cannot take one of the page's own ids.
    expect(html).toContain('<h3>raw</h3>');
  });
});

describe('formatting', () => {
  it('formats sizes, counts and relative times deterministically', () => {
    expect(formatBytes(999)).toBe('999 B');
    expect(formatBytes(31062016)).toBe('31.1 MB');
    expect(formatBytes(1482993221)).toBe('1.5 GB');
    expect(formatCount(7765442)).toBe('7.8M');
    expect(formatCount(3078)).toBe('3.1k');
    expect(formatCount(512)).toBe('512');
    expect(ago('2026-03-14T00:00:00Z', '2026-04-01T00:00:00Z')).toBe('2 weeks ago');
    expect(ago('2026-04-01T00:00:00Z', '2026-04-01T00:00:30Z')).toBe('just now');
  });

  it('summarises a README from its first paragraph, without markup or script bodies', () => {
    expect(summary('# Title\n\n![x](x.png)\n\nA *very* good `model`.\n\nMore.')).toBe('A very good model.');
    expect(markdownToText('<script>evil()</script>Hello <b>you</b>')).toBe('Hello you');
    expect(summary('word '.repeat(100), 40).length).toBeLessThanOrEqual(41);
  });

  it('collapses whitespace exactly as /\\s+/g does, for every kind of JavaScript whitespace', () => {
    // Every character \s matches, then a few that it does not; strings of up to 6 of them, exhaustively over pairs and sampled beyond.
    const spaces = [...Array(0x10000).keys()].map((c) => String.fromCharCode(c)).filter((c) => /\s/.test(c));
    const alphabet = [...spaces, 'a', '.', '\u200b', '\u180e', 'é'];
    let seed = 7;
    const next = (): number => (seed = (seed * 1103515245 + 12345) % 2147483648) % alphabet.length;
    const cases = [...alphabet.flatMap((a) => alphabet.map((b) => a + b)), ...Array.from({ length: 20_000 }, () => Array.from({ length: 6 }, () => alphabet[next()]).join(''))];
    for (const s of cases) expect(s.replace(WHITESPACE_RUNS, ' '), JSON.stringify(s)).toBe(s.replace(/\s+/g, ' '));
    expect(markdownToText('a \t\n b\u00a0c  d')).toBe('a b c d');
  });

  it('shows multihash checksums as algorithm:hex', () => {
    expect(checksumText('1220' + 'ab'.repeat(32))).toBe('sha256:' + 'ab'.repeat(32));
    expect(checksumText('md5:abc')).toBe('md5:abc');
    expect(checksumText(undefined)).toBeNull();
  });
});

describe('charts and maps', () => {
  it('draws a labelled line chart with one point per version', () => {
    const svg = lineChart('c1', 'iou by version', [
      { label: 'v1', value: 0.61 },
      { label: 'v2', value: 0.7 },
      { label: 'v3', value: 0.74 },
    ]);
    expect(svg).toMatch(/^<svg class="chart"[^>]*role="img" aria-labelledby="c1-t c1-d"/);
    expect(svg).toContain('<title id="c1-t">iou by version</title>');
    expect(svg).toContain('v1: 0.61, v2: 0.7, v3: 0.74');
    expect(svg.match(/<circle/g)).toHaveLength(3);
    expect(svg).toMatch(/<path class="line" d="M[\d.]+ [\d.]+ L/);
  });

  it('draws an extent on the bundled world, and nothing for a missing or whole-world extent', () => {
    const svg = extentMap('m', { type: 'Polygon', coordinates: [[[-10, 35], [30, 35], [30, 60], [-10, 60], [-10, 35]]] }, undefined)!;
    expect(svg).toContain('<path class="land"');
    expect(svg).toContain('<path class="extent" d="M170.00 55.00L210.00 55.00L210.00 30.00L170.00 30.00L170.00 55.00Z"/>');
    expect(svg).toContain('10°W to 30°E, 35°N to 60°N');
    expect(extentMap('m', null, undefined)).toBeNull();
    expect(extentMap('m', null, [-180, -90, 180, 90])).toBeNull();
    expect(extentMap('m', { type: 'Point', coordinates: [2.35, 48.85] }, undefined)).toContain('<circle class="extent-point"');
  });

  it('places an extent over configured XYZ tiles, at most 4 × 3 of them', () => {
    const svg = tiledExtentMap('m', null, [2.2, 48.8, 2.5, 48.9], 'https://tiles.example/{z}/{x}/{y}.png')!;
    const tiles = [...svg.matchAll(/href="https:\/\/tiles\.example\/(\d+)\/(\d+)\/(\d+)\.png"/g)];
    expect(tiles.length).toBeGreaterThan(0);
    expect(tiles.length).toBeLessThanOrEqual(12);
    expect(Number(tiles[0]![1])).toBeGreaterThan(8);
    expect(svg).toContain('<path class="extent"');
  });
});

describe('site settings', () => {
  it('converts the snake_case config block and fills defaults from the catalog', () => {
    const site = siteConfigFromYaml({
      title: 'Hub',
      colors: { accent: '#123456', accent_dark: '#abcdef' },
      footer_links: [{ label: 'GitLab', href: 'https://gitlab.example.com' }],
      stac_browser_url: 'https://browser.example/',
      map: { tile_url: 'https://t.example/{z}/{x}/{y}.png', attribution: '© tiles' },
      recent_count: 3,
    });
    expect(site).toEqual({
      title: 'Hub',
      colors: { accent: '#123456', accentDark: '#abcdef' },
      footerLinks: [{ label: 'GitLab', href: 'https://gitlab.example.com' }],
      stacBrowserUrl: 'https://browser.example/',
      mapTileUrl: 'https://t.example/{z}/{x}/{y}.png',
      mapAttribution: '© tiles',
      recentCount: 3,
    });
    const unsafe = resolveSite(
      { footerLinks: [{ label: 'x', href: 'javascript:alert(1)' }, { label: 'ok', href: 'legal.html' }], stacBrowserUrl: 'javascript:x', logo: 'data:image/svg+xml,<svg/>' },
      { description: '' },
    );
    expect(unsafe.footerLinks).toEqual([{ label: 'ok', href: 'legal.html' }]);
    expect(unsafe.stacBrowserUrl).toBeNull();
    expect(unsafe.logo).toBeNull();
    const resolved = resolveSite({}, { title: 'Catalog', description: 'About it' });
    expect(resolved.title).toBe('Catalog');
    expect(resolved.tagline).toBe('About it');
    expect(resolved.mapTileUrl).toBeNull();
    expect(resolved.stacBrowserUrl).toBeNull();
  });

  it('has a JSON schema that accepts a full block and lists every problem of a bad one', () => {
    const schema = JSON.parse(readFileSync(path.join(repoRoot, 'schemas', 'site.schema.json'), 'utf8')) as object;
    const ajv = new Ajv({ allErrors: true, strict: true });
    addFormats(ajv);
    const validate = ajv.compile(schema);
    expect(
      validate({
        title: 'Hub',
        tagline: 'Models',
        logo: 'media/logo.svg',
        colors: { accent: '#0b5cad', accent_dark: 'rgb(124, 184, 255)' },
        footer_links: [{ label: 'Docs', href: 'https://docs.example' }, { label: 'Legal', href: 'legal.html' }],
        stac_browser_url: 'https://radiantearth.github.io/stac-browser/',
        map: { tile_url: 'https://tile.example/{z}/{x}/{y}.png', attribution: '© somebody' },
        recent_count: 8,
        lang: 'fr',
      }),
      JSON.stringify(validate.errors),
    ).toBe(true);
    expect(validate({ colors: { accent: 'red;}body{display:none' }, footer_links: [{ label: 'x', href: 'javascript:alert(1)' }], map: { tile_url: 'https://t/{x}' }, extra: 1 })).toBe(false);
    expect(validate.errors!.length).toBeGreaterThanOrEqual(4);
  });
});

describe('use-it snippets', () => {
  it('writes pystac, curl, MLflow and onnxruntime code for an ONNX model with a registry URI', () => {
    const s = snippets({
      itemUrl: { absolute: null, relative: 'm.json' },
      downloads: [{ file: 'my model.onnx', url: { absolute: 'https://x.example/m.onnx', relative: 'https://x.example/m.onnx' }, onnx: true }],
      mlflowUris: ['models:/m/2'],
      trackingUri: 'https://mlflow.example/',
      experiment: 'm (42)',
      inputs: [{ name: 'input-1', shape: [-1, 3, 8, 8], dataType: 'uint8' }],
    });
    expect(s.map((x) => x.id)).toEqual(['pystac', 'curl', 'mlflow', 'track', 'onnxruntime']);
    expect(s[3]!.code).toContain('mlflow.set_experiment("m (42)")');
    // A relative URL is completed (and quoted again for its language) by site.js.
    expect(s[0]!.code).toContain('pystac.Item.from_file(<span data-abs="m.json" data-quote="py">"m.json"</span>)');
    // Code is HTML element content: values are quoted for the shell, then <, > and & escaped.
    expect(s[1]!.code).toContain("curl -L -o 'my model.onnx' https://x.example/m.onnx");
    expect(s[2]!.code).toContain('mlflow.set_tracking_uri("https://mlflow.example/")');
    // A name that is not an identifier is only a string key; its variable is numbered.
    expect(s[4]!.code).toContain('input_0 = np.zeros((1, 3, 8, 8), dtype=np.uint8)');
    expect(s[4]!.code).toContain('{"input-1": input_0}');
  });

  it('links STAC Browser to the item through its external route', () => {
    expect(stacBrowserHref('https://b.example/sb/', 'https://h.example/c/i.json')).toBe('https://b.example/sb/#/external/h.example/c/i.json');
    expect(stacBrowserHref('https://b.example', 'https://h.example/i.json')).toBe('https://b.example/#/external/h.example/i.json');
    expect(stacBrowserHref('https://b.example/', 'http://127.0.0.1:8080/i.json')).toBe('https://b.example/#/external/http://127.0.0.1:8080/i.json');
  });
});

describe('README title', () => {
  it('drops a leading heading that repeats the page title, and keeps any other', async () => {
    const { withoutTitleHeading } = await import('../../generator/render/project.js');
    expect(withoutTitleHeading('# Flood U-Net\n\nText', 'Flood U-Net')).toBe('\nText');
    expect(withoutTitleHeading('  # flood  u-net ##\nText', 'Flood U-Net')).toBe('Text');
    expect(withoutTitleHeading('# Usage\n\nText', 'Flood U-Net')).toBe('# Usage\n\nText');
    expect(withoutTitleHeading('Intro\n# Flood U-Net', 'Flood U-Net')).toBe('Intro\n# Flood U-Net');
  });
});

describe('site logo file', () => {
  it('publishes a local logo beside the configuration under assets/ and links it from every page', async () => {
    const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { withLogoFile } = await import('../../generator/render/site-files.js');
    const { render } = await import('../../generator/render/index.js');
    const { fixtureTree } = await import('./fixture.js');
    const dir = mkdtempSync(path.join(tmpdir(), 'stachub-logo-'));
    try {
      writeFileSync(path.join(dir, 'my logo.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
      writeFileSync(path.join(dir, 'notes.txt'), 'x');
      const { site, diagnostics } = withLogoFile({ logo: 'my logo.svg' }, dir);
      expect(diagnostics).toEqual([]);
      expect(site.logoFile?.mediaType).toBe('image/svg+xml');
      const files = render({ tree: fixtureTree(), generatedAt: '2026-01-01T00:00:00Z', site });
      expect(files.find((f) => f.path === 'assets/logo-my-logo.svg')?.mediaType).toBe('image/svg+xml');
      const page = new TextDecoder().decode(files.find((f) => f.path === 'ai-model/eo/flood-unet/index.html')!.content);
      expect(page).toContain('<img src="../../../assets/logo-my-logo.svg" alt="" width="28" height="28">');
      const bad = withLogoFile({ logo: 'notes.txt', title: 'T' }, dir);
      expect(bad.site).toEqual({ title: 'T' });
      expect(bad.diagnostics[0]?.code).toBe('site/logo');
      expect(withLogoFile({ logo: 'https://x.example/l.png' }, dir).site.logoFile).toBeUndefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
