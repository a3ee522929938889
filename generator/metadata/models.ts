/**
 * The model files among a project's assets (PURE): which are described from their headers, and by
 * which reader. ONNX models within the budget first, then the other formats.
 */
import type { Diagnostic, ProjectSnapshot } from '../types.js';
import type { DiscoveredAsset } from './assets.js';
import { LIMITS } from '../limits.js';

// The ONNX summary types as the snapshot carries them (metadata/ comes before onnx/ in the pipeline).
type OnnxSummary = ProjectSnapshot['onnx'][string];
type TypeInfo = NonNullable<OnnxSummary['inputs'][number]['elementType']>;

/** A model file an asset rule selected: its asset key, path, and which reader summarised it. */
export interface ModelFile {
  key: string;
  path: string;
  reader: 'onnx' | 'models';
}

/** The model files among `assets`; an ONNX model over the budget is reported to `diagnostics` and left out. */
export function modelFilesOf(assets: readonly DiscoveredAsset[], snapshot: ProjectSnapshot, diagnostics: Diagnostic[]): ModelFile[] {
  const models: ModelFile[] = [];
  for (const a of assets) {
    const summary = a.file && Object.hasOwn(snapshot.onnx, a.file.path) ? snapshot.onnx[a.file.path] : undefined;
    if (!summary || !a.file) continue;
    const tooLarge = onnxOverBudget(summary);
    if (tooLarge) diagnostics.push({ level: 'error', code: 'budget/onnx', message: `${a.file.path}: ${tooLarge}: the model is not described`, file: a.file.path });
    else models.push({ key: a.key, path: a.file.path, reader: 'onnx' });
  }
  for (const a of assets) if (a.file && snapshot.models?.[a.file.path]) models.push({ key: a.key, path: a.file.path, reader: 'models' });
  return models;
}

/** Why an ONNX model is too large to describe (docs/metadata.md#limits-what-a-hostile-readme-can-and-cannot-do), or undefined. */
function onnxOverBudget(summary: OnnxSummary): string | undefined {
  const values = summary.inputs.length + summary.outputs.length;
  if (values > LIMITS.onnxValues) return `${values} inputs and outputs, more than ${LIMITS.onnxValues}`;
  let dims = 0;
  for (const v of [...summary.inputs, ...summary.outputs]) {
    for (let t: TypeInfo | undefined = v; t; t = t.elementType ?? t.valueType) {
      dims = Math.max(dims, t.shape?.length ?? 0);
      if (dims > LIMITS.onnxDims) return `a tensor with more than ${LIMITS.onnxDims} dimensions`;
    }
  }
  return undefined;
}
