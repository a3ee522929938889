/**
 * Long-running commands (`stachub track`, `stachub serve`) run from start-up until SIGINT or
 * SIGTERM, then stop gracefully (a journal flushed, a lock released).
 */

/**
 * Start a server with `start`, run until SIGINT or SIGTERM, then `stop` it. The handlers are
 * installed before `start` runs: without one, a signal takes Node's default action and kills the
 * process on the spot, so a supervisor that signals as soon as the ready line appears (or earlier)
 * would skip the graceful stop. A signal during start-up stops the server once it is up.
 */
export async function runUntilSignal<T>(start: () => Promise<T>, stop: (server: T) => Promise<void>): Promise<void> {
  let requested = false;
  let onSignal: (() => void) | undefined;
  const handler = (): void => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
    requested = true;
    onSignal?.();
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  let server: T;
  try {
    server = await start();
  } catch (err) {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
    throw err;
  }
  await new Promise<void>((done) => {
    onSignal = (): void => {
      stop(server).then(done, () => done());
    };
    if (requested) onSignal();
  });
}
