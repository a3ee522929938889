/**
 * The fake GitLab of the crawl benchmark, in its own process (so the crawler's RSS and CPU are its
 * own). Usage: `node --import tsx bench/gitlab-fake-server.ts N LATENCY_MS [GRAPHQL_MS_PER_PROJECT]`; prints `READY <url>`.
 *
 * The instance (deterministic): N projects, 60% `sharinghub:aimodel`, 40% `sharinghub:dataset`
 * (every 10th carries both); each has a README and ~20 files; half have a LICENSE; a fifth store
 * files in LFS (`.gitattributes` + 2 LFS files); a tenth of the models hold an LFS ONNX model
 * (a real, small one); a quarter have packages enabled, a quarter the container registry; a third
 * have a release. `last_activity_at` is two days old, except for a fifth of the projects whose head
 * is a merge commit made at start-up (their activity is recent). A third argument adds server time per
 * project to each GraphQL query (GitLab reads each project's blobs and tree from Gitaly).
 */
import { DT, encodeModel } from '../test/onnx/schema.js';
import { FakeGitLab } from '../test/fakes/gitlab/server.js';

const N = Number(process.argv[2] ?? 1000);
const LATENCY = Number(process.argv[3] ?? 20);
const GRAPHQL_MS_PER_PROJECT = Number(process.argv[4] ?? 0);
const TOKEN = 'glpat-bench-token';
const AIMODEL = 'sharinghub:aimodel';
const DATASET = 'sharinghub:dataset';

const onnx = encodeModel({
  ir_version: 8,
  producer_name: 'bench',
  opset_import: [{ domain: '', version: 17 }],
  graph: {
    name: 'g',
    node: [{ op_type: 'MatMul', input: ['x', 'w'], output: ['y'] }],
    initializer: [{ name: 'w', dims: [64, 10], data_type: DT.FLOAT, raw_data: Buffer.alloc(64 * 10 * 4, 1) }],
    input: [{ name: 'x', type: { tensor_type: { elem_type: DT.FLOAT, shape: { dim: [{ dim_param: 'batch' }, { dim_value: 64 }] } } } }],
    output: [{ name: 'y', type: { tensor_type: { elem_type: DT.FLOAT, shape: { dim: [{ dim_param: 'batch' }, { dim_value: 10 }] } } } }],
  },
});

const old = new Date(Date.now() - 2 * 24 * 3600 * 1000).toISOString();
const gl = new FakeGitLab({ tokens: { [TOKEN]: { user: 'bench' } }, latencyMs: LATENCY, graphqlMsPerProject: GRAPHQL_MS_PER_PROJECT });
for (let i = 1; i <= N; i++) {
  const model = i % 10 < 6;
  const topics = i % 10 === 0 ? [AIMODEL, DATASET] : [model ? AIMODEL : DATASET];
  const files: Record<string, string | Uint8Array | { content: Uint8Array | string; lfs: boolean }> = {
    'README.md': `---\ntitle: Project ${i}\nlicense: MIT\n---\n# Project ${i}\n\nSome text.\n`,
  };
  for (let f = 0; f < 18; f++) files[`src/module_${f}.py`] = `# module ${f} of ${i}\n`;
  if (i % 2 === 0) files.LICENSE = 'MIT License\n';
  if (i % 5 === 0) {
    files['.gitattributes'] = '*.bin filter=lfs diff=lfs merge=lfs -text\n*.onnx filter=lfs diff=lfs merge=lfs -text\n';
    files['data/part-1.bin'] = { content: `bytes-${i}-1`, lfs: true };
    files['data/part-2.bin'] = { content: `bytes-${i}-2`, lfs: true };
  }
  if (model && i % 10 === 1) {
    files['.gitattributes'] = '*.bin filter=lfs diff=lfs merge=lfs -text\n*.onnx filter=lfs diff=lfs merge=lfs -text\n';
    files['model/model.onnx'] = { content: onnx, lfs: true };
  }
  gl.addProject({
    id: i,
    fullPath: `group-${i % 50}/project-${i}`,
    description: `Project ${i}`,
    topics,
    files,
    createdAt: old,
    lastActivityAt: old,
    license: i % 2 === 0 ? { key: 'mit', name: 'MIT License' } : null,
    releases: i % 3 === 0 ? [{ tag_name: 'v1.0', name: 'v1.0', released_at: old }] : [],
    packagesEnabled: i % 4 === 0,
    packages: i % 4 === 0 ? [{ id: i, name: `pkg-${i}`, version: '1.0.0', package_type: 'pypi' }] : [],
    containerRegistryEnabled: i % 4 === 1,
    containers: i % 4 === 1 ? [{ id: i, name: '', path: `p/${i}`, location: `registry.example.com/p/${i}`, tags: ['latest'] }] : [],
  });
  // a fifth of the heads are merge commits (an up-to-date merge request merged just now): Gitaly's
  // last commit for the tree is then not the head, and last_activity_at is recent, so a no-change
  // rebuild checks those heads
  if (i % 5 === 2) gl.merge(i, { 'CHANGELOG.md': `merged into ${i}\n` });
}
await gl.start();
process.stdout.write(`READY ${gl.url} ${TOKEN}\n`);
const stop = async () => {
  await gl.stop();
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.stdin.on('end', () => void stop());
process.stdin.resume();
