/**
 * Journal compaction (snapshot + tail): a compacted store reopens to the same state, a
 * compaction stopped at any step (as a kill would stop it) loses nothing, writes during a
 * compaction land in the new journal, and the files on disk stay bounded.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { type CompactionStep, type TrackingStore, openStore } from '../../pipelines/tracking/store.js';
import { tempDir } from './helpers.js';

/** Fill a store with one of everything, metric points with and without extras included. */
async function populate(store: TrackingStore, tag: string): Promise<{ runs: string[]; model: string }> {
  const exp = await store.createExperiment(`exp-${tag}`, undefined, [{ key: 'team', value: 'eo' }]);
  const runs: string[] = [];
  for (let i = 0; i < 3; i++) {
    const r = await store.createRun({ experimentId: exp, startTime: 1000 + i, runName: `run-${tag}-${i}`, tags: [{ key: 'k', value: `v${i}` }] });
    runs.push(r.run_id);
    await store.logParam(r.run_id, 'lr', `0.${i}`);
    const metrics = Array.from({ length: 50 }, (_, s) => ({ key: 'loss', value: s === 7 ? NaN : 1 / (s + 1), timestamp: 5000 + s, step: s }));
    await store.logBatch(r.run_id, metrics, [], [{ key: 'phase', value: 'train' }]);
  }
  const model = await store.createLoggedModel({ experimentId: exp, name: 'm', sourceRunId: runs[0], params: [{ key: 'p', value: '1' }], tags: [] });
  await store.logMetric(runs[0]!, { key: 'acc', value: 0.9, timestamp: 9000, step: 1, model_id: model.model_id, dataset_name: 'val' });
  await store.finalizeLoggedModel(model.model_id, 'LOGGED_MODEL_READY');
  await store.createRegisteredModel(`rm-${tag}`, [{ key: 'project', value: 'g/p' }]);
  await store.createModelVersion({ name: `rm-${tag}`, source: `models:/${model.model_id}`, modelId: model.model_id, tags: [] });
  await store.setAlias(`rm-${tag}`, 'champion', '1');
  await store.deleteRun(runs[2]!);
  return { runs, model: model.model_id };
}

/** Everything a reader can see, as JSON. */
function view(store: TrackingStore, runs: string[], model: string): unknown {
  return {
    experiments: store.experiments(),
    runs: store.runs(),
    history: runs.flatMap((r) => ['loss', 'acc'].map((k) => store.metricHistory(r, k))),
    registered: store.registeredModels(),
    versions: store.modelVersions(),
    model: store.loggedModel(model),
  };
}

