/**
 * An ONNX model that cannot be read is one warning, whatever the source: the reader's own code
 * (`onnx/truncated`, ...), the repository path, and the detail with its byte offset; the item is
 * still built. A workspace build and a GitLab crawl report it the same way.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { demoModelBytes } from '../../examples/scripts/make-demo-onnx.js';
import { inspectOnnxFile } from '../../generator/pipeline/setup.js';
import type { FakeGitLab } from '../fakes/gitlab/server.js';
import { AIMODEL, query, source, startFake } from '../sources/gitlab/helpers.js';

const truncated = demoModelBytes().subarray(0, 300);
const expected = {
  level: 'warning',
  code: 'onnx/truncated',
  file: 'model/net.onnx',
  message: expect.stringMatching(/^ONNX model not described: field 7 needs \d+ bytes but the file ends at byte 300 \(at byte \d+\)$/),
};

const dir = mkdtempSync(path.join(tmpdir(), 'stachub-onnx-diag-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let gl: FakeGitLab | undefined;
afterEach(async () => {
  await gl?.stop();
  gl = undefined;
});

describe('a model that cannot be read', () => {
  it('in a workspace: a warning with the reader code and the repository path', async () => {
    const file = path.join(dir, 'net.onnx');
    writeFileSync(file, truncated);
    const r = await inspectOnnxFile(file, { path: 'model/net.onnx', size: truncated.length, href: 'model/net.onnx' });
    expect(r).toEqual({ diagnostic: expected });
  });

  it('over GitLab: the same warning', async () => {
    gl = await startFake();
    gl.addProject({ id: 7, fullPath: 'g/bad-model', topics: [AIMODEL], files: { 'README.md': '# m\n', 'model/net.onnx': truncated } });
    const s = (await source(gl).projects(query())).entries[0]!.snapshot;
    expect(s.diagnostics).toEqual([expected]);
    expect(s.onnx['model/net.onnx']).toBeUndefined();
  });
});
