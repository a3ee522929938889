import { describe, expect, it } from 'vitest';
import { applyOverrides, defaultConfig, parseConfig } from '../../generator/config.js';
import { ConfigError, UsageError } from '../../generator/errors.js';
import { createRegistry } from '../../generator/mlflow/index.js';

describe('configuration file', () => {
  it('reads categories in order, resolves paths against the file and merges extensions', () => {
    const c = parseConfig(
      'catalog: {id: demo, title: Demo, description: D}\ncategories:\n  - models: {title: Models, gitlab_topic: "sharinghub:aimodel", features: {mlflow: enable}}\n  - data: {title: Data, gitlab_topic: "sharinghub:dataset", assets: ["*.zip"]}\nextensions: {proj: "https://ext.test/p.json"}\nsource: {workspace: ws}\noutput: {dir: out, base_url: "https://x.test/cat"}\n',
      '/etc/stachub/stachub.config.yml',
      process.cwd(),
    );
    expect(c.categories.map((x) => [x.id, x.gitlabTopic])).toEqual([['models', 'sharinghub:aimodel'], ['data', 'sharinghub:dataset']]);
    expect(c.categories[1]!.assets).toEqual(['*.zip']);
    expect(c.source).toEqual({ kind: 'workspace', dir: '/etc/stachub/ws' });
    expect(c.output).toEqual({ dir: '/etc/stachub/out', baseUrl: 'https://x.test/cat/' });
    expect(c.extensions.proj).toBe('https://ext.test/p.json');
    expect(c.extensions.mlm).toBe('https://stac-extensions.github.io/mlm/v1.5.2/schema.json');
    expect(c.visibility).toEqual(['public']);
  });

  it('lists every problem at once, each with its line', () => {
    const text = [
      'catalog:',
      '  id: "bad id"', // line 2
      'categories:',
      '  - models: {title: Models}', // line 4: missing gitlab_topic
      'source:',
      '  visibility: [public, secret]', // line 6
      'unknown_key: 1', // line 7
    ].join('\n');
    let error: unknown;
    try {
      parseConfig(text, 'cfg.yml', process.cwd());
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems).toHaveLength(4);
    expect(problems.join('\n')).toMatch(/line 2: catalog\.id/);
    expect(problems.join('\n')).toMatch(/line 4: categories\.0\.models: missing required key 'gitlab_topic'/);
    expect(problems.join('\n')).toMatch(/line 6: source\.visibility\.1: must be one of "public", "internal", "private"/);
    expect(problems.join('\n')).toMatch(/line 7: \(top level\)|unknown key 'unknown_key'/);
    expect((error as ConfigError).exitCode).toBe(2);
  });

  it('reports YAML syntax errors with their line', () => {
    expect(() => parseConfig('catalog:\n  id: [x\n', 'c.yml', process.cwd())).toThrow(/line \d: YAML syntax/);
  });

  it('rejects both a workspace and a GitLab source', () => {
    expect(() => parseConfig('source: {workspace: a, gitlab: {url: "https://g.test"}}', 'c.yml', process.cwd())).toThrow(/either workspace or gitlab/);
  });

  it('defaults to SharingHub\'s categories', () => {
    expect(defaultConfig('/tmp').categories.map((c) => `${c.id}=${c.gitlabTopic}`)).toEqual([
      'ai-model=sharinghub:aimodel',
      'dataset=sharinghub:dataset',
      'processor=sharinghub:processor',
      'tools=sharinghub:tools',
      'dashboard=sharinghub:space',
    ]);
  });
});

