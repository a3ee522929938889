/**
 * A synthetic catalog for scale benchmarks and tests: N projects as a stachub workspace (one folder
 * per project with its README and its GitLab descriptor) plus an mlflow-export-import folder for
 * the 10% that are models with registered versions, and a stachub.config.yml that ties them.
 * Deterministic for a given seed. READMEs are 1-5 KB of text drawn from a Zipf-distributed
 * vocabulary (a few words are in nearly every README, most are rare), as real READMEs are.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { rng } from '../test/onnx/mutate.js';

export interface SyntheticOptions {
  projects: number;
  seed?: number;
}


const SYLLABLES = ['ka', 'ro', 'mi', 'te', 'sa', 'lu', 'no', 've', 'di', 'pa', 'gre', 'tor', 'lin', 'ast', 'ber', 'cul', 'fen', 'hol', 'mar', 'qui'];
const COMMON = [
  'the', 'model', 'data', 'and', 'of', 'to', 'in', 'for', 'with', 'on', 'is', 'training', 'dataset', 'images', 'satellite',
  'sentinel-2', 'segmentation', 'classification', 'detection', 'flood', 'crop', 'forest', 'building', 'cloud', 'sar',
];
const KEYWORDS = Array.from({ length: 300 }, (_, i) => (i < 40 ? ['flood', 'sar', 'sentinel-1', 'sentinel-2', 'landsat', 'crop', 'forest', 'urban', 'water', 'cloud'][i % 10]! + (i < 10 ? '' : `-${i}`) : `topic-${i}`));
const LICENSES = ['MIT', 'Apache-2.0', 'CC-BY-4.0', 'CC-BY-SA-4.0', 'BSD-3-Clause', 'GPL-3.0-only', 'CC0-1.0', 'MPL-2.0'];
const CATEGORIES: Array<{ topic: string; weight: number }> = [
  { topic: 'sharinghub:aimodel', weight: 0.3 },
  { topic: 'sharinghub:dataset', weight: 0.4 },
  { topic: 'sharinghub:processor', weight: 0.2 },
  { topic: 'sharinghub:space', weight: 0.1 },
];
const TASKS = ['semantic-segmentation', 'classification', 'object-detection', 'regression', 'super-resolution'];
const FRAMEWORKS = ['PyTorch', 'TensorFlow', 'ONNX', 'scikit-learn', 'JAX'];

/** A vocabulary of made-up words, most frequent first (rank r drawn with probability ~ 1/r). */
function vocabulary(size: number, rand: () => number): string[] {
  const words = new Set<string>(COMMON);
  while (words.size < size) {
    const n = 2 + Math.floor(rand() * 3);
    let w = '';
    for (let i = 0; i < n; i++) w += SYLLABLES[Math.floor(rand() * SYLLABLES.length)];
    words.add(w);
  }
  return [...words];
}

/** Sample a Zipf rank in [0, n) by inverse transform of the continuous 1/x density. */
function zipf(n: number, rand: () => number): number {
  return Math.min(n - 1, Math.floor(Math.exp(rand() * Math.log(n + 1)) - 1));
}

/** The word of rank `rank` (0 = most frequent) of a catalog's vocabulary: a query with a known frequency. */
export function syntheticWord(rank: number, seed = 1): string {
  return vocabulary(20_000, rng(seed))[rank]!;
}

export const SYNTHETIC_EPOCH = Date.parse('2024-01-01T00:00:00Z');
const DAY = 86_400_000;

/** The folder name of project `i` in the workspace. */
export function projectFolder(i: number): string {
  return `p${String(i).padStart(6, '0')}`;
}

/** Where the workspace, the MLflow export and the configuration of a synthetic catalog are. */
export interface SyntheticCatalog {
  dir: string;
  config: string;
  workspace: string;
  projects: number;
}

