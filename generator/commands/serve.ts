/**
 * `stachub serve DIR [--port N] [--host H]`: a local static server for a built catalog and site,
 * for previews and tests (generator/serve/).
 */
import { resolve } from 'node:path';
import type { RegisterCommand } from './context.js';
import { UsageError } from '../errors.js';
import { startStaticServer } from '../serve/index.js';
import { runUntilSignal } from './until-signal.js';

export const registerServe: RegisterCommand = (program, ctx) => {
  program
    .command('serve')
    .description('Serve a built catalog and its site locally (preview; 127.0.0.1 unless --host says otherwise).')
    .argument('<dir>', 'folder written by `stachub build`')
    .option('-p, --port <n>', 'TCP port (0 picks a free one; env STACHUB_PORT)', ctx.env.STACHUB_PORT ?? '8080')
    .option('--host <address>', 'address to listen on (env STACHUB_HOST)', ctx.env.STACHUB_HOST ?? '127.0.0.1')
    .action(async (dir: string, opts: { port: string; host: string }) => {
      const port = Number(opts.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`serve: --port must be 0..65535, got ${opts.port}`);
      // Run until interrupted; resolve so the CLI exits cleanly on SIGINT/SIGTERM.
      await runUntilSignal(
        async () => {
          const server = await startStaticServer(dir, { port, host: opts.host });
          ctx.stdout(`Serving ${resolve(dir)} at ${server.url} (Ctrl+C to stop)\n`);
          return server;
        },
        (server) => server.close(),
      );
    });
};
