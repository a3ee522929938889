/**
 * The container image the CI/CD components run in, checked without a container engine (none runs
 * on the machines that run this suite): the Dockerfile's recipe is read as docker reads it, and its
 * commands run in a shell, stage by stage, with the image's paths mapped into a scratch folder:
 * the build context that .dockerignore lets through is copied, `npm pack` builds the package with a
 * release version, the tarball is installed globally with production dependencies only, and the
 * installed `stachub` then builds the demo from outside the repository.
 *
 * What differs from `docker build`: the base image's Node.js is this machine's; the pack stage's
 * `npm ci` is replaced by a link to this checkout's node_modules (the same lockfile, already
 * installed); the root user of this machine runs the commands (the image's `USER node` is checked
 * through file modes instead). Dependencies come from the npm registry, as in a real build.
 */
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expandArgs, readDockerfile, type Instruction, type Stage } from './dockerfile.js';
import { repoRoot } from './ci-lint.js';

const pkg = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as {
  name: string;
  version: string;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};
const { dockerfile, context } = readDockerfile(repoRoot);
const [packStage, finalStage] = dockerfile.stages as [Stage, Stage];
const ops = (s: Stage, op: string): Instruction[] => s.instructions.filter((i) => i.op === op);

/** A release version different from package.json's, as a tag would give. */
const RELEASE = '9.8.7';

/** This process's environment without what `npm test` adds (npm_* settings of this checkout). */
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^npm_/i.test(k) || /^npm_config_registry$/i.test(k)) env[k] = v;
  return { ...env, ...extra };
}

function sh(command: string, cwd: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    // Shell-form RUN is `/bin/sh -c` in docker.
    const child = spawn('/bin/sh', ['-c', command], { cwd, env });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('exit', (code) => resolve({ code, output }));
  });
}

function filesUnder(dir: string, base = dir): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? filesUnder(path.join(dir, e.name), base) : [path.relative(base, path.join(dir, e.name)).split(path.sep).join('/')],
  );
}

describe('the container image recipe', () => {
  it('is a pack stage and a runtime stage on one Node.js LTS image, without sources in the runtime', () => {
    expect(dockerfile.stages).toHaveLength(2);
    const base = expandArgs(finalStage.from, dockerfile.globalArgs);
    expect(expandArgs(packStage.from, dockerfile.globalArgs)).toBe(base);
    // Node.js LTS lines are the even majors; 22 is the oldest one stachub's dependencies accept.
    const major = Number(/^node:(\d+)-(?:bookworm-slim|trixie-slim|alpine)/.exec(base)?.[1]);
    expect(major % 2, `${base} is an LTS line`).toBe(0);
    expect(major).toBeGreaterThanOrEqual(22);
    // The runtime gets only the tarball from the pack stage.
    const copies = ops(finalStage, 'COPY');
    expect(copies).toHaveLength(1);
    expect(copies[0]!.flags.from).toBe(packStage.name);
    expect(copies[0]!.args).toMatch(/^\S*stachub-\*\.tgz \S+$/);
  });

  it('runs as an unprivileged user and keeps an entrypoint that runs job scripts (GitLab CI needs a shell)', () => {
    const users = ops(finalStage, 'USER');
    expect(users.at(-1)?.args).toBe('node');
    expect(finalStage.instructions.findIndex((i) => i.op === 'USER')).toBeGreaterThan(finalStage.instructions.findIndex((i) => i.op === 'RUN'));
    // The Node image's entrypoint execs its arguments; overriding it would break `script:`.
    expect(ops(finalStage, 'ENTRYPOINT')).toEqual([]);
    expect(ops(finalStage, 'CMD').at(-1)?.args).toBe('["stachub", "--help"]');
  });

  it('sends the build context that npm pack needs, and nothing local or generated', () => {
    for (const f of ['package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json', 'bin/stachub.js', 'generator/cli.ts', 'schemas/config.schema.json', 'site/templates/layout.hbs', 'examples/stachub.config.yml']) {
      expect(context, f).toContain(f);
    }
    // Every TypeScript source tsconfig.build.json compiles is there.
    const sources = ['generator', 'pipelines'].flatMap((d) => filesUnder(path.join(repoRoot, d)).map((f) => `${d}/${f}`)).filter((f) => f.endsWith('.ts'));
    expect(sources.length).toBeGreaterThan(20);
    for (const f of sources) expect(context).toContain(f);
    for (const prefix of ['node_modules/', 'dist/', '.git/', 'public/', 'test-output/']) {
      expect(context.filter((f) => f.startsWith(prefix)), prefix).toEqual([]);
    }
  });
});

