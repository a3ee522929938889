/**
 * No credential in any output, even when a server echoes the request back. Each server here is a
 * hostile loopback server that quotes the credentials it received in its error answers, in the
 * error shapes the real services use (MLflow: `{"error_code", "message"}` JSON, as
 * `mlflow/server/handlers.py` `catch_mlflow_exception` sends; GitLab: `{"message"}` JSON or plain
 * text; any HTTP server: a status line's reason phrase). The builds and `stachub inspect` run
 * through the real CLI; the token must appear neither in build-report.json, nor in any written
 * file, nor on stderr or stdout, in whole or in part.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../generator/cli.js';
import { REDACTED, clearSecrets, redact, registerSecret } from '../../generator/redact.js';
import { repoRoot } from '../helpers.js';

let work: string;
const servers: http.Server[] = [];

beforeEach(async () => {
  clearSecrets();
  work = await mkdtemp(path.join(os.tmpdir(), 'stachub-redact-'));
});
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise<void>((ok) => s.close(() => ok()));
  }
  await rm(work, { recursive: true, force: true });
});

async function serve(handler: http.RequestListener): Promise<string> {
  const server = http.createServer(handler);
  servers.push(server);
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', () => ok()));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function run(argv: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(['node', 'stachub', ...argv], { stdout: (s) => void (stdout += s), stderr: (s) => void (stderr += s), env, isTTY: false });
  return { code, stdout, stderr };
}

/** Every file under a folder, as text. */
async function allText(dir: string): Promise<string> {
  let out = '';
  for (const d of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const p = path.join(dir, d.name);
    out += d.isDirectory() ? await allText(p) : `${await readFile(p, 'latin1')}\n`;
  }
  return out;
}

/** Neither the secret nor any 8-character piece of it. */
function expectNoSecret(text: string, secret: string, label: string): void {
  for (let i = 0; i + 8 <= secret.length; i++) {
    const piece = secret.slice(i, i + 8);
    expect(text.includes(piece), `${label} holds ${JSON.stringify(piece)} of a secret`).toBe(false);
  }
}

/**
 * An MLflow server that lists one registered model (linked by its name suffix to the demo's public
 * project eo-lab/building-detection-unet, so the report shows that model's problems), then fails every other call with a 500 whose
 * message quotes the Authorization header it got, its decoded Basic credentials, and finally the
 * header again past MLflow's 300-character cut, so a cut message holds the start of it.
 */
async function echoingMlflow(failListing: boolean): Promise<string> {
  return serve((req, res) => {
    const auth = req.headers.authorization ?? '';
    const decoded = auth.startsWith('Basic ') ? Buffer.from(auth.slice(6), 'base64').toString('utf8') : '';
    if (!failListing && req.url?.startsWith('/api/2.0/mlflow/registered-models/search')) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ registered_models: [{ name: 'echo-model (1214)', latest_versions: [] }] }));
      return;
    }
    const message = `request rejected; headers were {'Authorization': '${auth}'} user=${decoded} raw ${auth.split(' ')[1] ?? ''} ${'.'.repeat(190)}${auth}`;
    res.writeHead(500, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error_code: 'INTERNAL_ERROR', message }));
  });
}

