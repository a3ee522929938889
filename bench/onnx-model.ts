/** Synthetic ONNX models for the benchmarks, streamed to disk (never held in memory). */
import { closeSync, openSync, statSync, writeSync } from 'node:fs';
import { field, varint, vint } from '../test/onnx/schema.js';

export const TENSOR_BYTES = 4 * 1024 * 1024; // 1024 x 1024 float32
const str = (s: string): Buffer => Buffer.from(s, 'utf8');

/**
 * A MatMul chain over `n` float32 weights of `side` x `side` (4 MiB at the default 1024):
 * ModelProto{ir_version, producer, graph{nodes, name, initializers, input, output}, opset, metadata}.
 */
export function writeModel(file: string, n: number, side = 1024): number {
  const tensorBytes = 4 * side * side;
  const tensorType = field(1, Buffer.concat([vint(1, 1), field(2, Buffer.concat([field(1, field(2, str('batch'))), field(1, vint(1, side))]))]));
  const nodes = Array.from({ length: n }, (_, i) =>
    field(1, Buffer.concat([field(1, str(i === 0 ? 'x' : `h${i - 1}`)), field(1, str(`w${i}`)), field(2, str(`h${i}`)), field(3, str(`matmul${i}`)), field(4, str('MatMul'))])),
  );
  const tensorHead = (i: number): Buffer => Buffer.concat([vint(1, side), vint(1, side), vint(2, 1), field(8, str(`w${i}`)), varint(9 * 8 + 2), varint(tensorBytes)]);
  const tensorLen = (i: number): number => tensorHead(i).length + tensorBytes;
  const io = Buffer.concat([
    field(11, Buffer.concat([field(1, str('x')), field(2, tensorType)])),
    field(12, Buffer.concat([field(1, str(`h${n - 1}`)), field(2, tensorType)])),
  ]);
  const name = field(2, str('synthetic_matmul_chain'));
  let graphLen = nodes.reduce((a, b) => a + b.length, 0) + name.length + io.length;
  for (let i = 0; i < n; i++) graphLen += varint(5 * 8 + 2).length + varint(tensorLen(i)).length + tensorLen(i);

  const payload = Buffer.alloc(tensorBytes);
  for (let i = 0; i < payload.length; i += 4) payload.writeFloatLE(Math.sin(i), i);
  const fd = openSync(file, 'w');
  // Small pieces are gathered into 1 MiB writes.
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  const flush = (): void => {
    if (pendingBytes > 0) writeSync(fd, Buffer.concat(pending));
    pending = [];
    pendingBytes = 0;
  };
  const w = (b: Buffer): void => {
    if (b.length >= 1 << 20) {
      flush();
      writeSync(fd, b);
      return;
    }
    pending.push(b);
    pendingBytes += b.length;
    if (pendingBytes >= 1 << 20) flush();
  };
  w(Buffer.concat([vint(1, 8), field(2, str('stachub-bench')), varint(7 * 8 + 2), varint(graphLen)]));
  for (const node of nodes) w(node);
  w(name);
  for (let i = 0; i < n; i++) {
    w(Buffer.concat([varint(5 * 8 + 2), varint(tensorLen(i)), tensorHead(i)]));
    w(payload);
  }
  w(io);
  w(Buffer.concat([field(8, vint(2, 17)), field(14, Buffer.concat([field(1, str('source')), field(2, str('stachub bench'))]))]));
  flush();
  closeSync(fd);
  return statSync(file).size;
}

