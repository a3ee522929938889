/**
 * The tracking component's job run in bash: `stachub track` starts beside the training command,
 * which logs to it through MLFLOW_TRACKING_URI; after_script stops it and the store holds the run.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { interpolate, jobsOf, readComponent, repoRoot } from './ci-lint.js';

let project: string;
beforeAll(async () => {
  project = await mkdtemp(path.join(os.tmpdir(), 'stachub-train-project-'));
});
afterAll(async () => {
  await rm(project, { recursive: true, force: true });
});

function run(script: string, env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn('bash', ['-c', script], { cwd: project, env: { PATH: process.env.PATH!, HOME: project, ...env } });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('exit', (code) => resolve({ code, output }));
  });
}

const freePort = () =>
  new Promise<number>((resolve) => {
    const srv = http.createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });

describe('tracking component job', () => {
  // A generous timeout: the server is started from the TypeScript sources, slow on a loaded machine.
  it('runs the training command against a local tracking server and keeps its store', { timeout: 180_000 }, async () => {
    // The "training": create an experiment through the MLflow REST API the client libraries use.
    const train = `node -e 'fetch(process.env.MLFLOW_TRACKING_URI + "/api/2.0/mlflow/experiments/create", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ name: "flood-ci" }) }).then(async (r) => { console.log("create", r.status, await r.text()); if (!r.ok) process.exit(1); })'`;
    const body = interpolate(readComponent(path.join(repoRoot, 'pipelines/components/templates/tracking.yml')), {
      setup: 'true',
      stachub: `node --import ${import.meta.resolve('tsx')} ${path.join(repoRoot, 'test/pipelines/stachub-cli.ts')}`,
      script: train,
      port: await freePort(),
    });
    const job = jobsOf(body).get('stachub-train')!;
    const env = Object.fromEntries(Object.entries(job.variables as Record<string, unknown>).map(([k, v]) => [k, String(v)]));
    const main = await run(['set -eo pipefail', ...(job.script as string[])].join('\n'), env);
    const after = await run((job.after_script as string[]).join('\n'), env);
    expect(main.code, main.output).toBe(0);
    expect(main.output).toMatch(/create 200 \{"experiment_id":"\d+"\}/);
    expect(after.code, after.output).toBe(0);
    expect(await readdir(path.join(project, 'tracking-store'))).not.toHaveLength(0);
    expect(await readFile(path.join(project, 'stachub-track.log'), 'utf8')).toMatch(/stachub track/);
  });
});