describe('overrides and environment', () => {
  const base = defaultConfig('/work');
  it('flags win, then the environment fills the gaps', () => {
    const env = { GITLAB_URL: 'https://env.test', STACHUB_BASE_URL: 'https://pub.test/x', MLFLOW_TRACKING_URI: 'https://ml.test' };
    const fromEnv = applyOverrides(base, {}, env, '/work');
    expect(fromEnv.source).toEqual({ kind: 'gitlab', url: 'https://env.test' });
    expect(fromEnv.output.baseUrl).toBe('https://pub.test/x/');
    expect(fromEnv.mlflow).toEqual({ url: 'https://ml.test' });
    const fromFlags = applyOverrides(base, { workspace: 'ws', out: 'o', mlflowExport: 'exp' }, env, '/work');
    expect(fromFlags.source).toEqual({ kind: 'workspace', dir: '/work/ws' });
    expect(fromFlags.output.dir).toBe('/work/o');
    expect(fromFlags.mlflow).toEqual({ export: '/work/exp' });
  });
  it('--mlflow-export replaces the configured registry, its tracking_uri included, as --mlflow-url does', () => {
    const configured = parseConfig('mlflow:\n  url: https://ml.config.test\n  tracking_uri: https://ml-public.config.test\n', '/work/stachub.config.yml', '/work');
    const env = { MLFLOW_TRACKING_URI: 'https://ml.env.test' };
    const fromExport = applyOverrides(configured, { mlflowExport: 'exp' }, env, '/work');
    expect(fromExport.mlflow).toEqual({ export: '/work/exp' });
    // The export's models then link to the server MLFLOW_TRACKING_URI names (docs/mlflow.md), not the configured one.
    const registry = createRegistry(fromExport.mlflow, { env, cwd: '/work' }, { openTrackingStore: () => Promise.reject(new Error('not a store')) });
    expect(registry?.trackingUri).toBe('https://ml.env.test/');
    expect(applyOverrides(configured, { mlflowUrl: 'https://ml.flag.test' }, env, '/work').mlflow).toEqual({ url: 'https://ml.flag.test' });
    expect(applyOverrides(configured, {}, env, '/work').mlflow).toEqual({ url: 'https://ml.config.test', trackingUri: 'https://ml-public.config.test' });
  });
  it('uses CI_SERVER_URL when GITLAB_URL is absent', () => {
    expect(applyOverrides(base, {}, { CI_SERVER_URL: 'https://ci.test' }, process.cwd()).source).toEqual({ kind: 'gitlab', url: 'https://ci.test' });
  });
  it('rejects conflicting flags, non-http URLs and credentials in URLs', () => {
    expect(() => applyOverrides(base, { workspace: 'a', gitlabUrl: 'https://g.test' }, {}, process.cwd())).toThrow(UsageError);
    expect(() => applyOverrides(base, { gitlabUrl: 'ftp://g.test' }, {}, process.cwd())).toThrow(/http/);
    expect(() => applyOverrides(base, { gitlabUrl: 'https://user:tok@g.test' }, {}, process.cwd())).toThrow(/credentials/);
  });
  it('never quotes a credential of a URL it rejects', () => {
    const message = (flags: Parameters<typeof applyOverrides>[1], env: NodeJS.ProcessEnv = {}): string => {
      try {
        applyOverrides(base, flags, env, process.cwd());
      } catch (err) {
        expect(err).toBeInstanceOf(UsageError);
        return (err as Error).message;
      }
      throw new Error('accepted');
    };
    // Values that do not parse as URLs: a space in the host, a slash in the password.
    const spaced = message({ gitlabUrl: 'https://user:tok en-s3cret@gitlab host.test' });
    expect(spaced).toMatch(/--gitlab-url: '.*gitlab host\.test' is not a URL/);
    expect(spaced).not.toMatch(/tok|s3cret|user/);
    expect(message({ mlflowUrl: 'https://user:pa/ss-s3cret@ml.test' })).not.toMatch(/pa|s3cret/);
    expect(message({}, { GITLAB_URL: 'https://ci:glpat-abcdefgh12345678@git lab.test' })).not.toMatch(/abcdefgh|glpat/);
    expect(message({ baseUrl: 'https://pub lic.test/?private_token=s3cret-value' })).not.toContain('s3cret-value');
    // Values that parse but are not http(s): their userinfo is not quoted either.
    expect(message({ gitlabUrl: 'ftp://user:s3cret-pw@g.test' })).not.toContain('s3cret-pw');
    expect(message({ gitlabUrl: 'user:s3cret-pw@g.test' })).not.toContain('s3cret-pw');
  });
});

describe('site settings', () => {
  it('are checked against schemas/site.schema.json with the rest of the file', () => {
    const text = 'site:\n  title: Hub\n  stac_browser_url: "javascript:alert(1)"\n  footer_links:\n    - {label: Docs}\n  colour: red\n';
    let error: unknown;
    try {
      parseConfig(text, 'c.yml', process.cwd());
    } catch (e) {
      error = e;
    }
    const problems = (error as ConfigError).problems.join('\n');
    expect(problems).toMatch(/line 3: site\.stac_browser_url: must be an http\(s\) URL/);
    expect(problems).toMatch(/line 5: site\.footer_links\.0: missing required key 'href'/);
    expect(problems).toMatch(/unknown key 'colour'/);
  });
  it('accept the documented keys', () => {
    const c = parseConfig('site:\n  title: Hub\n  stac_browser_url: https://browser.test/\n  footer_links: [{label: Docs, href: "https://docs.test"}]\n', 'c.yml', process.cwd());
    expect(c.site).toEqual({ title: 'Hub', stac_browser_url: 'https://browser.test/', footer_links: [{ label: 'Docs', href: 'https://docs.test' }] });
  });
});
