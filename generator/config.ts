/**
 * The configuration: `stachub.config.yml`, checked against `schemas/config.schema.json` at start-up
 * (every problem listed at once, exit 2), then completed by command-line flags and the environment.
 * `loadConfig` is the one loader: the command line's entry hands it the flags, the environment and
 * the working directory, and nothing below it reads `process.env` or `process.cwd()`.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError, UsageError } from './errors.js';
import { redactUrl } from './redact.js';
import { checkSchema } from './schemas.js';
import type { AssetRule, Visibility } from './types.js';
import { parseYaml, pointerSegments } from './yaml.js';

export type FeatureState = 'enable' | 'disable';

/** A category: one STAC collection, fed by the projects carrying its GitLab topic. */
export interface Category {
  id: string;
  title: string;
  description?: string;
  gitlabTopic: string;
  features: Record<string, FeatureState>;
  assets: AssetRule[];
  icon?: string;
  logo?: string;
}

export type SourceConfig =
  | { kind: 'workspace'; dir: string }
  | { kind: 'gitlab'; url: string; concurrency?: number; graphql?: boolean };

export interface Config {
  /** The configuration file, when there is one. */
  file?: string;
  /** The folder relative paths are resolved against: the configuration file's, else the working directory. */
  dir: string;
  catalog: { id: string; title: string; description: string };
  categories: Category[];
  /** Extension prefix -> schema URL. */
  extensions: Record<string, string>;
  source?: SourceConfig;
  visibility: Visibility[];
  archived: 'exclude' | 'include';
  mlflow: { url?: string; export?: string; trackingUri?: string };
  output: { dir: string; baseUrl?: string };
  publish?: { to?: string; endpoint?: string; region?: string; pathStyle?: boolean };
  /** Presentation settings of the HTML site (see schemas/site.schema.json). */
  site: Record<string, unknown>;
}

/** SharingHub's shipped categories (server app/config.yaml), used when no configuration file is given. */
export const DEFAULT_CATEGORIES: Category[] = [
  {
    id: 'ai-model',
    title: 'AI Models',
    description: 'Machine learning models: what they take, what they return, and their files.',
    gitlabTopic: 'sharinghub:aimodel',
    features: { 'deployment-spaces': 'disable', jupyter: 'enable', 'map-viewer': 'enable', 'store-s3': 'enable', mlflow: 'enable' },
    assets: [],
  },
  {
    id: 'dataset',
    title: 'Datasets',
    description: 'Datasets for training and evaluating models.',
    gitlabTopic: 'sharinghub:dataset',
    features: { 'deployment-spaces': 'disable', jupyter: 'enable', 'map-viewer': 'enable', 'store-s3': 'enable', mlflow: 'disable' },
    assets: [],
  },
  {
    id: 'processor',
    title: 'Processors',
    description: 'Processing tools that run models or prepare data.',
    gitlabTopic: 'sharinghub:processor',
    features: { 'deployment-spaces': 'disable', jupyter: 'disable', 'map-viewer': 'disable', 'store-s3': 'disable', mlflow: 'disable' },
    assets: [],
  },
  {
    id: 'tools',
    title: 'Tools',
    description: 'Libraries and utilities.',
    gitlabTopic: 'sharinghub:tools',
    features: { 'deployment-spaces': 'disable', jupyter: 'disable', 'map-viewer': 'disable', 'store-s3': 'disable', mlflow: 'disable' },
    assets: [],
  },
  {
    id: 'dashboard',
    title: 'Dashboards',
    description: 'Interactive applications.',
    gitlabTopic: 'sharinghub:space',
    features: { 'deployment-spaces': 'enable', jupyter: 'enable' },
    assets: [{ glob: 'streamlit_app.py', title: 'Streamlit App' }],
  },
];

