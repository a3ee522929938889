/**
 * `stachub track` and `stachub serve` stop gracefully on SIGTERM whenever it comes: as soon as the
 * ready line appears, and during start-up (the handlers are installed before the server starts).
 * These run the compiled CLI (`npm test` builds it; else `npx tsc -p tsconfig.build.json`).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers.js';
import { ensureBuilt } from '../tracking/cli-process.js';

const dirs: string[] = [];
function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stachub-stop-'));
  dirs.push(dir);
  return dir;
}

interface Cli {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  /** Resolves on the first output of the stream that matches. */
  waitFor: (stream: 'stdout' | 'stderr', pattern: RegExp) => Promise<void>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** The compiled CLI as a child process; `hold` loads hold-listen.mjs, which pauses it just before it listens. */
function cli(args: string[], hold: boolean): Cli {
  const child = spawn(process.execPath, [...(hold ? ['--import', path.join(repoRoot, 'test/core/hold-listen.mjs')] : []), path.join(repoRoot, 'bin/stachub.js'), ...args], {
    cwd: repoRoot,
    env: { ...process.env, STACHUB_TRACK_TOKEN: '', MLFLOW_TRACKING_TOKEN: '', PORT: '', STACHUB_PORT: '' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const text = { stdout: '', stderr: '' };
  const waiters: Array<{ stream: 'stdout' | 'stderr'; pattern: RegExp; resolve: () => void }> = [];
  for (const stream of ['stdout', 'stderr'] as const) {
    child[stream]!.on('data', (d: Buffer) => {
      text[stream] += d.toString();
      for (const w of waiters.filter((x) => x.stream === stream && x.pattern.test(text[stream]))) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    });
  }
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const waitFor = (stream: 'stdout' | 'stderr', pattern: RegExp): Promise<void> =>
    new Promise((resolve, reject) => {
      if (pattern.test(text[stream])) return resolve();
      waiters.push({ stream, pattern, resolve });
      void exited.then((e) => reject(new Error(`exited (${e.code ?? e.signal}) before ${String(pattern)}: ${text.stderr}`)));
    });
  return { child, stdout: () => text.stdout, stderr: () => text.stderr, waitFor, exited };
}

beforeAll(() => ensureBuilt());
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

describe('stachub track stops gracefully on SIGTERM', () => {
  it('sent as soon as the ready line appears: exit 0, the shutdown line, the store lock released', async () => {
    const store = tempDir();
    const p = cli(['track', '--port', '0', '--store', store], false);
    await p.waitFor('stdout', /MLFLOW_TRACKING_URI=\S+\n/);
    p.child.kill('SIGTERM');
    expect(await p.exited).toEqual({ code: 0, signal: null });
    expect(p.stderr()).toContain('stachub track: shutting down');
    expect(fs.existsSync(path.join(store, 'server.lock'))).toBe(false);
  });

  it('sent during start-up, before the server listens: it starts, then stops the same way', async () => {
    const store = tempDir();
    const p = cli(['track', '--port', '0', '--store', store], true);
    await p.waitFor('stderr', /hold: listen/);
    p.child.kill('SIGTERM');
    p.child.stdin!.end('go');
    expect(await p.exited).toEqual({ code: 0, signal: null });
    expect(p.stderr()).toContain('stachub track: shutting down');
    expect(fs.existsSync(path.join(store, 'server.lock'))).toBe(false);
  });
});

describe('stachub serve stops gracefully on SIGTERM', () => {
  it('sent as soon as the ready line appears, or during start-up: exit 0', async () => {
    const site = tempDir();
    fs.writeFileSync(path.join(site, 'index.html'), '<!doctype html><title>x</title>\n');
    const ready = cli(['serve', site, '--port', '0'], false);
    await ready.waitFor('stdout', /Serving .* at \S+/);
    ready.child.kill('SIGTERM');
    expect(await ready.exited).toEqual({ code: 0, signal: null });

    const starting = cli(['serve', site, '--port', '0'], true);
    await starting.waitFor('stderr', /hold: listen/);
    starting.child.kill('SIGTERM');
    starting.child.stdin!.end('go');
    expect(await starting.exited).toEqual({ code: 0, signal: null });
  });
});
