/**
 * The configuration and front-matter examples of the README and docs/ are accepted as written: each
 * configuration example starts a build (a configuration stachub refuses exits 2), and each front
 * matter example, as the README of a one-project workspace, builds with `--strict` (any error of the
 * project exits 3). Both through the compiled CLI, in a temporary folder: its `main(argv, ctx)` (what
 * bin/stachub.js calls with process.argv) in this process, with the folder and a clean environment.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers.js';
import { fences } from './markdown.js';

let root: string;

/** The compiled CLI's entry, as bin/stachub.js imports it. */
type Main = (argv: string[], ctx: Record<string, unknown>) => Promise<number>;
let compiledMain: Main | undefined;

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  compiledMain ??= ((await import(pathToFileURL(path.join(repoRoot, 'dist/generator/cli.js')).href)) as { main: Main }).main;
  let stdout = '';
  let stderr = '';
  const code = await compiledMain(['node', path.join(repoRoot, 'bin/stachub.js'), ...args], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', HOME: root, XDG_CACHE_HOME: path.join(root, 'cache') },
    stdout: (s: string) => void (stdout += s),
    stderr: (s: string) => void (stderr += s),
    isTTY: false,
  });
  return { code, stdout, stderr };
}

/** The YAML blocks of `file` that start with `start`. */
const yamlBlocks = (file: string, start: string): string[] => fences(file).filter((f) => f.lang === 'yaml' && f.text.startsWith(start)).map((f) => f.text);

/** Builds with `config` over an empty workspace and the demo's MLflow export (no network). */
async function buildWithConfig(name: string, config: string) {
  const file = path.join(root, `${name}.yml`);
  await writeFile(file, config);
  return cli(['build', '--config', file, '--workspace', path.join(root, 'empty'), '--mlflow-export', path.join(repoRoot, 'examples/mlflow-export'), '--out', path.join(root, `out-${name}`), '--no-validate']);
}

/** Builds a workspace whose one project (a model) has `readme` as its README, with --strict. */
async function buildWithReadme(name: string, readme: string) {
  const project = path.join(root, `ws-${name}`, 'flood-segmentation');
  await mkdir(project, { recursive: true });
  await writeFile(path.join(project, 'README.md'), readme);
  await writeFile(
    path.join(project, 'stachub-project.yml'),
    [
      'id: 1201',
      'path_with_namespace: eo-lab/flood-segmentation',
      'web_url: https://gitlab.example.com/eo-lab/flood-segmentation',
      'topics: [sharinghub:aimodel]',
      'created_at: 2025-03-04T09:12:00Z',
      'last_activity_at: 2026-10-28T16:40:00Z',
      '',
    ].join('\n'),
  );
  return cli(['build', '--workspace', path.join(root, `ws-${name}`), '--out', path.join(root, `out-${name}`), '--strict']);
}

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'stachub-docs-examples-'));
  await mkdir(path.join(root, 'empty'));
});
afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

describe('configuration examples', () => {
  const readme = yamlBlocks('README.md', 'catalog:');
  const examples: Array<[string, string]> = [
    ['README.md', readme[0]!],
    ...yamlBlocks('docs/configuration.md', 'catalog:').map((y, i): [string, string] => [`docs/configuration.md #${i + 1}`, y]),
    // The site block alone, in the README's configuration.
    ...yamlBlocks('docs/site.md', 'site:').map((y, i): [string, string] => [`docs/site.md #${i + 1}`, `${readme[0]!}\n${y}\n`]),
  ];

  it('finds the examples', () => {
    expect(readme).toHaveLength(1);
    expect(examples.length).toBeGreaterThanOrEqual(3);
  });

  for (const [i, [where, yaml]] of examples.entries()) {
    it(`${where} is a valid configuration`, { timeout: 120_000 }, async () => {
      const r = await buildWithConfig(`config-${i}`, yaml);
      expect(r.code, r.stderr).toBe(0);
    });
  }

  it('a configuration stachub refuses exits 2 (so the check above can fail)', { timeout: 120_000 }, async () => {
    const r = await buildWithConfig('config-bad', `${readme[0]!}\nunknown_key: 1\n`);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown key 'unknown_key'/);
  });
});

describe('front-matter examples', () => {
  const examples: Array<[string, string]> = ['README.md', 'docs/metadata.md'].flatMap((file) =>
    yamlBlocks(file, '---\n').map((y, i): [string, string] => [`${file} #${i + 1}`, y]),
  );

  it('finds the examples', () => expect(examples.length).toBeGreaterThanOrEqual(2));

  for (const [i, [where, readme]] of examples.entries()) {
    it(`${where} builds with --strict: no error on its project`, { timeout: 120_000 }, async () => {
      const r = await buildWithReadme(`fm-${i}`, readme);
      expect(r.code, r.stderr).toBe(0);
    });
  }

  it('a front matter with an error exits 3 under --strict (so the check above can fail)', { timeout: 120_000 }, async () => {
    const r = await buildWithReadme('fm-bad', '---\ntitle: x\nlicense: [unclosed\n---\n# x\n');
    expect(r.code, r.stderr).toBe(3);
  });
});
