/**
 * Model files in a GitLab crawl (the fake GitLab of test/fakes): an LFS safetensors file and a
 * sharded model read over HTTP Range requests through the raw-file API, and a hostile pickle
 * committed to Git itself (served whole, without Range) flagged unsafe; a pickle is never run.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { FakeGitLab } from '../fakes/gitlab/server.js';
import { AIMODEL, query, source, startFake } from '../sources/gitlab/helpers.js';
import { hostilePickles } from './hostile.js';
import { safetensors } from './writers.js';

let gl: FakeGitLab;
afterEach(async () => {
  await gl?.stop();
});

describe('GitLab source: model files', () => {
  it('describes LFS safetensors (sharded too) by Range requests and flags a hostile pickle committed to Git', async () => {
    gl = await startFake();
    const big = safetensors([{ name: 'w', dtype: 'F32', shape: [256, 1024] }], { format: 'pt' });
    const shard1 = safetensors([{ name: 'a', dtype: 'F16', shape: [4, 4] }]);
    const shard2 = safetensors([{ name: 'b', dtype: 'F16', shape: [8] }]);
    const index = JSON.stringify({ weight_map: { a: 'model-00001-of-00002.safetensors', b: 'model-00002-of-00002.safetensors' } });
    gl.addProject({
      id: 9,
      fullPath: 'g/weights',
      topics: [AIMODEL],
      files: {
        'README.md': '# m\n',
        '.gitattributes': '*.safetensors filter=lfs diff=lfs merge=lfs -text\n',
        'model.safetensors': { content: big, lfs: true },
        'sharded/model-00001-of-00002.safetensors': { content: shard1, lfs: true },
        'sharded/model-00002-of-00002.safetensors': { content: shard2, lfs: true },
        'sharded/model.safetensors.index.json': index,
        'pipeline.pkl': hostilePickles('/nonexistent/marker')['os-system.pkl']!.bytes,
      },
    });
    const s = (await source(gl).projects(query())).entries[0]!.snapshot;
    expect(s.diagnostics, JSON.stringify(s.diagnostics)).toEqual([]);
    expect(s.models?.['model.safetensors']).toMatchObject({ format: 'safetensors', parameterCount: 256 * 1024 });
    expect(s.models?.['sharded/model.safetensors.index.json']).toMatchObject({ format: 'safetensors-index', parameterCount: 24, notes: [] });
    expect(s.models?.['pipeline.pkl']?.pickleSafety).toMatchObject({ verdict: 'unsafe', unsafeGlobals: ['os.system'] });
    // The big file was read by its header only.
    const raw = gl.requests.filter((r) => r.route === 'raw' && r.url.includes('model.safetensors') && !r.url.includes('sharded'));
    expect(raw.length).toBeGreaterThan(0);
    expect(raw.length).toBeLessThanOrEqual(2);
  });
});
