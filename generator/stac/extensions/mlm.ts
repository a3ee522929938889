/**
 * From an ONNX summary (and the README's `mlm:` block) to the STAC MLM extension v1.5.2 fields of an
 * item and of its model asset. Pure: no I/O. The file vouches for what it can say (inputs, outputs,
 * shapes, data types, parameters, weight size); the README completes it (name, architecture, tasks,
 * dim_order, pretrained, value scaling, classes...) and overrides it where the file is silent.
 * Schema rules honoured (reference/stac.md §1.5): `mlm:name` pattern, required `dim_order`, shapes of
 * at least one integer >= -1, the task enum, `mlm:pretrained: false` => `mlm:pretrained_source: null`,
 * `mlm:artifact_type` only on the `mlm:model` asset, no `mlm:name`/`input`/`output` on assets.
 */
import type { Diagnostic } from '../../types.js';
import { MLM_DATA_TYPES } from '../../onnx/fields.js';
import type { Dim, OnnxSummary, TypeInfo, ValueInfo } from '../../onnx/types.js';
import { FILE_SCHEMA_URL, sha256Multihash } from './file.js';

/** MLM extension schema (v1.5.2). */
export const MLM_SCHEMA_URL = 'https://stac-extensions.github.io/mlm/v1.5.2/schema.json';
/** File extension schema (v2.1.0): `file:size`, `file:checksum`. */
export { FILE_SCHEMA_URL, sha256Multihash };
/** Classification extension schema (v1.1.0): `classification:classes` in outputs. */
export const CLASSIFICATION_SCHEMA_URL = 'https://stac-extensions.github.io/classification/v1.1.0/schema.json';
/** The extensions every item with an ONNX model lists in `stac_extensions`. */
export const ONNX_STAC_EXTENSIONS: readonly string[] = [MLM_SCHEMA_URL, FILE_SCHEMA_URL];
/** Media type of an ONNX asset (MLM best practice: the framework as a parameter). */
export const ONNX_MEDIA_TYPE = 'application/octet-stream; framework=onnx';

/** The MLM task enum (schema v1.5.2). */
export const MLM_TASKS: ReadonlySet<string> = new Set([
  'regression', 'classification', 'scene-classification', 'detection', 'object-detection', 'segmentation',
  'semantic-segmentation', 'instance-segmentation', 'panoptic-segmentation', 'similarity-search', 'generative',
  'image-captioning', 'super-resolution', 'downscaling',
]);

/** `mlm:accelerator` values the v1.5.2 schema accepts (it rejects `cpu`, see reference/stac.md §1.5). */
const MLM_ACCELERATORS: ReadonlySet<string> = new Set(['amd64', 'cuda', 'xla', 'amd-rocm', 'intel-ipex-cpu', 'intel-ipex-gpu', 'macos-arm']);

/** Fields read from the file: the README may complete them (e.g. a -1 dim), not contradict them. */
const FILE_FIELDS: ReadonlySet<string> = new Set(['framework', 'total_parameters', 'memory_size']);
/** Asset-level fields a README may set on the model asset. */
const ASSET_FIELDS: ReadonlySet<string> = new Set(['artifact_type', 'compile_method']);

export interface OnnxMlmOptions {
  /** Fallback model name (e.g. the project name); sanitised to the `mlm:name` pattern. */
  name: string;
  /** Size of the model file in bytes (`file:size`). */
  fileSize?: number;
  /** SHA-256 of the model file, hex (`file:checksum` as a multihash). */
  sha256?: string;
  /** Repository path of the model, attached to diagnostics. */
  file?: string;
}

export interface OnnxMlmResult {
  /** The item's `mlm:*` properties. */
  properties: Record<string, unknown>;
  /** The model asset's fields except `href` (type, roles, `mlm:artifact_type`, `file:*`). */
  asset: Record<string, unknown>;
  diagnostics: Diagnostic[];
  /** Schema URLs the item must list in `stac_extensions` for these fields. */
  stacExtensions: string[];
}

