/**
 * Every command the README and the pages of docs/ show in a shell block runs, on the demo, so none
 * goes stale. Each command is either run here or listed with the reason it cannot run in the suite;
 * a command in the docs that is neither fails the test, and so does an entry no page shows any more.
 *
 * How a command is run: as written, in a temporary folder that holds the demo as the docs assume
 * it (`examples/`, and `stachub.config.yml` beside its `workspace/` and `mlflow-export/`), with
 * `stachub` (and `npx stachub`) being the compiled checkout, `node bin/stachub.js`. The only
 * changes are the explicit replacements of each entry: a host of the docs becomes a server started
 * here on 127.0.0.1 (the fake GitLab, s3rver, `stachub track`, a Range file server), a fixed port
 * becomes 0, `...` placeholders become the fakes' credentials.
 *
 * A plain `[NAME=value ...] stachub ARGS` line runs in this process through the compiled CLI's
 * `main(argv, ctx)` (what bin/stachub.js calls with process.argv), with the line's environment and
 * folder: spawning node for each would cost more than most of the commands themselves. A line whose
 * point is the shell or the process runs in bash as a child process: the servers (`serve`, `track`:
 * they run until stopped and are reached over HTTP), a line of shell variables read by another
 * process (`export ... && node -e`), and a glob that bash expands (`models/*.onnx`). The work folder is
 * not this process's folder, so a command that opened a relative path against the process rather than
 * its own working directory (`ctx.cwd`) fails here.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeGitLab } from '../fakes/gitlab/server.js';
import { MlflowTestClient } from '../mlflow/shim-client.js';
import { startRangeServer, type RangeServer } from '../onnx/range-server.js';
import { ACCESS, startS3, type LoopbackS3 } from '../publish/fixtures.js';
import { TOKEN as GITLAB_TOKEN, addDataset, addModel, startFake } from '../sources/gitlab/helpers.js';
import { repoRoot } from '../helpers.js';
import { SHELL_LANGS, commandsOf, docFiles, fences } from './markdown.js';

/** What a run command printed. */
interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A command that runs here. */
interface Run {
  /** `[as written, as run]`: each must occur in the command; `() => value` for what is known at run time. */
  replace?: Array<[string, string | (() => string)]>;
  /** More runs of the same command with further replacements (the jobs of a sharded build). */
  alsoAs?: Array<Array<[string, string]>>;
  /** Environment of the run beside PATH, HOME and the schema cache (never the host's). */
  env?: () => Record<string, string>;
  /** A long-running server: ready when its output matches (group 1: its URL); then `client` talks to it. */
  server?: { ready: RegExp; client: (url: string) => Promise<void>; keep?: boolean };
  /** A command run after it in the same shell (`command && then`), to use what it set. */
  then?: string;
  /** Expected exit code (0 unless said). */
  exit?: number;
  check?: (r: Result) => Promise<void> | void;
}

type Entry = { run: Run } | { notRun: string };

// --- the world the commands run in --------------------------------------------------------------
let root: string; // temp root: `work/` is the commands' folder; the demo config writes `../public` here
let work: string;
let gitlab: FakeGitLab;
let s3: LoopbackS3;
let rangeServer: RangeServer;
let trackUrl = '';
const trackStore = (): string => path.join(root, 'track-store');
const TRACK_TOKEN = 'track-token-0123456789';
const servers: ChildProcess[] = [];

const DEMO_ONNX = path.join(repoRoot, 'examples/workspace/flood-segmentation/model/flood-unet.onnx');
/** The registered model the tracking client creates: its ` (1201)` suffix links it to the demo's flood project. */
const TRACKED_MODEL = 'flood-unet-tracked (1201)';
const awsEnv = (): Record<string, string> => ({
  AWS_ACCESS_KEY_ID: ACCESS.accessKeyId,
  AWS_SECRET_ACCESS_KEY: ACCESS.secretAccessKey,
  AWS_REGION: 'us-east-1',
  AWS_ENDPOINT_URL_S3: s3.endpoint,
});
const readJson = async (p: string): Promise<Record<string, unknown>> => JSON.parse(await readFile(p, 'utf8')) as Record<string, unknown>;