describe('MLflow error text that echoes the credentials', () => {
  const config = path.join(repoRoot, 'examples/stachub.config.yml');
  const TOKEN = 'mlflow-bearer-0123456789abcdef';
  const USER = 'alice';
  const PASSWORD = 'pa55-w0rd-secret!';
  const BASIC = Buffer.from(`${USER}:${PASSWORD}`).toString('base64');

  for (const failListing of [false, true]) {
    const what = failListing ? 'the registry listing fails' : 'a model version listing fails';
    it(`Bearer token: ${what}; the token is in no output`, async () => {
      const url = await echoingMlflow(failListing);
      const out = path.join(work, 'out');
      const r = await run(['build', '--config', config, '--out', out, '--mlflow-url', url, '--no-validate'], { MLFLOW_TRACKING_TOKEN: TOKEN });
      const report = await readFile(path.join(out, 'build-report.json'), 'utf8').catch(() => '');
      if (!failListing) {
        expect(r.code, r.stderr).toBe(0);
        // The failing model publishes no version, so its problem is counted, not shown (the report is public).
        expect((JSON.parse(report) as { mlflow: { messagesWithheld?: number } }).mlflow.messagesWithheld).toBe(1);
      } else {
        expect(r.code).toBe(4);
        expect(r.stderr).toContain('cannot be listed');
      }
      expectNoSecret(report, TOKEN, 'build-report.json');
      expectNoSecret(await allText(out), TOKEN, 'the output');
      expectNoSecret(r.stderr + r.stdout, TOKEN, 'stderr/stdout');
    });

    it(`Basic credentials from the environment: ${what}; neither password nor header is in any output`, async () => {
      const url = await echoingMlflow(failListing);
      const out = path.join(work, 'out');
      const r = await run(['build', '--config', config, '--out', out, '--mlflow-url', url, '--no-validate'], {
        MLFLOW_TRACKING_USERNAME: USER,
        MLFLOW_TRACKING_PASSWORD: PASSWORD,
      });
      expect(r.code, r.stderr).toBe(failListing ? 4 : 0);
      const everything = (await allText(out)) + r.stderr + r.stdout;
      expectNoSecret(everything, PASSWORD, 'the output');
      expectNoSecret(everything, BASIC, 'the output');
    });
  }

  it('Basic credentials in the tracking URL (user:password@host) are in no output', async () => {
    const url = await echoingMlflow(false);
    const out = path.join(work, 'out');
    // --mlflow-url refuses credentials; MLFLOW_TRACKING_URI, as the MLflow client reads it, may hold them.
    const withUser = url.replace('http://', `http://${USER}:${encodeURIComponent(PASSWORD)}@`);
    const workspace = path.join(repoRoot, 'examples/workspace');
    const r = await run(['build', '--workspace', workspace, '--out', out, '--no-validate'], { MLFLOW_TRACKING_URI: withUser });
    expect(r.code, r.stderr).toBe(0);
    const everything = (await allText(out)) + r.stderr + r.stdout;
    expectNoSecret(everything, PASSWORD, 'the output');
    expectNoSecret(everything, BASIC, 'the output');
  });
});

describe('GitLab error text that echoes the token', () => {
  const TOKEN = 'glpat-Zx81Qm2vLp0Kd5Rt7Wy3';
  for (const shape of ['text', 'json'] as const) {
    it(`a ${shape} error body quoting the Authorization header (cut by the client's 200-character limit) leaks no part of it`, async () => {
      const url = await serve((req, res) => {
        const sent = String(req.headers.authorization ?? req.headers['private-token'] ?? '');
        expect(sent).toContain(TOKEN);
        const echoed = `got ${sent}`;
        // The token starts at character 190, so the client's 200-character cut falls inside it.
        const text = `${'-'.repeat(190 - 'denied; got Bearer '.length)}denied; ${echoed} and again ${echoed}`;
        if (shape === 'json') {
          res.writeHead(403, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ message: `403 Forbidden - ${sent.split(' ').pop()} is not allowed; ${echoed}` }));
        } else {
          res.writeHead(403, { 'content-type': 'text/plain' });
          res.end(text);
        }
      });
      const out = path.join(work, 'out');
      const r = await run(['build', '--gitlab-url', url, '--out', out, '--no-validate'], { GITLAB_TOKEN: TOKEN });
      expect(r.code, r.stderr).toBe(4);
      expect(r.stderr).toMatch(/denied|Forbidden/);
      expectNoSecret((await allText(out)) + r.stderr + r.stdout, TOKEN, 'the output');
    });
  }
});

describe('ONNX over HTTP: a status line that echoes the token', () => {
  const TOKEN = 'onnx-header-token-9f8e7d6c5b4a';
  it('stachub inspect URL --header: the reason phrase quoting the token is redacted on stderr and in --json', async () => {
    const url = await serve((req, res) => {
      const got = String(req.headers['private-token'] ?? req.headers.authorization ?? '');
      res.writeHead(401, `Unauthorized token ${got}`, { 'content-type': 'text/plain' });
      res.end();
    });
    for (const header of [`PRIVATE-TOKEN: ${TOKEN}`, `Authorization: Bearer ${TOKEN}`]) {
      const plain = await run(['inspect', `${url}/model.onnx`, '--header', header], {});
      expect(plain.code).toBe(4);
      expect(plain.stderr).toContain('HTTP 401');
      expectNoSecret(plain.stderr + plain.stdout, TOKEN, `stderr (${header})`);
      const json = await run(['inspect', `${url}/model.onnx`, `${url}/again.onnx`, '--json', '--header', header], {});
      expect(json.stdout + json.stderr).toContain('401');
      expectNoSecret(json.stderr + json.stdout, TOKEN, `--json (${header})`);
    }
  });

  it('GITLAB_TOKEN sent to the GitLab host as PRIVATE-TOKEN is redacted the same way', async () => {
    const url = await serve((req, res) => {
      res.writeHead(403, `Forbidden for ${String(req.headers['private-token'] ?? '')}`);
      res.end();
    });
    const r = await run(['inspect', `${url}/api/v4/projects/1/repository/files/m.onnx/raw`], { GITLAB_TOKEN: TOKEN, GITLAB_URL: url });
    expect(r.code).toBe(4);
    expect(r.stderr).toContain('HTTP 403');
    expectNoSecret(r.stderr + r.stdout, TOKEN, 'stderr');
  });
});

