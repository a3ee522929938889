import { describe, expect, it } from 'vitest';
import { requirePackages } from './system-packages.js';

describe('suites that need a Debian package', () => {
  it('fail with the apt-get line when the package is missing', () => {
    const missing = { debian: ['python3-nothing'], present: () => false };
    const there = { debian: ['coreutils'], present: () => true };
    expect(() => requirePackages('a suite', there, missing)).toThrow(
      /a suite needs the Debian package\(s\) python3-nothing: apt-get update && apt-get install -y --no-install-recommends python3-nothing/,
    );
    expect(() => requirePackages('a suite', there)).not.toThrow();
  });
});
