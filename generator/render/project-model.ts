/**
 * The model section of a project page: the inputs and outputs tables (MLM), the model facts, the
 * tensor summary and the pickle warning, read from the item through the MLM getters.
 */
import { posix } from 'node:path';
import { isModelAsset, mlmIoOf, mlmOf, type MlmDim } from '../stac/extensions/mlm.js';
import { pickleSafetyOf, tensorsOf, type TensorsView } from '../stac/extensions/mlm-models.js';
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

function shapeText(shape: MlmDim[] | undefined): string {
  return shape ? shape.map((d) => (d === -1 || d === null ? 'any' : String(d))).join(' × ') : '';
}

function ioRows(list: Array<Record<string, unknown>>, role: 'input' | 'output'): IoRow[] {
  return list.map((entry) => {
    const io = mlmIoOf(entry, role);
    return {
      name: io.name ?? '',
      description: io.description ?? null,
      shape: shapeText(io.shape),
      dimOrder: io.dimOrder.join(', '),
      dataType: io.dataType ?? '',
      bands: io.bands.join(', '),
      tasks: io.tasks.join(', '),
      classes: io.classes.map((c) => `${c.value}${c.name !== undefined ? ' ' + c.name : ''}`.trim()).join(', '),
    };
  });
}

/** The model section of an item's page. */
export function modelSection(item: StacItem): ModelSection {
  const mlm = mlmOf(item.properties);
  const assets = item.assets ?? {};
  const modelAsset = Object.values(assets).find(isModelAsset);
  const modelFacts: Array<{ label: string; value: string }> = [];
  const fact = <T>(label: string, v: T | undefined | null, f: (x: T) => string): void => {
    if (v !== undefined && v !== null && v !== '') modelFacts.push({ label, value: f(v) });
  };
  fact('Architecture', mlm.architecture, String);
  fact('Framework', [mlm.framework, mlm.frameworkVersion].filter(Boolean).join(' ') || undefined, String);
  fact('Tasks', mlm.tasks.length > 0 ? mlm.tasks.join(', ') : undefined, String);
  fact('Parameters', mlm.totalParameters, (n) => `${formatCount(n)} (${groupDigits(n)})`);
  fact('Model size', modelAsset ? fileOf(modelAsset).size : undefined, formatBytes);
  fact('Memory', mlm.memorySize, formatBytes);
  fact('Pretrained', mlm.pretrained === undefined ? undefined : mlm.pretrained ? `yes${mlm.pretrainedSource ? ` (${String(mlm.pretrainedSource)})` : ''}` : 'no', String);
  fact('Accelerator', mlm.accelerator, String);
  fact('Batch size', mlm.batchSizeSuggestion, String);
  const modelSafety = pickleSafetyOf(modelAsset);
  fact(
    'Pickle safety',
    modelSafety?.verdict === 'safe' ? 'safe: imports only allow-listed globals' : modelSafety?.verdict === 'unsafe' ? 'unsafe: loading it can run code' : undefined,
    String,
  );
  const unsafeEntry = Object.entries(assets).find(([, a]) => pickleSafetyOf(a)?.verdict === 'unsafe');
  const unsafeGlobals = unsafeEntry ? pickleSafetyOf(unsafeEntry[1])?.unsafe_globals : undefined;
  const pickleWarning = unsafeEntry
    ? {
        file: unsafeEntry[1].title ?? (fileNameOf(unsafeEntry[1].href) || unsafeEntry[0]),
        globals: Array.isArray(unsafeGlobals) && unsafeGlobals.length > 0 ? unsafeGlobals.map(String).join(', ') : 'a pickle that cannot be read to its end',
      }
    : null;
  const ioForCode = mlm.input.map((entry) => {
    const io = mlmIoOf(entry, 'input');
    return {
      name: io.name ?? 'input',
      // A dim that is not a size allocates as a variable one (-1): the snippet makes it 1.
      shape: io.shape ? io.shape.map((d) => (typeof d === 'number' ? d : -1)) : [1],
      dataType: io.dataType ?? 'float32',
    };
  });
  return {
    inputs: ioRows(mlm.input, 'input'),
    outputs: ioRows(mlm.output, 'output'),
    modelFacts,
    tensors: tensorView(tensorsOf(modelAsset)),
    pickleWarning,
    ioForCode,
  };
}

/** The tensor summary of a model asset (`stachub:tensors`) as the page shows it. */
function tensorView(t: TensorsView | undefined): TensorView {
  if (!t) return null;
  const byType = t.dataTypes.map((d) => `${d.dataType} ×${d.tensors ?? 0}${d.bytes !== undefined ? ` (${formatBytes(d.bytes)})` : ''}`).join(', ');
  const optimizer = t.optimizerTensors !== undefined ? `; optimizer state: ${t.optimizerTensors} more tensors, not counted` : '';
  const largest = t.largest.map((x) => ({ name: x.name ?? '', shape: x.shape ? `[${x.shape.join(', ')}]` : '', dataType: x.dataType ?? '' }));
  return { summary: `${t.count} ${t.count === 1 ? 'tensor' : 'tensors'}${byType ? `: ${byType}` : ''}${optimizer}`, largest };
}