describe('the container image commands, run in a shell', () => {
  let scratch: string;
  let packOutput = '';
  let installOutput = '';
  const at = (p: string): string => p.replaceAll('/tmp/', `${scratch}/tmp/`);
  const prefix = (): string => path.join(scratch, 'prefix');
  const installed = (): string => path.join(prefix(), 'lib/node_modules/stachub');
  const stachub = (): string => path.join(prefix(), 'bin/stachub');

  // One build of the image's content for the tests below: npm pack (TypeScript compile) and a
  // global install from the npm registry take most of a minute.
  beforeAll(async () => {
    scratch = mkdtempSync(path.join(os.tmpdir(), 'stachub-image-'));
    for (const d of ['tmp', 'src', 'root', 'home']) mkdirSync(path.join(scratch, d));

    // Stage `pack`.
    const src = path.join(scratch, 'src');
    expect(ops(packStage, 'WORKDIR').map((i) => i.args)).toEqual(['/src']);
    const packArgs = { ...packStage.args, STACHUB_VERSION: RELEASE };
    for (const ins of packStage.instructions) {
      if (ins.op === 'COPY') {
        const parts = ins.args.split(/\s+/);
        const sources = parts.slice(0, -1);
        const files = sources.includes('.') ? context : sources;
        for (const f of files) {
          expect(context, `COPY ${f}`).toContain(f);
          mkdirSync(path.dirname(path.join(src, f)), { recursive: true });
          copyFileSync(path.join(repoRoot, f), path.join(src, f));
        }
      } else if (ins.op === 'RUN') {
        if (/^npm ci\b/.test(ins.args)) {
          // The same lockfile, already installed in this checkout.
          if (!existsSync(path.join(src, 'node_modules'))) symlinkSync(path.join(repoRoot, 'node_modules'), path.join(src, 'node_modules'));
          continue;
        }
        const r = await sh(at(ins.args), src, cleanEnv(packArgs));
        packOutput += r.output;
        if (r.code !== 0) throw new Error(`pack stage: ${ins.args} failed (${r.code}):\n${r.output}`);
      }
    }

    // Final stage: the COPY --from=pack lands in the same scratch /tmp; then its RUN commands,
    // with npm's global prefix (/usr/local in the image) in the scratch folder.
    const env = cleanEnv({ ...finalStage.args, npm_config_prefix: prefix(), PATH: `${path.join(prefix(), 'bin')}${path.delimiter}${process.env.PATH}` });
    for (const ins of ops(finalStage, 'RUN')) {
      const r = await sh(at(ins.args), path.join(scratch, 'root'), env);
      installOutput += r.output;
      if (r.code !== 0) throw new Error(`final stage: ${ins.args} failed (${r.code}):\n${r.output}`);
    }
  }, 600_000);
  afterAll(() => {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  it('the pack stage builds the package under the release version given as STACHUB_VERSION', () => {
    expect(packOutput).toContain(`stachub-${RELEASE}.tgz`);
    // The version check at the end of the install RUN printed the release version.
    expect(installOutput.trim().split('\n').at(-1)).toBe(RELEASE);
    // The tarball and the npm cache do not stay in the image.
    expect(readdirSync(path.join(scratch, 'tmp'))).toEqual([]);
  });

  it('installs stachub with its production dependencies only, and no sources, maps or demo scripts', () => {
    const files = filesUnder(installed()).filter((f) => !f.startsWith('node_modules/'));
    expect(files).toContain('dist/generator/cli.js');
    expect(files.filter((f) => f.endsWith('.map') || f.endsWith('.ts'))).toEqual([]);
    expect(files.filter((f) => /^(generator|pipelines|test|bench|examples\/scripts)\//.test(f))).toEqual([]);
    const deps = readdirSync(path.join(installed(), 'node_modules'));
    for (const d of Object.keys(pkg.dependencies)) expect(existsSync(path.join(installed(), 'node_modules', d)), d).toBe(true);
    for (const d of ['typescript', 'vitest', 'tsx', 'playwright-core', 's3rver', 'mlflow', 'axe-core']) expect(deps, d).not.toContain(d);
  });

  it('ships every schema (vendored ones included), the site and the demo with the package', () => {
    for (const dir of ['schemas', 'site', 'examples']) {
      const want = filesUnder(path.join(repoRoot, dir)).filter((f) => !f.startsWith('scripts/'));
      expect(want.length, dir).toBeGreaterThan(0);
      const have = new Set(filesUnder(path.join(installed(), dir)));
      expect(want.filter((f) => !have.has(f)), `${dir}/ files missing from the package`).toEqual([]);
    }
  });

  it('is readable by the unprivileged user the image runs as', () => {
    const all = filesUnder(installed());
    const unreadable = all.filter((f) => (statSync(path.join(installed(), f)).mode & 0o004) === 0);
    expect(unreadable).toEqual([]);
    expect(statSync(path.join(installed(), 'bin/stachub.js')).mode & 0o001).toBe(0o001);
  });

  it('puts a working `stachub` on PATH that builds the demo from outside the repository', async () => {
    const home = path.join(scratch, 'home');
    const env = cleanEnv({ PATH: `${path.join(prefix(), 'bin')}${path.delimiter}${process.env.PATH}` });
    const help = await sh('stachub --help', home, env);
    expect(help.code).toBe(0);
    for (const c of ['build', 'merge', 'validate', 'publish', 'lint', 'track']) expect(help.output).toMatch(new RegExp(`^\\s+${c}\\b`, 'm'));

    const out = path.join(scratch, 'out');
    const build = await sh(`"${stachub()}" build --config "${installed()}/examples/stachub.config.yml" --out "${out}"`, home, env);
    expect(build.code, build.output).toBe(0);
    const catalog = JSON.parse(readFileSync(path.join(out, 'catalog.json'), 'utf8')) as { type: string; id: string };
    expect(catalog).toMatchObject({ type: 'Catalog', id: 'stachub-demo' });
    // The site came from the installed package's site/ folder.
    expect(readFileSync(path.join(out, 'index.html'), 'utf8')).toContain('<html');
    expect(filesUnder(out).some((f) => f.startsWith('assets/'))).toBe(true);
    expect(filesUnder(out).filter((f) => f.endsWith('.json')).length).toBeGreaterThan(10);
  }, 300_000);
});
