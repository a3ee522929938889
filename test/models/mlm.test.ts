/** modelToMlm: the MLM fields of a non-ONNX model file, merged with the README's mlm: block. */
import { describe, expect, it } from 'vitest';
import { modelToMlm } from '../../generator/stac/extensions/mlm-models.js';
import { summarise } from '../../generator/models/summary.js';
import type { TensorInfo } from '../../generator/models/types.js';

const t = (name: string, shape: number[], extra: Partial<TensorInfo> = {}): TensorInfo => ({
  name, dataType: 'float32', shape, elements: shape.reduce((a, b) => a * b, 1), bytes: shape.reduce((a, b) => a * b, 4), group: 'model', ...extra,
});

describe('modelToMlm', () => {
  it('takes parameters, memory, framework and version from the file, and the rest from the README', () => {
    const s = summarise({
      format: 'pytorch',
      tensors: [t('state_dict/w', [10, 10], { storage: '0', device: 'cuda:0' }), t('optimizer_states/0/state/0/exp_avg', [10, 10], { group: 'optimizer', storage: '1', device: 'cuda:0' })],
      inputs: [],
      outputs: [],
      framework: 'PyTorch Lightning',
      frameworkVersion: '2.1.3',
      artifactType: 'torch.save',
      metadata: {},
      notes: [],
    });
    const r = modelToMlm(s, {
      'mlm:framework': 'PyTorch',
      architecture: 'U-Net',
      tasks: ['segmentation'],
      input: [{ name: 'image', input: { shape: [-1, 3, 64, 64], dim_order: ['batch', 'channel', 'height', 'width'], data_type: 'float32' } }],
      output: [{ name: 'mask', result: { shape: [-1, 2, 64, 64], dim_order: ['batch', 'class', 'height', 'width'], data_type: 'float32' } }],
    }, { name: 'unet', file: 'last.ckpt' });
    expect(r.properties).toMatchObject({
      'mlm:framework': 'PyTorch Lightning',
      'mlm:framework_version': '2.1.3',
      'mlm:total_parameters': 100,
      'mlm:memory_size': 400,
      'mlm:accelerator': 'cuda',
      'mlm:architecture': 'U-Net',
      'mlm:input': [{ name: 'image', input: { shape: [-1, 3, 64, 64], dim_order: ['batch', 'channel', 'height', 'width'], data_type: 'float32' } }],
      'mlm:output': [{ name: 'mask', tasks: ['segmentation'], result: { shape: [-1, 2, 64, 64], data_type: 'float32' } }],
    });
    expect(r.asset).toMatchObject({ type: 'application/octet-stream; framework=pytorch', 'mlm:artifact_type': 'torch.save', 'stachub:tensors': { count: 1, parameters: 100, optimizer: { tensors: 1, elements: 100 } } });
    // "PyTorch" in the README is not contradicted by "PyTorch Lightning": no warning.
    expect(r.diagnostics.filter((d) => d.code === 'mlm/file-wins')).toEqual([]);
  });

  it('keeps a README accelerator and framework when the file records none (safetensors without metadata)', () => {
    const s = summarise({ format: 'safetensors', tensors: [t('w', [4])], inputs: [], outputs: [], artifactType: 'safetensors.torch.save_file', metadata: {}, notes: [] });
    const r = modelToMlm(s, { framework: 'JAX', accelerator: 'xla', tasks: ['regression'] }, { name: 'w' });
    expect(r.properties).toMatchObject({ 'mlm:framework': 'JAX', 'mlm:accelerator': 'xla', 'mlm:input': [], 'mlm:output': [] });
    expect(r.asset['stachub:pickle_safety']).toBeUndefined();
  });

  it('names the architecture from GGUF metadata when the README does not', () => {
    const s = summarise({ format: 'gguf', tensors: [t('w', [4])], inputs: [], outputs: [], framework: 'llama.cpp', artifactType: 'gguf', metadata: { 'general.architecture': 'qwen2' }, notes: [] });
    expect(modelToMlm(s, undefined, { name: 'llm' }).properties['mlm:architecture']).toBe('qwen2');
    expect(modelToMlm(s, { architecture: 'Qwen 2' }, { name: 'llm' }).properties['mlm:architecture']).toBe('Qwen 2');
  });
});
