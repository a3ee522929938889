/** Shared helpers of the ONNX tests: the Debian corpus and the Python reference reader. */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { inspectOnnx, OnnxError, type ByteSource, type InspectOptions, type OnnxSummary } from '../../generator/onnx/index.js';
import type { Diagnostic } from '../../generator/types.js';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Debian's libonnx-testdata models (installed by .ci/run). */
export const CORPUS_DIR = '/usr/share/libonnx-testdata/data';

/** The official ONNX Python package (Debian python3-onnx) lives in the system interpreter. */
export const PYTHON = '/usr/bin/python3';

/** Every `.onnx` file under a folder, sorted. */
export function onnxFilesUnder(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.onnx')) out.push(p);
    }
  };
  walk(dir);
  return out.sort();
}

/** Runs test/onnx/reference.py once over all paths; returns its JSON objects by path. */
export function referenceSummaries(paths: string[]): Map<string, Record<string, unknown>> {
  const res = spawnSync(PYTHON, [path.join(repoRoot, 'test/onnx/reference.py')], {
    input: paths.join('\n') + '\n',
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  if (res.status !== 0) throw new Error(`reference.py failed: ${res.stderr}`);
  const out = new Map<string, Record<string, unknown>>();
  for (const line of res.stdout.split('\n')) {
    if (!line) continue;
    const obj = JSON.parse(line) as Record<string, unknown>;
    out.set(obj.source as string, obj);
  }
  return out;
}

/**
 * For a build: the summary, or no summary and a warning. Never throws for a bad model or an
 * unreachable URL; other exceptions (bugs) still propagate.
 */
export async function inspectOnnxForBuild(
  source: ByteSource,
  file?: string,
  opts: InspectOptions = {},
): Promise<{ summary?: OnnxSummary; diagnostics: Diagnostic[] }> {
  try {
    return { summary: await inspectOnnx(source, opts), diagnostics: [] };
  } catch (err) {
    if (err instanceof OnnxError) return { diagnostics: [err.diagnostic(file)] };
    throw err;
  }
}
