/**
 * Edge: describe the registry's ONNX model files with the ONNX scanner (kilobytes read, through the
 * registry's `modelFileSource`: a local file or Range requests), and hash local model files.
 * The summaries feed the pure `mlflowToStac` (MLM description of each version's model).
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { bufferByteSource, inspectOnnx, OnnxError, redactUrl, scanOptionsFor, type OnnxSummary } from '../onnx/index.js';
import { versionKey } from './assemble.js';
import type { ModelVersion, Registry, RegistryDiagnostic } from './types.js';

export interface DescribeOptions {
  /** Files scanned at once (default 4). */
  concurrency?: number;
  /** Hash local model files up to this size in bytes (default 2 GiB; 0 disables hashing). */
  hashLimit?: number;
  /**
   * When a server ignores HTTP Range, model files up to this size are fetched whole instead
   * (default 32 MiB; 0 disables the fallback). Larger files are reported, never downloaded.
   */
  wholeFileLimit?: number;
  /** Describe only these versions' files (e.g. the ones linked to a project); default all. */
  only?: (v: ModelVersion) => boolean;
}

export interface DescribeResult {
  /** ONNX summaries by `versionKey`. */
  onnx: Map<string, OnnxSummary>;
  /** The versions, with `modelFile.sha256` (and `size`) filled in for local files. */
  versions: ModelVersion[];
  diagnostics: RegistryDiagnostic[];
}

/** Scan every version's `.onnx` model file once; versions that share a file share the scan. */
export async function describeModelFiles(registry: Registry, versions: ModelVersion[], options: DescribeOptions = {}): Promise<DescribeResult> {
  const onnx = new Map<string, OnnxSummary>();
  const diagnostics: RegistryDiagnostic[] = [];
  const hashLimit = options.hashLimit ?? 2 * 1024 ** 3;
  const byHref = new Map<string, Promise<OnnxSummary | undefined>>();
  const out: ModelVersion[] = versions.map((v) => (v.modelFile ? { ...v, modelFile: { ...v.modelFile } } : v));
  const tasks = out.map((v) => async () => {
    const file = v.modelFile;
    if (!file || (options.only && !options.only(v))) return;
    if (file.localPath && hashLimit > 0 && (file.size === undefined || file.size <= hashLimit) && !file.sha256) {
      try {
        const { sha256, size } = await hashFile(file.localPath);
        file.sha256 = sha256;
        file.size = size;
      } catch (err) {
        diagnostics.push({ level: 'info', code: 'mlflow/model-unreadable', message: `${v.modelName} v${v.version}: ${file.name} cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`, model: v.modelName });
      }
    }
    if (!file.name.toLowerCase().endsWith('.onnx')) return;
    const key = file.localPath ?? file.href ?? '';
    let scan = byHref.get(key);
    if (!scan) {
      const source = registry.modelFileSource(file);
      const label = `${v.modelName} v${v.version}`;
      scan = source
        ? inspectOnnx(source, scanOptionsFor(key)).catch(async (err: Error) => {
            const whole = err instanceof OnnxError && err.code === 'onnx/range-unsupported' ? await wholeFile(registry, file, options.wholeFileLimit) : undefined;
            if (whole) {
              // The bytes are here anyway: the checksum costs nothing more.
              if (!file.sha256) file.sha256 = createHash('sha256').update(whole).digest('hex');
              if (file.size === undefined) file.size = whole.length;
              try {
                return await inspectOnnx(bufferByteSource(whole, redactUrl(file.href ?? file.name)));
              } catch (again) {
                err = again as Error;
              }
            }
            diagnostics.push({ level: 'warning', code: 'mlflow/onnx-unreadable', message: `${label}: ${err.message}`, model: v.modelName });
            return undefined;
          })
        : Promise.resolve(undefined);
      byHref.set(key, scan);
    }
    const summary = await scan;
    if (summary) onnx.set(versionKey(v), summary);
  });
  await runLimited(tasks, options.concurrency ?? 4);
  // Scans finish in any order; the report does not.
  diagnostics.sort((a, b) => (a.message < b.message ? -1 : a.message > b.message ? 1 : 0));
  return { onnx, versions: out, diagnostics };
}

/** The whole file when it is small enough (the Range fallback). */
async function wholeFile(registry: Registry, file: ModelVersion['modelFile'] & object, limit = 32 * 1024 ** 2): Promise<Uint8Array | undefined> {
  if (limit <= 0 || !registry.downloadModelFile || (file.size !== undefined && file.size > limit)) return undefined;
  return registry.downloadModelFile(file, limit).catch(() => undefined);
}

function hashFile(p: string): Promise<{ sha256: string; size: number }> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    let size = 0;
    createReadStream(p)
      .on('data', (chunk) => {
        size += chunk.length;
        hash.update(chunk);
      })
      .on('error', reject)
      .on('end', () => resolve({ sha256: hash.digest('hex'), size }));
  });
}

async function runLimited(tasks: Array<() => Promise<void>>, n: number): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < tasks.length) await tasks[next++]!();
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(n, tasks.length)) }, worker));
}
