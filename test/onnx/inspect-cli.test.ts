/** `stachub inspect` through the real CLI entry (main), and once through the compiled bin/stachub.js. */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { DEMO_MODEL_PATH } from '../../examples/scripts/make-demo-onnx.js';
import { main } from '../../generator/cli.js';
import { edgeCaseModels } from './edge-cases.js';
import { repoRoot } from './helpers.js';
import { startRangeServer, type RangeServer } from './range-server.js';

const demo = path.join(repoRoot, DEMO_MODEL_PATH);
const dir = mkdtempSync(path.join(tmpdir(), 'stachub-inspect-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const servers: RangeServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function run(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(['node', 'stachub', 'inspect', ...args], {
    env,
    stdout: (s) => {
      out += s;
    },
    stderr: (s) => {
      err += s;
    },
  });
  return { code, out, err };
}

describe('stachub inspect', () => {
  it('prints a readable summary', async () => {
    const { code, out } = await run([demo]);
    expect(code).toBe(0);
    expect(out).toContain(`${demo}\n  IR 8, producer stachub-demo 1.0, opsets ai.onnx 17\n`);
    expect(out).toContain('    sar  float32[batch, 2, 256, 256]');
    expect(out).toContain('  parameters: 3,078 (float32 12.0 KiB)');
    expect(out).toContain('    classes = not water,water');
  });

  it('--json with one model prints one object in the DESIGN.md shape', async () => {
    const { code, out } = await run(['--json', demo]);
    expect(code).toBe(0);
    const obj = JSON.parse(out) as Record<string, unknown>;
    expect(obj.source).toBe(demo);
    for (const key of ['irVersion', 'producerName', 'producerVersion', 'opsetImports', 'inputs', 'outputs', 'parameterCount', 'metadataProps']) {
      expect(obj).toHaveProperty(key);
    }
    expect(obj.opsetImports).toEqual([{ domain: '', version: 17 }]);
  });

  it('--json with several models prints one line each, errors included, and exits with the failure code', async () => {
    const bad = path.join(dir, 'broken.onnx');
    writeFileSync(bad, readFileSync(demo).subarray(0, 500));
    const ext = path.join(dir, 'external.onnx');
    writeFileSync(ext, edgeCaseModels()['external-data.onnx']!);
    const { code, out, err } = await run(['--json', demo, bad, ext]);
    expect(code).toBe(3);
    const lines = out.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, any>);
    expect(lines.map((l) => l.source)).toEqual([demo, bad, ext]);
    expect(lines[1]!.error).toMatchObject({ code: 'onnx/truncated', file: bad });
    expect(typeof lines[1]!.error.offset).toBe('number');
    expect(lines[2]!.externalData).toHaveLength(2);
    expect(err).toContain(`stachub: ${bad} @ byte`);
  });

  it('a folder stands for every .onnx file under it', async () => {
    const folder = path.join(dir, 'models');
    mkdirSync(path.join(folder, 'sub'), { recursive: true });
    mkdirSync(path.join(folder, '.git'), { recursive: true });
    const models = edgeCaseModels();
    writeFileSync(path.join(folder, 'b.onnx'), models['packed-dims.onnx']!);
    writeFileSync(path.join(folder, 'sub', 'a.ONNX'), models['sparse-initializer.onnx']!);
    writeFileSync(path.join(folder, '.git', 'hidden.onnx'), models['packed-dims.onnx']!);
    writeFileSync(path.join(folder, 'notes.txt'), 'not a model');
    const { code, out } = await run(['--json', folder, demo]);
    expect(code).toBe(0);
    expect(out.trimEnd().split('\n').map((l) => (JSON.parse(l) as { source: string }).source)).toEqual([
      path.join(folder, 'b.onnx'),
      path.join(folder, 'sub', 'a.ONNX'),
      demo,
    ]);
    const empty = path.join(dir, 'empty-folder');
    mkdirSync(empty);
    expect((await run([empty])).code).toBe(2);
  });

  it('a missing file exits 4; a bad --header exits 2', async () => {
    expect((await run([path.join(dir, 'nope.onnx')])).code).toBe(4);
    expect((await run(['--header', 'no-colon', demo])).code).toBe(2);
  });

  it('reads URLs with Range requests, sending GITLAB_TOKEN only to the GitLab host', async () => {
    const bytes = readFileSync(demo);
    const gitlab = await startRangeServer({ files: { '/m.onnx': bytes }, token: 'glpat-x' });
    servers.push(gitlab);
    const other = await startRangeServer({ files: { '/m.onnx': bytes } });
    servers.push(other);
    const env = { GITLAB_TOKEN: 'glpat-x', GITLAB_URL: gitlab.url };
    const ok = await run(['--json', `${gitlab.url}/m.onnx`, `${other.url}/m.onnx`], env);
    expect(ok.code).toBe(0);
    expect(ok.out.trimEnd().split('\n')).toHaveLength(2);
    expect(other.requests.every((r) => r.headers['private-token'] === undefined)).toBe(true);
    // Repeatable, and placed before the inputs without swallowing them.
    const withHeader = await run(['--header', 'PRIVATE-TOKEN: glpat-x', '--header', 'X-Trace: 1', `${gitlab.url}/m.onnx`]);
    expect(withHeader.code).toBe(0);
    expect(gitlab.requests.at(-1)!.headers['x-trace']).toBe('1');
    const denied = await run([`${gitlab.url}/m.onnx`]);
    expect(denied.code).toBe(4);
    expect(denied.err).toContain('HTTP 401');
    expect(denied.err + ok.out).not.toContain('glpat-x');
  });

  it('--help documents the command', async () => {
    const { out } = await run(['--help']);
    expect(out).toContain('--json');
    expect(out).toContain('Range');
  });
});

const compiled = path.join(repoRoot, 'dist/generator/commands/inspect.js');
describe.skipIf(!existsSync(compiled))('compiled bin/stachub.js inspect (after npm run build)', () => {
  it('prints the same JSON as the in-process CLI', async () => {
    const out = execFileSync(process.execPath, [path.join(repoRoot, 'bin/stachub.js'), 'inspect', '--json', demo], { encoding: 'utf8' });
    expect(JSON.parse(out)).toEqual(JSON.parse((await run(['--json', demo])).out));
    const bad = spawnSync(process.execPath, [path.join(repoRoot, 'bin/stachub.js'), 'inspect', path.join(dir, 'nope.onnx')], { encoding: 'utf8' });
    expect(bad.status).toBe(4);
    expect(bad.stderr).toContain('onnx/io');
  });
});
