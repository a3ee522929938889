/**
 * The tail that `stachub build` and `stachub merge` share once the files are made: write them (with
 * the build state, when there is one), print the summary, fail a strict or invalid build, and
 * publish a valid one.
 */
import type { BuildResult } from '../build.js';
import { EXIT } from '../errors.js';
import { writeOutputDir, type OpenOutput } from '../output.js';
import { publishFiles, type PublishIo, type PublishOptions } from '../publish/index.js';
import { summarize } from '../report.js';
import type { OutputFile } from '../types.js';

export interface FinishOptions {
  outDir: string;
  /** Opens the output folder (default: on disk; `publish/memory-output.ts` keeps it in memory). */
  open?: OpenOutput | undefined;
  /** This build's state file, written beside the catalog (incremental GitLab crawls). */
  state?: OutputFile | undefined;
  /** Exit 3 when a project has an error, not only when the output does not validate. */
  strict?: boolean | undefined;
  /** Where to publish the output after a valid build (resolved only then, as a bad option must not stop the build). */
  publish?: (() => PublishOptions) | undefined;
  /** Said before "wrote N file(s)" in the closing line (e.g. how many shards were merged). */
  lead?: string;
}

/** Write, summarize, judge and publish a build's result; returns the exit code it calls for, if any. */
export async function finishBuild(result: Pick<BuildResult, 'files' | 'report' | 'problems'>, options: FinishOptions, io: PublishIo): Promise<number | undefined> {
  if (options.state) {
    result.files.push(options.state);
    result.files.sort((a, b) => a.path.localeCompare(b.path));
  }
  await writeOutputDir(options.outDir, result.files, options.open);
  io.stderr(summarize(result.report));
  io.stderr(`stachub: ${options.lead ?? ''}wrote ${result.files.length} file(s) to ${options.outDir}\n`);
  const invalid = result.problems.length > 0;
  if (invalid) io.stderr(`stachub: the output has ${result.problems.length} validation problem(s); see build-report.json\n`);
  if (invalid || (options.strict && result.report.counts.error > 0)) return EXIT.validation;
  if (options.publish) await publishFiles(result.files, options.publish(), io);
  return undefined;
}
