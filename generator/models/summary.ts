/** The totals every format reports, computed the same way from its list of tensors. */
import type { ValueInfo } from '../onnx/types.js';
import type { ModelFormat, ModelSummary, PickleSafety, TensorInfo, TensorSummary } from './types.js';

export interface SummaryParts {
  format: ModelFormat;
  tensors: TensorInfo[];
  inputs: ValueInfo[];
  outputs: ValueInfo[];
  framework?: string;
  frameworkVersion?: string;
  artifactType: string;
  metadata: Record<string, unknown>;
  pickleSafety?: PickleSafety;
  files?: string[];
  notes: string[];
}

/**
 * Parameters are the elements of the model's tensors (each name counted, as
 * `sum(t.numel() for t in state_dict.values())` does); bytes count each storage once, since views
 * and tied weights share one.
 */
export function summarise(p: SummaryParts): ModelSummary {
  const model = p.tensors.filter((t) => t.group === 'model');
  const optimizer = p.tensors.filter((t) => t.group === 'optimizer');
  const bytesOnce = (list: TensorInfo[]): { total: number; byDataType: Record<string, number> } => {
    const seen = new Set<string>();
    const byDataType: Record<string, number> = {};
    let total = 0;
    for (const t of list) {
      if (t.storage !== undefined) {
        if (seen.has(t.storage)) continue;
        seen.add(t.storage);
      }
      total += t.bytes;
      byDataType[t.dataType] = (byDataType[t.dataType] ?? 0) + t.bytes;
    }
    return { total, byDataType };
  };
  const byDataType: TensorSummary['byDataType'] = {};
  const seen = new Set<string>();
  for (const t of model) {
    const d = (byDataType[t.dataType] ??= { tensors: 0, elements: 0, bytes: 0 });
    d.tensors++;
    d.elements += t.elements;
    if (t.storage === undefined || !seen.has(t.storage)) d.bytes += t.bytes;
    if (t.storage !== undefined) seen.add(t.storage);
  }
  const largest = [...model]
    .sort((a, b) => b.elements - a.elements || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .slice(0, 5)
    .map((t) => ({ name: t.name, dataType: t.dataType, shape: t.shape, elements: t.elements }));
  const devices = [...new Set(p.tensors.map((t) => t.device).filter((d): d is string => d !== undefined))].sort();
  return {
    format: p.format,
    parameterCount: model.reduce((a, t) => a + t.elements, 0),
    inputs: p.inputs,
    outputs: p.outputs,
    weightBytes: bytesOnce(model),
    tensorSummary: { count: model.length, byDataType, largest },
    optimizer: { tensors: optimizer.length, elements: optimizer.reduce((a, t) => a + t.elements, 0), bytes: bytesOnce(optimizer).total },
    tensors: p.tensors,
    ...(p.framework ? { framework: p.framework } : {}),
    ...(p.frameworkVersion ? { frameworkVersion: p.frameworkVersion } : {}),
    artifactType: p.artifactType,
    devices,
    metadata: p.metadata,
    ...(p.pickleSafety ? { pickleSafety: p.pickleSafety } : {}),
    ...(p.files ? { files: p.files } : {}),
    notes: p.notes,
  };
}
