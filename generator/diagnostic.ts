/**
 * The problem record every stage collects instead of throwing. Its own file, importing nothing, so
 * that the model readers' errors can name it without reaching the pipeline's data types (which
 * carry the readers' summaries).
 */

/** Severity of a problem found while building. */
export type Level = 'error' | 'warning' | 'info';

/**
 * A problem tied to a project (and, where known, a file and a 1-based line).
 * Stages collect these instead of throwing, so one bad project never stops the build.
 */
export interface Diagnostic {
  level: Level;
  /** Stable machine-readable code, e.g. `front-matter/yaml`, `onnx/truncated`. */
  code: string;
  message: string;
  file?: string;
  line?: number;
}
