/**
 * The tail that `stachub build` and `stachub merge` share once the files are made: put the output
 * folder in place (with the build state, when there is one), print the summary, fail a strict or
 * invalid build, and publish a valid one.
 */
import type { BuildResult } from '../build.js';
import { EXIT } from '../errors.js';
import type { OutputWriter } from '../output.js';
import { publishFiles, readOutputDir, type PublishIo, type PublishOptions } from '../publish/index.js';
import { summarize } from '../report.js';
import type { OutputFile } from '../types.js';

export interface FinishOptions {
  outDir: string;
  /** This build's state file, written beside the catalog (incremental GitLab crawls). */
  state?: OutputFile | undefined;
  /** Exit 3 when a project has an error, not only when the output does not validate. */
  strict?: boolean | undefined;
  /** Where to publish the output after a valid build (resolved only then, as a bad option must not stop the build). */
  publish?: (() => PublishOptions) | undefined;
  /** Said before "wrote N file(s)" in the closing line (e.g. how many shards were merged). */
  lead?: string;
}

/**
 * Commit, summarize, judge and publish a build's result; returns the exit code it calls for, if any.
 * The build wrote its files to `writer` as it made them; the output folder is replaced only here.
 */
export async function finishBuild(
  result: Pick<BuildResult, 'report' | 'problems'>,
  writer: OutputWriter,
  options: FinishOptions,
  io: PublishIo,
): Promise<number | undefined> {
  try {
    if (options.state) writer.write(options.state);
  } catch (err) {
    writer.abort();
    throw err;
  }
  writer.commit();
  io.stderr(summarize(result.report));
  const { written, unchanged } = writer.stats;
  io.stderr(`stachub: ${options.lead ?? ''}wrote ${written + unchanged} file(s) to ${options.outDir} (${written} new or changed, ${unchanged} unchanged)\n`);
  const invalid = result.problems.length > 0;
  if (invalid) io.stderr(`stachub: the output has ${result.problems.length} validation problem(s); see build-report.json\n`);
  if (invalid || (options.strict && result.report.counts.error > 0)) return EXIT.validation;
  // The published files are read back from the output just committed (the build kept none in memory).
  if (options.publish) await publishFiles(writer.committed?.() ?? (await readOutputDir(options.outDir)), options.publish(), io);
  return undefined;
}
