import { describe, expect, it } from 'vitest';
import { loadConfig, loadConfigBase, type ConfigFiles } from '../../generator/config.js';
import { UsageError } from '../../generator/errors.js';

/** A file system of named texts, read relative to `/work` as the command line names them. */
function filesOf(texts: Record<string, string>, cwd = '/work'): ConfigFiles & { read: string[] } {
  const read: string[] = [];
  return {
    cwd,
    read,
    readFile: async (file) => {
      read.push(file);
      const text = texts[file];
      if (text === undefined) throw new Error(`ENOENT: no such file or directory, open '${file}'`);
      return text;
    },
  };
}

const FILE = 'source: {workspace: ws}\noutput: {dir: out, base_url: "https://file.test/"}\n';

describe('loadConfig(argv, env, files)', () => {
  it('reads the file named by --config before STACHUB_CONFIG, resolving its paths against its folder', async () => {
    const files = filesOf({ 'conf/a.yml': FILE, 'conf/b.yml': 'source: {workspace: other}\n' });
    const c = await loadConfig({ config: 'conf/a.yml' }, { STACHUB_CONFIG: 'conf/b.yml' }, files);
    expect(files.read).toEqual(['conf/a.yml']);
    expect(c.file).toBe('conf/a.yml');
    expect(c.dir).toBe('/work/conf');
    expect(c.source).toEqual({ kind: 'workspace', dir: '/work/conf/ws' });
    expect(c.output).toEqual({ dir: '/work/conf/out', baseUrl: 'https://file.test/' });
    const fromEnv = await loadConfig({}, { STACHUB_CONFIG: 'conf/b.yml' }, files);
    expect(fromEnv.source).toEqual({ kind: 'workspace', dir: '/work/conf/other' });
  });

  it('without a file, takes SharingHub\'s defaults with paths from the working directory', async () => {
    const c = await loadConfig({}, {}, filesOf({}, '/srv/run'));
    expect(c.file).toBeUndefined();
    expect(c.dir).toBe('/srv/run');
    expect(c.output.dir).toBe('/srv/run/public');
    expect(c.categories.map((x) => x.id)).toEqual(['ai-model', 'dataset', 'processor', 'tools', 'dashboard']);
  });

  it('puts flags over the file, relative to the working directory, and lets the environment fill only what neither gives', async () => {
    const env = { GITLAB_URL: 'https://env.test', STACHUB_BASE_URL: 'https://env.test/pub', MLFLOW_TRACKING_URI: 'https://ml.test' };
    const files = filesOf({ 'c.yml': FILE });
    const fileOnly = await loadConfig({ config: 'c.yml' }, env, files);
    expect(fileOnly.source).toEqual({ kind: 'workspace', dir: '/work/ws' });
    expect(fileOnly.output.baseUrl).toBe('https://file.test/');
    expect(fileOnly.mlflow).toEqual({ url: 'https://ml.test' });
    const flagged = await loadConfig({ config: 'c.yml', out: 'o', baseUrl: 'https://flag.test/x', mlflowExport: 'exp' }, env, files);
    expect(flagged.output).toEqual({ dir: '/work/o', baseUrl: 'https://flag.test/x/' });
    expect(flagged.mlflow).toEqual({ export: '/work/exp' });
    // An empty flag is no flag: the environment still fills it.
    expect((await loadConfig({ baseUrl: '' }, env, files)).output.baseUrl).toBe('https://env.test/pub/');
  });

  it('takes the GitLab settings from the environment when the configuration leaves them out', async () => {
    const files = filesOf({ 'set.yml': 'source: {gitlab: {url: "https://g.test", concurrency: 4, graphql: true}}\n' });
    const env = { STACHUB_GITLAB_CONCURRENCY: '32', STACHUB_GITLAB_GRAPHQL: 'off' };
    expect((await loadConfig({ gitlabUrl: 'https://g.test' }, env, files)).source).toEqual({ kind: 'gitlab', url: 'https://g.test', concurrency: 32, graphql: false });
    expect((await loadConfig({ config: 'set.yml' }, env, files)).source).toEqual({ kind: 'gitlab', url: 'https://g.test', concurrency: 4, graphql: true });
    const ignored = { STACHUB_GITLAB_CONCURRENCY: 'many', STACHUB_GITLAB_GRAPHQL: '' };
    expect((await loadConfig({ gitlabUrl: 'https://g.test' }, ignored, files)).source).toEqual({ kind: 'gitlab', url: 'https://g.test' });
  });

  it('says which configuration file cannot be read, as a usage error (exit 2)', async () => {
    const err = await loadConfig({ config: 'missing.yml' }, {}, filesOf({})).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect((err as UsageError).exitCode).toBe(2);
    expect((err as Error).message).toBe("cannot read configuration file missing.yml: ENOENT: no such file or directory, open 'missing.yml'");
  });

  it('keeps credentials out of the configuration and out of its errors', async () => {
    const env = { GITLAB_URL: 'https://g.test', GITLAB_TOKEN: 'glpat-secret-token', MLFLOW_TRACKING_TOKEN: 'mlflow-secret' };
    const c = await loadConfig({}, env, filesOf({}));
    expect(JSON.stringify(c)).not.toMatch(/secret/);
    const err = await loadConfig({ gitlabUrl: 'https://user:hunter2@g.test' }, env, filesOf({})).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toBe('--gitlab-url: credentials must not be part of the URL; use the token variables');
  });
});

describe('loadConfigBase (the file alone, as stachub lint applies it)', () => {
  it('applies neither flags nor environment fallbacks', async () => {
    const c = await loadConfigBase({}, { STACHUB_CONFIG: 'c.yml', GITLAB_URL: 'not a url', STACHUB_BASE_URL: 'https://env.test/' }, filesOf({ 'c.yml': FILE }));
    expect(c.source).toEqual({ kind: 'workspace', dir: '/work/ws' });
    expect(c.output.baseUrl).toBe('https://file.test/');
  });
});
