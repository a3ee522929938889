import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../generator/cli.js';

async function run(argv: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(['node', 'stachub', ...argv], { stdout: (s) => (out += s), stderr: (s) => (err += s), env });
  return { code, out, err };
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'stachub-cli-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('stachub CLI', () => {
  it('lists the commands in --help and exits 0', async () => {
    const r = await run(['--help']);
    expect(r.code).toBe(0);
    for (const c of ['build', 'validate', 'inspect', 'lint', 'publish']) expect(r.out).toMatch(new RegExp(`\\n  ${c}\\b`));
  });
  it('explains build options, with their environment fallbacks', async () => {
    const r = await run(['build', '--help']);
    expect(r.out).toMatch(/--gitlab-url <url>.*GITLAB_URL or CI_SERVER_URL/s);
    expect(r.out).toMatch(/Exit codes/);
  });
  it('exits 2 on an unknown command or option', async () => {
    expect((await run(['frobnicate'])).code).toBe(2);
    expect((await run(['build', '--no-such-flag'])).code).toBe(2);
    expect((await run(['build', '--jobs', 'two'])).code).toBe(2);
  });
  it('exits 2 with every configuration problem listed', async () => {
    const cfg = path.join(dir, 'bad.yml');
    await writeFile(cfg, 'categories: []\noutput: {base_url: "not a url"}\n');
    const r = await run(['build', '--config', cfg]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/2 configuration problem\(s\)/);
    expect(r.err).toMatch(/line 1: categories/);
    expect(r.err).toMatch(/line 2: output\.base_url/);
  });
  it('exits 2 when no source is given', async () => {
    const r = await run(['build', '--out', path.join(dir, 'o')]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/no project source/);
  });
  it('refuses to replace a folder that is not a stachub output', async () => {
    const target = path.join(dir, 'precious');
    await import('node:fs/promises').then((fs) => fs.mkdir(target)).then(() => writeFile(path.join(target, 'thesis.tex'), 'x'));
    const r = await run(['build', '--workspace', path.join(dir, 'empty-ws'), '--out', target]);
    expect(r.code).not.toBe(0);
  });
});

describe('stachub validate', () => {
  it('validates a catalog offline with the shipped schemas, and names once each schema it could not load (exit 3)', async () => {
    const out = path.join(dir, 'cat');
    const fs = await import('node:fs/promises');
    await fs.mkdir(path.join(dir, 'no-projects'));
    const build = await run(['build', '--workspace', path.join(dir, 'no-projects'), '--out', out, '--no-validate'], {});
    expect(build.code, build.err).toBe(0);
    const clean = await run(['validate', out, '--offline']);
    expect(clean.out).toMatch(/\d+ document\(s\) checked: valid, every link resolves/);
    expect(clean.code).toBe(0);
    // A schema stachub does not ship, declared by the catalog: not available offline.
    const catalog = JSON.parse(await fs.readFile(path.join(out, 'catalog.json'), 'utf8')) as Record<string, unknown>;
    catalog.stac_extensions = ['https://stac-extensions.example/acme/v1.0.0/schema.json'];
    await fs.writeFile(path.join(out, 'catalog.json'), JSON.stringify(catalog));
    const r = await run(['validate', out, '--offline']);
    expect(r.code).toBe(3);
    expect(r.out).toMatch(/schema https:\/\/stac-extensions\.example\/acme\/v1\.0\.0\/schema\.json could not be loaded: the documents using it could not be checked/);
    expect(r.out.match(/acme/g)).toHaveLength(1);
  });
});

describe('stachub lint', () => {
  it('prints problems with file and line and exits 3 on errors', async () => {
    const f = path.join(dir, 'README.md');
    await writeFile(f, '---\ntitle: x\nlicense: "not spdx!"\nextent:\n  spatial: [1, 2]\n---\nbody\n');
    const r = await run(['lint', f]);
    expect(r.code).toBe(3);
    expect(r.out).toContain(`${f}:3: error: license:`);
    expect(r.out).toContain(`${f}:5: error: extent.spatial`);
  });
  it('exits 0 on a clean README, and prints JSON on request', async () => {
    const f = path.join(dir, 'ok.md');
    await writeFile(f, '---\ntitle: fine\nlicense: MIT\n---\n# Fine\n');
    const r = await run(['lint', f, '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toEqual({ file: f, problems: [] });
  });
  it("accepts an open temporal end, as a build does (the end is the project's last activity)", async () => {
    const f = path.join(dir, 'open-end.md');
    await writeFile(f, '---\ntitle: open\nlicense: MIT\nextent:\n  temporal: ["2023-01-01T00:00:00Z", null]\n---\nbody\n');
    const r = await run(['lint', f, '--json']);
    expect(JSON.parse(r.out)).toEqual({ file: f, problems: [] });
    expect(r.code).toBe(0);
  });
  it('exits 2 on an unreadable file', async () => {
    expect((await run(['lint', path.join(dir, 'missing.md')])).code).toBe(2);
  });
});
