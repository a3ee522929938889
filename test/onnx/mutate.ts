/**
 * Seeded mutations of real ONNX models for fuzzing the scanner (used by test/onnx/fuzz.test.ts and
 * the longer bench/onnx-fuzz.ts run). Deterministic: the same seed gives the same cases.
 */

/** mulberry32: a small seeded PRNG. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const MUTATIONS = ['flip-bits', 'random-bytes', 'truncate', 'insert', 'duplicate-slice', 'huge-varint', 'zero-run', 'splice-models'] as const;
export type Mutation = (typeof MUTATIONS)[number];

/** One mutated copy of `model` (never longer than twice the inputs). */
export function mutate(model: Uint8Array, other: Uint8Array, rand: () => number): { kind: Mutation; bytes: Uint8Array } {
  const int = (n: number): number => Math.floor(rand() * n);
  const kind = MUTATIONS[int(MUTATIONS.length)] as Mutation;
  const b = Buffer.from(model);
  const at = int(Math.max(1, b.length));
  switch (kind) {
    case 'flip-bits': {
      const n = 1 + int(8);
      for (let i = 0; i < n; i++) {
        const p = int(b.length);
        b[p] = (b[p] as number) ^ (1 << int(8));
      }
      return { kind, bytes: b };
    }
    case 'random-bytes': {
      const n = 1 + int(16);
      for (let i = 0; i < n; i++) b[int(b.length)] = int(256);
      return { kind, bytes: b };
    }
    case 'truncate':
      return { kind, bytes: b.subarray(0, at) };
    case 'insert': {
      const junk = Buffer.from(Array.from({ length: 1 + int(32) }, () => int(256)));
      return { kind, bytes: Buffer.concat([b.subarray(0, at), junk, b.subarray(at)]) };
    }
    case 'duplicate-slice': {
      const len = 1 + int(Math.min(256, b.length - at));
      return { kind, bytes: Buffer.concat([b.subarray(0, at + len), b.subarray(at, at + len), b.subarray(at + len)]) };
    }
    case 'huge-varint': {
      // A maximal 10-byte varint (a huge length or value) written over the bytes at `at`.
      const huge = Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, int(2)]);
      return { kind, bytes: Buffer.concat([b.subarray(0, at), huge, b.subarray(Math.min(b.length, at + 10))]) };
    }
    case 'zero-run':
      b.fill(0, at, Math.min(b.length, at + 1 + int(64)));
      return { kind, bytes: b };
    case 'splice-models': {
      const o = Buffer.from(other);
      return { kind, bytes: Buffer.concat([b.subarray(0, at), o.subarray(int(Math.max(1, o.length)))]) };
    }
  }
}
