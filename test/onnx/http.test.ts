/** Reading ONNX models over HTTP Range requests (loopback server). */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DEMO_MODEL_PATH } from '../../examples/scripts/make-demo-onnx.js';
import { OnnxError, bufferByteSource, fileByteSource, httpByteSource, inspectOnnx } from '../../generator/onnx/index.js';
import { edgeCaseModels } from './edge-cases.js';
import { repoRoot } from './helpers.js';
import { startRangeServer, type RangeServer } from './range-server.js';
import { field, vint } from './schema.js';

const demo = readFileSync(path.join(repoRoot, DEMO_MODEL_PATH));
const servers: RangeServer[] = [];
const serve = async (...args: Parameters<typeof startRangeServer>): Promise<RangeServer> => {
  const s = await startRangeServer(...args);
  servers.push(s);
  return s;
};
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

/** A model whose weights (4 x 1 MiB) dwarf its headers. */
function bigModel(): Uint8Array {
  const chunks: Buffer[] = [];
  // Hand-built: ModelProto{ir_version 8, graph{initializer x4, input, output}, opset 17}.
  const tensor = (name: string) => field(5, Buffer.concat([vint(1, 262144), vint(2, 1), field(8, Buffer.from(name)), field(9, Buffer.alloc(1 << 20, 7))]));
  const tt = field(1, Buffer.concat([vint(1, 1), field(2, field(1, vint(1, 262144)))]));
  const graph = Buffer.concat([tensor('w0'), tensor('w1'), tensor('w2'), tensor('w3'), field(11, Buffer.concat([field(1, Buffer.from('x')), field(2, tt)])), field(12, Buffer.concat([field(1, Buffer.from('y')), field(2, tt)]))]);
  chunks.push(vint(1, 8), field(7, graph), field(8, vint(2, 17)));
  return Buffer.concat(chunks);
}

describe('httpByteSource', () => {
  it('gives the same summary as the file, reading a fraction of a big model', async () => {
    const big = bigModel();
    const s = await serve({ files: { '/demo.onnx': demo, '/big.onnx': big } });
    expect(await inspectOnnx(httpByteSource(`${s.url}/demo.onnx`))).toEqual(await inspectOnnx(fileByteSource(path.join(repoRoot, DEMO_MODEL_PATH))));
    const src = httpByteSource(`${s.url}/big.onnx`);
    const summary = await inspectOnnx(src, { minWindow: 16384 });
    expect(summary).toEqual(await inspectOnnx(bufferByteSource(big)));
    expect(summary.parameterCount).toBe(4 * 262144);
    // One request per skipped payload (plus the first), a window each: far from the 4 MiB file.
    expect(src.stats.reads).toBeLessThanOrEqual(6);
    expect(src.stats.bytesRead).toBeLessThan(big.length / 10);
    expect(s.requests.every((r) => /^bytes=\d+-\d+$/.test(String(r.headers.range)))).toBe(true);
  });

  it('refuses a server that ignores Range, without downloading the model', async () => {
    const big = bigModel();
    const s = await serve({ files: { '/m.onnx': big }, mode: 'ignore-range' });
    const err = await inspectOnnx(httpByteSource(`${s.url}/m.onnx`)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OnnxError);
    expect((err as OnnxError).code).toBe('onnx/range-unsupported');
    expect((err as OnnxError).exitCode).toBe(4);
    expect((err as OnnxError).message).toContain(`${s.url}/m.onnx`);
    await new Promise((r) => setTimeout(r, 50));
    expect(s.sentBytes).toBeLessThan(big.length);
  });

  it('reports HTTP errors and empty resources with their code, never the token', async () => {
    const s = await serve({ files: { '/empty.onnx': new Uint8Array(0) }, token: 's3cret' });
    const headers = { 'PRIVATE-TOKEN': 's3cret' };
    const missing = (await inspectOnnx(httpByteSource(`${s.url}/nope.onnx?private_token=s3cret`, { headers })).catch((e: unknown) => e)) as OnnxError;
    expect(missing.code).toBe('onnx/http');
    expect(missing.message).toContain('404');
    expect(missing.message).not.toContain('s3cret');
    const denied = (await inspectOnnx(httpByteSource(`${s.url}/empty.onnx`)).catch((e: unknown) => e)) as OnnxError;
    expect(denied.message).toContain('401');
    const empty = (await inspectOnnx(httpByteSource(`${s.url}/empty.onnx`, { headers })).catch((e: unknown) => e)) as OnnxError;
    expect(empty.code).toBe('onnx/empty');
  });

  it('follows redirects, sending the headers to the original origin only', async () => {
    const storage = await serve({ files: { '/objects/abc': demo } });
    const gitlab = await serve({
      files: { '/same/model.onnx': demo },
      token: 'tok',
      redirects: { '/lfs/model.onnx': `${storage.url}/objects/abc`, '/moved/model.onnx': '/same/model.onnx' },
    });
    const headers = { 'PRIVATE-TOKEN': 'tok' };
    const expected = await inspectOnnx(bufferByteSource(demo));
    expect(await inspectOnnx(httpByteSource(`${gitlab.url}/lfs/model.onnx`, { headers }))).toEqual(expected);
    expect(storage.requests.length).toBeGreaterThan(0);
    expect(storage.requests.every((r) => r.headers['private-token'] === undefined)).toBe(true);
    // Same-origin redirect: the token goes along (the target needs it).
    expect(await inspectOnnx(httpByteSource(`${gitlab.url}/moved/model.onnx`, { headers }))).toEqual(expected);
  });

  it('gives up on a server that does not answer, with onnx/http', async () => {
    const { createServer } = await import('node:net');
    const sockets: import('node:net').Socket[] = [];
    const silent = createServer((socket) => void sockets.push(socket));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const { port } = silent.address() as { port: number };
    try {
      const err = (await inspectOnnx(httpByteSource(`http://127.0.0.1:${port}/m.onnx`, { timeoutMs: 200 })).catch((e: unknown) => e)) as OnnxError;
      expect(err.code).toBe('onnx/http');
      expect(err.message).toContain('no answer within 200 ms');
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((r) => silent.close(r));
    }
  });

  it('uses an injected fetch', async () => {
    const bytes = edgeCaseModels()['metadata-props.onnx']!;
    const seen: string[] = [];
    const fakeFetch = (async (_url: string, init: RequestInit) => {
      const range = new Headers(init.headers).get('range') ?? '';
      seen.push(range);
      const [a, b] = range.replace('bytes=', '').split('-').map(Number) as [number, number];
      const end = Math.min(b, bytes.length - 1);
      return new Response(bytes.slice(a, end + 1), { status: 206, headers: { 'content-range': `bytes ${a}-${end}/${bytes.length}` } });
    }) as unknown as typeof fetch;
    const s = await inspectOnnx(httpByteSource('https://models.example/m.onnx', { fetch: fakeFetch }));
    expect(s.graphMetadataProps).toEqual({ 'pkg.torch.export.graph_signature': '{"inputs":["x"]}' });
    expect(seen).toEqual(['bytes=0-65535']);
  });
});
