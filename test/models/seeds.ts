/** Seed files for fuzzing the model readers: every format, hostile pickles, and torch's own files when given. */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { hostileCheckpoint, hostilePickles, nestedZip } from './hostile.js';
import { GGUF, gguf, safetensors } from './writers.js';

export function modelSeeds(torchDir?: string): Uint8Array[] {
  const seeds: Uint8Array[] = [
    safetensors(
      [
        { name: 'a.weight', dtype: 'F32', shape: [4, 3] },
        { name: 'a.bias', dtype: 'F16', shape: [4] },
        { name: 'n', dtype: 'I64', shape: [] },
      ],
      { format: 'pt' },
    ),
    gguf(
      {
        'general.architecture': { type: GGUF.STRING, value: 'llama' },
        'llama.context_length': { type: GGUF.UINT32, value: 2048 },
        'tokenizer.ggml.tokens': { type: GGUF.ARRAY, itemType: GGUF.STRING, value: ['a', 'b', 'c'] },
        'x.nested': { type: GGUF.ARRAY, itemType: GGUF.ARRAY, value: [] },
      },
      [
        { name: 'tok.weight', dims: [32, 4], type: 'Q8_0' },
        { name: 'norm', dims: [32], type: 'F32' },
      ],
    ),
    ...Object.values(hostilePickles('/nonexistent/marker')).map((c) => c.bytes),
    hostileCheckpoint('/nonexistent/marker'),
    nestedZip('/nonexistent/marker'),
  ];
  if (torchDir) for (const f of readdirSync(torchDir).sort()) seeds.push(readFileSync(path.join(torchDir, f)));
  return seeds;
}
