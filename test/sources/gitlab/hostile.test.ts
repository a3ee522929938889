/**
 * The hostile READMEs of test/core/hostile.test.ts, read from GitLab (the fake) instead of a
 * workspace: one build holds them all beside a good project; the build exits 0, the good project is
 * published, each bad one is an error of its own, and the catalog validates offline.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../../generator/cli.js';
import type { BuildReport } from '../../../generator/report.js';
import type { StacItem } from '../../../generator/stac/types.js';
import type { FakeGitLab } from '../../fakes/gitlab/server.js';
import { schemaMapPairs } from '../../helpers.js';
import { AIMODEL, TOKEN, startFake } from './helpers.js';

let gl: FakeGitLab;
let work: string;
beforeEach(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'stachub-gitlab-hostile-'));
});
afterEach(async () => {
  await gl?.stop();
  await rm(work, { recursive: true, force: true });
});

async function run(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(['node', 'stachub', ...argv], { stdout: (s) => void (stdout += s), stderr: (s) => void (stderr += s), env: { GITLAB_TOKEN: TOKEN }, isTTY: false });
  return { code, stdout, stderr };
}

const laughs = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]', ...'bcdefghi'.split('').map((k, i) => `${k}: &${k} [${Array(9).fill(`*${'abcdefghi'[i]}`).join(',')}]`)].join('\n');

/** Full path -> front matter (and the code of the error it must give). */
const HOSTILE: Array<[string, string, string]> = [
  ['bad/assets-null', 'assets: [null]', 'front-matter/schema'],
  ['bad/glob-number', 'assets: [{glob: 5}]', 'front-matter/schema'],
  ['bad/roles-number', 'providers: [{name: a, roles: 5}]', 'front-matter/schema'],
  ['bad/laughs', laughs, 'front-matter/yaml'],
  ['bad/wkt', `extent: {spatial: "MULTIPOINT (${Array.from({ length: 60_000 }, (_, i) => `${i % 90} 1`).join(',')})"}`, 'budget/wkt-points'],
  ['bad/gsd', 'gsd: -1', 'stac/dropped'],
  ['bad/datetime', 'datetime: "x"', 'front-matter/datetime'],
  ['bad/platform', 'platform: 5', 'stac/dropped'],
  ['bad/doi', 'sci:doi: 5', 'stac/dropped'],
  ['index.html/bad', 'title: x', 'project/failed'],
];

describe('stachub build --gitlab-url with hostile READMEs', () => {
  it('publishes every good project, reports each bad one, and the catalog validates', async () => {
    gl = await startFake();
    gl.addProject({ id: 1, fullPath: 'good/model', topics: [AIMODEL], files: { 'README.md': '---\ntitle: Good\nlicense: MIT\ngsd: 10\n---\n# Good\n' } });
    HOSTILE.forEach(([fullPath, fm], i) => {
      gl.addProject({ id: 10 + i, fullPath, topics: [AIMODEL], files: { 'README.md': `---\n${fm}\ntoString: {a: 1}\n---\n# Bad\n` } });
    });
    const out = path.join(work, 'public');
    const r = await run(['build', '--gitlab-url', gl.url, '--out', out, '--schema-map', ...schemaMapPairs]);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(await readFile(path.join(out, 'build-report.json'), 'utf8')) as BuildReport;
    const good = JSON.parse(await readFile(path.join(out, 'ai-model/good/model/model.json'), 'utf8')) as StacItem;
    expect(good.properties).toMatchObject({ title: 'Good', gsd: 10 });
    for (const [fullPath, , code] of HOSTILE) {
      const entry = report.projects.find((p) => p.path === fullPath);
      expect(entry?.status, fullPath).toBe('error');
      expect(entry?.messages.map((m) => m.code), fullPath).toContain(code);
    }
    // Every bad project but the clashing one is still published.
    expect(report.counts.items).toBe(HOSTILE.length);
    const v = await run(['validate', out, '--offline', '--schema-map', ...schemaMapPairs]);
    expect(v.code, v.stdout + v.stderr).toBe(0);
    const strict = await run(['build', '--gitlab-url', gl.url, '--out', path.join(work, 'strict'), '--strict', '--schema-map', ...schemaMapPairs]);
    expect(strict.code).toBe(3);
  });
});