/**
 * A name that matches `^[a-zA-Z][a-zA-Z0-9_.\-\s]+[a-zA-Z0-9]$`: accents dropped, other characters
 * replaced by `-` (or dropped next to a space), leading non-letters and trailing non-alphanumerics removed, at least 3 characters.
 */
export function sanitizeMlmName(raw: string): string {
  let s = raw.normalize('NFKD').replace(/[\u0300-\u036f]/g, '');
  // A run of other characters becomes `-` inside a word (`a/b` -> `a-b`) and disappears next to a space.
  s = s.replace(/(\s?)[^a-zA-Z0-9_.\-\s]+(\s?)/g, (_m, a: string, b: string) => (a || b ? ' ' : '-')).replace(/\s+/g, ' ');
  s = s.replace(/^[^a-zA-Z]+/, '').replace(/[^a-zA-Z0-9]+$/, '');
  if (s.length < 3) s = s ? `model-${s}` : 'model';
  return s;
}

/** MLM `data_type` of an ONNX type: the MLM name, or `other` (bool, string, bfloat16, maps...). */
export function mlmDataType(t: TypeInfo): string {
  const inner = tensorOf(t);
  return inner?.dataType && MLM_DATA_TYPES.has(inner.dataType) ? inner.dataType : 'other';
}

/** MLM shape: -1 for symbolic or unknown dims; `[-1]` for an unknown rank; `[1]` for a scalar. */
export function mlmShape(t: TypeInfo): number[] {
  const inner = tensorOf(t);
  if (!inner || inner.shape === null || inner.shape === undefined) return [-1];
  if (inner.shape.length === 0) return [1];
  return inner.shape.map((d) => (typeof d === 'number' && d >= 0 ? d : -1));
}

/** The tensor a value holds: itself, or the element of a sequence/optional of tensors. */
function tensorOf(t: TypeInfo): TypeInfo | undefined {
  if (t.type === 'tensor' || t.type === 'sparse_tensor') return t;
  if ((t.type === 'sequence' || t.type === 'optional') && t.elementType) return tensorOf(t.elementType);
  return undefined;
}

const DIM_NAME = /^[a-z-_]+$/;

/**
 * A `dim_order` when the README gives none: meaningful symbolic dim names (`batch`, `height`...) where
 * the file has them, else names by rank (NCHW is the usual ONNX export layout).
 */
export function guessDimOrder(t: TypeInfo, role: 'input' | 'output'): string[] {
  const shape = mlmShape(t);
  const inner = tensorOf(t);
  const dims: Dim[] = inner?.shape && inner.shape.length > 0 ? inner.shape : shape;
  const rank = shape.length;
  const byRank: Record<number, string[]> = {
    1: ['batch'],
    2: role === 'output' ? ['batch', 'class'] : ['batch', 'channel'],
    3: ['batch', 'height', 'width'],
    4: ['batch', 'channel', 'height', 'width'],
    5: ['batch', 'time', 'channel', 'height', 'width'],
  };
  const base =
    inner?.shape === null || inner === undefined
      ? ['unknown']
      : inner.shape?.length === 0
        ? ['value']
        : (byRank[rank] ?? Array.from({ length: rank }, (_, i) => `dim-${letters(i)}`));
  const out: string[] = [];
  // A set, not out.includes: a model may declare any number of dims, and this must stay linear.
  const used = new Set<string>();
  dims.forEach((d, i) => {
    const symbolic = typeof d === 'string' ? d.toLowerCase() : '';
    const name = symbolic.length >= 3 && DIM_NAME.test(symbolic) ? symbolic : (base[i] ?? `dim-${letters(i)}`);
    const unique = used.has(name) ? `${name}-${letters(i)}` : name;
    used.add(unique);
    out.push(unique);
  });
  return out.length > 0 ? out : base;
}