/** Extensions every README may use by prefix (SharingHub's defaults, with MLM at v1.5.2). */
export const DEFAULT_EXTENSIONS: Record<string, string> = {
  eo: 'https://stac-extensions.github.io/eo/v1.1.0/schema.json',
  label: 'https://stac-extensions.github.io/label/v1.0.1/schema.json',
  sci: 'https://stac-extensions.github.io/scientific/v1.0.0/schema.json',
  'ml-model': 'https://stac-extensions.github.io/ml-model/v1.0.0/schema.json',
  mlm: 'https://stac-extensions.github.io/mlm/v1.5.2/schema.json',
};

/** What the command line can override (each has an environment fallback, see `applyOverrides`). */
export interface ConfigOverrides {
  workspace?: string | undefined;
  gitlabUrl?: string | undefined;
  mlflowUrl?: string | undefined;
  mlflowExport?: string | undefined;
  out?: string | undefined;
  baseUrl?: string | undefined;
}

/** The flags of a command that choose its configuration: the file (`--config`) and the overrides. */
export interface ConfigFlags extends ConfigOverrides {
  config?: string | undefined;
}

/** How the loader reaches files: the working directory flags are relative to, and a text reader. */
export interface ConfigFiles {
  cwd: string;
  /** Reads a file named as given on the command line (default: node:fs, from the process's directory). */
  readFile?: (file: string) => Promise<string>;
}

/**
 * The configuration of a command: the file named by `--config` (else `STACHUB_CONFIG`, else
 * SharingHub's defaults), then the flags over it, then the environment filling what neither gives.
 */
export async function loadConfig(argv: ConfigFlags, env: NodeJS.ProcessEnv, files: ConfigFiles): Promise<Config> {
  const base = await loadConfigBase(argv, env, files);
  // An empty flag (`--base-url ''`) is no flag: the environment may still fill it.
  const given = OVERRIDE_FLAGS.filter((key) => argv[key]).map((key) => [key, argv[key]]);
  return applyOverrides(base, Object.fromEntries(given) as ConfigOverrides, env, files.cwd);
}

const OVERRIDE_FLAGS = ['workspace', 'gitlabUrl', 'mlflowUrl', 'mlflowExport', 'out', 'baseUrl'] as const satisfies ReadonlyArray<keyof ConfigOverrides>;

/**
 * The configuration file alone (or the defaults), without flag or environment overrides: what
 * `stachub lint` applies (its categories and extensions).
 */
export async function loadConfigBase(argv: Pick<ConfigFlags, 'config'>, env: NodeJS.ProcessEnv, files: ConfigFiles): Promise<Config> {
  const file = argv.config ?? env.STACHUB_CONFIG;
  return file ? loadConfigFile(file, files) : defaultConfig(files.cwd);
}

/** Read and check a configuration file; throws ConfigError listing every problem with its line. */
async function loadConfigFile(file: string, files: ConfigFiles): Promise<Config> {
  let text: string;
  try {
    // Relative to the command's working directory (the message keeps the name as given).
    text = await (files.readFile ?? ((f: string) => readFile(path.resolve(files.cwd, f), 'utf8')))(file);
  } catch (err) {
    throw new UsageError(`cannot read configuration file ${file}: ${(err as Error).message}`, { cause: err });
  }
  return parseConfig(text, file, files.cwd);
}

/**
 * Parse and check configuration text (pure); relative paths are resolved against the file's folder
 * (`file` itself, when relative, against `cwd`).
 */
export function parseConfig(text: string, file: string, cwd: string): Config {
  const parsed = parseYaml(text);
  if (parsed.errors.length > 0) {
    throw new ConfigError(file, parsed.errors.map((e) => `line ${e.line ?? '?'}: YAML syntax: ${e.message}`));
  }
  const raw = parsed.value ?? {};
  const problems = checkSchema('config', raw).map((p) => {
    const segments = pointerSegments(p.pointer);
    const where = segments.length > 0 ? segments.join('.') : '(top level)';
    return `line ${parsed.lineOf(segments) ?? '?'}: ${where}: ${p.message}`;
  });
  if (problems.length > 0) throw new ConfigError(file, problems);
  return fromRaw(raw as RawConfig, path.dirname(path.resolve(cwd, file)), file);
}

