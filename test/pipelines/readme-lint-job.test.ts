/**
 * The readme-lint component's job script run in bash: a broken front matter fails the job and is
 * commented on the merge request (through a loopback stand-in for GitLab's notes API:
 * GET/POST /projects/:id/merge_requests/:iid/notes, PUT .../notes/:note_id, PRIVATE-TOKEN auth);
 * after the fix, the same comment is updated rather than a new one added.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { interpolate, jobsOf, readComponent, repoRoot } from './ci-lint.js';

const TOKEN = 'glpat-lint-bot-0123456789';
interface Note {
  id: number;
  body: string;
}
const notes: Note[] = [];
const calls: string[] = [];
let api: http.Server;
let apiUrl: string;
let project: string;

beforeAll(async () => {
  api = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      calls.push(`${req.method} ${req.url?.split('?')[0]}`);
      if (req.headers['private-token'] !== TOKEN) {
        res.writeHead(401, { 'content-type': 'application/json' }).end('{"message":"401 Unauthorized"}');
        return;
      }
      const m = /^\/api\/v4\/projects\/42\/merge_requests\/7\/notes(?:\/(\d+))?(?:\?.*)?$/.exec(req.url ?? '');
      if (!m) return void res.writeHead(404).end('{"message":"404 Not Found"}');
      if (req.method === 'GET') return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(notes));
      const text = (JSON.parse(body) as { body: string }).body;
      if (req.method === 'POST') {
        notes.push({ id: notes.length + 1, body: text });
        return void res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify(notes.at(-1)));
      }
      const note = notes.find((n) => n.id === Number(m[1]));
      if (req.method === 'PUT' && note) {
        note.body = text;
        return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(note));
      }
      res.writeHead(404).end('{}');
    });
  });
  await new Promise<void>((r) => api.listen(0, '127.0.0.1', r));
  apiUrl = `http://127.0.0.1:${(api.address() as { port: number }).port}/api/v4`;
  project = await mkdtemp(path.join(os.tmpdir(), 'stachub-lint-project-'));
});
afterAll(async () => {
  api.close();
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

describe('readme-lint component job', () => {
  // A generous timeout: stachub runs from the TypeScript sources in a child process.
  it('fails on a broken front matter and comments once, then updates the comment when fixed', { timeout: 180_000 }, async () => {
    const body = interpolate(readComponent(path.join(repoRoot, 'pipelines/components/templates/readme-lint.yml')), {
      setup: 'true',
      stachub: `node --import ${import.meta.resolve('tsx')} ${path.join(repoRoot, 'test/pipelines/stachub-cli.ts')}`,
    });
    const job = jobsOf(body).get('stachub-readme-lint')!;
    const script = ['set -eo pipefail', ...(job.script as string[])].join('\n');
    const env = {
      ...(job.variables as Record<string, string>),
      CI_API_V4_URL: apiUrl,
      CI_PROJECT_ID: '42',
      CI_MERGE_REQUEST_IID: '7',
      STACHUB_LINT_TOKEN: TOKEN,
    };

    await writeFile(path.join(project, 'README.md'), '---\ntitle: Flood model\nlicense: [unclosed\n---\n# Flood model\n');
    const broken = await run(script, env);
    expect(broken.code, broken.output).not.toBe(0);
    expect(broken.output).not.toContain(TOKEN);
    expect(notes).toHaveLength(1);
    expect(notes[0]!.body).toMatch(/^<!-- stachub-readme-lint -->\n\*\*stachub lint\*\* found problems/);
    expect(notes[0]!.body).toMatch(/README\.md/);

    await writeFile(path.join(project, 'README.md'), '---\ntitle: Flood model\nlicense: MIT\n---\n# Flood model\n');
    const fixed = await run(script, env);
    expect(fixed.code, fixed.output).toBe(0);
    expect(notes).toHaveLength(1);
    expect(notes[0]!.body).toMatch(/is valid now/);
    expect(calls.filter((c) => c.startsWith('PUT'))).toHaveLength(1);

    // Without the token variable: the job still fails on errors, and comments nothing.
    await writeFile(path.join(project, 'README.md'), '---\nlicense: [unclosed\n---\n');
    const { STACHUB_LINT_TOKEN: _unused, ...noToken } = env;
    const silent = await run(script, noToken);
    expect(silent.code).not.toBe(0);
    expect(silent.output).toMatch(/STACHUB_LINT_TOKEN is not set: no merge request comment/);
    expect(notes).toHaveLength(1);
  });
});
