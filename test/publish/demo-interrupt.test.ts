/**
 * The real output of the demo (catalog, item pages, model versions, search, assets), published
 * over an earlier build that lacked one project: interrupted after every possible number of
 * uploads, the published catalog must resolve everywhere a reader can go from the root.
 */
import { cp, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../generator/cli.js';
import { readOutputDir } from '../../generator/publish/read-dir.js';
import { StoreSink } from '../../generator/publish/sink.js';
import { MemoryObjectStore, type PutOptions } from '../../generator/publish/store.js';
import type { OutputFile } from '../../generator/types.js';
import { repoRoot } from '../helpers.js';
import { brokenLinks } from './fixtures.js';

let work: string;
let before: OutputFile[];
let after: OutputFile[];

async function buildDemo(examples: string, out: string): Promise<OutputFile[]> {
  let stderr = '';
  const code = await main(['node', 'stachub', 'build', '--config', path.join(examples, 'stachub.config.yml'), '--out', out, '--no-validate'], {
    env: {},
    stdout: () => {},
    stderr: (s) => void (stderr += s),
    isTTY: false,
    now: () => new Date('2026-11-01T12:00:00Z'),
  });
  expect(code, stderr).toBe(0);
  return readOutputDir(out);
}

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'stachub-demo-interrupt-'));
  const examples = path.join(work, 'examples');
  await cp(path.join(repoRoot, 'examples'), examples, { recursive: true });
  after = await buildDemo(examples, path.join(work, 'after'));
  // The earlier build: the same instance before the flood segmentation project (and its model versions) existed.
  await rm(path.join(examples, 'workspace/flood-segmentation'), { recursive: true });
  before = await buildDemo(examples, path.join(work, 'before'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

class FailingStore extends MemoryObjectStore {
  constructor(private limit: number) {
    super();
  }
  override async put(key: string, body: Uint8Array, options: PutOptions): Promise<void> {
    if (this.limit-- <= 0) throw new Error('connection lost');
    return super.put(key, body, options);
  }
}

/** Publish `to` over `from`, stopped after every possible number of uploads; returns the number of uploads. */
async function interruptEverywhere(from: OutputFile[], to: OutputFile[]): Promise<number> {
  const published = new MemoryObjectStore();
  await new StoreSink(published).write(from);
  const plan = await new StoreSink(published).plan(to);
  const total = plan.tiers.flat().length;
  const reader = (s: MemoryObjectStore) => async (p: string) => s.objects.get(p)?.body ?? null;
  expect(await brokenLinks(reader(published))).toEqual([]);
  for (let k = 0; k <= total; k++) {
    const store = new FailingStore(k + 1);
    for (const [key, v] of published.objects) store.objects.set(key, v);
    await new StoreSink(store).write(to).catch(() => undefined);
    expect(await brokenLinks(reader(store)), `stopped after ${k} of ${total} uploads`).toEqual([]);
  }
  return total;
}

describe('interrupting a publish of the demo catalog', () => {
  it('leaves every link reachable from the root resolving, at every point, when a project arrives', async () => {
    expect(after.map((f) => f.path)).toContain('ai-model/eo-lab/flood-segmentation/flood-segmentation.json');
    expect(await interruptEverywhere(before, after)).toBeGreaterThan(10);
  });

  it('and when it leaves', async () => {
    expect(await interruptEverywhere(after, before)).toBeGreaterThan(5);
  });
});
