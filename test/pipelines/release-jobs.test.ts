/**
 * How stachub reaches the CI jobs that use it: the release jobs of this repository's pipeline (a
 * version tag publishes the npm package to the project's package registry and the image to its
 * container registry) and the components' defaults (the released image; no install from the
 * public npm registry). The jobs' scripts run in bash as a runner runs them: the npm release
 * against a fake of GitLab's npm registry, then the install command the components document,
 * from that registry; the image release with a recording stand-in for BuildKit's client, which
 * cannot run here. The schema checks of these files are in ci-schema.test.ts.
 */
import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNpmRegistry, type FakeNpmRegistry } from '../fakes/gitlab/npm-registry.js';
import { jobsOf, parseDocs, readComponent, repoRoot } from './ci-lint.js';
import { docFiles } from '../docs/markdown.js';

const pkg = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string };
const templates = ['catalog.yml', 'readme-lint.yml', 'tracking.yml'].map((f) => path.join(repoRoot, 'pipelines/components/templates', f));
const pipeline = parseDocs(readFileSync(path.join(repoRoot, '.gitlab-ci.yml'), 'utf8'))[0] as Record<string, unknown>;
const jobs = jobsOf(pipeline);

/** The image the components default to: stachub's own release of this version. */
const RELEASED_IMAGE = `$CI_REGISTRY/platform/stachub:${pkg.version}`;

/** A job's shell script (its `extends` parent's before_script, then its own) and variables, as the runner joins them. */
function jobScript(name: string): { lines: string[]; variables: Record<string, string> } {
  const own = jobs.get(name)!;
  const parent = own.extends ? jobs.get(own.extends as string)! : {};
  const merged = { ...parent, ...own } as Record<string, unknown>;
  const lines = [...((merged.before_script as string[]) ?? []), ...(merged.script as string[])];
  return { lines, variables: { ...(parent.variables as object), ...(own.variables as object) } as Record<string, string> };
}

/** This process's environment without what `npm test` adds (npm_* settings of this checkout). */
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^npm_/i.test(k) || /^npm_config_registry$/i.test(k)) env[k] = v;
  return { ...env, ...extra };
}

function bash(script: string, cwd: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn('bash', ['-c', ['set -eo pipefail', script].join('\n')], { cwd, env });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('exit', (code) => resolve({ code, output }));
  });
}

