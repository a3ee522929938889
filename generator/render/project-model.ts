/**
 * The model section of a project page: the inputs and outputs tables (MLM), the model facts, the
 * tensor summary and the pickle warning, read from the item through the MLM getters.
 */
import { posix } from 'node:path';
import { isModelAsset, mlmOf, mlmStructureOf } from '../stac/extensions/mlm.js';
import { pickleSafetyOf, tensorsOf } from '../stac/extensions/mlm-models.js';
import { fileOf } from '../stac/extensions/file.js';
import type { StacItem } from '../stac/types.js';
import { formatBytes, formatCount, groupDigits } from './format.js';

/** One row of the inputs or outputs table (MLM Model Input / Model Output). */
export interface IoRow {
  name: string;
  description: string | null;
  shape: string;
  dimOrder: string;
  dataType: string;
  bands: string;
  tasks: string;
  classes: string;
}

/** The model file's tensors (`stachub:tensors`): count, data types, the largest ones. */
export type TensorView = { summary: string; largest: Array<{ name: string; shape: string; dataType: string }> } | null;

/** What the page shows of the model. */
export interface ModelSection {
  inputs: IoRow[];
  outputs: IoRow[];
  modelFacts: Array<{ label: string; value: string }>;
  tensors: TensorView;
  pickleWarning: { file: string; globals: string } | null;
  /** The inputs as the code snippets use them. */
  ioForCode: Array<{ name: string; shape: number[]; dataType: string }>;
}

/** The entries of `v` that are plain objects (metadata lists may hold anything). */
export function objects(v: unknown): Array<Record<string, unknown>> {
  return Array.isArray(v) ? v.filter((x): x is Record<string, unknown> => x !== null && typeof x === 'object' && !Array.isArray(x)) : [];
}

