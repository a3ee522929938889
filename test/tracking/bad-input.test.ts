/**
 * Bad input never crashes the shim and never gets a 500: malformed JSON, wrong types, oversized
 * batches and bodies, unknown runs, malformed HTTP all get MLflow's error body with a 4xx.
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { routes } from '../../pipelines/tracking/routes/index.js';
import { type Shim, api, startShim } from './helpers.js';

let shim: Shim;
let runId: string;
let modelId: string;

beforeAll(async () => {
  shim = await startShim();
  const run = await api(shim.url, 'POST', 'runs/create', { experiment_id: '0' });
  runId = run.body.run.info.run_id;
  const lm = await api(shim.url, 'POST', 'logged-models', { experiment_id: '0', source_run_id: runId });
  modelId = lm.body.model.info.model_id;
  await api(shim.url, 'POST', 'registered-models/create', { name: 'm' });
  await api(shim.url, 'POST', 'model-versions/create', { name: 'm', source: 'mlflow-artifacts:/0/x' });
});
afterAll(async () => {
  await shim.close();
});

const FIELDS = [
  'name', 'experiment_id', 'experiment_ids', 'experiment_name', 'run_id', 'run_uuid', 'key', 'value', 'timestamp', 'step',
  'metrics', 'params', 'tags', 'datasets', 'models', 'filter', 'max_results', 'page_token', 'order_by', 'view_type',
  'run_view_type', 'status', 'start_time', 'end_time', 'run_name', 'new_name', 'version', 'alias', 'source', 'stages', 'stage',
  'description', 'model_json', 'metric_key', 'path', 'archive_existing_versions', 'model_id', 'artifact_location', 'user_id',
];
const WRONG: unknown[] = [123, -1.5, true, null, {}, [], [1, 'a'], { a: 1 }, [{}], [{ key: 1 }], 'x', '', 'NaN', '../../etc', 'x'.repeat(10000), 1e300];

/** Deterministic pseudo-random numbers, so a failure replays. */
function prng(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  };
}

function expectMlflowError(status: number, text: string, label: string): void {
  expect(status, `${label}: ${text.slice(0, 200)}`).not.toBe(500);
  if (status >= 400) {
    expect(status, label).toBeLessThan(500);
    let body: Record<string, unknown> = {};
    try {
      body = JSON.parse(text) as Record<string, unknown>;
    } catch {
      throw new Error(`${label}: status ${status} with a non-JSON body ${JSON.stringify(text.slice(0, 100))}`);
    }
    expect(typeof body['error_code'], label).toBe('string');
    expect(typeof body['message'], label).toBe('string');
  }
}

function routeUrl(path: string): string {
  return `${shim.url}/api/2.0/mlflow/${path.replace('{model_id}', modelId).replace('{tag_key}', 'k')}`;
}

