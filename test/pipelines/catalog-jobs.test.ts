/**
 * The catalog component's job scripts run for real, in bash, as a runner would run them (job
 * variables expanded, before_script then script, `set -eo pipefail`): two `parallel` shards that
 * crawl a fake GitLab, the merge, the S3 publish to a loopback S3 server; then the next scheduled
 * run's shards read the previous state back from the bucket. The schema tests check the YAML;
 * this checks the shell.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeState, STATE_FILE } from '../../generator/state/state.js';
import type { FakeGitLab } from '../fakes/gitlab/server.js';
import { ACCESS, startS3, type LoopbackS3 } from '../publish/fixtures.js';
import { TOKEN, addDataset, addModel, startFake } from '../sources/gitlab/helpers.js';
import { interpolate, jobsOf, readComponent, repoRoot } from './ci-lint.js';

let gl: FakeGitLab;
let s3: LoopbackS3;
let project: string;

beforeAll(async () => {
  gl = await startFake();
  for (let id = 1; id <= 6; id++) (id % 3 === 0 ? addDataset(gl, id) : addModel(gl, id));
  s3 = await startS3(['catalog']);
  project = await mkdtemp(path.join(os.tmpdir(), 'stachub-ci-project-'));
});
afterAll(async () => {
  await gl.stop();
  await s3.stop();
  await rm(project, { recursive: true, force: true });
});

/** `$VAR` and `${VAR}` in a variable's value, expanded from the job's environment as the runner does. */
const expand = (value: string, env: Record<string, string>): string =>
  value.replace(/\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?/g, (_, name: string) => env[name] ?? '');

/** The shell script and environment of a job (one level of `extends`, as the component uses). */
function job(body: Record<string, unknown>, name: string, ci: Record<string, string>): { script: string; env: Record<string, string> } {
  const jobs = jobsOf(body);
  const own = jobs.get(name)!;
  const parent = own.extends ? jobs.get(own.extends as string)! : {};
  const merged = { ...parent, ...own, variables: { ...(parent.variables as object), ...(own.variables as object) } } as Record<string, unknown>;
  const env: Record<string, string> = { ...ci };
  for (const [k, v] of Object.entries(merged.variables as Record<string, unknown>)) env[k] = expand(String(v), env);
  const lines = [...((merged.before_script as string[]) ?? []), ...(merged.script as string[])];
  return { script: ['set -eo pipefail', ...lines].join('\n'), env };
}

function bash(script: string, env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn('bash', ['-c', script], { cwd: project, env: { PATH: process.env.PATH!, HOME: project, ...env } });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('exit', (code) => resolve({ code, output }));
  });
}

describe('catalog component jobs', () => {
  // A generous timeout: stachub runs from the TypeScript sources in a child process.
  it('shards, merge and S3 publish run in a shell, and the next run reads the state back from the bucket', { timeout: 180_000 }, async () => {
    const tsx = import.meta.resolve('tsx');
    const body = interpolate(readComponent(path.join(repoRoot, 'pipelines/components/templates/catalog.yml')), {
      setup: 'true',
      stachub: `node --import ${tsx} ${path.join(repoRoot, 'test/pipelines/stachub-cli.ts')}`,
      target: 's3',
      's3-url': 's3://catalog/stac',
      's3-endpoint': s3.endpoint,
      args: '--no-validate',
      shards: 2,
    });
    const ci = {
      CI_SERVER_URL: gl.url,
      CI_PIPELINE_SOURCE: 'schedule',
      GITLAB_TOKEN: TOKEN,
      AWS_ACCESS_KEY_ID: ACCESS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: ACCESS.secretAccessKey,
    };
    const shard = (i: number) => job(body, 'stachub-shard', { ...ci, CI_NODE_INDEX: String(i), CI_NODE_TOTAL: '2' });

    // The two shards run at once, as the `parallel` jobs of a pipeline do (each its own output folder).
    const runs = await Promise.all([1, 2].map((i) => {
      const { script, env } = shard(i);
      return bash(script, env);
    }));
    runs.forEach((r, k) => {
      expect(r.code, r.output).toBe(0);
      expect(r.output).toMatch(new RegExp(`shard ${k + 1}/2: \\d+ project\\(s\\) read`));
    });
    const merge = job(body, 'stachub-merge', ci);
    const m = await bash(merge.script, merge.env);
    expect(m.code, m.output).toBe(0);
    const state = decodeState(await readFile(path.join(project, 'public', STATE_FILE)));
    expect(state.projects.map((p) => p.id)).toEqual([1, 2, 3, 4, 5, 6]);

    const publish = job(body, 'stachub-publish-s3', ci);
    const p = await bash(publish.script, publish.env);
    expect(p.code, p.output).toBe(0);
    expect(p.output).toMatch(/published to s3:\/\/catalog .*\(prefix stac\/\): \d+ uploaded, 0 unchanged/);
    const client = new S3Client({ endpoint: s3.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: ACCESS });
    const root = await client.send(new GetObjectCommand({ Bucket: 'catalog', Key: 'stac/catalog.json' }));
    expect(JSON.parse(await root.Body!.transformToString()).type).toBe('Catalog');
    client.destroy();

    // The next scheduled run: each shard starts from the state the last run published.
    const again = shard(1);
    const r = await bash(again.script.replace('set -eo pipefail', 'set -eo pipefail; rm -rf .stachub-shards'), again.env);
    expect(r.code, r.output).toBe(0);
    expect(r.output).toMatch(/previous state from s3:\/\/catalog\/stac\/stachub-state\.json\.gz: 6 project\(s\)/);
  });
});
