/** Bad input gives a typed OnnxError naming the file and the byte offset, in bounded time and memory. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { demoModelBytes } from '../../examples/scripts/make-demo-onnx.js';
import { EXIT } from '../../generator/errors.js';
import { OnnxError, bufferByteSource, fileByteSource, inspectOnnx, type InspectOptions } from '../../generator/onnx/index.js';
import { field, varint, vint } from './schema.js';

async function failure(bytes: Uint8Array, opts?: InspectOptions, name = 'bad.onnx'): Promise<OnnxError> {
  const source = bufferByteSource(bytes, name);
  const err = await inspectOnnx(source, opts).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(OnnxError);
  expect((err as OnnxError).file).toBe(name);
  expect(source.stats.bytesRead).toBeLessThanOrEqual(bytes.length);
  return err as OnnxError;
}

const dir = mkdtempSync(path.join(tmpdir(), 'stachub-onnx-err-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('bad ONNX input', () => {
  it('an empty file: onnx/empty, exit code 3', async () => {
    const p = path.join(dir, 'empty.onnx');
    writeFileSync(p, '');
    const err = (await inspectOnnx(fileByteSource(p)).catch((e: unknown) => e)) as OnnxError;
    expect(err).toMatchObject({ code: 'onnx/empty', file: p, offset: 0, exitCode: EXIT.validation });
    expect(err.message).toBe(`${p} @ byte 0: the file is empty [onnx/empty]`);
  });

  it('a missing file: onnx/io, exit code 4', async () => {
    const err = (await inspectOnnx(fileByteSource(path.join(dir, 'missing.onnx'))).catch((e: unknown) => e)) as OnnxError;
    expect(err).toMatchObject({ code: 'onnx/io', exitCode: EXIT.sourceUnreachable });
    expect(err.message).toContain('ENOENT');
  });

  it('a truncated model: onnx/truncated at the field that runs past the end', async () => {
    const model = demoModelBytes();
    // Cut inside the graph (field 7, after ir_version, producer, domain, model_version and doc_string).
    const cut = model.subarray(0, model.length - 1000);
    const err = await failure(cut);
    expect(err.code).toBe('onnx/truncated');
    expect(err.offset).toBeLessThan(200);
    expect(err.message).toMatch(new RegExp(`^bad\\.onnx @ byte ${err.offset}: field 7 needs \\d+ bytes but the file ends at byte ${cut.length} \\[onnx/truncated\\]$`));
    // Every cut point gives a typed error at or before the end.
    for (let n = 1; n < model.length; n += 97) {
      const e = await failure(model.subarray(0, n));
      expect(['onnx/truncated', 'onnx/not-onnx']).toContain(e.code);
      expect(e.offset ?? 0).toBeLessThanOrEqual(n);
    }
    // Cut inside a varint: the first byte of the ir_version value is a continuation byte.
    expect((await failure(Buffer.from([0x08, 0x80]))).code).toBe('onnx/truncated');
  });

  it('corrupted bytes: onnx/malformed with the offset of the bad field', async () => {
    const model = Buffer.from(demoModelBytes());
    // producer_name (field 2, after the 2-byte ir_version) sent as a VARINT field.
    expect(model[2]).toBe(0x12);
    model[2] = 0x10;
    const err = await failure(model);
    expect(err).toMatchObject({ code: 'onnx/malformed', offset: 2 });
    expect(err.message).toContain('ModelProto.producer_name: wire type 0, expected 2');
    // A wire type that does not exist (6), deep inside the graph.
    const inGraph = Buffer.concat([vint(1, 8), field(7, Buffer.concat([field(2, Buffer.from('g')), Buffer.from([0x0e, 0x00])]))]);
    expect(await failure(inGraph)).toMatchObject({ code: 'onnx/malformed', offset: 7 });
    // A sub-message longer than its parent.
    const overlong = Buffer.concat([vint(1, 8), field(7, Buffer.concat([Buffer.from([0x0a, 0x7f]), Buffer.alloc(4)])), field(8, vint(2, 17)), Buffer.alloc(200)]);
    expect(await failure(overlong)).toMatchObject({ code: 'onnx/malformed', offset: 4 });
  });

  it('not ONNX at all: onnx/not-onnx', async () => {
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]);
    expect((await failure(png)).code).toBe('onnx/not-onnx');
    const gzip = Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0]);
    expect((await failure(gzip)).code).toBe('onnx/not-onnx');
    // Valid protobuf without a graph (e.g. an OperatorSetIdProto file).
    expect((await failure(Buffer.concat([field(1, Buffer.from('ai.onnx')), vint(2, 17)]))).code).toBe('onnx/not-onnx');
    const text = Buffer.from('{"model": "not a protobuf"}');
    expect(['onnx/not-onnx', 'onnx/malformed', 'onnx/truncated']).toContain((await failure(text)).code);
  });

  it('hostile: huge declared lengths are refused without reading', async () => {
    const huge = Buffer.concat([vint(1, 8), varint((7 << 3) | 2), varint(2 ** 50), Buffer.alloc(16)]);
    const err = await failure(huge);
    expect(err).toMatchObject({ code: 'onnx/truncated', offset: 2 });
    // A 10-byte varint length is negative as int64: malformed.
    const negative = Buffer.concat([vint(1, 8), Buffer.from([0x3a, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01])]);
    expect((await failure(negative)).code).toBe('onnx/malformed');
    // An 11-byte varint.
    expect((await failure(Buffer.from([0x08, ...Array(11).fill(0xff), 0x01]))).code).toBe('onnx/malformed');
  });

  it('hostile: deep nesting stops at the depth limit', async () => {
    // 1,000 graphs nested through If attributes: graph{node{attribute{g{node{...}}}}}.
    let g: Buffer = field(2, Buffer.from('leaf'));
    for (let i = 0; i < 1000; i++) g = field(1, field(5, Buffer.concat([field(1, Buffer.from('then_branch')), field(6, g)])));
    const deepGraph = Buffer.concat([vint(1, 8), field(7, g)]);
    expect((await failure(deepGraph)).code).toBe('onnx/too-deep');
    // 1,000 nested sequence types in a graph input.
    let t: Buffer = field(1, vint(1, 1));
    for (let i = 0; i < 1000; i++) t = field(4, field(1, t));
    const deepType = Buffer.concat([vint(1, 8), field(7, field(11, Buffer.concat([field(1, Buffer.from('x')), field(2, t)])))]);
    const err = await failure(deepType);
    expect(err.code).toBe('onnx/too-deep');
    expect(err.message).toContain('types nested more than 64 deep');
  });

  it('hostile: lists longer than the limit', async () => {
    const dims = Buffer.concat(Array.from({ length: 50 }, () => field(1, vint(1, 2))));
    const model = Buffer.concat([vint(1, 8), field(7, field(11, Buffer.concat([field(1, Buffer.from('x')), field(2, field(1, field(2, dims)))])))]);
    expect((await failure(model, { maxListItems: 10 })).code).toBe('onnx/limit');
    // A flood of empty nodes: the whole-scan field budget stops it.
    const flood = Buffer.concat([vint(1, 8), field(7, Buffer.alloc(20_000, Buffer.from([0x0a, 0x00])))]);
    expect(await failure(flood, { maxFields: 5000 })).toMatchObject({ code: 'onnx/limit', message: expect.stringContaining('maxFields') });
    expect((await inspectOnnx(bufferByteSource(flood))).nodeCount).toBe(10_000);
    expect((await inspectOnnx(bufferByteSource(model))).inputs[0]!.shape).toHaveLength(50);
  });

  it('absurd tensor dims give finite counts (valid JSON, valid MLM integers)', async () => {
    const tensor = field(5, Buffer.concat([vint(1, 2 ** 52), vint(1, 2 ** 52), vint(1, 2 ** 52), vint(2, 1), field(8, Buffer.from('w'))]));
    const s = await inspectOnnx(bufferByteSource(Buffer.concat([vint(1, 8), field(7, Buffer.concat([tensor, tensor]))])));
    expect(s.parameterCount).toBe(Number.MAX_SAFE_INTEGER);
    expect(s.weightBytes.total).toBe(Number.MAX_SAFE_INTEGER);
    expect(JSON.parse(JSON.stringify(s)).parameterCount).toBe(Number.MAX_SAFE_INTEGER);
  });

  it('long strings are cut, not loaded', async () => {
    const doc = Buffer.alloc(1 << 20, 'a');
    const model = Buffer.concat([vint(1, 8), field(6, doc), field(7, field(2, Buffer.from('g')))]);
    const source = bufferByteSource(model);
    const s = await inspectOnnx(source, { maxStringBytes: 1000 });
    expect(s.docString).toHaveLength(1000);
    expect(s.graphName).toBe('g');
    expect(source.stats.bytesRead).toBeLessThan(64 * 1024);
  });
});

describe('inspectOnnxForBuild', () => {
  it('turns a bad model into a warning with the repository path, code and offset', async () => {
    const { inspectOnnxForBuild } = await import('./helpers.js');
    const bad = await inspectOnnxForBuild(bufferByteSource(demoModelBytes().subarray(0, 300), '/tmp/x.onnx'), 'model/x.onnx');
    expect(bad.summary).toBeUndefined();
    expect(bad.diagnostics).toEqual([
      { level: 'warning', code: 'onnx/truncated', file: 'model/x.onnx', message: expect.stringMatching(/^ONNX model not described: field 7 needs \d+ bytes but the file ends at byte 300 \(at byte \d+\)$/) },
    ]);
    const good = await inspectOnnxForBuild(bufferByteSource(demoModelBytes()), 'model/x.onnx');
    expect(good.diagnostics).toEqual([]);
    expect(good.summary?.parameterCount).toBe(3078);
  });
});
