/**
 * Long fuzz run of the build: seeded mutated projects (test/core/project-fuzz.ts) built in batches
 * beside good projects through the real CLI, offline schema validation included. After each build:
 * exit 0 (or 3 only with --strict), every good project published and ok, the catalog valid, no
 * project failed with an unexpected (untyped) error. Prints the counts, the slowest batch and peak
 * RSS; exits non-zero on any crash, lost good project or invalid catalog.
 *
 *   npx tsx bench/project-fuzz.ts [--cases 10000] [--per-build 10] [--seed 1] [--strict]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fuzzProject, goodProject, rng, runBatch, seedFrontMatters, type FuzzProject } from '../test/core/project-fuzz.js';

const arg = (name: string, dflt: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const cases = arg('cases', 10_000);
const perBuild = arg('per-build', 10);
const seed = arg('seed', 1);
const strict = process.argv.includes('--strict');

const seeds = await seedFrontMatters();
const rand = rng(seed);
const dir = await mkdtemp(path.join(os.tmpdir(), 'stachub-project-fuzz-'));
const counts = { builds: 0, crashes: 0, lost: 0, invalid: 0, untyped: 0 };
const mutations: Record<string, number> = {};
const problems: string[] = [];
let slowest = { ms: 0, what: '' };
let peakRss = process.memoryUsage().rss;
const t0 = performance.now();
try {
  for (let done = 0; done < cases; ) {
    const projects: FuzzProject[] = [goodProject(0), goodProject(1)];
    const first = done;
    for (let i = 0; i < perBuild && done < cases; i++, done++) {
      const p = fuzzProject(seeds, rand, done);
      mutations[p.mutation!] = (mutations[p.mutation!] ?? 0) + 1;
      projects.push(p);
    }
    const o = await runBatch(dir, projects, { strict });
    counts.builds++;
    const what = `cases ${first}-${done - 1} (${projects.slice(2).map((p) => p.mutation).join(',')})`;
    if (o.code !== 0 && o.code !== 3) counts.crashes++;
    if (o.code === 3 && !strict) counts.invalid++;
    counts.lost += o.lost.length;
    counts.untyped += o.untyped.length;
    for (const f of [...o.failures, ...o.lost, ...o.untyped]) {
      problems.push(`seed ${seed} ${what}: ${f}`);
      console.log(`PROBLEM seed ${seed} ${what}: ${f}`);
    }
    if (o.ms > slowest.ms) slowest = { ms: o.ms, what };
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
    if (counts.builds % 50 === 0) console.log(`${done}/${cases} cases, ${((performance.now() - t0) / 1000).toFixed(0)} s, ${JSON.stringify(counts)}`);
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
peakRss = Math.max(peakRss, process.resourceUsage().maxRSS * 1024);
console.log(`${cases} cases in ${counts.builds} builds of ${perBuild} (+2 good projects each), seed ${seed}${strict ? ', --strict' : ''}, ${((performance.now() - t0) / 1000).toFixed(0)} s`);
console.log('mutations:', JSON.stringify(mutations));
console.log(`crashes ${counts.crashes}, lost good projects ${counts.lost}, invalid catalogs ${counts.invalid}, untyped project failures ${counts.untyped}`);
console.log(`slowest build: ${(slowest.ms / 1000).toFixed(2)} s (${slowest.what}); peak RSS ${(peakRss / 2 ** 20).toFixed(0)} MiB`);
if (problems.length > 0) {
  console.log(problems.slice(0, 30).join('\n'));
  process.exitCode = 1;
}
