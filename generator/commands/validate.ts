/** `stachub validate DIR`: STAC schemas and link integrity of a built catalog. */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { EXIT, UsageError } from '../errors.js';
import { checkLinks, validateSchemas, type ValidationProblem } from '../validate/index.js';
import { createSchemaLoader, defaultCacheDir, parseSchemaMap } from '../validate/schemaLoader.js';
import type { CliContext } from './context.js';

/** Every file under `dir` (POSIX relative paths) and the parsed STAC JSON documents among them. */
export async function readCatalogDir(dir: string): Promise<{ files: Set<string>; docs: Map<string, Record<string, unknown>>; unreadable: ValidationProblem[] }> {
  const files = new Set<string>();
  const docs = new Map<string, Record<string, unknown>>();
  const unreadable: ValidationProblem[] = [];
  const walk = async (abs: string, rel: string): Promise<void> => {
    for (const d of await readdir(abs, { withFileTypes: true })) {
      const r = rel ? `${rel}/${d.name}` : d.name;
      if (d.isDirectory()) await walk(path.join(abs, d.name), r);
      else if (d.isFile()) {
        files.add(r);
        if (r.endsWith('.json') && r !== 'build-report.json' && !r.startsWith('stachub-')) {
          try {
            const json = JSON.parse(await readFile(path.join(abs, d.name), 'utf8')) as Record<string, unknown>;
            if (json && typeof json === 'object' && typeof json.stac_version === 'string') docs.set(r, json);
          } catch (err) {
            unreadable.push({ path: r, kind: 'schema', message: `not valid JSON: ${(err as Error).message}` });
          }
        }
      }
    }
  };
  await walk(dir, '');
  return { files, docs, unreadable };
}

export const registerValidate = (program: Command, ctx: CliContext): void => {
  program
    .command('validate')
    .description('Check a built catalog: every STAC document against its schemas and every link and asset inside the catalog.')
    .argument('<dir>', 'folder holding catalog.json')
    .option('--schema-map <url=dir...>', 'serve schema URLs under this prefix from a local folder instead, e.g. https://stac-extensions.github.io/=./mirror/stac-extensions.github.io/ (repeatable)')
    .option('--offline', 'never download a schema: one that is neither shipped, mapped nor cached is a problem')
    .option('--base-url <url>', 'the catalog\'s public URL: absolute links under it are checked too (env STACHUB_BASE_URL)')
    .option('--json', 'print the problems as JSON')
    .addHelpText(
      'after',
      '\nThe official schemas of STAC 1.1.0 and of every extension stachub writes ship with it, so a\n' +
        'catalog stachub built validates with no network. Other schemas are downloaded once (5 s timeout)\n' +
        'and cached.\n\nExit codes: 0 clean, 3 any problem, 2 bad usage.',
    )
    .action(async (dir: string, opts: { schemaMap?: string[]; offline?: boolean; baseUrl?: string; json?: boolean }) => {
      const root = path.resolve(ctx.cwd, dir);
      let listing;
      try {
        listing = await readCatalogDir(root);
      } catch (err) {
        throw new UsageError(`cannot read ${dir}: ${(err as Error).message}`);
      }
      if (!listing.files.has('catalog.json')) throw new UsageError(`${dir} has no catalog.json`);
      const loader = createSchemaLoader({ map: parseSchemaMap(opts.schemaMap ?? [], ctx.cwd), cacheDir: defaultCacheDir(ctx.env), ...(opts.offline ? { offline: true } : {}) });
      const baseUrl = opts.baseUrl ?? ctx.env.STACHUB_BASE_URL;
      const problems = [
        ...listing.unreadable,
        ...(await validateSchemas(listing.docs, loader)),
        ...checkLinks(listing.docs, listing.files, baseUrl ? (baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`) : undefined),
      ];
      if (opts.json) ctx.stdout(`${JSON.stringify({ valid: problems.length === 0, documents: listing.docs.size, problems }, null, 2)}\n`);
      else {
        for (const p of problems.filter((x) => x.kind !== 'unavailable')) ctx.stdout(`${p.path}: ${p.kind}: ${p.message}\n`);
        // A schema that cannot be loaded is said once, not once per document.
        const missing = [...new Set(problems.filter((x) => x.kind === 'unavailable').map((x) => x.message))].sort();
        for (const m of missing) ctx.stdout(`${m}: the documents using it could not be checked (offline? give --schema-map URL=DIR)\n`);
        ctx.stdout(`${listing.docs.size} document(s) checked: ${problems.length === 0 ? 'valid, every link resolves' : `${problems.length} problem(s)`}\n`);
      }
      if (problems.length > 0) ctx.exitCode = EXIT.validation;
    });
};
