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
