/**
 * Conformance: `stachub inspect --json` on checkpoints written by python3-torch (and a safetensors
 * file the same script writes from torch tensors), against what torch itself says about them
 * (test/models/fixtures.py): every tensor's name, data type, shape and group, and the parameter
 * count, exactly. One CLI run and one Python process for everything.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../generator/cli.js';
import { torchFixtures, type TorchFixtures } from './helpers.js';

describe('stachub inspect --json agrees with python3-torch', () => {
  let fx: TorchFixtures;
  const ours = new Map<string, Record<string, unknown>>();
  let exitCode: number;

  beforeAll(async () => {
    fx = await torchFixtures();
    let out = '';
    const files = Object.keys(fx.reference).map((f) => path.join(fx.dir, f));
    exitCode = await main(['node', 'stachub', 'inspect', '--json', ...files], { stdout: (s) => (out += s), stderr: () => undefined });
    for (const line of out.split('\n')) {
      if (!line) continue;
      const obj = JSON.parse(line) as Record<string, unknown>;
      ours.set(path.basename(obj.source as string), obj);
    }
  }, 120_000);
  afterAll(() => fx?.cleanup());

  it('reads every checkpoint', () => {
    expect(exitCode).toBe(0);
    expect([...ours.keys()].sort()).toEqual(Object.keys(fx.reference).sort());
  });

  it('agrees on every tensor (name, data type, shape, group) and on the parameter count', () => {
    const mismatches: string[] = [];
    for (const [file, ref] of Object.entries(fx.reference)) {
      const got = ours.get(file)!;
      const tensors = Object.fromEntries(
        (got.tensors as { name: string; dataType: string; shape: number[]; group: string }[]).map((t) => [t.name, { dataType: t.dataType, shape: t.shape, group: t.group }]),
      );
      for (const name of new Set([...Object.keys(ref.tensors), ...Object.keys(tensors)])) {
        if (JSON.stringify(tensors[name]) !== JSON.stringify(ref.tensors[name])) {
          mismatches.push(`${file} ${name}: torch ${JSON.stringify(ref.tensors[name])}, stachub ${JSON.stringify(tensors[name])}`);
        }
      }
      if (got.parameterCount !== ref.parameterCount) mismatches.push(`${file}: parameterCount torch ${ref.parameterCount}, stachub ${String(got.parameterCount)}`);
    }
    expect(mismatches).toEqual([]);
    // The comparison covered real content: every dtype torch 1.13 stores, and a Lightning optimizer.
    expect(Object.keys(fx.reference['dtypes.pt']!.tensors).length).toBeGreaterThan(15);
    expect(Object.values(fx.reference['lightning.ckpt']!.tensors).filter((t) => t.group === 'optimizer').length).toBeGreaterThan(0);
  });

  it('names each format and framework as recorded', () => {
    const fmt = (f: string): unknown => ours.get(f)!.format;
    expect(fmt('state_dict.pth')).toBe('pytorch');
    expect(fmt('legacy.pt')).toBe('pytorch-legacy');
    expect(fmt('scripted.pt')).toBe('torchscript');
    expect(fmt('from_torch.safetensors')).toBe('safetensors');
    expect(ours.get('lightning.ckpt')).toMatchObject({ framework: 'PyTorch Lightning', frameworkVersion: '2.1.3', artifactType: 'torch.save' });
    expect(ours.get('scripted.pt')).toMatchObject({ framework: 'PyTorch', artifactType: 'torch.jit.save' });
    expect(ours.get('state_dict.pth')).toMatchObject({ devices: ['cpu'], metadata: { serializationVersion: '3' } });
  });

  it('keeps optimizer state out of the parameter count and says how much there is', () => {
    const l = ours.get('lightning.ckpt') as { optimizer: { tensors: number; elements: number }; parameterCount: number };
    const ref = fx.reference['lightning.ckpt']!;
    const opt = Object.values(ref.tensors).filter((t) => t.group === 'optimizer');
    expect(l.optimizer.tensors).toBe(opt.length);
    expect(l.optimizer.elements).toBe(opt.reduce((a, t) => a + t.shape.reduce((x, y) => x * y, 1), 0));
  });

  it('reads the forward signature TorchScript records (names and tensor kinds; shapes are not recorded)', () => {
    expect(ours.get('scripted.pt')).toMatchObject({
      inputs: [{ name: 'x', type: 'tensor', shape: null }, { name: 'scale', type: 'unknown' }],
      outputs: [{ name: 'output', type: 'tensor', shape: null }],
    });
    expect(ours.get('two_outputs.pt')).toMatchObject({
      inputs: [{ name: 'x', type: 'tensor' }, { name: 'mask', type: 'tensor' }],
      outputs: [{ name: 'output_0', type: 'tensor' }, { name: 'output_1', type: 'tensor' }],
    });
  });

  it('flags every torch.save / torch.jit.save checkpoint safe, and a whole pickled module unsafe with its classes', () => {
    for (const f of ['state_dict.pth', 'dtypes.pt', 'lightning.ckpt', 'nested.pth', 'legacy.pt', 'scripted.pt', 'two_outputs.pt']) {
      expect((ours.get(f)!.pickleSafety as { verdict: string }).verdict, f).toBe('safe');
    }
    expect(ours.get('whole_model.pt')!.pickleSafety).toMatchObject({
      verdict: 'unsafe',
      unsafeGlobals: ['__main__.Net', 'torch.nn.modules.batchnorm.BatchNorm2d', 'torch.nn.modules.conv.Conv2d', 'torch.nn.modules.linear.Linear'],
    });
  });
});
