/**
 * Isolation per project: a project's stages (its record, ONNX description, MLflow join, STAC item
 * and page) run under a guard, so that whatever one project makes them throw, typed or not, becomes
 * an error of that project in the build report and never stops the build of the others.
 */
import { StachubError } from './errors.js';
import type { Diagnostic } from './types.js';

/** One project's failure in one stage. `project` is an item id (a version item's id maps to its project). */
export interface ProjectFailure {
  project: string;
  stage: string;
  error: unknown;
}

/** Thrown by a stage after it ran every project: the projects that failed in it. */
export class ProjectFaults extends StachubError {
  readonly failures: ProjectFailure[];
  constructor(failures: ProjectFailure[]) {
    super(`${failures.length} project(s) failed: ${failures.map((f) => `${f.project} (${f.stage})`).join(', ')}`);
    this.failures = failures;
  }
}

/** Collects the failures of a stage run over many projects. */
export class FaultCollector {
  readonly failures: ProjectFailure[] = [];

  /** Run `fn` for `project`; if it throws, record the failure and return `fallback`. */
  run<T>(project: string, stage: string, fn: () => T, fallback: T): T {
    try {
      return fn();
    } catch (error) {
      if (error instanceof ProjectFaults) this.failures.push(...error.failures);
      else this.failures.push({ project, stage, error });
      return fallback;
    }
  }

  /** Throw the collected failures, if any (at the end of the stage). */
  throwIfAny(): void {
    if (this.failures.length > 0) throw new ProjectFaults(this.failures);
  }
}

/**
 * The build-report message of a failure. It names the stage and the kind of error only: an
 * unexpected error's text can quote anything (file contents, the machine's paths), and the report
 * is public. `kept`: the project's item from the previous build stays published instead.
 */
export function faultDiagnostic(failure: Pick<ProjectFailure, 'stage' | 'error'>, outcome: 'left-out' | 'kept' = 'left-out'): Diagnostic {
  const e = failure.error;
  const kind = e instanceof Error ? e.name : typeof e;
  const detail = e instanceof StachubError ? `: ${firstLine(e.message)}` : '';
  return {
    level: 'error',
    code: 'project/failed',
    message: `the project could not be built (${failure.stage} stage, ${kind}${detail}); ${outcome === 'kept' ? 'its item from the previous build is kept' : 'it is left out of the catalog'}`,
  };
}

function firstLine(s: string): string {
  const line = s.split('\n')[0] ?? '';
  return line.length > 200 ? `${line.slice(0, 200)}...` : line;
}