/** The file name at the end of an href (percent-decoding when it is well formed). */
export function fileNameOf(href: string): string {
  const base = posix.basename(href.split(/[?#]/)[0]!);
  try {
    return decodeURIComponent(base);
  } catch {
    return base;
  }
}

function shapeText(shape: unknown): string {
  if (!Array.isArray(shape)) return '';
  return shape.map((d) => (d === -1 || d === null ? 'any' : String(d))).join(' × ');
}

function ioRows(list: Array<Record<string, unknown>>, key: 'input' | 'result'): IoRow[] {
  return list.map((io) => {
    const s = mlmStructureOf(io, key);
    const bands = Array.isArray(io.bands)
      ? (io.bands as unknown[]).map((b) => (typeof b === 'string' ? b : String((b as { name?: unknown })?.name ?? ''))).filter(Boolean).join(', ')
      : '';
    const classes = Array.isArray(io['classification:classes'])
      ? objects(io['classification:classes'])
          .map((c) => `${String(c.value ?? '')}${c.name !== undefined ? ' ' + String(c.name) : ''}`.trim())
          .join(', ')
      : '';
    return {
      name: String(io.name ?? ''),
      description: typeof io.description === 'string' ? io.description : null,
      shape: shapeText(s.shape),
      dimOrder: Array.isArray(s.dim_order) ? (s.dim_order as unknown[]).join(', ') : '',
      dataType: typeof s.data_type === 'string' ? s.data_type : '',
      bands,
      tasks: Array.isArray(io.tasks) ? (io.tasks as unknown[]).join(', ') : '',
      classes,
    };
  });
}

/** The model section of an item's page. */
export function modelSection(item: StacItem): ModelSection {
  const mlm = mlmOf(item.properties);
  const assets = item.assets ?? {};
  const modelAsset = Object.values(assets).find(isModelAsset);
  const modelFacts: Array<{ label: string; value: string }> = [];
  const fact = (label: string, v: unknown, f: (x: never) => string = String): void => {
    if (v !== undefined && v !== null && v !== '') modelFacts.push({ label, value: f(v as never) });
  };
  fact('Architecture', mlm.architecture);
  fact('Framework', [mlm.framework, mlm.frameworkVersion].filter(Boolean).join(' ') || undefined);
  fact('Tasks', mlm.tasks.length > 0 ? mlm.tasks.join(', ') : undefined);
  fact('Parameters', mlm.totalParameters, (n: number) => `${formatCount(n)} (${groupDigits(n)})`);
  fact('Model size', modelAsset ? fileOf(modelAsset).size : undefined, (n: number) => formatBytes(n));
  fact('Memory', mlm.memorySize, (n: number) => formatBytes(n));
  fact('Pretrained', mlm.pretrained === undefined ? undefined : mlm.pretrained ? `yes${mlm.pretrainedSource ? ` (${String(mlm.pretrainedSource)})` : ''}` : 'no');
  fact('Accelerator', mlm.accelerator);
  fact('Batch size', mlm.batchSizeSuggestion);
  const modelSafety = pickleSafetyOf(modelAsset);
  fact(
    'Pickle safety',
    modelSafety?.verdict === 'safe' ? 'safe: imports only allow-listed globals' : modelSafety?.verdict === 'unsafe' ? 'unsafe: loading it can run code' : undefined,
  );
  const unsafeEntry = Object.entries(assets).find(([, a]) => pickleSafetyOf(a)?.verdict === 'unsafe');
  const unsafeGlobals = unsafeEntry ? pickleSafetyOf(unsafeEntry[1])?.unsafe_globals : undefined;
  const pickleWarning = unsafeEntry
    ? {
        file: unsafeEntry[1].title ?? (fileNameOf(unsafeEntry[1].href) || unsafeEntry[0]),
        globals: Array.isArray(unsafeGlobals) && unsafeGlobals.length > 0 ? unsafeGlobals.map(String).join(', ') : 'a pickle that cannot be read to its end',
      }
    : null;
  const ioForCode = mlm.input.map((io) => {
    const s = mlmStructureOf(io, 'input');
    return {
      name: String(io.name ?? 'input'),
      shape: Array.isArray(s.shape) ? (s.shape as number[]) : [1],
      dataType: typeof s.data_type === 'string' ? s.data_type : 'float32',
    };
  });
  return {
    inputs: ioRows(mlm.input, 'input'),
    outputs: ioRows(mlm.output, 'result'),
    modelFacts,
    tensors: tensorView(tensorsOf(modelAsset)),
    pickleWarning,
    ioForCode,
  };
}

/** The tensor summary of a model asset (`stachub:tensors`) as the page shows it. */
function tensorView(v: unknown): TensorView {
  if (typeof v !== 'object' || v === null) return null;
  const t = v as { count?: unknown; data_types?: unknown; largest?: unknown; optimizer?: { tensors?: unknown } };
  if (typeof t.count !== 'number') return null;
  const types = typeof t.data_types === 'object' && t.data_types !== null ? Object.entries(t.data_types as Record<string, { tensors?: number; bytes?: number }>) : [];
  const byType = types.map(([k, d]) => `${k} ×${d.tensors ?? 0}${typeof d.bytes === 'number' ? ` (${formatBytes(d.bytes)})` : ''}`).join(', ');
  const optimizer = typeof t.optimizer?.tensors === 'number' ? `; optimizer state: ${t.optimizer.tensors} more tensors, not counted` : '';
  const largest = Array.isArray(t.largest)
    ? (t.largest as Array<{ name?: unknown; shape?: unknown; data_type?: unknown }>).map((x) => ({
        name: String(x.name ?? ''),
        shape: Array.isArray(x.shape) ? `[${x.shape.join(', ')}]` : '',
        dataType: String(x.data_type ?? ''),
      }))
    : [];
  return { summary: `${t.count} ${t.count === 1 ? 'tensor' : 'tensors'}${byType ? `: ${byType}` : ''}${optimizer}`, largest };
}