/** 0 -> a, 25 -> z, 26 -> ba... (dim names may not contain digits). */
function letters(i: number): string {
  let s = '';
  let n = i;
  do {
    s = String.fromCharCode(97 + (n % 26)) + s;
    n = Math.floor(n / 26);
  } while (n > 0);
  return s;
}

/** ONNX type in words, for descriptions of non-tensor inputs and outputs. */
function typeText(t: TypeInfo): string {
  switch (t.type) {
    case 'tensor':
    case 'sparse_tensor':
      return `${t.type === 'sparse_tensor' ? 'sparse_tensor' : 'tensor'}(${t.dataType})`;
    case 'sequence':
    case 'optional':
      return `${t.type === 'sequence' ? 'seq' : 'optional'}(${t.elementType ? typeText(t.elementType) : '?'})`;
    case 'map':
      return `map(${t.keyType}, ${t.valueType ? typeText(t.valueType) : '?'})`;
    default:
      return 'unknown';
  }
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The README block with keys written with or without the `mlm:` prefix. */
function normaliseReadme(readme: Obj | undefined): Obj {
  const out: Obj = {};
  for (const [k, v] of Object.entries(readme ?? {})) {
    const key = k.startsWith('mlm:') ? k.slice(4) : k;
    if (key !== '__proto__') out[key] = v;
  }
  return out;
}

/** Builds the item's MLM properties and the model asset's fields for one ONNX file. */
export function onnxToMlm(summary: OnnxSummary, readmeMlm: Record<string, unknown> | undefined, opts: OnnxMlmOptions): OnnxMlmResult {
  const diagnostics: Diagnostic[] = [];
  const warn = (code: string, message: string, level: Diagnostic['level'] = 'warning'): void => {
    diagnostics.push({ level, code, message, ...(opts.file ? { file: opts.file } : {}) });
  };
  const readme = normaliseReadme(readmeMlm);
  const extensions = new Set(ONNX_STAC_EXTENSIONS);
  const props: Obj = {};

  // Name: the README's, else the fallback; always made valid for the schema.
  const rawName = typeof readme.name === 'string' && readme.name.trim() ? readme.name : opts.name;
  const name = sanitizeMlmName(rawName);
  if (typeof readme.name === 'string' && name !== readme.name) {
    warn('mlm/name', `mlm.name ${JSON.stringify(readme.name)} does not match the MLM name pattern; published as ${JSON.stringify(name)}`);
  }
  props['mlm:name'] = name;
  props['mlm:architecture'] = typeof readme.architecture === 'string' && readme.architecture.trim() ? readme.architecture : 'unknown';

  const tasks = validTasks(readme.tasks, 'mlm.tasks', warn);
  if (tasks.length === 0) warn('mlm/no-tasks', 'no mlm.tasks in the README: the model is published with an empty task list', 'info');
  props['mlm:tasks'] = tasks;
  props['mlm:framework'] = 'ONNX';
  props['mlm:total_parameters'] = summary.parameterCount;
  if (summary.weightBytes.total > 0) props['mlm:memory_size'] = summary.weightBytes.total;

  // Everything else of the README block: copied, after the checks the schema would otherwise fail.
  const asset: Obj = {};
  for (const [key, value] of Object.entries(readme)) {
    if (['name', 'architecture', 'tasks', 'input', 'output', 'classes'].includes(key)) continue;
    if (FILE_FIELDS.has(key)) {
      if (key === 'framework' && value !== 'ONNX') {
        warn('mlm/file-wins', `mlm.framework ${JSON.stringify(value)} ignored: the published asset is an ONNX model (mention the training framework in mlm.hyperparameters or the description)`);
      } else if (key !== 'framework' && value !== props[`mlm:${key}`]) {
        warn('mlm/file-wins', `mlm.${key} ${JSON.stringify(value)} ignored: the ONNX file says ${JSON.stringify(props[`mlm:${key}`])}`);
      }
      continue;
    }
    if (ASSET_FIELDS.has(key)) {
      asset[`mlm:${key}`] = value;
      continue;
    }
    if (key === 'entrypoint') {
      warn('mlm/misplaced', 'mlm.entrypoint belongs to a source-code asset, not to the model: ignored');
      continue;
    }
    if (key === 'accelerator' && value !== null && !MLM_ACCELERATORS.has(String(value))) {
      warn('mlm/accelerator', `mlm.accelerator ${JSON.stringify(value)} is not an MLM v1.5.2 value (${[...MLM_ACCELERATORS].join(', ')} or null): ignored`);
      continue;
    }
    props[`mlm:${key}`] = value;
  }
  if (props['mlm:pretrained'] === false) props['mlm:pretrained_source'] = null;

  const classes = readme.classes === undefined ? undefined : normaliseClasses(readme.classes, 'mlm.classes', warn);
  props['mlm:input'] = mergeIo(summary.inputs, readme.input, 'input', warn).map(({ file, doc }) => inputObject(file, doc, warn));
  const outputs = mergeIo(summary.outputs, readme.output, 'output', warn).map(({ file, doc }) => {
    const o = outputObject(file, doc, tasks, warn);
    const isClassLike = (o.tasks as string[]).some((t) => /classification|segmentation|detection/.test(t));
    if (o['classification:classes'] === undefined && classes && (isClassLike || summary.outputs.length === 1)) {
      o['classification:classes'] = classes;
    }
    if (Array.isArray(o['classification:classes']) && (o['classification:classes'] as unknown[]).length > 0) {
      extensions.add(CLASSIFICATION_SCHEMA_URL);
    }
    return o;
  });
  props['mlm:output'] = outputs;

  // The model asset.
  const holdsWeights = summary.parameterCount > 0 && summary.inlineDataBytes > 0;
  asset.type = ONNX_MEDIA_TYPE;
  asset.roles = ['mlm:model', 'model', ...(holdsWeights ? ['mlm:weights', 'weights'] : []), 'data'];
  asset['mlm:artifact_type'] = typeof asset['mlm:artifact_type'] === 'string' && asset['mlm:artifact_type'] ? asset['mlm:artifact_type'] : 'onnx';
  if (opts.fileSize !== undefined) asset['file:size'] = opts.fileSize;
  if (opts.sha256 !== undefined) {
    if (/^[0-9a-fA-F]{64}$/.test(opts.sha256)) asset['file:checksum'] = sha256Multihash(opts.sha256);
    else warn('onnx/checksum', 'the model checksum is not a SHA-256 hex digest: file:checksum omitted');
  }

  if (summary.externalData.length > 0) {
    const files = [...new Set(summary.externalData.map((e) => e.location))];
    warn(
      'onnx/external-data',
      `${summary.externalData.length} tensors are stored outside the model, in ${files.map((f) => JSON.stringify(f)).join(', ')}: ` +
        'the ONNX asset holds the graph only; publish those files next to it',
      'info',
    );
    const unsafe = summary.externalData.filter((e) => e.unsafe).map((e) => e.location);
    if (unsafe.length > 0) {
      warn('onnx/external-data-unsafe', `external data locations that are absolute or leave the model's folder: ${[...new Set(unsafe)].map((f) => JSON.stringify(f)).join(', ')}`);
    }
  }
  return { properties: props, asset, diagnostics, stacExtensions: [...extensions] };
}

type Warn = (code: string, message: string, level?: Diagnostic['level']) => void;

function validTasks(value: unknown, where: string, warn: Warn): string[] {
  if (value === undefined || value === null) return [];
  const list = Array.isArray(value) ? value : [value];
  const out: string[] = [];
  for (const t of list) {
    if (typeof t === 'string' && MLM_TASKS.has(t)) {
      if (!out.includes(t)) out.push(t);
    } else {
      warn('mlm/task', `${where}: ${JSON.stringify(t)} is not an MLM task (${[...MLM_TASKS].join(', ')}): ignored`);
    }
  }
  return out;
}

/**
 * Classes as MLM's `classification:classes` (classification v1.1.0 Class Objects, which require
 * `value` and `description`): plain strings get their index as value and serve as name and
 * description; objects without a description get their name.
 */
function normaliseClasses(value: unknown, where: string, warn: Warn): Obj[] | undefined {
  if (!Array.isArray(value)) {
    warn('mlm/classes', `${where} must be a list of classes: ignored`);
    return undefined;
  }
  const out: Obj[] = [];
  value.forEach((c, i) => {
    if (typeof c === 'string') out.push({ value: i, name: c, description: c });
    else if (isObj(c) && Number.isInteger(c.value)) out.push({ ...c, description: typeof c.description === 'string' ? c.description : String(c.name ?? c.value) });
    else warn('mlm/classes', `${where}[${i}] needs an integer "value" (or be a plain name): ignored`);
  });
  return out;
}

/**
 * Pairs the file's inputs (or outputs) with the README's entries: by name, else by position when the
 * README lists as many unnamed (or differently named) entries as the file has. The file decides which
 * inputs exist; README entries that match none are reported.
 */
function mergeIo(fileList: ValueInfo[], readmeList: unknown, role: 'input' | 'output', warn: Warn): { file: ValueInfo; doc: Obj | undefined }[] {
  const docs = Array.isArray(readmeList) ? readmeList.filter(isObj) : readmeList === undefined ? [] : isObj(readmeList) ? [readmeList] : [];
  if (readmeList !== undefined && docs.length === 0) warn('mlm/io', `mlm.${role} must be a list of objects: ignored`);
  const used = new Set<number>();
  const pairs = fileList.map((file) => {
    const i = docs.findIndex((d, j) => !used.has(j) && d.name === file.name);
    if (i >= 0) used.add(i);
    return { file, doc: i >= 0 ? docs[i] : undefined };
  });
  const rest = docs.map((_, j) => j).filter((j) => !used.has(j));
  const unpaired = pairs.filter((p) => !p.doc);
  if (rest.length > 0 && rest.length === unpaired.length) {
    unpaired.forEach((p, k) => {
      const doc = docs[rest[k] as number] as Obj;
      if (typeof doc.name === 'string' && doc.name !== p.file.name) {
        warn('mlm/io-name', `mlm.${role} ${JSON.stringify(doc.name)} paired by position with the model's ${role} ${JSON.stringify(p.file.name)} (the model's name is published)`);
      }
      p.doc = doc;
    });
  } else if (rest.length > 0) {
    const names = rest.map((j) => JSON.stringify((docs[j] as Obj).name ?? `#${j + 1}`)).join(', ');
    warn('mlm/io-unmatched', `mlm.${role} entries ${names} match no ${role} of the ONNX model (${fileList.map((f) => JSON.stringify(f.name)).join(', ') || 'none'}): ignored`);
  }
  return pairs;
}

/** Shape and data type from the file, completed by the README where the file says -1 / `other`. */
function structure(file: ValueInfo, doc: Obj | undefined, role: 'input' | 'output', warn: Warn): Obj {
  const shape = mlmShape(file);
  let dataType = mlmDataType(file);
  const given = isObj(doc?.[role === 'input' ? 'input' : 'result']) ? (doc?.[role === 'input' ? 'input' : 'result'] as Obj) : {};
  const dimOrder = given.dim_order ?? doc?.dim_order;
  const givenShape = given.shape;
  if (Array.isArray(givenShape)) {
    if (givenShape.length === shape.length && givenShape.every((d) => Number.isInteger(d))) {
      shape.forEach((d, i) => {
        const g = givenShape[i] as number;
        if (d === -1) shape[i] = g;
        else if (g !== d && g !== -1) warn('mlm/file-wins', `${role} ${JSON.stringify(file.name)}: README shape ${JSON.stringify(givenShape)} differs from the model's; the model's is published`);
      });
    } else {
      warn('mlm/file-wins', `${role} ${JSON.stringify(file.name)}: README shape ${JSON.stringify(givenShape)} does not fit the model's rank ${shape.length}: ignored`);
    }
  }
  if (typeof given.data_type === 'string' && given.data_type !== dataType) {
    if (dataType === 'other' && MLM_DATA_TYPES.has(given.data_type)) dataType = given.data_type;
    else warn('mlm/file-wins', `${role} ${JSON.stringify(file.name)}: README data_type ${JSON.stringify(given.data_type)} differs from the model's ${JSON.stringify(dataType)}; the model's is published`);
  }
  let order: string[];
  if (Array.isArray(dimOrder) && dimOrder.length === shape.length && dimOrder.every((d) => typeof d === 'string' && DIM_NAME.test(d)) && new Set(dimOrder).size === dimOrder.length) {
    order = dimOrder as string[];
  } else {
    if (dimOrder !== undefined) warn('mlm/dim-order', `${role} ${JSON.stringify(file.name)}: dim_order ${JSON.stringify(dimOrder)} must list ${shape.length} distinct names of [a-z-_]: a guess is published`);
    order = guessDimOrder(file, role);
  }
  return { shape, dim_order: order, data_type: dataType };
}

const IO_RESERVED = new Set(['name', 'input', 'result', 'dim_order', 'classes', 'tasks']);

function inputObject(file: ValueInfo, doc: Obj | undefined, warn: Warn): Obj {
  const out: Obj = { name: file.name };
  copyExtras(out, doc);
  if (out.description === undefined && file.type !== 'tensor') out.description = `ONNX type ${typeText(file)}`;
  out.input = structure(file, doc, 'input', warn);
  return out;
}

function outputObject(file: ValueInfo, doc: Obj | undefined, itemTasks: string[], warn: Warn): Obj {
  const out: Obj = { name: file.name };
  copyExtras(out, doc);
  if (out.description === undefined && file.type !== 'tensor') out.description = `ONNX type ${typeText(file)}`;
  out.tasks = doc?.tasks !== undefined ? validTasks(doc.tasks, `mlm.output ${JSON.stringify(file.name)} tasks`, warn) : itemTasks;
  out.result = structure(file, doc, 'output', warn);
  if (doc?.classes !== undefined && out['classification:classes'] === undefined) {
    const c = normaliseClasses(doc.classes, `mlm.output ${JSON.stringify(file.name)} classes`, warn);
    if (c) out['classification:classes'] = c;
  }
  return out;
}

/** README fields of an input/output other than the ones merged with the file (bands, value_scaling...). */
function copyExtras(out: Obj, doc: Obj | undefined): void {
  for (const [k, v] of Object.entries(doc ?? {})) if (!IO_RESERVED.has(k) && k !== '__proto__') out[k] = v;
}

/**
 * An item's MLM fields as the site reads them. Values a README may write freely stay `unknown`
 * (without the schema check of a validated build, anything can be there); the lists hold only
 * their entries that are objects.
 */
export interface MlmView {
  input: Obj[];
  output: Obj[];
  architecture: unknown;
  framework: unknown;
  frameworkVersion: unknown;
  /** `mlm:tasks` when it is a list, else empty. */
  tasks: unknown[];
  /** `mlm:total_parameters` when it is a number. */
  totalParameters: number | undefined;
  /** `mlm:memory_size` when it is a number. */
  memorySize: number | undefined;
  pretrained: unknown;
  pretrainedSource: unknown;
  accelerator: unknown;
  batchSizeSuggestion: unknown;
}

/** The MLM fields of an item's properties. */
export function mlmOf(p: Readonly<Record<string, unknown>>): MlmView {
  const list = (v: unknown): Obj[] => (Array.isArray(v) ? v.filter(isObj) : []);
  const tasks = p['mlm:tasks'];
  const number = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);
  return {
    input: list(p['mlm:input']),
    output: list(p['mlm:output']),
    architecture: p['mlm:architecture'],
    framework: p['mlm:framework'],
    frameworkVersion: p['mlm:framework_version'],
    tasks: Array.isArray(tasks) ? tasks : [],
    totalParameters: number(p['mlm:total_parameters']),
    memorySize: number(p['mlm:memory_size']),
    pretrained: p['mlm:pretrained'],
    pretrainedSource: p['mlm:pretrained_source'],
    accelerator: p['mlm:accelerator'],
    batchSizeSuggestion: p['mlm:batch_size_suggestion'],
  };
}

