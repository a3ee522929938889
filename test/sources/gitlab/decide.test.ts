import { describe, expect, it } from 'vitest';
import { decideChange } from '../../../generator/sources/gitlab/source.js';
import type { PreviousProject } from '../../../generator/sources/source.js';
import type { ProjectSnapshot } from '../../../generator/types.js';

const H = 3600 * 1000;
const NOW = Date.parse('2026-03-10T12:00:00Z');
const opts = { activityGraceMs: 65 * 60 * 1000, refreshAfterMs: 7 * 24 * H };
const iso = (ms: number) => new Date(ms).toISOString();

function prev(over: { id?: number; lastActivityAt: number; readAt?: number; checkedAt?: number; headCommit?: string; branch?: string }): PreviousProject {
  const snapshot = { project: { id: over.id ?? 1, defaultBranch: over.branch ?? 'main' } } as unknown as ProjectSnapshot;
  return {
    ...(over.headCommit === undefined ? { headCommit: 'a'.repeat(40) } : over.headCommit ? { headCommit: over.headCommit } : {}),
    topics: [],
    lastActivityAt: iso(over.lastActivityAt),
    snapshot,
    ...(over.readAt !== undefined ? { readAt: iso(over.readAt) } : {}),
    ...(over.checkedAt !== undefined ? { checkedAt: iso(over.checkedAt) } : {}),
  };
}

describe('decideChange (GitLab incremental policy)', () => {
  const L = NOW - 48 * H;
  const listed = { last_activity_at: iso(L), default_branch: 'main' };

  it('reuses when last_activity_at is unchanged and was checked over an hour after it', () => {
    expect(decideChange(listed, prev({ lastActivityAt: L, readAt: NOW - 2 * H, checkedAt: NOW - 2 * H }), NOW, opts)).toBe('reuse');
  });

  it('checks the head when the last check fell inside GitLab\'s hour after the activity', () => {
    expect(decideChange(listed, prev({ lastActivityAt: L, readAt: L + 10 * 60 * 1000, checkedAt: L + 10 * 60 * 1000 }), NOW, opts)).toBe('check-head');
  });

  it('checks the head when last_activity_at moved', () => {
    const moved = { ...listed, last_activity_at: iso(NOW - H) };
    expect(decideChange(moved, prev({ lastActivityAt: L, readAt: NOW - 2 * H, checkedAt: NOW - 2 * H }), NOW, opts)).toBe('check-head');
  });

  it('reads without a previous record, a head, on another default branch, or past the refresh age', () => {
    expect(decideChange(listed, undefined, NOW, opts)).toBe('read');
    expect(decideChange(listed, prev({ lastActivityAt: L, readAt: NOW - H, checkedAt: NOW - H, headCommit: '' }), NOW, opts)).toBe('read');
    expect(decideChange(listed, prev({ lastActivityAt: L, readAt: NOW - H, checkedAt: NOW - H, branch: 'master' }), NOW, opts)).toBe('read');
    expect(decideChange(listed, prev({ lastActivityAt: L, readAt: NOW - 8 * 24 * H, checkedAt: NOW - H }), NOW, opts)).toBe('read');
    expect(decideChange(listed, prev({ lastActivityAt: L, checkedAt: NOW - H }), NOW, opts)).toBe('read');
  });

  it('spreads the refresh age between 3/4 and all of refreshAfterMs by project id', () => {
    const at = (id: number, age: number) => decideChange(listed, prev({ id, lastActivityAt: L - 10 * 24 * H, readAt: NOW - age, checkedAt: NOW - H }), NOW, opts);
    const ids = Array.from({ length: 200 }, (_, i) => i + 1);
    expect(ids.every((id) => at(id, 5 * 24 * H) !== 'read')).toBe(true);
    expect(ids.every((id) => at(id, 7 * 24 * H + H) === 'read')).toBe(true);
    const midway = ids.filter((id) => at(id, 6 * 24 * H) === 'read').length;
    expect(midway).toBeGreaterThan(0);
    expect(midway).toBeLessThan(200);
  });
});
