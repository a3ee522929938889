/**
 * From a model-file summary (PyTorch, TorchScript, safetensors, GGUF) to the MLM fields of an item and
 * of its model asset, plus stachub's own asset fields: `stachub:tensors` (the tensor summary) and
 * `stachub:pickle_safety` (the verdict on the file's pickles). Pure. The README's `mlm:` block is
 * merged exactly as for ONNX (mlm.ts): where the file records no inputs or outputs (state dicts,
 * safetensors, GGUF), the README's are published as written.
 */
import { onnxToMlm, type OnnxMlmOptions, type OnnxMlmResult } from './mlm.js';
import type { OnnxSummary, ValueInfo } from '../../onnx/types.js';
import type { Diagnostic } from '../../types.js';
import { OCTET_STREAM, typeOfExtension } from '../../media-types.js';
import type { ModelFormat, ModelSummary, PickleSafety } from '../../models/types.js';

/** Formats that describe a model (the others, plain pickles and zips, only get the safety verdict). */
export const MODEL_FORMATS: ReadonlySet<ModelFormat> = new Set(['pytorch', 'torchscript', 'pytorch-legacy', 'safetensors', 'safetensors-index', 'gguf']);

/**
 * Media types by the format the file's header shows (MLM best practice: the framework as a
 * parameter of application/octet-stream), built on the media-type table; a safetensors file is
 * `application=safetensors` whether its header was read or only its extension is known.
 */
const MEDIA_TYPES: Record<ModelFormat, string> = {
  pytorch: typeOfExtension('.pt'),
  'pytorch-legacy': typeOfExtension('.pt'),
  torchscript: `${typeOfExtension('.pt')}; application=torchscript`,
  safetensors: typeOfExtension('.safetensors'),
  'safetensors-index': typeOfExtension('.json'),
  gguf: `${OCTET_STREAM}; application=gguf`,
  pickle: `${OCTET_STREAM}; application=pickle`,
  zip: typeOfExtension('.zip'),
};

/** The `stachub:pickle_safety` asset field (docs/models.md#model-files-and-pickle-safety). */
export function pickleSafetyField(p: PickleSafety): Record<string, unknown> {
  return {
    verdict: p.verdict,
    pickles: p.pickles,
    globals: p.globals,
    unsafe_globals: p.unsafeGlobals,
    ...(p.unreadable ? { unreadable: p.unreadable } : {}),
  };
}

