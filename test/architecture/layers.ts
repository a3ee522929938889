/**
 * The allowed import direction of stachub (ARCHITECTURE.md): the pipeline's stages from the first
 * to the last, each a list of folders (`dir/`) or files. A file may import files of its own stage
 * and of the stages before it; an import of a later stage is an upward edge.
 */
export const LAYERS: readonly (readonly string[])[] = [
  // Shared kernel: errors, the data types that flow through every stage, the configuration.
  [
    'generator/errors.ts',
    'generator/diagnostic.ts',
    'generator/types.ts',
    // The summaries a snapshot carries of its model files (type-only files; their readers are below).
    'generator/onnx/types.ts',
    'generator/models/types.ts',
    // MLflow's REST messages, read by the registry and written by the tracking server.
    'generator/mlflow-messages.ts',
    'generator/redact.ts',
    // Per-project isolation and the documented limits every stage checks.
    'generator/isolate.ts',
    'generator/limits.ts',
    // The one HTTP seam every client uses (pool, retries, timeouts, typed and redacted errors).
    'generator/http/',
    'generator/media-types.ts',
    'generator/yaml.ts',
    'generator/schemas.ts',
    'generator/progress.ts',
    'generator/config.ts',
    'generator/report.ts',
    'generator/output.ts',
  ],
  // Pure parsers of the file formats the sources read (DVC's files, Git LFS, globs): text in, facts out.
  ['generator/formats/'],
  // The model-file readers: a file's first bytes in, its summary out (the sources call them).
  ['generator/onnx/', 'generator/models/'],
  ['generator/sources/'],
  ['generator/metadata/'],
  ['generator/mlflow/'],
  ['generator/stac/'],
  ['generator/validate/'],
  ['generator/render/'],
  // The build state is read before the crawl and written with the output: it knows no store.
  ['generator/state/'],
  // Output edges: the object stores and the local preview server.
  ['generator/publish/', 'generator/serve/'],
  // The tracking server: an application of its own that reuses the site's HTML helpers.
  ['pipelines/'],
  // The one pipeline: stages wired together (sources, registry, state, sharding, the build tail).
  ['generator/build.ts', 'generator/pipeline/'],
  ['generator/commands/'],
  ['generator/cli.ts'],
];