describe('bad input', () => {
  it('malformed or non-object JSON bodies on every JSON route are 400 with an MLflow error body', async () => {
    for (const route of routes.filter((r) => r.method !== 'GET')) {
      for (const body of ['{', '{"name": }', 'null', '[1,2]', '42', '"just a string"', '\u0000\u0001']) {
        const res = await fetch(routeUrl(route.path), { method: route.method, body, headers: { 'Content-Type': 'application/json' } });
        const text = await res.text();
        expectMlflowError(res.status, text, `${route.method} ${route.path} ${JSON.stringify(body)}`);
        expect(res.status, `${route.method} ${route.path}`).toBe(400);
      }
    }
  });

  it('wrong types in every field of every route never give a 500', async () => {
    const rnd = prng(7);
    for (const route of routes) {
      for (let i = 0; i < 12; i++) {
        const payload: Record<string, unknown> = {};
        for (const f of FIELDS) if (rnd() < 0.5) payload[f] = WRONG[Math.floor(rnd() * WRONG.length)];
        // Half the time point at real entities so validation goes deeper.
        if (rnd() < 0.5) Object.assign(payload, { run_id: runId, experiment_id: '0', name: 'm', version: '1' });
        const label = `${route.method} ${route.path} ${JSON.stringify(payload).slice(0, 300)}`;
        let res: Response;
        if (route.method === 'GET') {
          const q = new URLSearchParams();
          for (const [k, v] of Object.entries(payload)) q.append(k, typeof v === 'string' ? v : JSON.stringify(v));
          res = await fetch(`${routeUrl(route.path)}?${q.toString()}`);
        } else {
          res = await fetch(routeUrl(route.path), { method: route.method, body: JSON.stringify(payload), headers: { 'Content-Type': 'application/json' } });
        }
        expectMlflowError(res.status, await res.text(), label);
      }
    }
    expect((await fetch(`${shim.url}/health`)).status).toBe(200);
  });

  it('unknown runs are 404 RESOURCE_DOES_NOT_EXIST on every run endpoint', async () => {
    const ghost = '0'.repeat(32);
    const calls: [string, string, Record<string, unknown>][] = [
      ['GET', 'runs/get', { run_id: ghost }],
      ['POST', 'runs/update', { run_id: ghost, status: 'FINISHED' }],
      ['POST', 'runs/log-metric', { run_id: ghost, key: 'k', value: 1, timestamp: 1 }],
      ['POST', 'runs/log-parameter', { run_id: ghost, key: 'k', value: 'v' }],
      ['POST', 'runs/set-tag', { run_id: ghost, key: 'k', value: 'v' }],
      ['POST', 'runs/log-batch', { run_id: ghost, metrics: [] }],
      ['POST', 'runs/log-inputs', { run_id: ghost, datasets: [] }],
      ['POST', 'runs/log-model', { run_id: ghost, model_json: '{}' }],
      ['POST', 'runs/delete', { run_id: ghost }],
      ['GET', 'metrics/get-history', { run_id: ghost, metric_key: 'k' }],
      ['GET', 'artifacts/list', { run_id: ghost }],
    ];
    for (const [method, p, payload] of calls) {
      const r = await api(shim.url, method, p, payload);
      expect([r.status, r.body.error_code], p).toEqual([404, 'RESOURCE_DOES_NOT_EXIST']);
    }
  });

  it('invalid keys, over-long names and bad enum values are 400', async () => {
    const cases: [string, Record<string, unknown>][] = [
      ['runs/log-metric', { run_id: runId, key: 'bad$key', value: 1, timestamp: 1 }],
      ['runs/log-metric', { run_id: runId, key: '../escape', value: 1, timestamp: 1 }],
      ['runs/log-metric', { run_id: runId, key: 'k'.repeat(251), value: 1, timestamp: 1 }],
      ['runs/log-parameter', { run_id: runId, key: '/abs', value: 'v' }],
      ['runs/update', { run_id: runId, status: 'DONE' }],
      ['experiments/create', { name: 'n'.repeat(501) }],
      ['runs/create', { experiment_id: 'nope' }],
      ['experiments/create', { name: 'escape', artifact_location: 'mlflow-artifacts:/0/../../etc' }],
      ['model-versions/transition-stage', { name: 'm', version: '1', stage: 'Live' }],
      ['runs/search', { experiment_ids: ['0'], page_token: '%%%not-a-token' }],
      ['runs/search', { experiment_ids: ['0'], filter: "params.x = 'unterminated" }],
      ['runs/search', { experiment_ids: ['0'], filter: 'metrics.x = 1 OR metrics.y = 2' }],
    ];
    for (const [p, payload] of cases) {
      const r = await api(shim.url, 'POST', p, payload);
      expect(r.status, `${p} ${JSON.stringify(payload).slice(0, 80)}`).toBeGreaterThanOrEqual(400);
      expect(r.status).toBeLessThan(500);
    }
  });

  it('a body over the server limit is refused with 413 and the server keeps serving', async () => {
    const small = await startShim({ maxBodyBytes: 64 * 1024 });
    try {
      const r = await fetch(`${small.url}/api/2.0/mlflow/experiments/create`, {
        method: 'POST',
        body: JSON.stringify({ name: 'x'.repeat(200 * 1024) }),
        headers: { 'Content-Type': 'application/json' },
      });
      expect(r.status).toBe(413);
      expect(((await r.json()) as { error_code: string }).error_code).toBe('INVALID_PARAMETER_VALUE');
      expect((await api(small.url, 'POST', 'experiments/create', { name: 'fine' })).status).toBe(200);
    } finally {
      await small.close();
    }
  });

  it('unknown endpoints are 404 ENDPOINT_NOT_FOUND in JSON', async () => {
    for (const p of ['/api/2.0/mlflow/no/such', '/api/2.0/mlflow/experiments/list', '/whatever', '/api/3.0/mlflow/traces']) {
      const r = await fetch(shim.url + p);
      expect([r.status, ((await r.json()) as { error_code: string }).error_code], p).toEqual([404, 'ENDPOINT_NOT_FOUND']);
    }
  });

  it('malformed HTTP gets a 400 and does not disturb the server', async () => {
    const { port } = new URL(shim.url);
    const reply = await new Promise<string>((resolve) => {
      const sock = net.connect(Number(port), '127.0.0.1', () => sock.write('GARBAGE / HTTP/9\r\n\r\n'));
      let data = '';
      sock.on('data', (d) => (data += d.toString()));
      sock.on('close', () => resolve(data));
      sock.on('error', () => resolve(data));
    });
    expect(reply).toMatch(/^HTTP\/1\.1 400/);
    expect((await fetch(`${shim.url}/health`)).status).toBe(200);
  });
});

