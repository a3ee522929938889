/**
 * What the site's end-to-end files share: how Chromium is launched, the search index read back
 * from a built site, and the page helpers (blocked external requests, the list's settled state).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
// Chromium as root in a container: no sandbox, no GPU, nothing phoned home. playwright-core gives
// every launch a fresh temporary profile (it refuses --user-data-dir in launch()).
export const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

/** A project as the search index describes it: its card, and each indexed word with its tiers (bit 0 title, 1 keywords, 2 id, 3 text only). */
export interface IndexEntry {
  id: string;
  title: string;
  page: string;
  category: string;
  terms: Map<string, number>;
}

/** Every project of a built site's search index (`_search/`), read back from its shards and card files. */
export function searchIndex(dir: string): IndexEntry[] {
  const read = (p: string): unknown => JSON.parse(readFileSync(path.join(dir, '_search', p), 'utf8'));
  const meta = read('meta.json') as { docs: number; shards: number };
  const docs: IndexEntry[] = Array.from({ length: meta.docs }, (_, d) => {
    const c = read(`d/${d}.json`) as { id: string; title: string; href: string };
    return { id: c.id, title: c.title, page: c.href, category: c.href.split('/')[0]!, terms: new Map() };
  });
  for (let s = 0; s < meta.shards; s++) {
    for (const [term, cats] of Object.entries(read(`t/${s}.json`) as Record<string, Record<string, number[][]>>)) {
      if (term.includes('=')) continue;
      for (const tiers of Object.values(cats)) {
        tiers.forEach((tier, t) => {
          let doc = 0;
          for (const delta of tier) {
            doc += delta;
            docs[doc]!.terms.set(term, (docs[doc]!.terms.get(term) ?? 0) | (1 << t));
          }
        });
      }
    }
  }
  return docs;
}

/** A page that records every request leaving the loopback server (and blocks it). */
export async function openPage(ctx: BrowserContext, external: string[], own: string): Promise<Page> {
  const page = await ctx.newPage();
  await page.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith(own) || url.startsWith('data:')) return route.continue();
    external.push(url);
    return route.abort();
  });
  return page;
}

/**
 * Wait until the list shows the answer of the last filter or search: the site script marks the list
 * `aria-busy` in the same task that changes the URL, and clears it once the answer is shown. No
 * timeout of its own (the test's applies): a slow machine only makes it wait longer.
 */
export async function settled(page: Page): Promise<void> {
  await page.locator('[data-list]:not([aria-busy])').waitFor({ state: 'attached', timeout: 0 });
}

export async function visibleCards(page: Page): Promise<string[]> {
  return (await page.evaluate(
    `Array.from(document.querySelectorAll('[data-list] > .card')).filter((c) => !c.hidden).map((c) => c.getAttribute('data-id'))`,
  )) as string[];
}