/** The configuration used when no file is given: SharingHub's categories, source from flags or env. */
export function defaultConfig(cwd: string): Config {
  return fromRaw({}, cwd, undefined);
}

interface RawCategory {
  title: string;
  description?: string;
  gitlab_topic: string;
  features?: Record<string, FeatureState>;
  assets?: AssetRule[];
  icon?: string;
  logo?: string;
}

interface RawConfig {
  catalog?: { id?: string; title?: string; description?: string };
  categories?: Array<Record<string, RawCategory>>;
  extensions?: Record<string, string>;
  source?: {
    workspace?: string;
    gitlab?: { url: string; concurrency?: number; graphql?: boolean };
    visibility?: Visibility[];
    archived?: 'exclude' | 'include';
  };
  mlflow?: { url?: string; export?: string; tracking_uri?: string };
  output?: { dir?: string; base_url?: string };
  publish?: { to?: string; endpoint?: string; region?: string; path_style?: boolean };
  site?: Record<string, unknown>;
}

function fromRaw(raw: RawConfig, baseDir: string, file: string | undefined): Config {
  const categories = raw.categories
    ? raw.categories.map((entry) => {
        const [id, c] = Object.entries(entry)[0] as [string, RawCategory];
        return {
          id,
          title: c.title,
          ...(c.description !== undefined ? { description: c.description } : {}),
          gitlabTopic: c.gitlab_topic,
          features: c.features ?? {},
          assets: c.assets ?? [],
          ...(c.icon ? { icon: c.icon } : {}),
          ...(c.logo ? { logo: c.logo } : {}),
        } satisfies Category;
      })
    : DEFAULT_CATEGORIES.map((c) => ({ ...c }));
  const ids = new Set<string>();
  for (const c of categories) {
    if (ids.has(c.id)) throw new ConfigError(file ?? '(defaults)', [`categories: duplicate category id '${c.id}'`]);
    ids.add(c.id);
  }
  let source: SourceConfig | undefined;
  if (raw.source?.workspace) source = { kind: 'workspace', dir: path.resolve(baseDir, raw.source.workspace) };
  else if (raw.source?.gitlab) source = { kind: 'gitlab', ...raw.source.gitlab, url: raw.source.gitlab.url };
  return {
    ...(file ? { file } : {}),
    dir: baseDir,
    catalog: {
      id: raw.catalog?.id ?? 'stachub',
      title: raw.catalog?.title ?? 'Models and datasets',
      description: raw.catalog?.description ?? 'AI models and datasets published from GitLab projects.',
    },
    categories,
    extensions: { ...DEFAULT_EXTENSIONS, ...(raw.extensions ?? {}) },
    ...(source ? { source } : {}),
    visibility: raw.source?.visibility ?? ['public'],
    archived: raw.source?.archived ?? 'exclude',
    mlflow: {
      ...(raw.mlflow?.url ? { url: raw.mlflow.url } : {}),
      ...(raw.mlflow?.export ? { export: path.resolve(baseDir, raw.mlflow.export) } : {}),
      ...(raw.mlflow?.tracking_uri ? { trackingUri: raw.mlflow.tracking_uri } : {}),
    },
    output: {
      dir: path.resolve(baseDir, raw.output?.dir ?? 'public'),
      ...(raw.output?.base_url ? { baseUrl: withSlash(raw.output.base_url) } : {}),
    },
    ...(raw.publish
      ? {
          publish: {
            ...(raw.publish.to ? { to: raw.publish.to } : {}),
            ...(raw.publish.endpoint ? { endpoint: raw.publish.endpoint } : {}),
            ...(raw.publish.region ? { region: raw.publish.region } : {}),
            ...(raw.publish.path_style !== undefined ? { pathStyle: raw.publish.path_style } : {}),
          },
        }
      : {}),
    site: raw.site ?? {},
  };
}