/** Write a synthetic catalog of `options.projects` projects under `dir`. */
export function writeSyntheticCatalog(dir: string, options: SyntheticOptions): SyntheticCatalog {
  const rand = rng(options.seed ?? 1);
  const vocab = vocabulary(20_000, rand);
  const workspace = path.join(dir, 'workspace');
  const exportDir = path.join(dir, 'mlflow-export');
  mkdirSync(path.join(exportDir, 'models'), { recursive: true });
  mkdirSync(path.join(exportDir, 'experiments', '1', 'runs'), { recursive: true });
  const modelNames: string[] = [];
  for (let i = 0; i < options.projects; i++) {
    const p = syntheticProject(i, rand, vocab);
    const folder = path.join(workspace, projectFolder(i));
    mkdirSync(folder, { recursive: true });
    writeFileSync(path.join(folder, 'README.md'), p.readme);
    writeFileSync(path.join(folder, 'stachub-project.yml'), p.descriptor);
    if (p.mlflow) {
      modelNames.push(p.mlflow.name);
      writeModel(exportDir, p.mlflow, i);
    }
  }
  writeFileSync(path.join(exportDir, 'manifest.json'), JSON.stringify({ system: SYSTEM, info: { model_names: 'all' } }, null, 1));
  writeFileSync(path.join(exportDir, 'models', 'models.json'), JSON.stringify({ system: SYSTEM, info: {}, mlflow: { models: modelNames } }, null, 1));
  const config = path.join(dir, 'stachub.config.yml');
  writeFileSync(config, CONFIG);
  return { dir, config, workspace, projects: options.projects };
}

/**
 * The one-project change of the benchmark: a new commit on project `i` (its README gains a
 * paragraph, its last activity moves to `at`), as a developer's push would.
 */
export function changeProject(catalog: SyntheticCatalog, i: number, at: Date): void {
  const folder = path.join(catalog.workspace, projectFolder(i));
  const readme = path.join(folder, 'README.md');
  const descriptor = path.join(folder, 'stachub-project.yml');
  writeFileSync(readme, `${readFileSync(readme, 'utf8')}\n## Changelog\n\nRetrained with a larger batch size.\n`);
  writeFileSync(descriptor, readFileSync(descriptor, 'utf8').replace(/^last_activity_at: .*$/m, `last_activity_at: ${at.toISOString()}`));
}

const SYSTEM = { package_version: '1.2.0', export_file_version: '2', mlflow_version: '2.16.2', mlflow_tracking_uri: 'https://mlflow.example.com' };

const CONFIG = `catalog:
  id: synthetic-hub
  title: Synthetic hub
  description: A generated catalog for scale benchmarks.
categories:
  - ai-model: {title: AI Models, description: Trained models., gitlab_topic: "sharinghub:aimodel"}
  - dataset: {title: Datasets, description: Training and evaluation data., gitlab_topic: "sharinghub:dataset"}
  - processor: {title: Processors, description: Workflows., gitlab_topic: "sharinghub:processor"}
  - dashboard: {title: Dashboards, description: Applications., gitlab_topic: "sharinghub:space"}
source:
  workspace: workspace
  visibility: [public]
  archived: exclude
mlflow:
  export: mlflow-export
  tracking_uri: https://mlflow.example.com
output:
  dir: public
`;

interface SyntheticProject {
  readme: string;
  descriptor: string;
  mlflow: { name: string; created: number; versions: number } | null;
}

