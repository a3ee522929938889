/**
 * Artifact downloads honour single byte ranges, as `mlflow server` does (206 / 416), so a catalog
 * build can describe a large ONNX model stored on the tracking server without downloading it.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpByteSource, inspectOnnx } from '../../generator/onnx/index.js';
import { parseRange } from '../../pipelines/tracking/server.js';
import { repoRoot, startShim, type Shim } from './helpers.js';

let shim: Shim;
let base: string;
const content = '0123456789abcdef';

beforeAll(async () => {
  shim = await startShim();
  base = `${shim.url}/api/2.0/mlflow-artifacts/artifacts/0/run/artifacts`;
  expect((await fetch(`${base}/f.bin`, { method: 'PUT', body: content })).status).toBe(200);
});
afterAll(async () => {
  await shim.close();
});

describe('artifact byte ranges', () => {
  it('answers a plain download in full and advertises ranges', async () => {
    const r = await fetch(`${base}/f.bin`);
    expect(r.status).toBe(200);
    expect(r.headers.get('accept-ranges')).toBe('bytes');
    expect(await r.text()).toBe(content);
  });

  it('answers 206 with Content-Range for bytes=a-b, a- and -n', async () => {
    for (const [range, body, cr] of [
      ['bytes=2-5', '2345', 'bytes 2-5/16'],
      ['bytes=10-', 'abcdef', 'bytes 10-15/16'],
      ['bytes=-3', 'def', 'bytes 13-15/16'],
      ['bytes=14-99', 'ef', 'bytes 14-15/16'],
    ] as const) {
      const r = await fetch(`${base}/f.bin`, { headers: { Range: range } });
      expect(r.status, range).toBe(206);
      expect(r.headers.get('content-range')).toBe(cr);
      expect(await r.text()).toBe(body);
    }
  });

  it('answers 416 for a range past the end, and ignores malformed or multiple ranges', async () => {
    const past = await fetch(`${base}/f.bin`, { headers: { Range: 'bytes=16-20' } });
    expect(past.status).toBe(416);
    expect(past.headers.get('content-range')).toBe('bytes */16');
    for (const header of ['bytes=0-1,4-5', 'items=0-1', 'bytes=5-2']) {
      const r = await fetch(`${base}/f.bin`, { headers: { Range: header } });
      expect(r.status, header).toBe(200);
      expect(await r.text()).toBe(content);
    }
  });

  it('lets the ONNX scanner read a model over Range requests', async () => {
    const model = await readFile(path.join(repoRoot, 'examples/workspace/flood-segmentation/model/flood-unet.onnx'));
    expect((await fetch(`${base}/model.onnx`, { method: 'PUT', body: model })).status).toBe(200);
    const summary = await inspectOnnx(httpByteSource(`${base}/model.onnx`));
    expect(summary.inputs.map((i) => i.name)).toEqual(['sar']);
    expect(summary.parameterCount).toBeGreaterThan(0);
  });

  it('parses ranges as RFC 9110 says', () => {
    expect(parseRange(undefined, 10)).toBeUndefined();
    expect(parseRange('bytes=0-0', 10)).toEqual({ start: 0, end: 0 });
    expect(parseRange('bytes=-20', 10)).toEqual({ start: 0, end: 9 });
    expect(parseRange('bytes=-0', 10)).toBe('unsatisfiable');
    expect(parseRange('bytes=10-', 10)).toBe('unsatisfiable');
  });
});
