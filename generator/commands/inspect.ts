/**
 * `stachub inspect FILE_OR_URL... [--json]`: what a model takes and returns, its parameters and
 * metadata, read from kilobytes of the file (local path, or http(s) URL read with Range requests).
 * ONNX files go to the ONNX scanner; PyTorch, TorchScript, pickles, safetensors and GGUF, recognised
 * by their first bytes, to the model readers (with the safety verdict of every pickle).
 */
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { UsageError } from '../errors.js';
import { OnnxError, byteSourceFor, inspectOnnx, redactUrl, scanOptionsFor, type HttpSourceOptions, type OnnxSummary, type TypeInfo } from '../onnx/index.js';
import { ModelError, inspectModel, sniffFormat, type ModelSummary } from '../models/index.js';
import type { CliContext } from './context.js';
import type { RegisterCommand } from './context.js';

interface InspectFlags {
  json?: boolean;
  header?: string[];
}

export const registerInspect: RegisterCommand = (program: Command, ctx: CliContext) => {
  program
    .command('inspect')
    .description(
      'Describe models without loading their weights: ONNX (IR and opset versions, producer, inputs and outputs, ' +
        'parameter count, weight sizes, metadata_props, external data), PyTorch checkpoints and TorchScript archives, ' +
        'safetensors (and sharded indexes), GGUF and pickles (tensors, parameter count, and whether loading the file ' +
        'would run code: no pickle is ever executed). Formats are recognised by their first bytes. ' +
        'Reads only the headers: a multi-gigabyte model costs a few megabytes of reads, over HTTP too.',
    )
    .argument('<file-or-url...>', 'model files, folders (every model file under them: .onnx, .pt, .pth, .ckpt, .bin, .safetensors, .gguf, .pkl, .joblib...), or http(s) URLs (read with Range requests; the server must support them)')
    .option('--json', 'print JSON (fields listed in docs/models.md#stachub-inspect); with several inputs, one object per line, each with a "source" field')
    .option(
      '--header <name:value>',
      'HTTP header for URL inputs, e.g. "PRIVATE-TOKEN: glpat-..." (repeatable). Without it, GITLAB_TOKEN is sent as ' +
        'PRIVATE-TOKEN to URLs on the GITLAB_URL (or CI_SERVER_URL) host. Headers never follow a redirect to another host.',
      (value: string, previous: string[] = []) => [...previous, value],
    )
    .addHelpText('after', '\nExit codes: 0 all models read, 3 a model is not readable (or not a known format), 4 a model could not be fetched.')
    .action(async (args: string[], flags: InspectFlags) => {
      const headers = parseHeaders(flags.header ?? []);
      // Local paths are shown as given and read against the command's working directory.
      const at = (p: string): string => (isUrl(p) ? p : path.resolve(ctx.cwd, p));
      const inputs = await expandFolders(args, ctx.cwd);
      let failed: number | undefined;
      for (const input of inputs) {
        const source = isUrl(input) ? redactUrl(input) : input;
        try {
          const http: HttpSourceOptions = { headers: headersFor(input, headers, ctx.env) };
          const src = byteSourceFor(at(input), http);
          // A name ending in .onnx keeps the ONNX scanner's own errors (an empty .onnx is `onnx/empty`).
          const sniffed = isOnnxName(input) ? 'onnx' : await sniffFormat(src, input).catch(async (err: unknown) => {
            await src.close();
            throw err;
          });
          // Bytes no reader recognises go to the ONNX scanner (as before other formats were read), unless the name promises another format.
          if (sniffed === 'onnx' || (sniffed === undefined && !MODEL_FILE.test(input.replace(/[?#].*$/, '')))) {
            const summary = await inspectOnnx(src, scanOptionsFor(input));
            if (flags.json) {
              const obj = { source, ...summary };
              ctx.stdout((inputs.length > 1 ? JSON.stringify(obj) : JSON.stringify(obj, null, 2)) + '\n');
            } else {
              ctx.stdout(formatSummary(source, summary) + '\n');
            }
          } else {
            const summary = await inspectModel(src, { openSibling: (name) => byteSourceFor(at(siblingOf(input, name)), http) });
            if (flags.json) {
              const obj = { source, ...summary };
              ctx.stdout((inputs.length > 1 ? JSON.stringify(obj) : JSON.stringify(obj, null, 2)) + '\n');
            } else {
              ctx.stdout(formatModelSummary(source, summary) + '\n');
            }
          }
        } catch (err) {
          if (!(err instanceof OnnxError) && !(err instanceof ModelError)) throw err;
          failed ??= err.exitCode;
          if (flags.json) ctx.stdout(JSON.stringify({ source, error: err.toJSON() }) + '\n');
          ctx.stderr(`stachub: ${err.message}\n`);
        }
      }
      if (failed !== undefined) ctx.exitCode = failed;
    });
};

/** An http(s) URL argument (read with Range requests), as opposed to a local path. */
const isUrl = (p: string): boolean => /^https?:\/\//i.test(p);

const isOnnxName = (p: string): boolean => /\.onnx$/i.test(p.replace(/[?#].*$/, ''));

/** Model file names a folder argument stands for. */
const MODEL_FILE = /\.(onnx|pt|pth|ckpt|bin|safetensors|gguf|pkl|pickle|joblib)$|\.safetensors\.index\.json$/i;

/** A file beside `input` (a shard named by a sharded model's index): a path, or a URL resolved against it. */
function siblingOf(input: string, name: string): string {
  return isUrl(input) ? new URL(name, input).toString() : path.join(path.dirname(input), name);
}

/** Folders stand for every model file under them (sorted; hidden folders and node_modules skipped). */
async function expandFolders(args: string[], cwd: string): Promise<string[]> {
  const out: string[] = [];
  for (const arg of args) {
    const st = isUrl(arg) ? undefined : await stat(path.resolve(cwd, arg)).catch(() => undefined);
    if (!st?.isDirectory()) {
      out.push(arg);
      continue;
    }
    const found: string[] = [];
    const walk = async (dir: string): Promise<void> => {
      for (const e of await readdir(path.resolve(cwd, dir), { withFileTypes: true })) {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) {
          if (!e.name.startsWith('.') && e.name !== 'node_modules') await walk(p);
        } else if (e.isFile() && MODEL_FILE.test(e.name)) {
          found.push(p);
        }
      }
    };
    await walk(arg);
    if (found.length === 0) throw new UsageError(`${arg}: no model file in this folder`);
    out.push(...found.sort());
  }
  return out;
}

function parseHeaders(values: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of values) {
    const i = v.indexOf(':');
    if (i <= 0) throw new UsageError(`--header expects "Name: value", got ${JSON.stringify(v.slice(0, 40))}`);
    out[v.slice(0, i).trim()] = v.slice(i + 1).trim();
  }
  return out;
}

/** Explicit headers win; else a GitLab token goes to the GitLab host only. */
function headersFor(input: string, explicit: Record<string, string>, env: NodeJS.ProcessEnv): Record<string, string> {
  if (Object.keys(explicit).length > 0 || !isUrl(input)) return explicit;
  const token = env.GITLAB_TOKEN;
  const gitlab = env.GITLAB_URL ?? env.CI_SERVER_URL;
  if (!token || !gitlab) return {};
  try {
    return new URL(gitlab).origin === new URL(input).origin ? { 'PRIVATE-TOKEN': token } : {};
  } catch {
    return {};
  }
}

/** `float32[batch, 3, 224, 224]`, `seq(map(string, float32[?]))`... */
export function formatType(t: TypeInfo): string {
  switch (t.type) {
    case 'tensor':
    case 'sparse_tensor': {
      const shape = t.shape === null || t.shape === undefined ? '[?rank]' : `[${t.shape.map((d) => (d === null ? '?' : String(d))).join(', ')}]`;
      return `${t.type === 'sparse_tensor' ? 'sparse ' : ''}${t.dataType}${shape}`;
    }
    case 'sequence':
      return `seq(${t.elementType ? formatType(t.elementType) : '?'})`;
    case 'optional':
      return `optional(${t.elementType ? formatType(t.elementType) : '?'})`;
    case 'map':
      return `map(${t.keyType}, ${t.valueType ? formatType(t.valueType) : '?'})`;
    default:
      return 'unknown';
  }
}

function bytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  let v = n;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(1)} ${units[i]}`;
}

/** The readable summary printed without --json. */
export function formatSummary(source: string, s: OnnxSummary): string {
  const lines = [source];
  const producer = [s.producerName, s.producerVersion].filter(Boolean).join(' ') || '(not set)';
  const opsets = s.opsetImports.map((o) => `${o.domain || 'ai.onnx'} ${o.version}`).join(', ') || '(none)';
  lines.push(`  IR ${s.irVersion}, producer ${producer}, opsets ${opsets}`);
  if (s.docString) lines.push(`  doc: ${firstLine(s.docString)}`);
  lines.push(
    `  graph ${JSON.stringify(s.graphName)}: ${s.nodeCount} nodes (${s.totalNodeCount} with ${s.subgraphCount} subgraphs), ` +
      `${s.initializerCount} initializers${s.sparseInitializerCount ? `, ${s.sparseInitializerCount} sparse` : ''}`,
  );
  const io = (label: string, list: OnnxSummary['inputs']): void => {
    lines.push(`  ${label}:${list.length === 0 ? ' (none)' : ''}`);
    const w = Math.max(0, ...list.map((v) => v.name.length));
    for (const v of list) lines.push(`    ${v.name.padEnd(w)}  ${formatType(v)}`);
  };
  io('inputs', s.inputs);
  io('outputs', s.outputs);
  const byType = Object.entries(s.weightBytes.byDataType)
    .map(([k, v]) => `${k} ${bytes(v)}`)
    .join(', ');
  lines.push(`  parameters: ${s.parameterCount.toLocaleString('en-US')}${byType ? ` (${byType})` : ''}`);
  if (s.externalData.length > 0) {
    const files = [...new Set(s.externalData.map((e) => e.location))];
    lines.push(`  external data: ${s.externalData.length} tensors in ${files.map((f) => JSON.stringify(f)).join(', ')} (not read)`);
  }
  if (s.functions.length > 0) lines.push(`  functions: ${s.functions.map((f) => `${f.domain}:${f.name}`).join(', ')}`);
  for (const [label, props] of [
    ['metadata', s.metadataProps],
    ['graph metadata', s.graphMetadataProps],
  ] as const) {
    const entries = Object.entries(props);
    if (entries.length === 0) continue;
    lines.push(`  ${label}:`);
    for (const [k, v] of entries) lines.push(`    ${k} = ${firstLine(v)}`);
  }
  return lines.join('\n');
}

/** The readable summary of a non-ONNX model. */
export function formatModelSummary(source: string, s: ModelSummary): string {
  const lines = [source];
  const fw = [s.framework, s.frameworkVersion].filter(Boolean).join(' ');
  lines.push(`  format ${s.format}${fw ? `, ${fw}` : ''}, artifact ${s.artifactType}`);
  if (s.inputs.length > 0 || s.outputs.length > 0) {
    for (const [label, list] of [['inputs', s.inputs], ['outputs', s.outputs]] as const) {
      lines.push(`  ${label}:${list.length === 0 ? ' (none)' : ''}`);
      for (const v of list) lines.push(`    ${v.name}  ${formatType(v.type === 'tensor' && v.dataType === undefined ? { ...v, dataType: 'tensor' } : v)}`);
    }
  }
  const byType = Object.entries(s.tensorSummary.byDataType)
    .map(([k, v]) => `${k} ${v.tensors} (${bytes(v.bytes)})`)
    .join(', ');
  lines.push(`  parameters: ${s.parameterCount.toLocaleString('en-US')} in ${s.tensorSummary.count} tensors${byType ? `: ${byType}` : ''}`);
  for (const t of s.tensorSummary.largest) lines.push(`    ${t.name}  ${t.dataType}[${t.shape.join(', ')}]`);
  if (s.optimizer.tensors > 0) lines.push(`  optimizer state: ${s.optimizer.tensors} tensors, ${s.optimizer.elements.toLocaleString('en-US')} elements (not counted as parameters)`);
  if (s.devices.length > 0) lines.push(`  saved from: ${s.devices.join(', ')}`);
  if (s.pickleSafety) {
    const p = s.pickleSafety;
    lines.push(
      p.verdict === 'safe'
        ? `  pickle safety: safe (${p.pickles} pickle(s), imports only allow-listed globals)`
        : `  pickle safety: UNSAFE: loading this file can run code; it imports ${p.unsafeGlobals.join(', ') || '(unreadable pickle)'}`,
    );
    for (const u of p.unreadable ?? []) lines.push(`    unreadable: ${u}`);
  }
  for (const n of s.notes) lines.push(`  note: ${n}`);
  return lines.join('\n');
}

function firstLine(s: string): string {
  const line = s.split('\n', 1)[0] ?? '';
  return line.length > 100 ? `${line.slice(0, 99)}…` : line;
}
