/** Shared set-up for the GitLab source tests: a fake with a small, varied instance. */
import { FakeGitLab, type FakeGitLabOptions } from '../../fakes/gitlab/server.js';
import { createGitLabSource, type GitLabSourceOptions } from '../../../generator/sources/gitlab/source.js';
import type { SourceQuery } from '../../../generator/sources/source.js';

export const TOKEN = 'glpat-SECRETSECRET1234567890';
export const AIMODEL = 'sharinghub:aimodel';
export const DATASET = 'sharinghub:dataset';

/** 24 hours ago: old enough that `last_activity_at` moves on the next push. */
export const DAY_AGO = new Date(Date.now() - 24 * 3600 * 1000).toISOString();

export const ONNX_BYTES = new Uint8Array([8, 7, 18, 4, 116, 101, 115, 116, 0, 1, 2, 3]);

export async function startFake(opts: FakeGitLabOptions = {}): Promise<FakeGitLab> {
  const gl = new FakeGitLab({ tokens: { [TOKEN]: { user: 'bot' } }, jobTokens: { 'job-123': 'bot' }, ...opts });
  await gl.start();
  return gl;
}

/** A model project with README, LICENSE, LFS ONNX model, a .dvc file, preview, release, package and image. */
export function addModel(gl: FakeGitLab, id: number, fullPath = `group/model-${id}`, extra: { topics?: string[] } = {}) {
  gl.addProject({
    id,
    fullPath,
    description: `Model ${id}`,
    topics: extra.topics ?? [AIMODEL, 'segmentation'],
    lastActivityAt: DAY_AGO,
    createdAt: DAY_AGO,
    files: {
      'README.md': `---\ntitle: Model ${id}\nlicense: MIT\n---\n# Model ${id}\n`,
      LICENSE: 'MIT License\n',
      '.gitattributes': '*.onnx filter=lfs diff=lfs merge=lfs -text\n',
      'models/model.onnx': { content: ONNX_BYTES, lfs: true },
      'data/train.csv.dvc': 'outs:\n- md5: 0123\n  path: train.csv\n',
      'preview.png': new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0]),
      'src/train.py': 'print("train")\n',
    },
    license: { key: 'mit', name: 'MIT License' },
    releases: [
      { tag_name: 'v1.0', name: 'First', description: 'notes', released_at: '2026-01-01T00:00:00Z' },
      { tag_name: 'v1.1', name: 'Second', description: 'more notes', released_at: '2026-02-01T00:00:00Z' },
    ],
    packages: [
      { id: id * 10 + 2, name: 'model-pkg', version: '1.1.0', package_type: 'pypi' },
      { id: id * 10 + 1, name: 'model-pkg', version: '1.0.0', package_type: 'pypi' },
    ],
    containers: [
      { id: id * 10, name: '', path: fullPath, location: `registry.example.com/${fullPath}`, tags: ['latest', 'a'.repeat(64)] },
      { id: id * 10 + 1, name: 'snapshot-x', path: `${fullPath}/snapshot-x`, location: `registry.example.com/${fullPath}/snapshot-x`, tags: ['x'] },
    ],
  });
}

/** A dataset project with a lower-case readme and nothing else. */
export function addDataset(gl: FakeGitLab, id: number, fullPath = `group/data-${id}`) {
  gl.addProject({
    id,
    fullPath,
    topics: [DATASET],
    lastActivityAt: DAY_AGO,
    createdAt: DAY_AGO,
    files: { 'readme.md': `# Dataset ${id}\n`, 'data/a.csv': 'a,b\n1,2\n' },
    packagesEnabled: false,
    containerRegistryEnabled: false,
  });
}

export function query(over: Partial<SourceQuery> = {}): SourceQuery {
  return { topics: [AIMODEL, DATASET], visibility: ['public'], archived: 'exclude', ...over };
}

export function source(gl: FakeGitLab, over: Partial<GitLabSourceOptions> = {}) {
  return createGitLabSource({
    url: gl.url,
    token: TOKEN,
    concurrency: 4,
    transport: { baseDelayMs: 20, maxDelayMs: 200 },
    ...over,
  });
}