/**
 * A dimension of an MLM shape as the site reads it: a size (-1 for any), `null` for unknown, a
 * string as written, or the text of anything else a README wrote (the schema wants integers).
 */
export type MlmDim = number | string | null;

/**
 * An MLM Model Input (`role` input) or Model Output (`role` output) as the site reads it. A README
 * may write these freely (without the schema check of a validated build, anything can be there), so
 * each value is checked: lists of names read as text, a value of the wrong type as absent.
 */
export interface MlmIoView {
  /** `name` as text, absent when the entry has none. */
  name?: string;
  description?: string;
  /** The structure's `shape` (`input` of an input, `result` of an output), when it is a list. */
  shape?: MlmDim[];
  /** The structure's `dim_order` names as text (empty when it is not a list). */
  dimOrder: string[];
  /** The structure's `data_type`, when it is a string. */
  dataType?: string;
  /** Band names: the strings of `bands` and the `name` of its objects, empty names left out. */
  bands: string[];
  /** `tasks` as text (empty when it is not a list). */
  tasks: string[];
  /** `classification:classes`: the class objects' `value` and `name`, as text. */
  classes: Array<{ value: string; name?: string }>;
}

/** An entry of a list as text, as `Array.prototype.join` writes it (null and undefined as ''). */
const entryText = (v: unknown): string => (v === null || v === undefined ? '' : String(v));