describe('journal compaction', () => {
  it('a compacted store reopens to the same state, from a snapshot and a short journal', async () => {
    const dir = tempDir();
    const store = await openStore(dir, { writable: true, fsync: false, compactAfterBytes: 0 });
    const { runs, model } = await populate(store, 'a');
    const before = JSON.stringify(view(store, runs, model));
    await store.compact();
    // Later writes go to the new journal; exact duplicates are still dropped against snapshot points.
    await store.logMetric(runs[0]!, { key: 'loss', value: 1, timestamp: 5000, step: 0 });
    await store.logMetric(runs[0]!, { key: 'loss', value: 0.01, timestamp: 6000, step: 60 });
    const after = JSON.stringify(view(store, runs, model));
    expect(after).not.toBe(before);
    await store.close();
    const names = fs.readdirSync(dir).sort();
    expect(names).toEqual(expect.arrayContaining(['journal.log', 'manifest.json', 'meta-1.log', 'points-1.bin']));
    expect(names.filter((n) => n.startsWith('journal-'))).toEqual([]);
    const reopened = await openStore(dir);
    expect(JSON.stringify(view(reopened, runs, model))).toBe(after);
    expect(reopened.metricHistory(runs[0]!, 'loss')).toHaveLength(51);
    expect(reopened.run(runs[0]!)!.data.metrics.find((m) => m.key === 'loss')).toMatchObject({ value: 0.01, step: 60 });
    // A second compaction writes only the new points.
    const again = await openStore(dir, { writable: true, fsync: false, compactAfterBytes: 0 });
    // Points read back on first use: latest values come from the snapshot, a duplicate of a
    // point still on disk is found (the series is read), a new later point is not compared.
    expect(again.run(runs[1]!)!.data.metrics).toEqual(reopened.run(runs[1]!)!.data.metrics);
    await again.logMetric(runs[1]!, { key: 'loss', value: 1, timestamp: 5000, step: 0 });
    await again.logMetric(runs[0]!, { key: 'loss', value: 5, timestamp: 9999, step: 70 });
    expect(again.metricHistory(runs[1]!, 'loss')).toHaveLength(50);
    expect(again.metricHistory(runs[0]!, 'loss')).toHaveLength(52);
    await again.compact();
    await again.close();
    const segments = fs.readdirSync(dir).filter((n) => n.startsWith('points-')).sort();
    expect(segments).toHaveLength(2);
    expect(fs.statSync(path.join(dir, segments[1]!)).size).toBeLessThan(200);
    const last = await openStore(dir);
    expect(last.metricHistory(runs[0]!, 'loss').map((p) => p.step).slice(-2)).toEqual([60, 70]);
    expect(last.metricHistory(runs[1]!, 'loss')).toEqual(reopened.metricHistory(runs[1]!, 'loss'));
  });

  for (const step of ['rotate', 'meta', 'segment', 'manifest'] as CompactionStep[]) {
    it(`a compaction killed after its "${step}" step loses no acknowledged write`, async () => {
      const dir = tempDir();
      const store = await openStore(dir, { writable: true, fsync: false, compactAfterBytes: 0 });
      const { runs, model } = await populate(store, step);
      await store.compact(step);
      // Writes acknowledged after the interrupted compaction.
      await store.logMetric(runs[1]!, { key: 'loss', value: 42, timestamp: 7000, step: 99 });
      await store.setTag(runs[1]!, 'after', step);
      const expected = JSON.stringify(view(store, runs, model));
      await store.close();
      const reopened = await openStore(dir, { writable: true, fsync: false, compactAfterBytes: 0 });
      expect(JSON.stringify(view(reopened, runs, model))).toBe(expected);
      // The next compaction completes from there and cleans up what the first one left.
      await reopened.compact();
      await reopened.close();
      expect(fs.readdirSync(dir).filter((n) => /^journal-|\.tmp$/.test(n))).toEqual([]);
      expect(JSON.stringify(view(await openStore(dir), runs, model))).toBe(expected);
    });
  }

  it('writes made while a compaction runs are kept, and compaction starts on its own past the threshold', async () => {
    const dir = tempDir();
    const store = await openStore(dir, { writable: true, fsync: true, compactAfterBytes: 32 * 1024 });
    const exp = await store.createExperiment('auto', undefined, []);
    const r = await store.createRun({ experimentId: exp, tags: [] });
    const writes: Promise<void>[] = [];
    for (let i = 0; i < 3000; i++) writes.push(store.logMetric(r.run_id, { key: 'x', value: i, timestamp: 1 + i, step: i }));
    await Promise.all(writes);
    // What arrived during a compaction is compacted by a later one, started on its own by a write
    // past the threshold. Write on, one point at a time, until two more compactions have ended: the
    // second of them started after every one of the 3,000 points (however long the first took).
    const before = store.journalStats.compactions;
    let n = 3000;
    while (store.journalStats.compactions < before + 2 && n < 50_000) {
      await store.logMetric(r.run_id, { key: 'x', value: n, timestamp: 1 + n, step: n });
      n++;
    }
    await store.close(); // waits for a compaction in progress
    expect(store.journalStats.compactions).toBeGreaterThanOrEqual(before + 2);
    const usage = store.diskUsage();
    const reopened = await openStore(dir);
    const history = reopened.metricHistory(r.run_id, 'x');
    expect(history.map((p) => p.step)).toEqual(Array.from({ length: n }, (_, i) => i));
    // Disk: the snapshot (24 bytes a point) and a journal tail under the threshold.
    expect(usage.snapshotBytes).toBeGreaterThan(3000 * 24);
    expect(usage.journalBytes).toBeLessThan(32 * 1024);
  });
});
