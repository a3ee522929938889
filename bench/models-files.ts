/**
 * Big model files for the benchmarks, written sparsely (the tensor bytes are holes): a `torch.save`
 * zip archive (data.pkl + one stored `data/<i>` entry per tensor, CRC-32s right so torch.load accepts
 * it) and a safetensors file. Only the headers are real bytes; the files take almost no disk.
 */
import { closeSync, ftruncateSync, openSync, writeSync } from 'node:fs';
import { crc32 } from 'node:zlib';
import { op, pickle, safetensorsHeader } from '../test/models/writers.js';

const u16 = (v: number): Buffer => Buffer.from([v & 0xff, (v >>> 8) & 0xff]);
const u32 = (v: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(v >>> 0);
  return b;
};

/** A `torch.save` state dict of `n` float32 tensors of `rows` x `cols` (archive name `archive`). */
export function writeSparseTorch(file: string, n: number, rows: number, cols: number): number {
  const parts: Buffer[] = [op.proto(2), op.global('collections', 'OrderedDict'), op.emptyTuple, op.reduce, op.mark];
  for (let i = 0; i < n; i++) {
    parts.push(
      op.shortStr(`layers.${i}.weight`),
      op.global('torch._utils', '_rebuild_tensor_v2'),
      op.mark,
      op.mark, op.shortStr('storage'), op.global('torch', 'FloatStorage'), op.shortStr(String(i)), op.shortStr('cpu'), Buffer.from([0x4a]), u32(rows * cols), op.tuple,
      Buffer.from('Q'), // BINPERSID
      Buffer.from([0x4b, 0]), // offset 0
      Buffer.from([0x4a]), u32(rows), Buffer.from([0x4a]), u32(cols), op.tuple2,
      Buffer.from([0x4a]), u32(cols), Buffer.from([0x4b, 1]), op.tuple2,
      Buffer.from([0x89]), // requires_grad False
      op.global('collections', 'OrderedDict'), op.emptyTuple, op.reduce,
      op.tuple, op.reduce,
    );
  }
  parts.push(Buffer.from('u'), op.stop);
  const storageBytes = rows * cols * 4;
  const zeroCrc = crc32(Buffer.alloc(storageBytes));
  const entries: { name: string; data?: Buffer; size: number; crc: number }[] = [
    { name: 'archive/data.pkl', data: pickle(...parts), size: 0, crc: 0 },
    ...Array.from({ length: n }, (_, i) => ({ name: `archive/data/${i}`, size: storageBytes, crc: zeroCrc })),
    { name: 'archive/version', data: Buffer.from('3\n'), size: 0, crc: 0 },
  ];
  const fd = openSync(file, 'w');
  let at = 0;
  const central: Buffer[] = [];
  try {
    for (const e of entries) {
      if (e.data) {
        e.size = e.data.length;
        e.crc = crc32(e.data);
      }
      const name = Buffer.from(e.name);
      const local = Buffer.concat([u32(0x04034b50), u16(20), u16(0), u16(0), u16(0), u16(0), u32(e.crc), u32(e.size), u32(e.size), u16(name.length), u16(0), name]);
      central.push(Buffer.concat([u32(0x02014b50), u16(20), u16(20), u16(0), u16(0), u16(0), u16(0), u32(e.crc), u32(e.size), u32(e.size), u16(name.length), u16(0), u16(0), u16(0), u16(0), u32(0), u32(at), name]));
      writeSync(fd, local, 0, local.length, at);
      if (e.data) writeSync(fd, e.data, 0, e.data.length, at + local.length);
      at += local.length + e.size; // a stored entry without data bytes written: a hole of zeros
    }
    const dir = Buffer.concat(central);
    const end = Buffer.concat([u32(0x06054b50), u16(0), u16(0), u16(entries.length), u16(entries.length), u32(dir.length), u32(at), u16(0)]);
    writeSync(fd, Buffer.concat([dir, end]), 0, dir.length + end.length, at);
    return at + dir.length + end.length;
  } finally {
    closeSync(fd);
  }
}

/** A safetensors file of `n` F32 tensors of `rows` x `cols`, its data a hole. */
export function writeSparseSafetensors(file: string, n: number, rows: number, cols: number): number {
  const { header, dataSize } = safetensorsHeader(Array.from({ length: n }, (_, i) => ({ name: `layers.${i}.weight`, dtype: 'F32', shape: [rows, cols] })), { format: 'pt' });
  const fd = openSync(file, 'w');
  try {
    writeSync(fd, header, 0, header.length, 0);
    ftruncateSync(fd, header.length + dataSize);
  } finally {
    closeSync(fd);
  }
  return header.length + dataSize;
}
