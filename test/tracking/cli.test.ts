/** `stachub track`: options, environment fallbacks, the printed tracking URI, graceful stop. */
import net from 'node:net';
import path from 'node:path';
import fs from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../generator/cli.js';
import { resolveTrackOptions } from '../../generator/commands/track.js';
import { api, tempDir } from './helpers.js';
import { ensureBuilt, startTrackProcess } from './cli-process.js';

async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(['node', 'stachub', ...argv], { stdout: (s) => (out += s), stderr: (s) => (err += s), env: {} });
  return { code, out, err };
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

beforeAll(() => {
  ensureBuilt();
});

describe('stachub track', () => {
  it('--help documents every option with its environment fallback', async () => {
    const { code, out } = await run(['track', '--help']);
    expect(code).toBe(0);
    for (const text of ['--port', 'PORT', '--host', '--store', 'STACHUB_TRACK_STORE', '--token', 'STACHUB_TRACK_TOKEN', 'MLFLOW_TRACKING_TOKEN', '--anonymous-reads']) {
      expect(out).toContain(text);
    }
  });

  it('a bad port is a usage error (exit 2)', async () => {
    const { code, err } = await run(['track', '--port', 'http']);
    expect(code).toBe(2);
    expect(err).toContain('--port');
  });

  it('flags win over the environment, which wins over defaults', () => {
    const env = { PORT: '7000', MLFLOW_TRACKING_TOKEN: 'from-mlflow-env', STACHUB_TRACK_STORE: '/tmp/s' };
    expect(resolveTrackOptions({}, env, '/work/here')).toMatchObject({ port: 7000, token: 'from-mlflow-env', storeDir: '/tmp/s', host: '127.0.0.1', anonymousReads: false });
    expect(resolveTrackOptions({ port: '8000', token: 'flag' }, { ...env, STACHUB_TRACK_TOKEN: 'stachub-env' }, '/work/here')).toMatchObject({ port: 8000, token: 'flag' });
    expect(resolveTrackOptions({}, { STACHUB_TRACK_TOKEN: 'stachub-env', MLFLOW_TRACKING_TOKEN: 'm' }, '/work/here').token).toBe('stachub-env');
    expect(resolveTrackOptions({}, {}, '/work/here')).toMatchObject({ port: 5000, storeDir: '/work/here/tracking-store', token: undefined });
    expect(resolveTrackOptions({ store: 'runs' }, {}, '/work/here').storeDir).toBe('/work/here/runs');
    expect(resolveTrackOptions({}, { STACHUB_TRACK_ANONYMOUS_READS: 'true' }, '/work/here').anonymousReads).toBe(true);
  });

  it('the compiled CLI takes PORT and MLFLOW_TRACKING_TOKEN from the environment, prints the URI, never the token, and stops on SIGTERM', async () => {
    const port = await freePort();
    const store = tempDir('stachub-cli-');
    const token = 'env-token-123';
    const proc = await startTrackProcess(['--store', store], { PORT: String(port), MLFLOW_TRACKING_TOKEN: token });
    expect(proc.url).toBe(`http://127.0.0.1:${port}`);
    expect((await api(proc.url, 'POST', 'experiments/create', { name: 'x' })).status).toBe(401);
    expect((await api(proc.url, 'POST', 'experiments/create', { name: 'x' }, { Authorization: `Bearer ${token}` })).status).toBe(200);
    // A second server on the same store is refused while the first runs.
    const second = await run(['track', '--store', store, '--port', '0']);
    expect(second.code).toBe(2);
    expect(second.err).toContain('in use');
    proc.child.kill('SIGTERM');
    expect(await proc.exited).toBe(0);
    expect(proc.stderr()).not.toContain(token);
    expect(fs.existsSync(path.join(store, 'server.lock'))).toBe(false);
  });
});