/**
 * Apply command-line flags, then environment fallbacks, over a configuration (pure: env injected).
 * Flags win over the file; the environment only fills what neither gives.
 */
export function applyOverrides(config: Config, flags: ConfigOverrides, env: NodeJS.ProcessEnv, cwd: string): Config {
  const out: Config = { ...config, mlflow: { ...config.mlflow }, output: { ...config.output } };
  if (flags.workspace && flags.gitlabUrl) throw new UsageError('give either --workspace or --gitlab-url, not both');
  if (flags.mlflowUrl && flags.mlflowExport) throw new UsageError('give either --mlflow-url or --mlflow-export, not both');
  if (flags.workspace) out.source = { kind: 'workspace', dir: path.resolve(cwd, flags.workspace) };
  else if (flags.gitlabUrl) out.source = { kind: 'gitlab', url: checkUrl('--gitlab-url', flags.gitlabUrl) };
  else if (!out.source) {
    const url = env.GITLAB_URL || env.CI_SERVER_URL;
    if (url) out.source = { kind: 'gitlab', url: checkUrl(env.GITLAB_URL ? 'GITLAB_URL' : 'CI_SERVER_URL', url) };
  }
  if (out.source?.kind === 'gitlab') out.source = withGitLabEnv(out.source, env);
  // Another registry than the configured one: the configured tracking URI belongs to that one, not
  // this (an export's server then comes from MLFLOW_TRACKING_URI, as for an export without one).
  if (flags.mlflowUrl) out.mlflow = { url: checkUrl('--mlflow-url', flags.mlflowUrl) };
  else if (flags.mlflowExport) out.mlflow = { export: path.resolve(cwd, flags.mlflowExport) };
  else if (!out.mlflow.url && !out.mlflow.export && env.MLFLOW_TRACKING_URI && /^https?:\/\//.test(env.MLFLOW_TRACKING_URI)) {
    out.mlflow.url = env.MLFLOW_TRACKING_URI;
  }
  out.mlflow = Object.fromEntries(Object.entries(out.mlflow).filter(([, v]) => v !== undefined)) as Config['mlflow'];
  if (flags.out) out.output.dir = path.resolve(cwd, flags.out);
  const baseUrl = flags.baseUrl ?? (config.output.baseUrl ? undefined : env.STACHUB_BASE_URL);
  if (baseUrl) out.output.baseUrl = withSlash(checkUrl(flags.baseUrl ? '--base-url' : 'STACHUB_BASE_URL', baseUrl));
  return out;
}

/**
 * `STACHUB_GITLAB_CONCURRENCY` (a positive integer) and `STACHUB_GITLAB_GRAPHQL` (`0`, `false`,
 * `no` or `off` turn it off) stand in for `source.gitlab.concurrency` / `graphql` when the
 * configuration leaves them out; a value that is not one is ignored.
 */
function withGitLabEnv(source: Extract<SourceConfig, { kind: 'gitlab' }>, env: NodeJS.ProcessEnv): SourceConfig {
  const concurrency = Number(env.STACHUB_GITLAB_CONCURRENCY);
  const graphql = env.STACHUB_GITLAB_GRAPHQL;
  return {
    ...source,
    ...(source.concurrency === undefined && Number.isInteger(concurrency) && concurrency > 0 ? { concurrency } : {}),
    ...(source.graphql === undefined && graphql !== undefined && graphql !== '' ? { graphql: !/^(0|false|no|off)$/i.test(graphql) } : {}),
  };
}

/** `value` when it is an http(s) URL without credentials; the messages never quote a credential of it. */
function checkUrl(what: string, value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`${what}: '${redactUrl(value)}' is not a URL (expected http:// or https://)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`${what}: '${redactUrl(value)}' must be an http(s) URL`);
  if (url.username || url.password) throw new UsageError(`${what}: credentials must not be part of the URL; use the token variables`);
  return value;
}

function withSlash(url: string): string {
  return url.endsWith('/') ? url : `${url}/`;
}
