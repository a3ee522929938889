/** Test models made by Debian's python3-torch (test/models/fixtures.py), once per test file. */
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from '../helpers.js';

/** python3-torch lives in the system interpreter (not a virtualenv's). */
export const PYTHON = '/usr/bin/python3';
export const INSTALL_HINT = 'python3-torch is missing: apt-get install -y python3-torch';

/** Throws the one message naming the package when python3-torch is not installed. */
export function requireTorch(): void {
  const r = spawnSync(PYTHON, ['-c', 'import torch'], { stdio: 'ignore' });
  if (r.status !== 0) throw new Error(INSTALL_HINT);
}

export interface TorchReference {
  tensors: Record<string, { dataType: string; shape: number[]; group: string }>;
  parameterCount: number;
}

export interface TorchFixtures {
  dir: string;
  /** Per file name: what torch says about it. */
  reference: Record<string, TorchReference>;
  cleanup(): void;
}

let cached: Promise<TorchFixtures> | undefined;

/** Writes every fixture with one Python process (torch's import costs seconds) and caches the result. */
export function torchFixtures(): Promise<TorchFixtures> {
  cached ??= (async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'stachub-torch-'));
    let stdout: string;
    try {
      ({ stdout } = await promisify(execFile)(PYTHON, [path.join(repoRoot, 'test/models/fixtures.py'), dir], { maxBuffer: 64 * 1024 * 1024 }));
    } catch (err) {
      rmSync(dir, { recursive: true, force: true });
      requireTorch(); // names the package when that is the cause
      throw err;
    }
    return { dir, reference: JSON.parse(stdout) as Record<string, TorchReference>, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
  })();
  return cached;
}
