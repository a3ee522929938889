/**
 * The project fuzzer in the suite: 300 seeded mutated projects, built 20 at a time beside two good
 * projects through the real CLI (bench/project-fuzz.ts runs 10,000). After every build: exit 0,
 * both good projects published and ok, the catalog valid, no project failed with an untyped error.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fuzzProject, goodProject, MUTATIONS, rng, runBatch, seedFrontMatters, type FuzzProject } from './project-fuzz.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'stachub-project-fuzz-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('project fuzzing', () => {
  it('300 mutated projects: no crash, no lost good project, no invalid catalog, no untyped error', async () => {
    const seeds = await seedFrontMatters();
    expect(seeds.length).toBeGreaterThan(5);
    const rand = rng(0x5eed);
    const seen = new Set<string>();
    for (let batch = 0; batch < 15; batch++) {
      const projects: FuzzProject[] = [goodProject(0), goodProject(1)];
      for (let i = 0; i < 20; i++) projects.push(fuzzProject(seeds, rand, batch * 20 + i));
      for (const p of projects) if (p.mutation) seen.add(p.mutation);
      const o = await runBatch(dir, projects);
      const what = `batch ${batch}: ${projects.slice(2).map((p) => p.mutation).join(',')}`;
      expect(o.failures, what).toEqual([]);
      expect(o.code, what).toBe(0);
      expect(o.lost, what).toEqual([]);
      expect(o.untyped, what).toEqual([]);
      // Every mutated project is accounted for: published, or reported (none disappears silently).
      expect(o.report!.counts.projects + o.report!.counts.excludedVisibility, what).toBeGreaterThanOrEqual(2);
    }
    expect([...seen].sort()).toEqual([...MUTATIONS].sort());
  }, 600_000);

  it('with --strict, a batch with a bad project exits 3 and still writes every good project', async () => {
    const seeds = await seedFrontMatters();
    const bad: FuzzProject = { ...fuzzProject(seeds, rng(7), 0), readme: '---\ngsd: -1\n---\n# x\n' };
    const o = await runBatch(dir, [goodProject(0), goodProject(1), bad], { strict: true });
    expect(o.code).toBe(3);
    expect(o.lost).toEqual([]);
    expect(o.failures).toEqual([]);
  }, 120_000);
});
