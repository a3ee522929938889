/**
 * The proto oracle itself: it must refuse what the MLflow client's ParseDict refuses, or the
 * conformance suite that relies on it proves nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APT_LINE, ProtoOracle } from './proto-oracle.js';

let oracle: ProtoOracle;
beforeAll(async () => {
  oracle = await ProtoOracle.start();
});
afterAll(async () => {
  await oracle.close();
});

describe('the MLflow client parser (vendored protos, python3-protobuf ParseDict)', () => {
  it('refuses a logged model whose int64 creator_id holds a user name (the issue the shim had)', async () => {
    const bad = await oracle.check('POST', '/api/2.0/mlflow/logged-models', 200, JSON.stringify({ model: { info: { model_id: 'm-1', creator_id: 'bob' } } }));
    expect(bad.ok).toBe(false);
    expect(bad.error).toContain('creator_id');
    const good = await oracle.check('POST', '/api/2.0/mlflow/logged-models', 200, JSON.stringify({ model: { info: { model_id: 'm-1', status: 'LOGGED_MODEL_READY' } } }));
    expect(good).toMatchObject({ ok: true, rpc: 'mlflow.MlflowService.createLoggedModel' });
  });

  it('picks the response message from the rpc options: literal paths before {param} templates, /ajax-api too', async () => {
    expect(await oracle.check('POST', '/api/2.0/mlflow/logged-models/search', 200, '{"models":[]}')).toMatchObject({ ok: true, rpc: 'mlflow.MlflowService.searchLoggedModels' });
    expect(await oracle.check('GET', '/ajax-api/2.0/mlflow/logged-models/m-1', 200, '{"model":{}}')).toMatchObject({ ok: true, rpc: 'mlflow.MlflowService.getLoggedModel' });
    expect(await oracle.check('GET', '/api/2.0/mlflow/registered-models/alias', 200, '{"model_version":{"version":"1","status":"READY"}}')).toMatchObject({
      ok: true,
      rpc: 'mlflow.ModelRegistryService.getModelVersionByAlias',
    });
  });

  it('refuses wrong JSON types and unknown enum names; accepts non-finite doubles as strings and unknown fields', async () => {
    expect((await oracle.check('GET', '/api/2.0/mlflow/runs/get', 200, '{"run":{"info":{"status":"DONE"}}}')).ok).toBe(false);
    expect((await oracle.check('GET', '/api/2.0/mlflow/runs/get', 200, '{"run":{"data":{"tags":{"a":"b"}}}}')).ok).toBe(false);
    expect((await oracle.check('GET', '/api/2.0/mlflow/metrics/get-history', 200, '{"metrics":[{"key":"k","value":"NaN","timestamp":1,"step":0,"extra":1}]}')).ok).toBe(true);
  });

  it('error answers need a known ErrorCode name and a message (RestException); unmapped JSON routes are refused', async () => {
    expect((await oracle.check('GET', '/api/2.0/mlflow/runs/get', 404, '{"error_code":"RESOURCE_DOES_NOT_EXIST","message":"x"}')).ok).toBe(true);
    expect((await oracle.check('GET', '/api/2.0/mlflow/runs/get', 404, '{"error_code":"NO_SUCH_CODE","message":"x"}')).ok).toBe(false);
    expect((await oracle.check('GET', '/api/2.0/mlflow/runs/get', 500, 'Internal Server Error')).ok).toBe(false);
    expect((await oracle.check('GET', '/api/2.0/mlflow/no/such/route', 200, '{}')).ok).toBe(false);
    expect((await oracle.check('GET', '/api/2.0/mlflow-artifacts/artifacts/0/r/artifacts/x.json', 200, '{"any":"file"}')).ok).toBe(true);
  });
});

describe('a machine without the Debian packages', () => {
  it('fails with one message naming the apt-get install line', async () => {
    const saved = process.env['PATH'];
    process.env['PATH'] = '/nonexistent';
    try {
      await expect(ProtoOracle.start()).rejects.toThrow(`The MLflow proto oracle needs Debian packages: ${APT_LINE} (missing: protoc (protobuf-compiler))`);
    } finally {
      process.env['PATH'] = saved;
    }
  });
});
