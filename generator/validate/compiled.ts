/**
 * Compiled JSON Schema validators kept across the validation runs of one process. Compiling the
 * STAC schemas with Ajv costs more than the rest of a demo build, and stac-node-validator compiles
 * them afresh on every call. A validator is reused only when each schema it was compiled from (its
 * root and every `$ref` Ajv loaded for it, in the order Ajv asked for them) comes out of this run's
 * loader unchanged; otherwise it is compiled again, exactly as without the cache.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** Loads a schema by URL (index.ts's `SchemaLoader`, repeated here so the two files import one way). */
type SchemaLoader = (uri: string) => Promise<unknown>;

/** The part of an Ajv validate function stac-node-validator uses. */
type ValidateFn = ((data: unknown) => boolean) & { errors?: unknown };
/** The part of an Ajv instance this module touches. */
interface AjvLike {
  getSchema(id: string): ValidateFn | undefined;
  compileAsync(schema: Record<string, unknown>): Promise<ValidateFn>;
}
const { createAjv } = require('stac-node-validator/src/utils') as { createAjv: (config: Record<string, unknown>) => AjvLike };
const BaseValidator = require('stac-node-validator/src/baseValidator') as new () => { createAjv(ajv: AjvLike): Promise<AjvLike> };

/** One compiled root schema and the schema texts it was compiled from, root first. */
interface Compiled {
  validate: ValidateFn;
  sources: Array<{ url: string; text: string }>;
}

/** Compiled validators by root schema id; one per process unless a caller brings its own. */
export type CompiledSchemas = Map<string, Compiled>;

/** The process-wide cache {@link validateSchemas} uses by default. */
export const processCompiledSchemas: CompiledSchemas = new Map();

/**
 * A schema's text for comparison. stac-node-validator sets a missing `$id` to the URL on the
 * loaded object itself, so a schema read before or after that is the same schema.
 */
function textOf(url: string, json: unknown): string {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) return JSON.stringify(json);
  const o = json as Record<string, unknown>;
  return JSON.stringify(o.$id === undefined ? { ...o, $id: url } : o);
}

/**
 * The stac-node-validator `customValidator` that serves compiled schemas from `cache`. Its other
 * hooks are the library's defaults (no custom checks).
 */
export function cachedCompiles(cache: CompiledSchemas, loader: SchemaLoader): object {
  class CachedCompiles extends BaseValidator {
    override async createAjv(ajv: AjvLike): Promise<AjvLike> {
      // Within this run, as Ajv itself would: a root compiled once is found by its id.
      const thisRun = new Map<string, ValidateFn>();
      const getSchema = ajv.getSchema.bind(ajv);
      ajv.getSchema = (id) => thisRun.get(id) ?? getSchema(id);
      ajv.compileAsync = async (schema) => {
        const id = String(schema.$id);
        const validate = (await reused(id, schema)) ?? (await compiled(id, schema));
        thisRun.set(id, validate);
        return validate;
      };
      return ajv;
    }
  }

  /** The cached validator of `id` when every schema it came from is unchanged in this run. */
  async function reused(id: string, root: Record<string, unknown>): Promise<ValidateFn | undefined> {
    const hit = cache.get(id);
    if (!hit || hit.sources[0]!.text !== textOf(id, root)) return undefined;
    for (const { url, text } of hit.sources.slice(1)) {
      try {
        if (textOf(url, await loader(url)) !== text) return undefined;
      } catch {
        return undefined; // compiled again below, which meets the same failure as without the cache
      }
    }
    return hit.validate;
  }

  /** Compile `root` in an Ajv of its own (so every `$ref` it needs is loaded, and recorded). */
  async function compiled(id: string, root: Record<string, unknown>): Promise<ValidateFn> {
    const sources = [{ url: id, text: textOf(id, root) }];
    const recording: SchemaLoader = async (url) => {
      const json = await loader(url);
      sources.push({ url, text: textOf(url, json) });
      return json;
    };
    // The options stac-node-validator gives its own Ajv for stachub's calls (see validateSchemas).
    const ajv = createAjv({ loader: recording, schemaMap: {}, schemas: null, strict: false, verbose: true });
    const validate = await ajv.compileAsync(root);
    cache.set(id, { validate, sources });
    return validate;
  }

  return new CachedCompiles();
}