describe('S3 error text that echoes the credentials', () => {
  const KEY_ID = 'AKIAIOSFODNN7EXAMPLE';
  const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
  const SESSION = 'FwoGZXIvYXdzEXAMPLESESSIONTOKEN0123456789';
  it('stachub publish: an S3-compatible store quoting the signed request and the secret key (URL-encoded) leaks neither', async () => {
    const url = await serve((req, res) => {
      // S3's error document (Error/Code/Message), as every S3-compatible store answers.
      const message = `cannot verify ${String(req.headers.authorization)} token ${String(req.headers['x-amz-security-token'])} signing material ${encodeURIComponent(SECRET)}`;
      res.writeHead(400, { 'content-type': 'application/xml' });
      res.end(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>InvalidRequest</Code><Message>${message}</Message><RequestId>1</RequestId></Error>`);
    });
    const dir = path.join(work, 'site');
    await import('node:fs/promises').then((fs) => fs.mkdir(dir).then(() => fs.writeFile(path.join(dir, 'catalog.json'), '{}')));
    const r = await run(['publish', dir, '--to', 's3://bucket/prefix', '--endpoint', url], {
      AWS_ACCESS_KEY_ID: KEY_ID,
      AWS_SECRET_ACCESS_KEY: SECRET,
      AWS_SESSION_TOKEN: SESSION,
      AWS_REGION: 'us-east-1',
    });
    expect(r.code).toBe(5);
    expect(r.stderr).toContain('InvalidRequest');
    expect(r.stderr).toContain('signing material');
    for (const secret of [KEY_ID, SECRET, encodeURIComponent(SECRET), SESSION]) expectNoSecret(r.stderr + r.stdout, secret, 'stderr');
  });
});

describe('redact', () => {
  it('removes credential shapes whoever wrote them', () => {
    const cases: Array<[string, string]> = [
      ['Authorization: Bearer abc.def-ghi', `Authorization: Bearer ${REDACTED}`],
      ['{"authorization": "Basic YWxpY2U6c2VjcmV0"}', `{"authorization": "Basic ${REDACTED}"}`],
      ["{'PRIVATE-TOKEN': 'abcdef123'}", `{'PRIVATE-TOKEN': '${REDACTED}'}`],
      ['JOB-TOKEN=abcdef123 next', `JOB-TOKEN=${REDACTED} next`],
      ['sent Bearer abcdef123456', `sent Bearer ${REDACTED}`],
      ['got Basic YWxpY2U6c2VjcmV0 back', `got Basic ${REDACTED} back`],
      ['https://oauth2:glpat-x@gitlab.example.com/a.git', `https://${REDACTED}@gitlab.example.com/a.git`],
      ['https://h.example/f?private_token=abc&x=1&access_token=def', `https://h.example/f?private_token=${REDACTED}&x=1&access_token=${REDACTED}`],
      ['GET /api?token=abc123', `GET /api?token=${REDACTED}`],
      ['key AKIAIOSFODNN7EXAMPLE here', `key ${REDACTED} here`],
      ['aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', `aws_secret_access_key = ${REDACTED}`],
      ['token glpat-AbCdEfGhIjKlMnOpQrSt is bad', `token ${REDACTED} is bad`],
    ];
    for (const [input, expected] of cases) expect(redact(input), input).toBe(expected);
  });

  it('leaves ordinary text alone', () => {
    for (const text of [
      'Basic authentication is required',
      'WWW-Authenticate: Bearer realm="stachub", Basic realm="stachub"',
      'README.md:3: assets[0].glob must be a string',
      'https://gitlab.example.com/eo-lab/flood-segmentation/-/raw/main/model.onnx?ref=main',
      'the token is missing',
    ]) {
      expect(redact(text), text).toBe(text);
    }
  });

  it('removes registered values, URL-encoded too, and the start of one a message was cut in', () => {
    registerSecret('s3cret/value+1');
    expect(redact('x s3cret/value+1 y')).toBe(`x ${REDACTED} y`);
    expect(redact('x s3cret%2Fvalue%2B1 y')).toBe(`x ${REDACTED} y`);
    expect(redact('cut here: s3cret/va')).toBe(`cut here: ${REDACTED}`);
    expect(redact('ab', ['abcdefgh'])).toBe('ab');
    // A client's own credential goes whatever its length; a registered one of 3 characters does not.
    expect(redact('user pw here', ['pw'])).toBe(`user ${REDACTED} here`);
    registerSecret('abc');
    expect(redact('abc')).toBe('abc');
  });
});