/** The `stachub:tensors` asset field: count, per data type, the largest tensors, optimizer state apart. */
export function tensorsField(s: ModelSummary): Record<string, unknown> {
  return {
    format: s.format,
    count: s.tensorSummary.count,
    parameters: s.parameterCount,
    data_types: Object.fromEntries(Object.entries(s.tensorSummary.byDataType).map(([k, v]) => [k, { tensors: v.tensors, elements: v.elements, bytes: v.bytes }])),
    largest: s.tensorSummary.largest.map((t) => ({ name: t.name, data_type: t.dataType, shape: t.shape })),
    ...(s.optimizer.tensors > 0 ? { optimizer: { tensors: s.optimizer.tensors, elements: s.optimizer.elements } } : {}),
  };
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** README input/output entries as the "file's" values when the file records none, so they are published as written. */
function readmeIo(list: unknown, role: 'input' | 'output'): ValueInfo[] {
  const docs = Array.isArray(list) ? list.filter(isObj) : isObj(list) ? [list] : [];
  return docs.map((d, i) => {
    const st = isObj(d[role === 'input' ? 'input' : 'result']) ? (d[role === 'input' ? 'input' : 'result'] as Obj) : {};
    const shape = Array.isArray(st.shape) && st.shape.every((x) => Number.isInteger(x)) ? (st.shape as number[]).map((x) => (x >= 0 ? x : null)) : null;
    return {
      name: typeof d.name === 'string' ? d.name : `${role}_${i}`,
      type: 'tensor' as const,
      ...(typeof st.data_type === 'string' ? { dataType: st.data_type } : {}),
      shape,
    };
  });
}

/**
 * The MLM fields of one non-ONNX model file. `readmeMlm` is the README's `mlm:` block (keys with or
 * without the prefix). File facts win (parameters, memory size, framework where recorded).
 */
export function modelToMlm(summary: ModelSummary, readmeMlm: Record<string, unknown> | undefined, opts: OnnxMlmOptions): OnnxMlmResult {
  const readme: Obj = {};
  for (const [k, v] of Object.entries(readmeMlm ?? {})) if (k !== '__proto__') readme[k.startsWith('mlm:') ? k.slice(4) : k] = v;
  const readmeFramework = readme.framework;
  const readmeArtifact = readme.artifact_type;
  delete readme.framework; // decided below: the file's, else the README's
  if (summary.format === 'gguf' && readme.architecture === undefined && typeof summary.metadata['general.architecture'] === 'string') {
    readme.architecture = summary.metadata['general.architecture'];
  }
  const inputs = summary.inputs.length > 0 ? summary.inputs : readmeIo(readme.input, 'input');
  const outputs = summary.outputs.length > 0 ? summary.outputs : readmeIo(readme.output, 'output');
  const asOnnx: OnnxSummary = {
    irVersion: 0, producerName: '', producerVersion: '', opsetImports: [], inputs, outputs,
    parameterCount: summary.parameterCount, metadataProps: {}, graphMetadataProps: {}, domain: '', modelVersion: 0, docString: '',
    graphName: '', graphDocString: '', nodeCount: 0, totalNodeCount: 0, initializerCount: 0, sparseInitializerCount: 0, subgraphCount: 0,
    opTypes: {}, parameters: { initializers: 0, subgraphInitializers: 0, sparseInitializers: 0, constants: 0 },
    weightBytes: summary.weightBytes,
    inlineDataBytes: summary.format === 'safetensors-index' ? 0 : summary.weightBytes.total,
    externalData: [], functions: [],
  };
  const r = onnxToMlm(asOnnx, readme, opts);
  const props = r.properties;
  const framework = summary.framework ?? (typeof readmeFramework === 'string' ? readmeFramework : undefined);
  if (framework) props['mlm:framework'] = framework;
  else delete props['mlm:framework'];
  if (typeof readmeFramework === 'string' && summary.framework && readmeFramework !== summary.framework && !summary.framework.startsWith(readmeFramework)) {
    r.diagnostics.push(diag('mlm/file-wins', `mlm.framework ${JSON.stringify(readmeFramework)} ignored: the file is a ${summary.framework} ${summary.format} file`, opts.file));
  }
  if (summary.frameworkVersion) props['mlm:framework_version'] = summary.frameworkVersion;
  if (summary.parameterCount === 0) delete props['mlm:total_parameters'];
  // An accelerator hint: storages saved from a GPU (the README's own value wins).
  if (props['mlm:accelerator'] === undefined && summary.devices.some((d) => d.startsWith('cuda'))) props['mlm:accelerator'] = 'cuda';
  const asset = r.asset;
  asset.type = MEDIA_TYPES[summary.format];
  asset['mlm:artifact_type'] = typeof readmeArtifact === 'string' && readmeArtifact ? readmeArtifact : summary.artifactType;
  asset['stachub:tensors'] = tensorsField(summary);
  if (summary.pickleSafety) asset['stachub:pickle_safety'] = pickleSafetyField(summary.pickleSafety);
  r.diagnostics.push(...safetyDiagnostics(summary, opts.file));
  for (const n of summary.notes) r.diagnostics.push(diag('model/note', n, opts.file, 'info'));
  return r;
}

/** A warning for an unsafe pickle, naming what it imports. */
export function safetyDiagnostics(summary: ModelSummary, file?: string): Diagnostic[] {
  const p = summary.pickleSafety;
  if (!p || p.verdict === 'safe') return [];
  const what = p.unsafeGlobals.length > 0 ? `imports ${p.unsafeGlobals.join(', ')}` : `cannot be read to its end (${(p.unreadable ?? []).join('; ')})`;
  return [diag('pickle/unsafe', `loading this file can run code: its pickle ${what}`, file)];
}

function diag(code: string, message: string, file: string | undefined, level: Diagnostic['level'] = 'warning'): Diagnostic {
  return { level, code, message, ...(file ? { file } : {}) };
}

/** The `stachub:pickle_safety` of an asset as written (an object), if it has one. */
export function pickleSafetyOf(asset: Readonly<Record<string, unknown>> | undefined): { verdict?: unknown; unsafe_globals?: unknown; unreadable?: unknown } | undefined {
  const v = asset?.['stachub:pickle_safety'];
  return typeof v === 'object' && v !== null ? (v as { verdict?: unknown }) : undefined;
}

/** The `stachub:tensors` field of an asset as the site reads it (what `tensorsField` writes). */
export interface TensorsView {
  count: number;
  /** Per data type, in the order written: tensors and, when known, bytes. */
  dataTypes: Array<{ dataType: string; tensors?: number; bytes?: number }>;
  /** The largest tensors, in the order written. */
  largest: Array<{ name?: string; dataType?: string; shape?: number[] }>;
  /** Tensors of optimizer state, not counted in `count`. */
  optimizerTensors?: number;
}

/**
 * The `stachub:tensors` summary of an asset, typed: absent unless it is an object with a numeric
 * `count`; a part of the wrong type reads as absent.
 */
export function tensorsOf(asset: Readonly<Record<string, unknown>> | undefined): TensorsView | undefined {
  const t = asset?.['stachub:tensors'];
  if (!isObj(t) || typeof t.count !== 'number') return undefined;
  const dataTypes = isObj(t.data_types)
    ? Object.entries(t.data_types).map(([dataType, d]) => ({
        dataType,
        ...(isObj(d) && typeof d.tensors === 'number' ? { tensors: d.tensors } : {}),
        ...(isObj(d) && typeof d.bytes === 'number' ? { bytes: d.bytes } : {}),
      }))
    : [];
  const largest = Array.isArray(t.largest)
    ? t.largest.map((x: unknown) => {
        const o = isObj(x) ? x : {};
        return {
          ...(typeof o.name === 'string' ? { name: o.name } : {}),
          ...(typeof o.data_type === 'string' ? { dataType: o.data_type } : {}),
          ...(Array.isArray(o.shape) && o.shape.every((d) => typeof d === 'number') ? { shape: o.shape.filter((d): d is number => typeof d === 'number') } : {}),
        };
      })
    : [];
  return {
    count: t.count,
    dataTypes,
    largest,
    ...(isObj(t.optimizer) && typeof t.optimizer.tensors === 'number' ? { optimizerTensors: t.optimizer.tensors } : {}),
  };
}
