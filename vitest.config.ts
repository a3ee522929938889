import { defineConfig } from 'vitest/config';
import LongestFirst from './test/sequencer.js';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globals: false,
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // The suite starts real servers (S3, tracking shim, fake GitLab) on loopback;
    // two workers match the two cores of the CI machine.
    maxWorkers: 2,
    // The slowest files start first (test/sequencer.ts), so both workers finish close together.
    sequence: { sequencer: LongestFirst },
    // The JSON report lets CI print a plain "N passed, N failed" closing line.
    reporters: ['default', 'json'],
    outputFile: { json: 'test-output/vitest.json' },
  },
});
