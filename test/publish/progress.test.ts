import { describe, expect, it } from 'vitest';
import { createProgress } from '../../generator/progress.js';

function clock() {
  let t = 0;
  return { now: () => t, advance: (ms: number) => void (t += ms) };
}

describe('progress reporter', () => {
  it('prints plain lines at most once per interval in CI logs, and always the final state', () => {
    const c = clock();
    const out: string[] = [];
    const p = createProgress({ label: 'uploaded', total: 100, isTTY: false, write: (s) => out.push(s), now: c.now, intervalMs: 10_000 });
    for (let i = 1; i <= 100; i++) {
      c.advance(500);
      p.update(i);
    }
    p.finish();
    // 50 s of work at one line per 10 s, plus the final line.
    expect(out.length).toBe(6);
    expect(out.every((l) => l.endsWith('\n') && !l.includes('\r'))).toBe(true);
    expect(out[0]).toBe('uploaded: 1/100 (1%) 2.0/s\n');
    expect(out.at(-1)).toBe('uploaded: 100/100 (100%) 2.0/s in 50.0s\n');
  });

  it('redraws a bar in place on a terminal', () => {
    const c = clock();
    const out: string[] = [];
    const p = createProgress({ label: 'projects', total: 4, isTTY: true, write: (s) => out.push(s), now: c.now, width: 8 });
    c.advance(1000);
    p.tick();
    c.advance(1000);
    p.tick();
    p.finish();
    expect(out[0]).toBe('\r\x1b[2Kprojects [##......]  25% 1/4 1.0/s');
    expect(out.at(-1)).toBe('\r\x1b[2Kprojects [####....]  50% 2/4 1.0/s in 2.0s\n');
  });

  it('counts without a total', () => {
    const out: string[] = [];
    const p = createProgress({ label: 'projects', isTTY: false, write: (s) => out.push(s), now: () => 0 });
    p.tick(3);
    expect(out).toEqual(['projects: 3\n']);
  });
});