describe('authentication', () => {
  let secured: Shim;
  let open: Shim;
  const token = 's3cret-token-value';
  beforeAll(async () => {
    secured = await startShim({ token });
    open = await startShim({ token, anonymousReads: true });
  });
  afterAll(async () => {
    await secured.close();
    await open.close();
  });

  it('writes need the token as Bearer or as Basic password; 401 carries WWW-Authenticate and no token', async () => {
    const none = await api(secured.url, 'POST', 'experiments/create', { name: 'a' });
    expect([none.status, none.body.error_code]).toEqual([401, 'UNAUTHENTICATED']);
    expect(none.headers.get('www-authenticate')).toContain('Bearer');
    expect(none.text).not.toContain(token);
    const wrong = await api(secured.url, 'POST', 'experiments/create', { name: 'a' }, { Authorization: 'Bearer nope' });
    expect(wrong.status).toBe(401);
    const bearer = await api(secured.url, 'POST', 'experiments/create', { name: 'a' }, { Authorization: `Bearer ${token}` });
    expect(bearer.status).toBe(200);
    const basic = Buffer.from(`alice:${token}`).toString('base64');
    const viaBasic = await api(secured.url, 'POST', 'experiments/create', { name: 'b' }, { Authorization: `Basic ${basic}` });
    expect(viaBasic.status).toBe(200);
    const put = await fetch(`${secured.url}/api/2.0/mlflow-artifacts/artifacts/0/x/f`, { method: 'PUT', body: 'x' });
    expect(put.status).toBe(401);
  });

  it('reads need the token unless anonymous reads are on; health and version are always open', async () => {
    expect((await api(secured.url, 'GET', 'experiments/get', { experiment_id: '0' })).status).toBe(401);
    expect((await api(secured.url, 'POST', 'experiments/search', {})).status).toBe(401);
    expect((await api(open.url, 'GET', 'experiments/get', { experiment_id: '0' })).status).toBe(200);
    expect((await api(open.url, 'POST', 'experiments/search', {})).status).toBe(200);
    expect((await api(open.url, 'POST', 'runs/search', { experiment_ids: ['0'] })).status).toBe(200);
    expect((await api(open.url, 'POST', 'experiments/create', { name: 'anon' })).status).toBe(401);
    for (const s of [secured, open]) {
      expect((await fetch(`${s.url}/health`)).status).toBe(200);
      expect((await fetch(`${s.url}/version`)).status).toBe(200);
    }
  });
});
