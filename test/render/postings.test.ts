import { describe, expect, it } from 'vitest';
import { PostingsPool } from '../../generator/render/postings.js';

/** A seeded generator (the same codes on every run). */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe('the postings pool', () => {
  it('gives back each term its codes in the order pushed, in order or not, across blocks and pages', () => {
    const pool = new PostingsPool();
    const random = rng(7);
    const expected: number[][] = [];
    // Many terms interleaved (their blocks mix in the pool); some with thousands of codes (past the
    // largest block and a page), some out of order, some with one code, codes up to 4 * 10^7.
    for (let t = 0; t < 3000; t++) {
      expect(pool.addTerm()).toBe(t);
      expected.push([]);
    }
    let sorted = 0;
    for (let k = 0; k < 400_000; k++) {
      const t = k % 7 === 0 ? Math.floor(random() * 3000) : Math.floor(random() * 40);
      const code = t < 20 ? (sorted += Math.floor(random() * 50)) : Math.floor(random() * 4e7);
      pool.push(t, code);
      expected[t]!.push(code);
    }
    for (let t = 0; t < 3000; t++) {
      expect(pool.postings(t)).toBe(expected[t]!.length);
      expect(Array.from(pool.codes(t))).toEqual(expected[t]);
    }
  });

  it('keeps a term without postings empty', () => {
    const pool = new PostingsPool();
    const t = pool.addTerm();
    pool.push(pool.addTerm(), 5);
    expect(pool.postings(t)).toBe(0);
    expect(pool.codes(t)).toHaveLength(0);
    expect(pool.size).toBe(2);
  });
});