/** The `mlflow:uri`s of the links of the demo flood model's item in a built catalog. */
async function floodModelUris(out: string): Promise<string[]> {
  const item = await readJson(path.join(out, 'ai-model/eo-lab/flood-segmentation/flood-segmentation.json'));
  return (item.links as Array<{ rel: string; 'mlflow:uri'?: string }>).filter((l) => l.rel === 'mlflow:model').map((l) => l['mlflow:uri']!);
}

const builtDemo = async (out: string): Promise<void> => {
  const report = (await readJson(path.join(out, 'build-report.json'))) as { counts: { projects: number; items: number } };
  expect(report.counts.projects).toBe(11);
  expect(existsSync(path.join(out, 'catalog.json'))).toBe(true);
};

/**
 * Every command of the docs, in the order they run (later ones use what earlier ones built), and
 * with the reason for each one that does not run here.
 */
const COMMANDS: Array<[string, Entry]> = [
  ['npm ci && npm start', { notRun: 'reinstalls node_modules and serves on the fixed port 8080; its two steps (package.json "start") are the demo build and `serve` below, checked to be the same commands' }],
  ['npm test', { notRun: 'the suite this test belongs to' }],
  [
    'apt-get update && apt-get install -y --no-install-recommends python3-onnx libonnx-testdata awscli chromium python3-torch protobuf-compiler libprotobuf-dev python3-protobuf',
    { notRun: 'installs Debian packages as root; checked below to be the list .ci/run installs, and test/system-packages.test.ts fails with this line when one is missing' },
  ],
  ['npx stachub build --config examples/stachub.config.yml --out public', { run: { check: () => builtDemo(path.join(work, 'public')) } }],
  [
    'npx stachub validate public',
    { run: { check: (r) => void expect(r.stdout).toMatch(/document\(s\) checked: valid, every link resolves/) } },
  ],
  [
    'npx stachub validate public --schema-map https://schemas.example.org/=./mirror/schemas.example.org/',
    { run: { check: (r) => void expect(r.stdout).toMatch(/valid, every link resolves/) } },
  ],
  [
    'npx stachub serve public',
    {
      run: {
        replace: [['serve public', 'serve public --port 0']],
        server: {
          ready: /Serving .* at (http:\/\/127\.0\.0\.1:\d+)/,
          client: async (url) => {
            const home = await fetch(`${url}/`);
            expect(home.status).toBe(200);
            expect(home.headers.get('content-type')).toMatch(/text\/html/);
            expect(await home.text()).toContain('EO Lab hub');
            expect(((await (await fetch(`${url}/catalog.json`)).json()) as { id: string }).id).toBe('stachub-demo');
          },
        },
      },
    },
  ],
  [
    'npx stachub track --port 5000 --store /var/lib/stachub-track --token "$TRACK_TOKEN"',
    {
      run: {
        replace: [['--port 5000', '--port 0'], ['/var/lib/stachub-track', trackStore]],
        env: () => ({ TRACK_TOKEN }),
        server: {
          ready: /MLFLOW_TRACKING_URI=(http:\/\/127\.0\.0\.1:\d+)/,
          keep: true,
          client: async (url) => {
            trackUrl = url;
            expect((await fetch(`${url}/api/2.0/mlflow/experiments/search?max_results=10`)).status).toBe(401);
            // What `python train.py` does through the MLflow client: a run with metrics, a registered version.
            const c = new MlflowTestClient(url, TRACK_TOKEN);
            const experiment = await c.experiment('flood-unet (1201)');
            await c.trainAndRegister({ experimentId: experiment, modelName: TRACKED_MODEL, params: { lr: '0.001' }, metrics: { iou: [0.5, 0.7] } });
          },
        },
      },
    },
  ],
  [
    'export MLFLOW_TRACKING_URI=http://127.0.0.1:5000 MLFLOW_TRACKING_TOKEN="$TRACK_TOKEN"',
    {
      run: {
        // The variables as the MLflow client reads them: a search with them finds the run logged above.
        replace: [['http://127.0.0.1:5000', () => trackUrl]],
        then: `node -e 'fetch(process.env.MLFLOW_TRACKING_URI + "/api/2.0/mlflow/experiments/search?max_results=10", { headers: { authorization: "Bearer " + process.env.MLFLOW_TRACKING_TOKEN } }).then((r) => r.text()).then(console.log)'`,
        env: () => ({ TRACK_TOKEN }),
        check: (r) => void expect(r.stdout).toContain('flood-unet (1201)'),
      },
    },
  ],
  ['python train.py', { notRun: "the team's own training script, with the MLflow Python client from pip; its calls are made above by the test client, and the client's call sequences are replayed against stachub track in test/tracking/replay.test.ts" }],
  [
    'MLFLOW_TRACKING_TOKEN=... npx stachub build --config stachub.config.yml --mlflow-url https://mlflow.example.com',
    {
      run: {
        replace: [['MLFLOW_TRACKING_TOKEN=...', 'MLFLOW_TRACKING_TOKEN="$TRACK_TOKEN"'], ['https://mlflow.example.com', () => trackUrl]],
        env: () => ({ TRACK_TOKEN }),
        // The demo config's output folder is `../public`.
        check: async () => expect(await floodModelUris(path.join(root, 'public'))).toContain(`models:/${TRACKED_MODEL}/1`),
      },
    },
  ],
  [
    'MLFLOW_TRACKING_URI=https://mlflow.example.com npx stachub build --mlflow-export exports/models',
    {
      run: {
        // Without --config, STACHUB_CONFIG names the file (the documented fallback); exports/models is the demo's export.
        env: () => ({ STACHUB_CONFIG: 'stachub.config.yml' }),
        check: async () => expect((await floodModelUris(path.join(root, 'public'))).length).toBeGreaterThan(0),
      },
    },
  ],
  [
    'npx stachub build --mlflow-export /var/lib/stachub-track',
    {
      run: {
        replace: [['/var/lib/stachub-track', trackStore]],
        env: () => ({ STACHUB_CONFIG: 'stachub.config.yml' }),
        check: async () => expect(await floodModelUris(path.join(root, 'public'))).toContain(`models:/${TRACKED_MODEL}/1`),
      },
    },
  ],
  [
    'npx stachub track export --store /var/lib/stachub-track --out stachub-export',
    {
      run: {
        replace: [['/var/lib/stachub-track', trackStore]],
        check: async () => {
          const models = await readFile(path.join(work, 'stachub-export/models/models.json'), 'utf8');
          expect(models).toContain(TRACKED_MODEL);
        },
      },
    },
  ],
  ['export MLFLOW_TRACKING_URI=https://mlflow.example.com', { notRun: "names a real MLflow server for mlflow-export-import's commands that follow" }],
  ['import-experiments --input-dir stachub-export/experiments', { notRun: 'mlflow-export-import (pip) and a real MLflow server; the export is compared with the tool\'s layout in test/tracking/export.test.ts' }],
  ['import-models --input-dir stachub-export', { notRun: 'mlflow-export-import (pip) and a real MLflow server; the export is compared with the tool\'s layout in test/tracking/export.test.ts' }],
  ['npx stachub lint examples/workspace/flood-segmentation/README.md', { run: { check: (r) => void expect(r.stdout).not.toMatch(/: error: /) } }],
  [
    'npx stachub lint examples/workspace/broken-metadata/README.md',
    { run: { exit: 3, check: (r) => void expect(r.stdout).toMatch(/README\.md:7: error: front matter is not valid YAML.*\[front-matter\/yaml\]/) } },
  ],
  ['npx stachub inspect model.onnx', { run: { check: (r) => void expect(r.stdout).toContain('sar  float32[batch, 2, 256, 256]') } }],
  ['npx stachub inspect --json model.onnx', { run: { check: (r) => void expect(JSON.parse(r.stdout)).toMatchObject({ irVersion: 8, parameterCount: 3078 }) } }],
  [
    'npx stachub inspect --json models/*.onnx',
    { run: { check: (r) => void expect(r.stdout.trim().split('\n').map((l) => (JSON.parse(l) as { source: string }).source)).toEqual(['models/a.onnx', 'models/b.onnx']) } },
  ],
  ['npx stachub inspect --json models/', { run: { check: (r) => void expect(r.stdout.trim().split('\n')).toHaveLength(2) } }],
  [
    'npx stachub inspect --json https://gitlab.example.com/api/v4/projects/42/repository/files/model%2Fnet.onnx/raw?ref=main',
    {
      run: {
        replace: [['https://gitlab.example.com', () => rangeServer.url]],
        check: (r) => {
          expect(JSON.parse(r.stdout)).toMatchObject({ irVersion: 8, parameterCount: 3078 });
          expect(rangeServer.requests.every((q) => typeof q.headers.range === 'string')).toBe(true);
        },
      },
    },
  ],
  [
    'AWS_ACCESS_KEY_ID=... AWS_SECRET_ACCESS_KEY=... npx stachub publish public --to s3://my-bucket/stac --endpoint https://minio.example.com',
    {
      run: {
        replace: [
          ['AWS_ACCESS_KEY_ID=...', `AWS_ACCESS_KEY_ID=${ACCESS.accessKeyId}`],
          ['AWS_SECRET_ACCESS_KEY=...', `AWS_SECRET_ACCESS_KEY=${ACCESS.secretAccessKey}`],
          ['https://minio.example.com', () => s3.endpoint],
        ],
        check: (r) => void expect(r.stdout).toMatch(/[1-9]\d* uploaded, 0 unchanged, 0 deleted/),
      },
    },
  ],
  [
    'npx stachub publish public --to s3://my-bucket/stac --dry-run',
    // Right after the publish above: nothing to upload, nothing to delete.
    { run: { env: awsEnv, check: (r) => void expect(r.stdout).toMatch(/: 0 upload\(s\) in 0 tier\(s\), [1-9]\d* unchanged, 0 delete\(s\)/) } },
  ],
  [
    'npx stachub build --config stachub.config.yml --out public --publish s3://my-bucket/stac',
    { run: { env: awsEnv, check: () => builtDemo(path.join(work, 'public')) } },
  ],
  [
    'stachub build --config stachub.config.yml --shard 2/4 --out shards/2',
    {
      run: {
        alsoAs: [1, 3, 4].map((i) => [['2/4', `${i}/4`], ['shards/2', `shards/${i}`]] as Array<[string, string]>),
      },
    },
  ],
  [
    'stachub merge shards/1 shards/2 shards/3 shards/4 --config stachub.config.yml --out public [--publish s3://...]',
    { run: { replace: [[' [--publish s3://...]', '']], check: () => builtDemo(path.join(work, 'public')) } },
  ],
  [
    'GITLAB_TOKEN=... npx stachub build --gitlab-url https://gitlab.example.com --out public',
    {
      run: {
        replace: [['GITLAB_TOKEN=...', `GITLAB_TOKEN=${GITLAB_TOKEN}`], ['https://gitlab.example.com', () => gitlab.url]],
        check: async (r) => {
          const report = (await readJson(path.join(work, 'public/build-report.json'))) as { projects: Array<{ path: string }> };
          expect(report.projects.map((p) => p.path).sort()).toEqual(['group/data-3', 'group/model-1']);
          expect(r.stdout + r.stderr).not.toContain(GITLAB_TOKEN);
        },
      },
    },
  ],
  [
    'GITLAB_TOKEN=... npx stachub build --gitlab-url https://gitlab.example.com --out public --publish s3://my-bucket/catalog --endpoint https://s3.example.com',
    {
      run: {
        replace: [
          ['GITLAB_TOKEN=...', `GITLAB_TOKEN=${GITLAB_TOKEN}`],
          ['https://gitlab.example.com', () => gitlab.url],
          ['https://s3.example.com', () => s3.endpoint],
        ],
        env: () => ({ AWS_ACCESS_KEY_ID: ACCESS.accessKeyId, AWS_SECRET_ACCESS_KEY: ACCESS.secretAccessKey, AWS_REGION: 'us-east-1' }),
        check: async () => {
          const res = await fetch(`${s3.endpoint}/my-bucket/catalog/catalog.json`);
          expect(res.status).toBe(200);
        },
      },
    },
  ],
];

