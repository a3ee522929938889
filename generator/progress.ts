/**
 * A small progress reporter for long runs (projects crawled, files uploaded): a redrawn bar on a
 * terminal, plain periodic lines in CI logs (which keep every `\r` as a new line). The clock is
 * injected, so tests drive it without waiting.
 */

export interface ProgressOptions {
  /** What is counted, e.g. `uploaded` or `projects`. */
  label: string;
  total?: number;
  /** Redraw a bar (terminal) or print lines (CI logs). */
  isTTY: boolean;
  write: (text: string) => void;
  /** Milliseconds; `Date.now` by default. */
  now?: () => number;
  /** Minimum time between two plain lines (default 10 s) or two redraws (default 100 ms). */
  intervalMs?: number;
  /** Bar width in characters (default 30). */
  width?: number;
}

export interface Progress {
  /** Set the count (and the total, when it becomes known). */
  update(done: number, total?: number): void;
  /** Add to the count. */
  tick(n?: number): void;
  /** Print the final state (always, whatever the interval) and end the line. */
  finish(note?: string): void;
}

export function createProgress(options: ProgressOptions): Progress {
  const now = options.now ?? Date.now;
  const interval = options.intervalMs ?? (options.isTTY ? 100 : 10_000);
  const width = options.width ?? 30;
  const started = now();
  let done = 0;
  let total = options.total;
  let last = Number.NEGATIVE_INFINITY;
  let finished = false;

  const text = (): string => {
    const secs = (now() - started) / 1000;
    const rate = secs > 0 ? ` ${(done / secs).toFixed(1)}/s` : '';
    if (total === undefined || total <= 0) return `${options.label}: ${done}${rate}`;
    const ratio = Math.min(1, done / total);
    const pct = `${Math.floor(ratio * 100)}%`.padStart(4);
    if (!options.isTTY) return `${options.label}: ${done}/${total} (${pct.trim()})${rate}`;
    const filled = Math.round(ratio * width);
    return `${options.label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${pct} ${done}/${total}${rate}`;
  };

  const draw = (force: boolean): void => {
    if (finished) return;
    const t = now();
    if (!force && t - last < interval) return;
    last = t;
    // `\r` + erase line redraws in place on a terminal.
    options.write(options.isTTY ? `\r\x1b[2K${text()}` : `${text()}\n`);
  };

  return {
    update(n, newTotal) {
      done = n;
      if (newTotal !== undefined) total = newTotal;
      draw(false);
    },
    tick(n = 1) {
      done += n;
      draw(false);
    },
    finish(note) {
      if (finished) return;
      const secs = ((now() - started) / 1000).toFixed(1);
      const line = `${text()} in ${secs}s${note ? ` ${note}` : ''}`;
      options.write(options.isTTY ? `\r\x1b[2K${line}\n` : `${line}\n`);
      finished = true;
    },
  };
}