function syntheticProject(i: number, rand: () => number, vocab: string[]): SyntheticProject {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const word = (): string => vocab[zipf(vocab.length, rand)]!;
  let r = rand();
  const category = CATEGORIES.find((c) => (r -= c.weight) < 0)?.topic ?? CATEGORIES[0]!.topic;
  const isModel = category === 'sharinghub:aimodel';
  const title = `${cap(word())} ${cap(word())} ${cap(pick(vocab.slice(25, 2000)))} ${i}`;
  const keywords = [...new Set(Array.from({ length: 1 + Math.floor(rand() * 4) }, () => KEYWORDS[zipf(KEYWORDS.length, rand)]!))];
  const license = LICENSES[zipf(LICENSES.length, rand)]!;
  const created = SYNTHETIC_EPOCH + Math.floor(rand() * 900) * DAY + Math.floor(rand() * DAY);
  const updated = created + Math.floor(rand() * 60 * DAY);
  const target = 1000 + Math.floor(rand() * 4000);
  const paragraphs: string[] = [];
  let size = 0;
  while (size < target) {
    const n = 30 + Math.floor(rand() * 60);
    const words = Array.from({ length: n }, word);
    const para = cap(words.join(' ')) + '.';
    paragraphs.push(para);
    size += para.length + 2;
  }
  const front = [
    '---',
    `title: ${title}`,
    `license: ${license}`,
    `keywords: [${keywords.join(', ')}]`,
    ...(isModel ? ['mlm:', `  name: m${i}`, `  architecture: ${cap(word())}Net`, `  tasks: [${pick(TASKS)}]`, `  framework: ${pick(FRAMEWORKS)}`] : []),
    '---',
  ];
  const readme = `${front.join('\n')}\n\n# ${title}\n\n${paragraphs.join('\n\n')}\n`;
  const group = `group-${i % 97}`;
  const slug = `project-${i}`;
  const descriptor = [
    `id: ${100000 + i}`,
    `path_with_namespace: ${group}/${slug}`,
    `name: ${title}`,
    `name_with_namespace: ${group} / ${title}`,
    `description: ${paragraphs[0]!.slice(0, 120).replace(/[:#]/g, ' ')}`,
    `topics: [${category}]`,
    'visibility: public',
    `web_url: https://gitlab.example.com/${group}/${slug}`,
    'default_branch: main',
    `created_at: ${new Date(created).toISOString()}`,
    `last_activity_at: ${new Date(updated).toISOString()}`,
    `star_count: ${Math.floor(Math.pow(rand(), 4) * 500)}`,
    '',
  ].join('\n');
  // 10% of all projects (a third of the models) have registered versions in MLflow.
  const mlflow = isModel && rand() < 1 / 3 ? { name: `m${i} (${100000 + i})`, created, versions: 1 + Math.floor(rand() * 3) } : null;
  return { readme, descriptor, mlflow };
}

function cap(w: string): string {
  return w.charAt(0).toUpperCase() + w.slice(1);
}

function writeModel(exportDir: string, model: { name: string; created: number; versions: number }, i: number): void {
  const folder = path.join(exportDir, 'models', `m${i}`);
  mkdirSync(folder, { recursive: true });
  const versions = Array.from({ length: model.versions }, (_, v) => {
    const runId = (i.toString(16).padStart(8, '0') + v.toString(16).padStart(2, '0')).padEnd(32, 'a');
    const at = model.created + (v + 1) * DAY;
    const runDir = path.join(exportDir, 'experiments', '1', 'runs', runId);
    mkdirSync(path.join(runDir, 'artifacts', 'model'), { recursive: true });
    writeFileSync(
      path.join(runDir, 'run.json'),
      JSON.stringify({
        system: SYSTEM,
        mlflow: {
          info: { run_id: runId, run_uuid: runId, experiment_id: '1', run_name: `run-${v}`, status: 'FINISHED', start_time: at - 3_600_000, end_time: at, lifecycle_stage: 'active', artifact_uri: `mlflow-artifacts:/1/${runId}/artifacts` },
          params: { epochs: String(10 + v) },
          metrics: { loss: Array.from({ length: 5 }, (_, s) => ({ value: 1 / (s + 2 + v), timestamp: at - (5 - s) * 60_000, step: s })) },
          tags: { 'mlflow.runName': `run-${v}` },
        },
      }),
    );
    writeFileSync(path.join(runDir, 'artifacts', 'model', 'MLmodel'), `artifact_path: model\nflavors:\n  onnx:\n    data: model.onnx\nrun_id: ${runId}\n`);
    return {
      aliases: [], creation_timestamp: at, current_stage: 'None', description: `Version ${v + 1}.`, last_updated_timestamp: at,
      name: model.name, run_id: runId, source: `mlflow-artifacts:/1/${runId}/artifacts/model`, status: 'READY', tags: {}, version: String(v + 1),
    };
  });
  writeFileSync(
    path.join(folder, 'model.json'),
    JSON.stringify({ system: SYSTEM, mlflow: { registered_model: { name: model.name, creation_timestamp: model.created, last_updated_timestamp: model.created, aliases: [], tags: [], versions } } }),
  );
}
