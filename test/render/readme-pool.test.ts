import { describe, expect, it } from 'vitest';
import { render } from '../../generator/render/index.js';
import { ProjectFaults } from '../../generator/isolate.js';
import type { OutputFile } from '../../generator/types.js';
import type { StacTree } from '../../generator/stac/types.js';
import { fixtureTree } from './fixture.js';

const GENERATED_AT = '2026-04-01T00:00:00Z';

/** The fixture with `n` more dataset items, each with its own README (links, images, headings). */
function treeWith(n: number): StacTree {
  const tree = fixtureTree();
  const template = tree.collections[1]!.items[0]!;
  for (let i = 0; i < n; i++) {
    const json = structuredClone(template.json);
    json.id = `g/r${i}`;
    json.properties = {
      ...json.properties,
      title: `Readme ${i}`,
      description: `# Readme ${i}\n\nSee [the docs](docs/usage.md#top), [a page](/group/p${i}/-/wikis/home) and ![a figure](figures/f${i}.png).\n\n## Usage ${i}\n\n\`\`\`python\nprint(${i})\n\`\`\`\n\n<script>alert(${i})</script> | a | b |\n|---|---|\n| ${i} | x |\n`,
    };
    tree.collections[1]!.items.push({ path: `dataset/g/r${i}/r${i}.json`, json });
  }
  return tree;
}

const bytes = (files: OutputFile[]): Array<[string, string]> => files.map((f) => [f.path, Buffer.from(f.content).toString('base64')]);

function failures(run: () => unknown): Array<{ project: string; stage: string; name: string; message: string }> {
  try {
    run();
  } catch (err) {
    if (!(err instanceof ProjectFaults)) throw err;
    return err.failures.map((f) => ({ project: f.project, stage: f.stage, name: (f.error as Error).name, message: (f.error as Error).message }));
  }
  return [];
}

describe('READMEs rendered on worker threads', () => {
  it('give the same files, in the same order, as on the main thread', () => {
    const tree = treeWith(150);
    const serial = bytes(render({ tree, generatedAt: GENERATED_AT }));
    const threaded = bytes(render({ tree, generatedAt: GENERATED_AT, jobs: 3 }));
    expect(threaded.map(([p]) => p)).toEqual(serial.map(([p]) => p));
    expect(threaded).toEqual(serial);
    // The READMEs are there (not left out by both).
    const page = render({ tree, generatedAt: GENERATED_AT, jobs: 2 }).find((f) => f.path === 'dataset/g/r7/index.html')!;
    expect(Buffer.from(page.content).toString()).toContain('id="readme-usage-7"');
  }, 60_000);

  it('fail the page of a README that throws, and only that one, as on the main thread', () => {
    const tree = treeWith(20);
    // A GitLab address that does not parse: resolving the README's root-relative link against it throws.
    for (const k of [3, 11]) {
      const item = tree.collections[1]!.items.find((i) => i.json.id === `g/r${k}`)!;
      item.json.links = [...item.json.links.filter((l) => l.rel !== 'via'), { rel: 'via', href: 'https://[bad', type: 'text/html' }];
    }
    const serial = failures(() => render({ tree, generatedAt: GENERATED_AT }));
    const threaded = failures(() => render({ tree, generatedAt: GENERATED_AT, jobs: 2 }));
    // Pages are made in the search index's order (creation time), not the tree's: compare as a set.
    expect(serial.map((f) => f.project).sort()).toEqual(['g/r11', 'g/r3']);
    expect(serial[0]).toMatchObject({ stage: 'render', name: 'TypeError' });
    expect(threaded).toEqual(serial);
  }, 60_000);
});
