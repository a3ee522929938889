/**
 * The state around a build: a source that hands the previous build's projects on and keeps the
 * listing, and this build's state as an output file (read back by generator/pipeline/state.ts).
 */
import type { Config } from '../config.js';
import type { PreviousProject, Source, SourceListing, SourceQuery } from '../sources/source.js';
import type { OutputFile } from '../types.js';
import { createState, stateOutputFile } from './state.js';

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
