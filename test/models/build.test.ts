/**
 * Model files in a build: `stachub build` over a workspace whose projects hold a safe state dict, a
 * poisoned checkpoint, a hostile .pkl and a GGUF file. No pickle runs (the payloads would create a
 * marker file), each asset carries its verdict and tensor summary, and unsafe pickles are warnings.
 * Also: a safetensors file described over HTTP Range requests.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../generator/cli.js';
import { mediaTypeOf } from '../../generator/media-types.js';
import { httpByteSource } from '../../generator/onnx/byte-source.js';
import { inspectModel } from '../../generator/models/index.js';
import { startRangeServer } from '../onnx/range-server.js';
import { hostileCheckpoint, hostilePickles } from './hostile.js';
import { GGUF, gguf, safetensors } from './writers.js';

const root = mkdtempSync(path.join(tmpdir(), 'stachub-models-build-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function project(dir: string, id: number, readme: string, files: Record<string, Uint8Array>): void {
  const p = path.join(root, 'ws', dir);
  mkdirSync(p, { recursive: true });
  writeFileSync(
    path.join(p, 'stachub-project.yml'),
    [
      `id: ${id}`, `path_with_namespace: lab/${dir}`, `name: ${dir}`, `name_with_namespace: Lab / ${dir}`, 'description: test',
      'topics: [sharinghub:aimodel]', 'visibility: public', `web_url: https://gitlab.example.com/lab/${dir}`, 'default_branch: main',
      'created_at: 2026-01-01T00:00:00Z', 'last_activity_at: 2026-01-02T00:00:00Z', 'star_count: 0', '',
    ].join('\n'),
  );
  writeFileSync(path.join(p, 'README.md'), readme);
  for (const [name, bytes] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(p, name)), { recursive: true });
    writeFileSync(path.join(p, name), bytes);
  }
}

describe('model files in a build', () => {
  it('never runs a pickle, and publishes each verdict, tensor summary and MLM fields', async () => {
    const markers = path.join(root, 'markers');
    mkdirSync(markers);
    const marker = path.join(markers, 'pwned');
    project('poisoned', 1, '---\nassets:\n  - glob: "*.pt"\n    key: checkpoint\n  - glob: "*.pkl"\n    key: pipeline\nmlm:\n  architecture: U-Net\n  tasks: [segmentation]\n---\n# Poisoned\n', {
      'model.pt': hostileCheckpoint(marker),
      'pipeline.pkl': hostilePickles(marker)['stack-global-memo.pkl']!.bytes,
    });
    project('llm', 2, '---\nassets:\n  - glob: "*.gguf"\n    key: model\nmlm:\n  tasks: [generative]\n---\n# LLM\n', {
      'tiny.gguf': gguf({ 'general.architecture': { type: GGUF.STRING, value: 'llama' } }, [{ name: 'w', dims: [32, 4], type: 'F16' }]),
    });
    project('weights', 3, '---\nassets:\n  - glob: "*.safetensors"\n    key: model\n---\n# Weights\n', {
      'model.safetensors': safetensors([{ name: 'a', dtype: 'F32', shape: [8, 8] }], { format: 'pt' }),
    });
    const out = path.join(root, 'out');
    let err = '';
    const code = await main(['node', 'stachub', 'build', '--workspace', path.join(root, 'ws'), '--out', out, '--no-validate'], {
      stdout: () => undefined,
      stderr: (s) => (err += s),
      now: () => new Date('2026-11-01T00:00:00Z'),
      env: {},
    });
    expect(code, err).toBe(0);
    expect(readdirSync(markers)).toEqual([]);
    expect(existsSync(marker)).toBe(false);

    const item = (dir: string): { properties: Record<string, unknown>; assets: Record<string, Record<string, unknown>> } => {
      const f = readdirSync(path.join(out), { recursive: true }).map(String).find((p) => p.endsWith(`${dir}/${dir}.json`))!;
      return JSON.parse(readFileSync(path.join(out, f), 'utf8'));
    };
    const poisoned = item('poisoned');
    expect(poisoned.assets.checkpoint).toMatchObject({ 'stachub:pickle_safety': { verdict: 'unsafe', unsafe_globals: ['os.system'] } });
    expect(poisoned.assets.pipeline).toMatchObject({ 'stachub:pickle_safety': { verdict: 'unsafe', unsafe_globals: ['os.system'] } });
    const report = JSON.parse(readFileSync(path.join(out, 'build-report.json'), 'utf8')) as { projects: { path: string; messages: { code: string; file?: string }[] }[] };
    expect(report.projects.find((p) => p.path === 'lab/poisoned')!.messages.filter((m) => m.code === 'pickle/unsafe').map((m) => m.file).sort()).toEqual(['model.pt', 'pipeline.pkl']);

    const llm = item('llm');
    expect(llm.properties).toMatchObject({ 'mlm:framework': 'llama.cpp', 'mlm:architecture': 'llama', 'mlm:total_parameters': 128, 'mlm:memory_size': 256 });
    expect(llm.assets.model).toMatchObject({ 'mlm:artifact_type': 'gguf', 'stachub:tensors': { format: 'gguf', count: 1, parameters: 128 } });
    expect(llm.assets.model!['stachub:pickle_safety']).toBeUndefined();

    const weights = item('weights');
    expect(weights.properties).toMatchObject({ 'mlm:framework': 'PyTorch', 'mlm:total_parameters': 64 });
    expect(weights.assets.model).toMatchObject({ type: 'application/octet-stream; application=safetensors', 'mlm:artifact_type': 'safetensors.torch.save_file' });
  });

  it('types a safetensors file known only by its extension as it types a described one (a format, not a framework)', () => {
    expect(mediaTypeOf('weights/model.safetensors')).toBe('application/octet-stream; application=safetensors');
  });

  it('describes a safetensors file over HTTP Range requests, reading its header only', async () => {
    const big = safetensors([{ name: 'w', dtype: 'F32', shape: [512, 1024] }], { format: 'pt' });
    const server = await startRangeServer({ files: { '/m.safetensors': big } });
    try {
      const src = httpByteSource(`${server.url}/m.safetensors`);
      const s = await inspectModel(src);
      expect(s).toMatchObject({ format: 'safetensors', parameterCount: 512 * 1024 });
      expect(server.sentBytes).toBeLessThan(70_000);
      expect(big.length).toBeGreaterThan(2_000_000);
    } finally {
      await server.close();
    }
  });
});
