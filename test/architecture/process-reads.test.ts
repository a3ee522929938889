/**
 * The environment and the working directory come in through the command line's entry only: `main`
 * (generator/cli.ts) reads `process.env` and `process.cwd()` and hands them down; every other module
 * of `generator/` and `pipelines/` receives them as values (the configuration from `loadConfig`).
 */
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers.js';
import { processReads, processReadsIn } from './process-reads.js';

/** The one module allowed to read the process's environment and working directory. */
const ENTRY = 'generator/cli.ts';

describe('process.env and process.cwd()', () => {
  const reads = processReadsIn(repoRoot);

  it('are read by the entry (a detector that missed them would pass every check)', () => {
    const entry = reads.filter((r) => r.startsWith(`${ENTRY}:`)).map((r) => r.replace(/:\d+ /, ' '));
    expect(entry).toEqual([`${ENTRY} process.env`, `${ENTRY} process.cwd`]);
  });

  it('are read by no other module of generator/ or pipelines/', () => {
    expect(reads.filter((r) => !r.startsWith(`${ENTRY}:`))).toEqual([]);
  });

  it('are found in every form a module could read them, and not in comments or strings', () => {
    const text = [
      '// process.env.GITLAB_TOKEN in a comment',
      "const doc = 'process.cwd() in a string';",
      'const a = process.env.GITLAB_TOKEN;',
      "const b = process['env'];",
      'const c = globalThis.process.cwd();',
      'const { env, argv } = process;',
      'const { cwd: here } = globalThis.process;',
      'const d = process[key];',
      'const e = process.pid;',
    ].join('\n');
    expect(processReads('generator/x.ts', text).map((r) => `${r.line} ${r.member}`)).toEqual([
      '3 env',
      '4 env',
      '5 cwd',
      '6 env',
      '7 cwd',
      '8 [computed]',
    ]);
  });
});