/** The fields of one entry of `mlm:input` (`role` input) or `mlm:output` (`role` output), typed. */
export function mlmIoOf(io: Obj, role: 'input' | 'output'): MlmIoView {
  const s = mlmStructureOf(io, role === 'input' ? 'input' : 'result');
  const bands = Array.isArray(io.bands) ? io.bands.map((b) => (typeof b === 'string' ? b : isObj(b) ? entryText(b.name) : '')).filter(Boolean) : [];
  const classes = io['classification:classes'];
  return {
    ...(io.name !== undefined && io.name !== null ? { name: String(io.name) } : {}),
    ...(typeof io.description === 'string' ? { description: io.description } : {}),
    ...(Array.isArray(s.shape) ? { shape: s.shape.map((d: unknown): MlmDim => (d === null || typeof d === 'number' || typeof d === 'string' ? d : String(d))) } : {}),
    dimOrder: Array.isArray(s.dim_order) ? s.dim_order.map(entryText) : [],
    ...(typeof s.data_type === 'string' ? { dataType: s.data_type } : {}),
    bands,
    tasks: Array.isArray(io.tasks) ? io.tasks.map(entryText) : [],
    classes: Array.isArray(classes)
      ? classes.filter(isObj).map((c) => ({ value: entryText(c.value), ...(c.name !== undefined ? { name: String(c.name) } : {}) }))
      : [],
  };
}

/** The structure of an MLM input (`input`) or output (`result`): an object, else empty. */
export function mlmStructureOf(io: Obj, key: 'input' | 'result'): Obj {
  const s = io[key];
  return isObj(s) ? s : {};
}

/** Whether an asset is the model (role `mlm:model`). */
export function isModelAsset(asset: { roles?: string[] }): boolean {
  return asset.roles?.includes('mlm:model') ?? false;
}
