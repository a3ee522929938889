import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  interpolate,
  jobsOf,
  parseDocs,
  readComponent,
  referencedInputs,
  referenceErrors,
  repoRoot,
  schemaErrors,
  type Component,
} from './ci-lint.js';

const componentsDir = path.join(repoRoot, 'pipelines/components/templates');
const componentFiles = readdirSync(componentsDir).filter((f) => f.endsWith('.yml')).sort();

/** Other input sets every component must also accept (beyond its defaults). */
const variants: Record<string, Array<Record<string, unknown>>> = {
  'catalog.yml': [
    { target: 's3', 's3-url': 's3://catalog-bucket/stac', 's3-endpoint': 'https://minio.example.com', shards: 8 },
    { config: 'stachub.config.yml', 'base-url': 'https://models.example.com/', 'run-on-default-branch': true, shards: 200 },
  ],
  'readme-lint.yml': [{ readme: 'docs/README.md', 'allow-failure': true, 'token-variable': 'BOT_TOKEN' }],
  'tracking.yml': [{ script: 'python train.py --epochs 3', port: 5555, store: 'runs', stage: 'test' }],
};

/** Mandatory inputs, given when checking a component with its defaults. */
const required: Record<string, Record<string, unknown>> = {
  'tracking.yml': { script: 'python train.py' },
};

describe('GitLab CI files validate against GitLab CI schema', () => {
  it('has the components the documentation lists', () => {
    expect(componentFiles).toEqual(expect.arrayContaining(['catalog.yml', 'readme-lint.yml', 'tracking.yml']));
  });

  for (const file of componentFiles) {
    describe(`component ${file}`, () => {
      const c: Component = readComponent(path.join(componentsDir, file));

      it('has a valid spec header whose inputs are all typed, described and used', () => {
        expect(schemaErrors(c.header)).toEqual([]);
        const used = referencedInputs(c.body);
        for (const [name, spec] of Object.entries(c.inputs)) {
          expect(spec.type, `${name} type`).toBeDefined();
          expect(spec.description, `${name} description`).toBeTruthy();
          expect(used.has(name), `${name} is used`).toBe(true);
        }
        for (const name of used) expect(Object.keys(c.inputs), `input ${name} is declared`).toContain(name);
      });

      for (const inputs of [required[file] ?? {}, ...(variants[file] ?? [])]) {
        it(`is a valid pipeline once interpolated with ${JSON.stringify(inputs)}`, () => {
          const body = interpolate(c, inputs);
          expect(schemaErrors(body)).toEqual([]);
          expect(referenceErrors({ stages: ['.pre', 'build', 'test', 'deploy', '.post'], ...body })).toEqual([]);
        });
      }
    });
  }

  it('the catalog component runs the shards as parallel jobs and a merge job', () => {
    const body = interpolate(readComponent(path.join(componentsDir, 'catalog.yml')), { shards: 4 });
    const jobs = jobsOf(body);
    expect(jobs.get('stachub-shard')?.parallel).toBe(4);
    expect(jobs.get('stachub-merge')?.needs).toEqual(['stachub-shard']);
    const script = (jobs.get('stachub-shard')?.script as string[]).join('\n');
    expect(script).toContain('--shard "${CI_NODE_INDEX:-1}/${CI_NODE_TOTAL:-1}"');
    expect((jobs.get('stachub-merge')?.script as string[]).join('\n')).toMatch(/merge \.stachub-shards\/\* --out public/);
  });

  it('rejects what GitLab would reject (the check is not vacuous)', () => {
    const c = readComponent(path.join(componentsDir, 'catalog.yml'));
    expect(schemaErrors(interpolate(c, { shards: 500 })).join('\n')).toMatch(/parallel must be <= 200/);
    expect(() => interpolate(c, { target: 'ftp' })).toThrow(/must be one of/);
    expect(() => interpolate(c, { shards: '4' })).toThrow(/must be a number/);
    expect(() => interpolate(readComponent(path.join(componentsDir, 'tracking.yml')))).toThrow(/input script is mandatory/);
    expect(schemaErrors({ build: { script: 5, not_a_keyword: true } }).length).toBeGreaterThan(0);
  });

  for (const rel of ['.gitlab-ci.yml', 'pipelines/components/.gitlab-ci.yml']) {
    it(`${rel} is valid, and so is every local component it includes with its inputs`, () => {
      const docs = parseDocs(readFileSync(path.join(repoRoot, rel), 'utf8')) as Array<Record<string, unknown>>;
      expect(docs.length).toBe(1);
      const doc = docs[0]!;
      expect(schemaErrors(doc)).toEqual([]);
      // Merge the included local files as GitLab would, then check references across them.
      let merged: Record<string, unknown> = { ...doc };
      for (const inc of ([] as unknown[]).concat(doc.include ?? [])) {
        const local = (inc as { local?: string }).local;
        if (!local) continue;
        const c = readComponent(path.join(repoRoot, local.replace(/^\//, '')));
        const body = interpolate(c, (inc as { inputs?: Record<string, unknown> }).inputs ?? {});
        expect(schemaErrors(body)).toEqual([]);
        merged = { ...body, ...merged };
      }
      delete merged.include;
      expect(referenceErrors(merged)).toEqual([]);
    });
  }
});
