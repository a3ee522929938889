/**
 * No pickle is ever executed: hostile pickles that create a file when Python loads them (checked
 * with python3-torch's interpreter) create none when stachub inspects them, and each is flagged
 * unsafe with the globals it imports.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../generator/cli.js';
import { bufferByteSource } from '../../generator/onnx/byte-source.js';
import { inspectModel } from '../../generator/models/index.js';
import { PYTHON, requireTorch } from './helpers.js';
import { hostileCheckpoint, hostilePickles, nestedZip } from './hostile.js';

const root = mkdtempSync(path.join(tmpdir(), 'stachub-hostile-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function inspectJson(files: string[]): Promise<Map<string, Record<string, unknown>>> {
  let out = '';
  await main(['node', 'stachub', 'inspect', '--json', ...files], { stdout: (s) => (out += s), stderr: () => undefined });
  const m = new Map<string, Record<string, unknown>>();
  for (const line of out.split('\n').filter(Boolean)) {
    const o = JSON.parse(line) as Record<string, unknown>;
    m.set(path.basename(o.source as string), o);
  }
  return m;
}

describe('hostile pickles', () => {
  const markers = path.join(root, 'markers');
  const files = path.join(root, 'files');

  beforeAll(() => {
    execFileSync('mkdir', ['-p', markers, files]);
  });

  it('would run their payload when loaded by Python (the test files are really hostile)', () => {
    requireTorch();
    const proof = path.join(root, 'proof');
    execFileSync('mkdir', ['-p', proof]);
    const a = path.join(proof, 'a.pkl');
    const b = path.join(proof, 'b.pt');
    writeFileSync(a, hostilePickles(path.join(proof, 'from-pickle'))['stack-global-memo.pkl']!.bytes);
    writeFileSync(b, hostileCheckpoint(path.join(proof, 'from-torch-load')));
    execFileSync(PYTHON, ['-c', `import pickle, torch\npickle.load(open(${JSON.stringify(a)}, 'rb'))\ntorch.load(${JSON.stringify(b)})`]);
    expect(readdirSync(proof).sort()).toEqual(['a.pkl', 'b.pt', 'from-pickle', 'from-torch-load']);
  });

  it('create no file when inspected, and are each flagged unsafe with their globals', async () => {
    const cases = hostilePickles(path.join(markers, 'pwned'));
    for (const [name, c] of Object.entries(cases)) writeFileSync(path.join(files, name), c.bytes);
    writeFileSync(path.join(files, 'poisoned.pt'), hostileCheckpoint(path.join(markers, 'pwned')));
    writeFileSync(path.join(files, 'nested.zip'), nestedZip(path.join(markers, 'pwned')));
    const got = await inspectJson(readdirSync(files).map((f) => path.join(files, f)));
    expect(readdirSync(markers)).toEqual([]);
    for (const [name, c] of Object.entries(cases)) {
      expect(got.get(name)?.pickleSafety, name).toMatchObject({ verdict: 'unsafe', unsafeGlobals: c.globals.sort() });
    }
    expect(got.get('poisoned.pt')).toMatchObject({ format: 'pytorch', pickleSafety: { verdict: 'unsafe', unsafeGlobals: ['os.system'], dangerousGlobals: ['os.system'] } });
    expect(got.get('nested.zip')).toMatchObject({ format: 'zip', pickleSafety: { verdict: 'unsafe', unsafeGlobals: ['os.system'] } });
    expect(existsSync(path.join(markers, 'pwned'))).toBe(false);
  });

  it('names the known command runners among the unsafe globals', async () => {
    const s = await inspectModel(bufferByteSource(hostilePickles('/nonexistent/x')['getattr-import.pkl']!.bytes, 'g.pkl'));
    expect(s.pickleSafety).toMatchObject({ verdict: 'unsafe', dangerousGlobals: ['builtins.__import__', 'builtins.getattr'] });
  });

  it('judges a pickle it cannot read to the end unsafe (the unread part could import anything)', async () => {
    const s = await inspectModel(bufferByteSource(Buffer.from([0x80, 0x02, 0x7d, 0xff, 0x2e]), 'bad.pkl'));
    expect(s.pickleSafety?.verdict).toBe('unsafe');
    expect(s.pickleSafety?.unsafeGlobals).toEqual([]);
    expect(s.pickleSafety?.unreadable?.[0]).toMatch(/unknown opcode 0xff/);
  });

  it('refuses a pickle bomb (shared references naming 2^40 paths) quickly, with model/limit', async () => {
    const { op, pickle, zipStored } = await import('./writers.js');
    // L0 = {}; L(i+1) = [Li, Li], memoized: 40 levels is a few hundred bytes.
    const levels: Buffer[] = [op.emptyDict, op.binput(0), op.pop];
    for (let i = 0; i < 40; i++) levels.push(op.mark, op.binget(i), op.binget(i), Buffer.from('l'), op.binput(i + 1), op.pop);
    const bomb = zipStored([{ name: 'archive/data.pkl', data: pickle(op.proto(2), ...levels, op.binget(40), op.stop) }]);
    const err = await inspectModel(bufferByteSource(bomb, 'bomb.pt')).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'model/limit' });
  });

  it('stops nested zips at the depth limit and says so', async () => {
    let z = nestedZip('/nonexistent/x');
    const { zipStored } = await import('./writers.js');
    for (let i = 0; i < 4; i++) z = zipStored([{ name: `level${i}.zip`, data: z }]);
    const s = await inspectModel(bufferByteSource(z, 'deep.zip'));
    expect(s.pickleSafety?.verdict).toBe('unsafe');
    expect(s.pickleSafety?.unreadable?.join(' ')).toMatch(/nested deeper than 3/);
  });
});
