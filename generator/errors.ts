/**
 * Typed errors. Library code throws these; only `cli.ts` turns them into an exit code
 * (DESIGN.md: 0 ok, 1 unexpected, 2 usage or config, 3 validation failed,
 * 4 source unreachable, 5 publish failed).
 */

export const EXIT = {
  ok: 0,
  unexpected: 1,
  usage: 2,
  validation: 3,
  sourceUnreachable: 4,
  publish: 5,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** Base of every stachub error: carries the exit code the CLI should use and an optional cause. */
export class StachubError extends Error {
  readonly exitCode: ExitCode;
  constructor(message: string, options: { exitCode?: ExitCode; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = this.constructor.name;
    this.exitCode = options.exitCode ?? EXIT.unexpected;
  }
}

/** Raised for a bad command line or an invalid configuration file (exit 2). */
export class UsageError extends StachubError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { ...options, exitCode: EXIT.usage });
  }
}

/** Raised when the configuration file does not match `schemas/config.schema.json`; lists every problem. */
export class ConfigError extends UsageError {
  readonly problems: string[];
  constructor(file: string, problems: string[]) {
    super(`${file}: ${problems.length} configuration problem(s):\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.problems = problems;
  }
}

/** Raised when a built catalog does not validate (exit 3). */
export class ValidationFailedError extends StachubError {
  constructor(message: string) {
    super(message, { exitCode: EXIT.validation });
  }
}

/** Raised when the project source or the registry cannot be listed at all (exit 4). */
export class SourceUnreachableError extends StachubError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { ...options, exitCode: EXIT.sourceUnreachable });
  }
}

/** Raised when publishing to the target fails (exit 5). */
export class PublishError extends StachubError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { ...options, exitCode: EXIT.publish });
  }
}
