/**
 * The pipeline layer: the one place where the stages are wired together (DESIGN.md). `build.ts`
 * runs the stages over a source; this folder adds what a command needs around them: the
 * source the configuration names (`setup.ts`), the previous build state (`state.ts`),
 * sharded builds and their merge (`shard.ts`), and the tail every build shares: write, summarize,
 * judge, publish (`finish.ts`). Commands parse flags and call `runBuild` / `runMerge`; nothing
 * below this layer imports it.
 */
export { runBuild, runMerge, type BuildRequest, type OutputRequest, type RunIo } from './run.js';
export { createSource, inspectModelFile, inspectOnnxFile, gitlabSourceFromConfig } from './setup.js';
export { finishBuild, type FinishOptions } from './finish.js';
export { loadPrevious, readState, writeState, s3FileReader, s3ReadOptions, type StateReadOptions } from './state.js';
export { createRegistry, shimStoreRegistry } from './registry.js';
