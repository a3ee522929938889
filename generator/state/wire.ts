/**
 * What `stachub build` needs from the GitLab source and the state, kept here so the build command
 * and the pipeline only call it: the source from the configuration and the environment, the previous
 * state from where the last catalog went, and this build's state as an output file.
 */
import type { Config } from '../config.js';
import { createGitLabSource, type GitLabSource } from '../sources/gitlab/source.js';
import type { PreviousProject, Source, SourceListing, SourceQuery } from '../sources/source.js';
import type { OutputFile } from '../types.js';
import { readState, type ReadStateOptions } from './io.js';
import { createState, previousFromState, stateOutputFile } from './state.js';

/**
 * The GitLab source of a configuration; the token comes from `GITLAB_TOKEN` only (never from a file
 * or a flag). `STACHUB_GITLAB_CONCURRENCY` and `STACHUB_GITLAB_GRAPHQL` stand in for the config's
 * `source.gitlab.concurrency` / `graphql` when there is no config file.
 */
export function gitlabSourceFromConfig(
  source: { url: string; concurrency?: number; graphql?: boolean },
  env: NodeJS.ProcessEnv,
  log?: (line: string) => void,
  /** The build's clock (injected, so a sharded build's state matches a one-job build's). */
  now?: () => Date,
): GitLabSource {
  const token = env.GITLAB_TOKEN?.trim() || undefined;
  const envConcurrency = Number(env.STACHUB_GITLAB_CONCURRENCY);
  const envGraphql = env.STACHUB_GITLAB_GRAPHQL;
  // GraphQL by default (SharingHub reads GitLab the same way; REST fills in and takes over on failure)
  const graphql = source.graphql ?? (envGraphql === undefined || envGraphql === '' ? true : !/^(0|false|no|off)$/i.test(envGraphql));
  return createGitLabSource({
    url: source.url,
    ...(token ? { token } : {}),
    concurrency: source.concurrency ?? (Number.isInteger(envConcurrency) && envConcurrency > 0 ? envConcurrency : 16),
    graphql,
    ...(log ? { log } : {}),
    ...(now ? { now } : {}),
  });
}

/**
 * The previous build's projects, read from `location` (a folder, `s3://bucket/prefix`, or the
 * published catalog's URL). Missing or unusable state: an empty map (a full crawl), with a log line.
 */
export async function loadPrevious(
  location: string,
  opts: ReadStateOptions = {},
  log: (line: string) => void = () => {},
): Promise<Map<number, PreviousProject>> {
  const r = await readState(location, opts);
  if (r.warning) log(r.warning);
  else if (!r.state) log(`no previous state at ${r.from}: full crawl`);
  else log(`previous state from ${r.from}: ${r.state.projects.length} project(s)`);
  return previousFromState(r.state);
}

/** This build's state as an output file (only the projects the catalog publishes). */
export function stateFileOf(listing: Pick<SourceListing, 'entries' | 'marks'>, config: Pick<Config, 'visibility'>, generatedAt: string, source: string): OutputFile {
  return stateOutputFile(
    createState({
      generatedAt,
      source,
      entries: listing.entries,
      visibility: config.visibility,
      ...(listing.marks ? { marks: listing.marks } : {}),
    }),
  );
}

/**
 * A source that hands the previous build's projects to the one it wraps and keeps the listing, so
 * the build command can write the state without the pipeline knowing about it.
 */
export class StatefulSource implements Source {
  readonly description: string;
  listing: SourceListing | undefined;
  constructor(
    private readonly inner: Source,
    private readonly previous: ReadonlyMap<number, PreviousProject>,
  ) {
    this.description = inner.description;
  }
  async projects(query: SourceQuery): Promise<SourceListing> {
    this.listing = await this.inner.projects({ ...query, previous: query.previous ?? this.previous });
    return this.listing;
  }
}

/** S3 connection for reading the state, from the resolved publish options (endpoint, region, path style). */
export function s3ReadOptions(o: { endpoint?: string | undefined; region?: string; pathStyle?: boolean; maxAttempts?: number }): NonNullable<ReadStateOptions['s3']> {
  return {
    ...(o.endpoint ? { endpoint: o.endpoint } : {}),
    ...(o.region ? { region: o.region } : {}),
    ...(o.pathStyle !== undefined ? { forcePathStyle: o.pathStyle } : {}),
    ...(o.maxAttempts ? { maxAttempts: o.maxAttempts } : {}),
  };
}
