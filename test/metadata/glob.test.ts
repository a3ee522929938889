import { describe, expect, it } from 'vitest';
import { pathMatches } from '../../generator/metadata/assets.js';
import { globMatcher } from '../../generator/formats/glob.js';

describe('asset rule globs', () => {
  it.each([
    ['**/*.onnx', 'm.onnx', true],
    ['**/*.onnx', 'a/b/m.onnx', true],
    ['src/**/*.py', 'src/c.py', true],
    ['*.{png,jpg}', 'a.jpg', true],
    ['*.{png,jpg}', 'a.gif', false],
    ['[ab]*.txt', 'b1.txt', true],
    ['[!ab]*.txt', 'b1.txt', false],
    ['[a-c]?.txt', 'c1.txt', true],
    ['?.txt', 'ab.txt', false],
    ['\\*.txt', '*.txt', true],
    ['\\*.txt', 'a.txt', false],
    ['*', '.env', true],
  ])('%s on %s: %s', (pattern, file, expected) => {
    expect(pathMatches(pattern, file)).toBe(expected);
  });

  it('matches a backtracking pattern against a long name at once (no regular expression)', () => {
    const hostile = `${'*a'.repeat(30)}*b`;
    expect(pathMatches(hostile, 'a'.repeat(200))).toBe(false);
    expect(pathMatches(hostile, `${'a'.repeat(200)}b`)).toBe(true);
  });

  it('refuses a pattern of more than 64 brace alternatives', () => {
    expect(() => globMatcher('{a,b}{c,d}{e,f}{g,h}{i,j}{k,l}{m,n}')).toThrow(/more than 64 alternatives/);
  });
});
