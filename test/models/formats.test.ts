/**
 * safetensors and GGUF headers, from files written by spec-following writers (writers.ts): every
 * tensor's name, data type and shape, parameter counts, metadata, sharded indexes, and the typed
 * errors of broken files. Formats are recognised by content, whatever the file is called.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../generator/cli.js';
import { bufferByteSource, fileByteSource } from '../../generator/onnx/byte-source.js';
import { ModelError, inspectModel, sniffFormat } from '../../generator/models/index.js';
import { GGUF, gguf, safetensors, type StTensor } from './writers.js';

const dir = mkdtempSync(path.join(tmpdir(), 'stachub-formats-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ST: StTensor[] = [
  { name: 'encoder.conv.weight', dtype: 'F32', shape: [16, 3, 3, 3] },
  { name: 'encoder.conv.bias', dtype: 'F32', shape: [16] },
  { name: 'head.weight', dtype: 'BF16', shape: [10, 16] },
  { name: 'head.scale', dtype: 'F16', shape: [] },
  { name: 'steps', dtype: 'I64', shape: [1] },
  { name: 'mask', dtype: 'BOOL', shape: [0, 4] },
];

const errorOf = async (bytes: Uint8Array): Promise<ModelError> => {
  const e = await inspectModel(bufferByteSource(bytes, 'm')).catch((x: unknown) => x);
  expect(e).toBeInstanceOf(ModelError);
  return e as ModelError;
};

describe('safetensors', () => {
  it('lists every tensor of the header with its data type and shape, and counts parameters', async () => {
    const s = await inspectModel(bufferByteSource(safetensors(ST, { format: 'pt', note: 'hello' }), 'weights.bin'));
    expect(s.format).toBe('safetensors');
    expect(s.tensors.map((t) => [t.name, t.dataType, t.shape])).toEqual([
      ['encoder.conv.weight', 'float32', [16, 3, 3, 3]],
      ['encoder.conv.bias', 'float32', [16]],
      ['head.weight', 'bfloat16', [10, 16]],
      ['head.scale', 'float16', []],
      ['steps', 'int64', [1]],
      ['mask', 'bool', [0, 4]],
    ]);
    expect(s.parameterCount).toBe(432 + 16 + 160 + 1 + 1 + 0);
    expect(s.weightBytes).toEqual({ total: 1728 + 64 + 320 + 2 + 8, byDataType: { float32: 1792, bfloat16: 320, float16: 2, int64: 8, bool: 0 } });
    expect(s).toMatchObject({ framework: 'PyTorch', artifactType: 'safetensors.torch.save_file', metadata: { format: 'pt', note: 'hello' } });
    expect(s.pickleSafety).toBeUndefined();
    expect(s.tensorSummary.largest[0]).toEqual({ name: 'encoder.conv.weight', dataType: 'float32', shape: [16, 3, 3, 3], elements: 432 });
  });

  it('reads only the header of a file', async () => {
    const big = safetensors([{ name: 'w', dtype: 'F32', shape: [1024, 1024] }]);
    const src = bufferByteSource(big);
    await inspectModel(src);
    expect(src.stats.bytesRead).toBeLessThan(200);
  });

  it('describes a sharded model through its index, reading each shard beside it', async () => {
    const sub = path.join(dir, 'sharded');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(sub);
    writeFileSync(path.join(sub, 'model-00001-of-00002.safetensors'), safetensors(ST.slice(0, 3), { format: 'pt' }));
    writeFileSync(path.join(sub, 'model-00002-of-00002.safetensors'), safetensors(ST.slice(3), { format: 'pt' }));
    const weightMap = Object.fromEntries(ST.map((t, i) => [t.name, i < 3 ? 'model-00001-of-00002.safetensors' : 'model-00002-of-00002.safetensors']));
    writeFileSync(path.join(sub, 'model.safetensors.index.json'), JSON.stringify({ metadata: { total_size: 2114 }, weight_map: weightMap }));
    let out = '';
    const code = await main(['node', 'stachub', 'inspect', '--json', path.join(sub, 'model.safetensors.index.json')], { stdout: (s) => (out += s), stderr: () => undefined });
    expect(code).toBe(0);
    const s = JSON.parse(out) as { format: string; parameterCount: number; files: string[]; tensors: { name: string; file: string }[]; notes: string[] };
    expect(s.format).toBe('safetensors-index');
    expect(s.parameterCount).toBe(610);
    expect(s.files).toEqual(['model-00001-of-00002.safetensors', 'model-00002-of-00002.safetensors']);
    expect(s.tensors.map((t) => [t.name, t.file])).toEqual(ST.map((t) => [t.name, weightMap[t.name]]));
    expect(s.notes).toEqual([]);
  });

  it('refuses shard names that leave the index folder', async () => {
    const idx = Buffer.from(JSON.stringify({ weight_map: { w: '../../etc/passwd' } }));
    expect((await errorOf(idx)).code).toBe('safetensors/malformed');
  });

  it('gives typed errors for broken headers', async () => {
    const good = safetensors(ST.slice(0, 2));
    const n = good.readUInt32LE(0);
    const json = (obj: unknown): Buffer => {
      const b = Buffer.from(JSON.stringify(obj));
      const len = Buffer.alloc(8);
      len.writeUInt32LE(b.length);
      return Buffer.concat([len, b, Buffer.alloc(64)]);
    };
    expect((await errorOf(good.subarray(0, 8 + n - 5))).code).toBe('model/unknown-format'); // header runs past the end: not recognised
    expect((await errorOf(good.subarray(0, 8 + n + 10))).code).toBe('model/truncated'); // data cut short
    expect((await errorOf(json({ w: { dtype: 'F32', shape: [4], data_offsets: [0, 12] } }))).detail).toMatch(/12 bytes for 4 F32/);
    expect((await errorOf(json({ w: { dtype: 'Q9', shape: [4], data_offsets: [0, 16] } }))).detail).toMatch(/unknown dtype/);
    expect((await errorOf(json({ a: { dtype: 'U8', shape: [8], data_offsets: [0, 8] }, b: { dtype: 'U8', shape: [8], data_offsets: [4, 12] } }))).detail).toMatch(/gap or overlap/);
  });
});

describe('GGUF', () => {
  const kv = {
    'general.architecture': { type: GGUF.STRING, value: 'llama' },
    'general.name': { type: GGUF.STRING, value: 'tiny-eo-llm' },
    'general.file_type': { type: GGUF.UINT32, value: 15 },
    'llama.context_length': { type: GGUF.UINT32, value: 4096 },
    'llama.rope.freq_base': { type: GGUF.FLOAT32, value: 10000 },
    'tokenizer.ggml.tokens': { type: GGUF.ARRAY, itemType: GGUF.STRING, value: Array.from({ length: 40 }, (_, i) => `tok${i}`) },
    'tokenizer.ggml.scores': { type: GGUF.ARRAY, itemType: GGUF.FLOAT32, value: Array.from({ length: 40 }, () => 0) },
    'tokenizer.ggml.bos_token_id': { type: GGUF.UINT32, value: 1 },
    'general.tags': { type: GGUF.ARRAY, itemType: GGUF.STRING, value: ['eo', 'test'] },
  };
  const tensors = [
    { name: 'token_embd.weight', dims: [256, 40], type: 'Q4_K' as const },
    { name: 'blk.0.attn_q.weight', dims: [256, 256], type: 'Q6_K' as const },
    { name: 'blk.0.attn_norm.weight', dims: [256], type: 'F32' as const },
    { name: 'output.weight', dims: [256, 40], type: 'Q8_0' as const },
  ];

  it('reads the header, metadata and tensor infos, and counts parameters', async () => {
    const file = path.join(dir, 'model.bin'); // recognised by its magic, not its name
    writeFileSync(file, gguf(kv, tensors));
    const s = await inspectModel(fileByteSource(file));
    expect(s.format).toBe('gguf');
    expect(s.metadata).toMatchObject({
      'gguf.version': 3,
      'general.architecture': 'llama',
      'general.file_type_name': 'Q4_K_M',
      'llama.context_length': 4096,
      'llama.rope.freq_base': 10000,
      'tokenizer.ggml.tokens': { type: 'array', itemType: 'string', length: 40 },
      'tokenizer.ggml.scores': { type: 'array', itemType: 'float32', length: 40 },
      'general.tags': ['eo', 'test'],
    });
    expect(s.tensors.map((t) => [t.name, t.dataType, t.shape, t.bytes])).toEqual([
      ['token_embd.weight', 'q4_k', [40, 256], 40 * 144],
      ['blk.0.attn_q.weight', 'q6_k', [256, 256], 256 * 210],
      ['blk.0.attn_norm.weight', 'float32', [256], 1024],
      ['output.weight', 'q8_0', [40, 256], 40 * 8 * 34],
    ]);
    expect(s.parameterCount).toBe(256 * 40 * 2 + 256 * 256 + 256);
    expect(s).toMatchObject({ framework: 'llama.cpp', artifactType: 'gguf' });
  });

  it('gives typed errors for broken files', async () => {
    const good = gguf(kv, tensors);
    expect((await errorOf(good.subarray(0, 200))).code).toBe('model/truncated');
    const v9 = Buffer.from(good);
    v9.writeUInt32LE(9, 4);
    expect((await errorOf(v9)).detail).toMatch(/unsupported GGUF version 9/);
    const many = Buffer.from(good);
    many.writeBigUInt64LE(10n ** 12n, 16);
    expect((await errorOf(many)).code).toBe('model/limit');
    const badType = gguf(kv, [{ name: 'zz_only_tensor', dims: [32], type: 'F32' }]);
    badType.writeUInt32LE(77, badType.indexOf('zz_only_tensor') + 'zz_only_tensor'.length + 4 + 8);
    expect((await errorOf(badType)).detail).toMatch(/unknown ggml type 77/);
  });
});

describe('format by content', () => {
  it('recognises formats by their first bytes', async () => {
    expect(await sniffFormat(bufferByteSource(gguf({}, []), 'x.pt'))).toBe('gguf');
    expect(await sniffFormat(bufferByteSource(safetensors(ST), 'x.gguf'))).toBe('safetensors');
    expect(await sniffFormat(bufferByteSource(Buffer.from([0x80, 0x02, 0x4e, 0x2e]), 'x.bin'))).toBe('pickle');
    expect(await sniffFormat(bufferByteSource(Buffer.from('not a model at all'), 'x.pt'))).toBeUndefined();
    expect((await errorOf(Buffer.from('not a model at all'))).code).toBe('model/unknown-format');
    expect((await errorOf(Buffer.alloc(0))).code).toBe('model/empty');
  });

  it('stachub inspect: unknown bytes named like a model are model/unknown-format; other names still go to the ONNX scanner', async () => {
    writeFileSync(path.join(dir, 'garbage.pt'), 'not a model at all');
    writeFileSync(path.join(dir, 'garbage.dat'), 'not a model at all');
    let out = '';
    const code = await main(['node', 'stachub', 'inspect', '--json', path.join(dir, 'garbage.pt'), path.join(dir, 'garbage.dat')], { stdout: (s) => (out += s), stderr: () => undefined });
    expect(code).toBe(3);
    const [pt, dat] = out.trim().split('\n').map((l) => JSON.parse(l) as { error: { code: string } });
    expect(pt!.error.code).toBe('model/unknown-format');
    expect(dat!.error.code).toMatch(/^onnx\//);
  });
});
