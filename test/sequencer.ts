/**
 * The order test files start in: the longest files first, so the two workers end together instead
 * of one starting a long file near the end. A fresh checkout (CI) has no timings of a previous run,
 * and vitest would then start the largest files first, which are not the slowest ones; the files
 * below are the ones measured slowest (CPU time of their builds, browsers and child processes),
 * longest first. Every other file keeps vitest's order (previous timings when it has them).
 */
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/** Test files by measured cost, longest first (paths from the repository root). */
export const LONGEST_FIRST = [
  'test/pipelines/release-image.test.ts',
  'test/e2e/site/large-catalog.test.ts',
  'test/e2e/site/site.test.ts',
  'test/pipelines/release-jobs.test.ts',
  'test/docs/commands.test.ts',
  'test/core/project-fuzz.test.ts',
  'test/e2e/viewer/viewer.test.ts',
  'test/docs/examples.test.ts',
  'test/pipelines/catalog-jobs.test.ts',
  'test/core/hostile.test.ts',
];

export default class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const rank = (f: TestSpecification): number => {
      const i = LONGEST_FIRST.findIndex((known) => f.moduleId.endsWith(`/${known}`));
      return i === -1 ? LONGEST_FIRST.length : i;
    };
    const rest = await super.sort(files.filter((f) => rank(f) === LONGEST_FIRST.length));
    return [...files.filter((f) => rank(f) < LONGEST_FIRST.length).sort((a, b) => rank(a) - rank(b)), ...rest];
  }
}
