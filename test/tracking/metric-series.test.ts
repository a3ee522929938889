/**
 * The duplicate check of a metric history (MLflow's metrics primary key: key, timestamp, step,
 * run, value, is_nan; `SqlAlchemyStore._log_metrics` drops exact repeats) gives the same answers
 * whether the points arrived in timestamp order (trailing scan) or not (hash index), in memory
 * and for points still on disk after a compaction.
 */
import { describe, expect, it } from 'vitest';
import { MetricSeries } from '../../pipelines/tracking/series.js';
import { openStore } from '../../pipelines/tracking/store.js';
import { tempDir } from './helpers.js';

/** The answer a full scan gives: the reference the fast paths must agree with. */
function scanContains(points: { value: number; timestamp: number; step: number }[], p: { value: number; timestamp: number; step: number }): boolean {
  return points.some((q) => q.timestamp === p.timestamp && q.step === p.step && (Number.isNaN(p.value) ? Number.isNaN(q.value) : q.value === p.value));
}

describe('MetricSeries.contains', () => {
  it('agrees with a full scan for points logged out of timestamp order, NaN and -0 included', () => {
    let seed = 7;
    const rand = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % n;
    };
    const values = [0, -0, 1, 0.5, NaN, Infinity, -Infinity];
    const series = new MetricSeries();
    const kept: { value: number; timestamp: number; step: number }[] = [];
    let dropped = 0;
    for (let i = 0; i < 5000; i++) {
      const p = { value: values[rand(values.length)]!, timestamp: 1000 + rand(40), step: rand(20) };
      const expected = scanContains(kept, p);
      expect(series.contains(p)).toBe(expected);
      if (expected) dropped++;
      else {
        series.push(p);
        kept.push(p);
      }
    }
    // The draw repeats points often, and the series went out of order early on.
    expect(dropped).toBeGreaterThan(1000);
    expect(series.length).toBe(kept.length);
    expect([...series].map((p) => [p.timestamp, p.step, Object.is(p.value, -0) ? 0 : p.value])).toEqual(
      kept.map((p) => [p.timestamp, p.step, Object.is(p.value, -0) ? 0 : p.value]),
    );
  });

  it('drops a repeat of an older point in a store whose run has two writers', async () => {
    const dir = tempDir();
    const store = await openStore(dir, { writable: true, fsync: false, compactAfterBytes: 0 });
    const run = (await store.createRun({ experimentId: '0', tags: [] })).run_id;
    // Two writers interleave: timestamps go down, so the history is no longer in order.
    for (let s = 0; s < 200; s++) {
      await store.logMetric(run, { key: 'loss', value: s, timestamp: 10_000 + s, step: s });
      await store.logMetric(run, { key: 'loss', value: -s, timestamp: 5_000 + s, step: s });
    }
    await store.logMetric(run, { key: 'loss', value: 3, timestamp: 10_003, step: 3 });
    await store.logMetric(run, { key: 'loss', value: -150, timestamp: 5_150, step: 150 });
    await store.logMetric(run, { key: 'loss', value: 4, timestamp: 5_150, step: 150 });
    expect(store.metricHistory(run, 'loss')).toHaveLength(401);
    // After a compaction the points are on disk; a reopened store reads them for the check.
    await store.compact();
    await store.close();
    const again = await openStore(dir, { writable: true, fsync: false, compactAfterBytes: 0 });
    await again.logMetric(run, { key: 'loss', value: -10, timestamp: 5_010, step: 10 });
    await again.logMetric(run, { key: 'loss', value: 199, timestamp: 10_199, step: 199 });
    await again.logMetric(run, { key: 'loss', value: 7, timestamp: 1, step: 0 });
    expect(again.metricHistory(run, 'loss')).toHaveLength(402);
    await again.close();
  });
});
