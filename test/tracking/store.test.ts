/** The store below the HTTP layer: journal recovery, write-once params under concurrency, the read API. */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodeRecord, parseJournal } from '../../pipelines/tracking/journal.js';
import { openStore } from '../../pipelines/tracking/store.js';
import { api, startShim, tempDir } from './helpers.js';

describe('journal', () => {
  it('keeps complete records, drops a torn tail and skips a corrupt line', () => {
    const good = [encodeRecord({ op: 'a' }), encodeRecord(['m', 0, 'k', 1, 2, 3])];
    const corrupt = good[0]!.replace('"a"', '"b"'); // CRC no longer matches
    const torn = encodeRecord({ op: 'c' }).slice(0, 10);
    const parsed = parseJournal(Buffer.from(good[0]! + corrupt + good[1]! + torn));
    expect(parsed.records).toEqual([{ op: 'a' }, ['m', 0, 'k', 1, 2, 3]]);
    expect(parsed.corruptLines).toBe(1);
    expect(parsed.tornBytes).toBe(10);
    expect(parsed.validBytes).toBe(Buffer.byteLength(good[0]! + corrupt + good[1]!));
  });
});

describe('replay', () => {
  it('counts and reports intact records that no longer apply, and applies the rest', async () => {
    const dir = tempDir();
    const store = await openStore(dir, { writable: true, fsync: false, compactAfterBytes: 0 });
    const run = (await store.createRun({ experimentId: '0', tags: [] })).run_id;
    await store.logMetric(run, { key: 'loss', value: 1, timestamp: 1, step: 0 });
    await store.close();
    expect((await openStore(dir)).recovery).toMatchObject({ failedRecords: 0 });
    // Records naming a run and a registered model the store does not have (as a hand-edited or
    // mis-merged journal would), between good ones.
    fs.appendFileSync(
      path.join(dir, 'journal.log'),
      encodeRecord(['m', 999, 'loss', 2, 2, 1]) + encodeRecord({ op: 'rm-tag', name: 'ghost', k: 'a', v: 'b', t: 3 }) + encodeRecord(['m', 0, 'loss', 3, 3, 2]),
    );
    const reopened = await openStore(dir);
    expect(reopened.recovery.failedRecords).toBe(2);
    expect(reopened.recovery.firstFailure).toMatch(/^journal\.log record \d+: unknown run #999$/);
    expect(reopened.metricHistory(run, 'loss').map((p) => p.value)).toEqual([1, 3]);
  });
});

describe('store', () => {
  it('one of many concurrent different values of a param wins; the others get 400', async () => {
    const shim = await startShim();
    try {
      const run = (await api(shim.url, 'POST', 'runs/create', { experiment_id: '0' })).body.run.info.run_id as string;
      const answers = await Promise.all(
        Array.from({ length: 40 }, (_, i) => api(shim.url, 'POST', 'runs/log-parameter', { run_id: run, key: 'p', value: `v${i % 4}` })),
      );
      const winner = shim.store.run(run)!.data.params[0]!.value;
      for (const [i, a] of answers.entries()) expect(a.status).toBe(`v${i % 4}` === winner ? 200 : 400);
      // Run ids and registry versions stay unique under concurrency too.
      const runs = await Promise.all(Array.from({ length: 30 }, () => api(shim.url, 'POST', 'runs/create', { experiment_id: '0' })));
      expect(new Set(runs.map((r) => r.body.run.info.run_id)).size).toBe(30);
      await api(shim.url, 'POST', 'registered-models/create', { name: 'c' });
      const mvs = await Promise.all(Array.from({ length: 20 }, () => api(shim.url, 'POST', 'model-versions/create', { name: 'c', source: 's3://b/m' })));
      expect(mvs.map((r) => Number(r.body.model_version.version)).sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    } finally {
      await shim.close();
    }
  });

  it('the read API sees what the server acknowledged, while it runs, without locking the store', async () => {
    const shim = await startShim();
    try {
      const exp = (await api(shim.url, 'POST', 'experiments/create', { name: 'catalog' })).body.experiment_id as string;
      const run = (await api(shim.url, 'POST', 'runs/create', { experiment_id: exp, run_name: 'r', tags: [{ key: 'mlflow.source.git.repoURL', value: 'https://g/x.git' }] })).body.run.info.run_id as string;
      await api(shim.url, 'POST', 'runs/log-batch', {
        run_id: run,
        metrics: [
          { key: 'iou', value: 0.5, timestamp: 1, step: 0 },
          { key: 'iou', value: 0.7, timestamp: 2, step: 1 },
        ],
        params: [{ key: 'lr', value: '0.1' }],
      });
      await api(shim.url, 'POST', 'registered-models/create', { name: 'seg', tags: [{ key: 'project', value: 'g/x' }] });
      await api(shim.url, 'POST', 'model-versions/create', { name: 'seg', source: `mlflow-artifacts:/${exp}/${run}/artifacts/model`, run_id: run, tags: [{ key: 'k', value: 'v' }] });
      await api(shim.url, 'POST', 'registered-models/alias', { name: 'seg', alias: 'champion', version: '1' });

      const reader = await openStore(shim.dir);
      expect(reader.experiments().map((e) => e.name)).toEqual(['Default', 'catalog']);
      expect(reader.registeredModels()).toEqual([
        expect.objectContaining({ name: 'seg', tags: [{ key: 'project', value: 'g/x' }], aliases: [{ alias: 'champion', version: '1' }] }),
      ]);
      expect(reader.modelVersions('seg')).toEqual([
        expect.objectContaining({ version: '1', run_id: run, aliases: ['champion'], tags: [{ key: 'k', value: 'v' }], status: 'READY', current_stage: 'None' }),
      ]);
      const r = reader.run(run)!;
      expect(r.data.metrics).toEqual([{ key: 'iou', value: 0.7, timestamp: 2, step: 1 }]);
      expect(r.data.params).toEqual([{ key: 'lr', value: '0.1' }]);
      expect(r.data.tags).toContainEqual({ key: 'mlflow.source.git.repoURL', value: 'https://g/x.git' });
      expect(reader.runs(exp).map((x) => x.info.run_id)).toEqual([run]);
      expect(reader.metricHistory(run, 'iou').map((m) => m.value)).toEqual([0.5, 0.7]);
      expect(reader.artifactFile(`mlflow-artifacts:/${exp}/${run}/artifacts/model/model.onnx`)).toBe(path.join(shim.dir, 'artifacts', exp, run, 'artifacts/model/model.onnx'));
      expect(() => reader.artifactFile('mlflow-artifacts:/../journal.log')).toThrow('Invalid path');
      expect(reader.artifactFile('s3://bucket/model')).toBeUndefined();
      // Reading took no lock: the server still writes, and the store is unchanged by the reader.
      expect((await api(shim.url, 'POST', 'runs/set-tag', { run_id: run, key: 'after', value: 'x' })).status).toBe(200);
      await reader.close();
      expect(fs.readFileSync(path.join(shim.dir, 'server.lock'), 'utf8')).toBe(String(process.pid));
    } finally {
      await shim.close();
    }
  });

  it('a read-only store refuses writes; an empty directory reads as an empty store', async () => {
    const dir = tempDir();
    const store = await openStore(dir);
    expect(store.experiments()).toEqual([]);
    await expect(store.createExperiment('x', undefined, [])).rejects.toThrow(/read-only/);
  });
});

describe('replay', () => {
  it('a restarted store answers exactly as before, for every kind of change', async () => {
    const shim = await startShim();
    const call = (method: string, p: string, payload: Record<string, unknown>) => api(shim.url, method, p, payload);
    const exp = (await call('POST', 'experiments/create', { name: 'e', tags: [{ key: 'a', value: 'b' }] })).body.experiment_id as string;
    await call('POST', 'experiments/set-experiment-tag', { experiment_id: exp, key: 'k', value: 'v' });
    await call('POST', 'experiments/update', { experiment_id: exp, new_name: 'e2' });
    const gone = (await call('POST', 'experiments/create', { name: 'gone' })).body.experiment_id as string;
    await call('POST', 'experiments/delete', { experiment_id: gone });
    const run = (await call('POST', 'runs/create', { experiment_id: exp, run_name: 'r', tags: [{ key: 't', value: '1' }] })).body.run.info.run_id as string;
    await call('POST', 'runs/log-metric', { run_id: run, key: 'm', value: 'NaN', timestamp: 1, step: 0 });
    await call('POST', 'runs/log-metric', { run_id: run, key: 'm', value: '-Infinity', timestamp: 2, step: 1, model_id: 'm-1', dataset_name: 'd', dataset_digest: 'x' });
    await call('POST', 'runs/log-batch', { run_id: run, metrics: [{ key: 'n', value: 3, timestamp: 3 }], params: [{ key: 'p', value: 'v' }], tags: [{ key: 'mlflow.runName', value: 'r2' }] });
    await call('POST', 'runs/log-parameter', { run_id: run, key: 'q', value: '' });
    await call('POST', 'runs/set-tag', { run_id: run, key: 'gone', value: 'x' });
    await call('POST', 'runs/delete-tag', { run_id: run, key: 'gone' });
    await call('POST', 'runs/log-inputs', { run_id: run, datasets: [{ dataset: { name: 'd', digest: 'x', source_type: 'local', source: '/d' }, tags: [] }] });
    await call('POST', 'runs/log-model', { run_id: run, model_json: JSON.stringify({ artifact_path: 'model', run_id: run, utc_time_created: 'now', flavors: {} }) });
    const lm = (await call('POST', 'logged-models', { experiment_id: exp, name: 'model', source_run_id: run, params: [{ key: 'a', value: '1' }] })).body.model.info.model_id as string;
    await call('POST', `logged-models/${lm}/params`, { params: [{ key: 'b', value: '2' }] });
    await call('PATCH', `logged-models/${lm}/tags`, { tags: [{ key: 'x', value: 'y' }, { key: 'z', value: 'w' }] });
    await call('DELETE', `logged-models/${lm}/tags/z`, {});
    await call('PATCH', `logged-models/${lm}`, { model_id: lm, status: 'LOGGED_MODEL_READY' });
    await call('POST', 'runs/outputs', { run_id: run, models: [{ model_id: lm, step: 1 }] });
    await call('POST', 'runs/update', { run_id: run, status: 'FAILED', end_time: 9 });
    const run2 = (await call('POST', 'runs/create', { experiment_id: exp })).body.run.info.run_id as string;
    await call('POST', 'runs/delete', { run_id: run2 });
    await call('POST', 'registered-models/create', { name: 'a', tags: [{ key: 'k', value: 'v' }], description: 'd' });
    for (let i = 0; i < 3; i++) await call('POST', 'model-versions/create', { name: 'a', source: `models:/${lm}`, model_id: lm, tags: [{ key: 'i', value: String(i) }] });
    await call('POST', 'registered-models/rename', { name: 'a', new_name: 'b' });
    await call('PATCH', 'registered-models/update', { name: 'b', description: 'd2' });
    await call('POST', 'registered-models/set-tag', { name: 'b', key: 'k2', value: 'v2' });
    await call('DELETE', 'registered-models/delete-tag', { name: 'b', key: 'k' });
    await call('POST', 'model-versions/transition-stage', { name: 'b', version: '1', stage: 'Production', archive_existing_versions: false });
    await call('POST', 'model-versions/transition-stage', { name: 'b', version: '2', stage: 'Production', archive_existing_versions: true });
    await call('PATCH', 'model-versions/update', { name: 'b', version: '2', description: 'best' });
    await call('POST', 'model-versions/set-tag', { name: 'b', version: '2', key: 'k', value: 'v' });
    await call('DELETE', 'model-versions/delete-tag', { name: 'b', version: '1', key: 'i' });
    await call('POST', 'registered-models/alias', { name: 'b', alias: 'champion', version: '2' });
    await call('POST', 'registered-models/alias', { name: 'b', alias: 'old', version: '3' });
    await call('DELETE', 'model-versions/delete', { name: 'b', version: '3' });
    await call('POST', 'registered-models/create', { name: 'c' });
    await call('DELETE', 'registered-models/delete', { name: 'c' });

    const snapshot = (s: Awaited<ReturnType<typeof openStore>>) => ({
      experiments: s.experiments(),
      runs: s.runs(),
      history: [s.metricHistory(run, 'm'), s.metricHistory(run, 'n')],
      registered: s.registeredModels(),
      versions: s.modelVersions(),
      logged: s.loggedModel(lm),
    });
    const before = snapshot(shim.store);
    expect(before.versions.map((v) => [v.version, v.current_stage, v.aliases])).toEqual([
      ['1', 'Archived', []],
      ['2', 'Production', ['champion']],
    ]);
    await shim.close();
    const after = await openStore(shim.dir);
    expect(snapshot(after)).toEqual(before);
    // And a restarted server goes on numbering where it stopped.
    const again = await startShim({ storeDir: shim.dir });
    try {
      const mv = await api(again.url, 'POST', 'model-versions/create', { name: 'b', source: 's3://x/y' });
      expect(mv.body.model_version.version).toBe('4');
      const e = await api(again.url, 'POST', 'experiments/create', { name: 'next' });
      expect(Number(e.body.experiment_id)).toBeGreaterThan(Number(gone));
    } finally {
      await again.close();
    }
  });
});