/** The commands of every shell block of the docs, with where they are shown. */
function documentedCommands(): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const file of docFiles()) {
    for (const f of fences(file)) {
      if (!SHELL_LANGS.has(f.lang)) continue;
      for (const c of commandsOf(f.text)) out.set(c, [...(out.get(c) ?? []), file]);
    }
  }
  return out;
}

/**
 * The environment assignments and the arguments of a plain `[NAME=value ...] stachub ARGS` line, as
 * bash would pass them (words split on spaces, `"$NAME"` expanded from `env`); undefined for any
 * other line (quotes of another form, globs, operators, a command other than stachub).
 */
function plainStachub(line: string, env: Record<string, string>): { assign: Record<string, string>; args: string[] } | undefined {
  const words: string[] = [];
  for (const raw of line.trim().split(/ +/)) {
    // `?` is left to bash's globbing only where a file could match; the docs' one `?` is in a URL.
    if (/[*[\]|&;<>()`'\\]/.test(raw)) return undefined;
    const word = raw.replace(/"\$([A-Za-z_][A-Za-z0-9_]*)"/g, (_, name: string) => env[name] ?? '');
    if (/["$]/.test(word)) return undefined;
    words.push(word);
  }
  const assign: Record<string, string> = {};
  while (words.length > 0 && /^[A-Za-z_][A-Za-z0-9_]*=/.test(words[0]!)) {
    const w = words.shift()!;
    assign[w.slice(0, w.indexOf('='))] = w.slice(w.indexOf('=') + 1);
  }
  if (words.shift() !== 'stachub') return undefined;
  return { assign, args: words };
}

/** The compiled CLI's entry, as bin/stachub.js imports it. */
type Main = (argv: string[], ctx: Record<string, unknown>) => Promise<number>;
let compiledMain: Main | undefined;

/**
 * Runs `command` in the work folder: a plain stachub line in this process (see the file's TSDoc),
 * anything else with bash; a server is left running and answered by its client.
 */
async function runCommand(command: string, run: Run): Promise<Result> {
  const env: Record<string, string> = {
    PATH: `${path.join(root, 'bin')}:${process.env.PATH ?? ''}`,
    HOME: root,
    XDG_CACHE_HOME: path.join(root, 'cache'),
    ...run.env?.(),
  };
  const plain = run.server ? undefined : plainStachub(command, env);
  if (plain) {
    compiledMain ??= ((await import(pathToFileURL(path.join(repoRoot, 'dist/generator/cli.js')).href)) as { main: Main }).main;
    let stdout = '';
    let stderr = '';
    const code = await compiledMain(['node', path.join(repoRoot, 'bin/stachub.js'), ...plain.args], {
      env: { ...env, ...plain.assign },
      cwd: work,
      stdout: (s: string) => void (stdout += s),
      stderr: (s: string) => void (stderr += s),
      isTTY: false,
    });
    return { code, stdout, stderr };
  }
  const child = spawn('bash', ['-c', run.server ? `exec ${command}` : command], { cwd: work, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => void (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => void (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  if (run.server) {
    servers.push(child);
    const url = await new Promise<string>((resolve, reject) => {
      const look = (): void => {
        const m = run.server!.ready.exec(stdout);
        if (m) resolve(m[1]!);
      };
      child.stdout.on('data', look);
      void exited.then((code) => reject(new Error(`${command}: exited ${code} before it was ready\n${stdout}\n${stderr}`)));
    });
    await run.server.client(url);
    if (run.server.keep) return { code: null, stdout, stderr };
    child.kill('SIGTERM');
    return { code: await exited, stdout, stderr };
  }
  return { code: await exited, stdout, stderr };
}

function applied(command: string, replace: Array<[string, string | (() => string)]>): string {
  let out = command;
  for (const [from, to] of replace) {
    expect(out, `the replacement of ${JSON.stringify(from)} still matches the command`).toContain(from);
    out = out.split(from).join(typeof to === 'function' ? to() : to);
  }
  return out.replace(/(^|\s)npx stachub /g, '$1stachub ');
}

beforeAll(async () => {
  if (!existsSync(path.join(repoRoot, 'dist/generator/cli.js'))) {
    throw new Error('the compiled CLI is missing: run `npm run build` (npm test does) before this test');
  }
  root = await mkdtemp(path.join(os.tmpdir(), 'stachub-docs-'));
  work = path.join(root, 'work');
  await mkdir(path.join(root, 'bin'), { recursive: true });
  await writeFile(path.join(root, 'bin/stachub'), `#!/bin/sh\nexec "${process.execPath}" "${path.join(repoRoot, 'bin/stachub.js')}" "$@"\n`, { mode: 0o755 });
  // npx would ask the npm registry for a `stachub` package: every `npx stachub` is the checkout's instead.
  await writeFile(path.join(root, 'bin/npx'), '#!/bin/sh\necho "npx is not run by the docs test: $*" >&2\nexit 127\n', { mode: 0o755 });
  // The demo as the docs name it: examples/ from the repository, and a stachub.config.yml (the
  // demo's) beside the workspace and export it names; exports/models and model.onnx for the
  // MLflow and inspect examples; the folder of the --schema-map example.
  await mkdir(path.join(work, 'exports'), { recursive: true });
  await symlink(path.join(repoRoot, 'examples'), path.join(work, 'examples'));
  await copyFile(path.join(repoRoot, 'examples/stachub.config.yml'), path.join(work, 'stachub.config.yml'));
  await symlink(path.join(repoRoot, 'examples/workspace'), path.join(work, 'workspace'));
  await symlink(path.join(repoRoot, 'examples/mlflow-export'), path.join(work, 'mlflow-export'));
  await symlink(path.join(repoRoot, 'examples/mlflow-export'), path.join(work, 'exports/models'));
  await copyFile(DEMO_ONNX, path.join(work, 'model.onnx'));
  await mkdir(path.join(work, 'models'));
  await copyFile(DEMO_ONNX, path.join(work, 'models/a.onnx'));
  await copyFile(DEMO_ONNX, path.join(work, 'models/b.onnx'));
  await mkdir(path.join(work, 'mirror/schemas.example.org'), { recursive: true });

  gitlab = await startFake();
  addModel(gitlab, 1);
  addDataset(gitlab, 3);
  s3 = await startS3(['my-bucket']);
  rangeServer = await startRangeServer({ files: { '/api/v4/projects/42/repository/files/model%2Fnet.onnx/raw': new Uint8Array(readFileSync(DEMO_ONNX)) } });
});

afterAll(async () => {
  for (const s of servers) if (s.exitCode === null) s.kill('SIGTERM');
  await Promise.all(servers.map((s) => (s.exitCode === null ? new Promise((r) => s.on('close', r)) : null)));
  await gitlab?.stop();
  await s3?.stop();
  await rangeServer?.close();
  if (root) await rm(root, { recursive: true, force: true });
});

describe('the commands of the README and docs/', () => {
  const documented = documentedCommands();
  const listed = new Map(COMMANDS);

  it('shows every shell command in a fenced block with a language, so none escapes this test', () => {
    const untagged = docFiles().flatMap((file) => fences(file).filter((f) => f.lang === '').map((f) => `${file}: ${f.text.split('\n')[0]}`));
    expect(untagged).toEqual([]);
  });

  it('runs or explains every command the docs show, and lists no command they no longer show', () => {
    const neither = [...documented.keys()].filter((c) => !listed.has(c)).map((c) => `${c}  (${documented.get(c)!.join(', ')})`);
    expect(neither, 'commands of the docs that this test neither runs nor lists with a reason').toEqual([]);
    expect([...listed.keys()].filter((c) => !documented.has(c)), 'entries for commands no page shows').toEqual([]);
    expect(COMMANDS.length, 'one entry per command').toBe(listed.size);
  });

  it('`npm start` is the demo build and `serve` run below', () => {
    const pkg = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts.start).toBe('node bin/stachub.js build --config examples/stachub.config.yml --out public && node bin/stachub.js serve public --port 8080');
    expect(listed.has('npx stachub build --config examples/stachub.config.yml --out public') && listed.has('npx stachub serve public')).toBe(true);
  });

  it('the apt-get line installs the Debian packages .ci/run installs', () => {
    const aptLine = [...documented.keys()].find((c) => c.startsWith('apt-get update'))!;
    const shown = aptLine.split('--no-install-recommends ')[1]!.split(' ').sort();
    const ci = /for pkg in ([^;]+); do/.exec(readFileSync(path.join(repoRoot, '.ci/run'), 'utf8'))![1]!.trim().split(/\s+/).sort();
    expect(shown).toEqual(ci);
  });

  for (const [command, entry] of COMMANDS) {
    if (!('run' in entry)) continue;
    const { run } = entry;
    it(`runs: ${command}`, { timeout: 240_000 }, async () => {
      const variants = [[] as Array<[string, string]>, ...(run.alsoAs ?? [])];
      for (const extra of variants) {
        const line = applied(command, [...(run.replace ?? []), ...extra]) + (run.then ? ` && ${run.then}` : '');
        const r = await runCommand(line, run);
        if (!run.server?.keep) expect(r.code, `${line}\n${r.stdout}\n${r.stderr}`).toBe(run.exit ?? 0);
        await run.check?.(r);
      }
    });
  }
});