describe('the components run the released stachub image', () => {
  for (const file of templates) {
    it(`${path.basename(file)}: the default image is stachub ${pkg.version} and the default setup installs nothing`, () => {
      const c = readComponent(file);
      expect(c.inputs.image?.default).toBe(RELEASED_IMAGE);
      expect(c.inputs.setup?.default).toBe('');
      // No default fetches a package named `stachub` from the public npm registry.
      expect(JSON.stringify(c.inputs)).not.toMatch(/npm install[^"`]*\s(stachub|npx stachub)["`\s]/);
    });
  }

  it('every stachub version the components, the READMEs and docs/ name is this version', () => {
    const docs = ['pipelines/components/README.md', ...docFiles()].map((f) => path.join(repoRoot, f));
    const texts = [...templates, ...docs].map((f) => readFileSync(f, 'utf8'));
    const named = texts.flatMap((t) => [...t.matchAll(/stachub[:-](\d+\.\d+\.\d+)\b/g)].map((m) => m[1]));
    expect(named.length).toBeGreaterThanOrEqual(10);
    expect(new Set(named)).toEqual(new Set([pkg.version]));
  });

  it("this repository's own catalog runs stachub from the checkout, not from a released image", () => {
    const include = ([] as Array<{ local?: string; inputs?: Record<string, unknown> }>).concat(pipeline.include as never);
    const catalog = include.find((i) => i.local?.endsWith('templates/catalog.yml'));
    expect(catalog?.inputs).toMatchObject({ image: expect.stringMatching(/^node:\d+/), setup: 'npm ci --no-audit --no-fund', stachub: 'node bin/stachub.js' });
  });
});

describe('the release jobs', () => {
  const rule = ((jobs.get('.release')!.rules as Array<{ if: string }>)[0]!.if);
  const tagRegex = (() => {
    const m = /^\$CI_COMMIT_TAG =~ \/(.+)\/$/.exec(rule);
    return new RegExp(m![1]!);
  })();

  it('run on version tags only, after the test suite', () => {
    for (const name of ['release-npm', 'release-image']) {
      expect(jobs.get(name)?.extends).toBe('.release');
    }
    expect(jobs.get('.release')).toMatchObject({ stage: 'release', needs: ['test'] });
    expect((pipeline.stages as string[]).at(-1)).toBe('release');
    for (const tag of ['1.2.3', 'v1.2.3', '10.0.12']) expect(tagRegex.test(tag), tag).toBe(true);
    for (const tag of ['1.2', 'main', 'v1.2.3-rc.1', 'release-1.2.3', '1.2.3.4']) expect(tagRegex.test(tag), tag).toBe(false);
    // The workflow lets tag pipelines run at all.
    expect(JSON.stringify(pipeline.workflow)).toContain('$CI_COMMIT_TAG');
  });

  it('refuse a tag whose components name another image version', async () => {
    const guard = jobScript('release-npm').lines.slice(0, 2).join('\n');
    const ok = await bash(`${guard}\necho "version=$STACHUB_VERSION"`, repoRoot, cleanEnv({ CI_COMMIT_TAG: `v${pkg.version}` }));
    expect(ok.code, ok.output).toBe(0);
    expect(ok.output).toContain(`version=${pkg.version}`);
    const bad = await bash(guard, repoRoot, cleanEnv({ CI_COMMIT_TAG: '99.0.0' }));
    expect(bad.code).toBe(1);
    expect(bad.output).toMatch(/catalog\.yml: the default image is not stachub:99\.0\.0/);
  });

  it('release-image builds the Dockerfile with rootless BuildKit and pushes <version> and latest to the project registry', async () => {
    const job = jobs.get('release-image')!;
    expect(job.image).toEqual({ name: 'moby/buildkit:rootless', entrypoint: [''] });
    const scratch = mkdtempSync(path.join(os.tmpdir(), 'stachub-release-image-'));
    try {
      // A stand-in for buildctl-daemonless.sh that records the arguments it was given.
      const bin = path.join(scratch, 'bin');
      mkdirSync(bin);
      writeFileSync(path.join(bin, 'buildctl-daemonless.sh'), `#!/bin/sh\nexec node -e 'require("fs").writeFileSync(process.env.ARGS_FILE, JSON.stringify(process.argv.slice(1)))' -- "$@"\n`, { mode: 0o755 });
      const { lines, variables } = jobScript('release-image');
      const env = cleanEnv({
        ...variables,
        PATH: `${bin}${path.delimiter}${process.env.PATH}`,
        HOME: scratch,
        ARGS_FILE: path.join(scratch, 'args.json'),
        CI_COMMIT_TAG: `v${pkg.version}`,
        CI_REGISTRY: 'registry.example.com',
        CI_REGISTRY_IMAGE: 'registry.example.com/platform/stachub',
        CI_REGISTRY_USER: 'gitlab-ci-token',
        CI_REGISTRY_PASSWORD: 'registry-secret',
      });
      const r = await bash(lines.join('\n'), repoRoot, env);
      expect(r.code, r.output).toBe(0);
      expect(r.output).not.toContain('registry-secret');
      const args = JSON.parse(readFileSync(path.join(scratch, 'args.json'), 'utf8')) as string[];
      expect(args).toEqual([
        'build',
        '--frontend',
        'dockerfile.v0',
        '--local',
        'context=.',
        '--local',
        'dockerfile=.',
        '--opt',
        `build-arg:STACHUB_VERSION=${pkg.version}`,
        '--output',
        `type=image,"name=registry.example.com/platform/stachub:${pkg.version},registry.example.com/platform/stachub:latest",push=true`,
      ]);
      expect(JSON.parse(readFileSync(path.join(scratch, '.docker/config.json'), 'utf8'))).toEqual({
        auths: { 'registry.example.com': { username: 'gitlab-ci-token', password: 'registry-secret' } },
      });
      expect(env.BUILDKITD_FLAGS).toBe('--oci-worker-no-process-sandbox');
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });

  describe('release-npm, against a fake GitLab npm registry', () => {
    const project = { id: 42, fullPath: 'platform/stachub' };
    const JOB_TOKEN = 'glcbt-job-token-secret';
    let registry: FakeNpmRegistry;
    let scratch: string;
    let run: { code: number | null; output: string };

    beforeAll(async () => {
      registry = await startNpmRegistry(project, JOB_TOKEN);
      scratch = mkdtempSync(path.join(os.tmpdir(), 'stachub-release-npm-'));
      // The job's checkout: the repository's files (tracked and new, not ignored).
      const checkout = path.join(scratch, 'checkout');
      const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], { cwd: repoRoot, encoding: 'utf8' })
        .split('\0')
        .filter((f) => f && existsSync(path.join(repoRoot, f)));
      for (const f of files) {
        mkdirSync(path.dirname(path.join(checkout, f)), { recursive: true });
        copyFileSync(path.join(repoRoot, f), path.join(checkout, f));
      }
      mkdirSync(path.join(scratch, 'home'));
      const { lines } = jobScript('release-npm');
      // `npm ci` is this checkout's node_modules (same lockfile, already installed).
      expect(lines).toContain('npm ci --no-audit --no-fund');
      const script = lines.map((l) => (l === 'npm ci --no-audit --no-fund' ? `ln -s "${path.join(repoRoot, 'node_modules')}" node_modules` : l)).join('\n');
      run = await bash(
        script,
        checkout,
        cleanEnv({
          HOME: path.join(scratch, 'home'),
          CI_COMMIT_TAG: `v${pkg.version}`,
          CI_API_V4_URL: `${registry.url}/api/v4`,
          CI_PROJECT_ID: String(project.id),
          CI_JOB_TOKEN: JOB_TOKEN,
        }),
      );
    }, 600_000);
    afterAll(async () => {
      await registry?.stop();
      if (scratch) rmSync(scratch, { recursive: true, force: true });
    });

    it('publishes stachub <tag version> to the project registry with the job token, never printing or storing it', () => {
      expect(run.code, run.output).toBe(0);
      expect(registry.packages.map((p) => `${p.name}@${p.version}`)).toEqual([`stachub@${pkg.version}`]);
      const put = registry.requests.filter((r) => r.method === 'PUT');
      expect(put.map((r) => r.path)).toEqual([`/api/v4/projects/${project.id}/packages/npm/stachub`]);
      expect(put[0]!.authorization).toBe(`Bearer ${JOB_TOKEN}`);
      expect(run.output).not.toContain(JOB_TOKEN);
      const npmrc = readFileSync(path.join(scratch, 'checkout/.npmrc'), 'utf8');
      expect(npmrc).not.toContain(JOB_TOKEN);
      expect(npmrc.trim()).toBe(`${registry.url.replace(/^http:/, '')}/api/v4/projects/${project.id}/packages/npm/:_authToken=\${CI_JOB_TOKEN}`);
      // The published package is the built one: compiled code, no sources.
      expect(registry.packages[0]!.manifest).toMatchObject({ name: 'stachub', version: pkg.version, bin: { stachub: 'bin/stachub.js' } });
    });

    it('the install command the components document installs it from there, and it runs', async () => {
      expect(registry.packages).toHaveLength(1);
      const setup = readComponent(templates[0]!).inputs.setup!.description!.replace(/\s+/g, ' ');
      const command = /`(npm install [^`]+)`/.exec(setup)?.[1];
      expect(command).toContain(`/projects/platform%2Fstachub/packages/npm/stachub/-/stachub-${pkg.version}.tgz`);
      const prefix = path.join(scratch, 'prefix');
      const env = cleanEnv({ CI_API_V4_URL: `${registry.url}/api/v4`, npm_config_prefix: prefix, PATH: `${path.join(prefix, 'bin')}${path.delimiter}${process.env.PATH}` });
      const r = await bash(`${command}\nstachub --version`, path.join(scratch, 'home'), env);
      expect(r.code, r.output).toBe(0);
      expect(r.output.trim().split('\n').at(-1)).toBe(pkg.version);
      expect(registry.requests.some((q) => q.method === 'GET' && q.path === `/api/v4/projects/platform%2Fstachub/packages/npm/stachub/-/stachub-${pkg.version}.tgz`)).toBe(true);
    }, 300_000);
  });
});

describe("the component project's release", () => {
  const componentsDir = path.join(repoRoot, 'pipelines/components');
  const doc = parseDocs(readFileSync(path.join(componentsDir, '.gitlab-ci.yml'), 'utf8'))[0] as Record<string, unknown>;
  const release = jobsOf(doc).get('create-release')!;

  it('publishes only the version whose stachub image the templates name', async () => {
    const script = (release.script as string[]).join('\n');
    const ok = await bash(script, componentsDir, cleanEnv({ CI_COMMIT_TAG: pkg.version }));
    expect(ok.code, ok.output).toBe(0);
    expect(ok.output).toContain(`Publishing stachub components ${pkg.version}`);
    const bad = await bash(script, componentsDir, cleanEnv({ CI_COMMIT_TAG: '99.0.0' }));
    expect(bad.code).toBe(1);
    expect(bad.output).toMatch(/templates\/catalog\.yml: the default image is not stachub:99\.0\.0/);
    expect(bad.output).not.toContain('Publishing');
  });
});
