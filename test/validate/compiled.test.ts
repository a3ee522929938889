/**
 * Compiled schemas reused across validation runs: the same answer as a fresh compile, a reuse only
 * while every schema a validator came from is loaded unchanged, and a fresh compile (with the new
 * schema's verdict) as soon as one of them differs or cannot be loaded.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { CompiledSchemas } from '../../generator/validate/compiled.js';
import { validateSchemas } from '../../generator/validate/index.js';
import { createSchemaLoader, VENDORED_SCHEMAS_DIR } from '../../generator/validate/schemaLoader.js';

const ITEM_SCHEMA = 'https://schemas.stacspec.org/v1.1.0/item-spec/json-schema/item.json';
const FEATURE = 'https://geojson.org/schema/Feature.json';

const item = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  type: 'Feature',
  stac_version: '1.1.0',
  id: 'one',
  geometry: null,
  properties: { datetime: '2026-01-01T00:00:00Z', ...extra },
  links: [],
  assets: {},
});

const noNetwork: typeof fetch = async (url) => {
  throw new Error(`unexpected download of ${String(url)}`);
};

// A mirror of the shipped GeoJSON schemas (a $ref of the STAC item schema) that the tests change between runs.
const tmp = mkdtempSync(path.join(os.tmpdir(), 'stachub-compiled-'));
const mirror = path.join(tmp, 'geojson.org');
cpSync(path.join(VENDORED_SCHEMAS_DIR, 'geojson.org'), mirror, { recursive: true });
const featureFile = path.join(mirror, 'schema/Feature.json');
const originalFeature = readFileSync(featureFile, 'utf8');
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A run's loader, as a build makes one: the mirror first, nothing from the network. */
const loader = (): ReturnType<typeof createSchemaLoader> =>
  createSchemaLoader({ map: [['https://geojson.org/', `${mirror}/`]], fetch: noNetwork, offline: true });
/** A batch of two documents: `json` and a valid item. */
const docs = (json: Record<string, unknown>): Map<string, Record<string, unknown>> => new Map([['one.json', json], ['two.json', { ...item(), id: 'two' }]]);

describe('a batch of one document', () => {
  it('reports its problems as a batch of several does', async () => {
    const bad = { ...item(), links: 'none' };
    const alone = await validateSchemas(new Map([['one.json', bad]]), loader(), new Map());
    expect(alone.map((p) => [p.path, p.pointer])).toContainEqual(['one.json', '/links']);
    expect(alone).toEqual((await validateSchemas(docs(bad), loader(), new Map())).filter((p) => p.path === 'one.json'));
  });
});

describe('compiled schemas kept between validation runs', () => {
  it('gives the answers of a fresh compile, and reuses the compiled validator when nothing changed', async () => {
    const cache: CompiledSchemas = new Map();
    const bad = { ...item(), links: 'none' };
    expect(await validateSchemas(docs(bad), loader(), cache)).toEqual(await validateSchemas(docs(bad), loader(), new Map()));
    const first = cache.get(ITEM_SCHEMA)!.validate;
    expect(cache.get(ITEM_SCHEMA)!.sources.map((s) => s.url)).toContain(FEATURE);
    expect(await validateSchemas(docs(item()), loader(), cache)).toEqual([]);
    expect((await validateSchemas(docs(bad), loader(), cache)).map((p) => p.pointer)).toContain('/links');
    expect(cache.get(ITEM_SCHEMA)!.validate).toBe(first);
  });

  it('compiles again when a schema it was compiled from has changed, and answers by the new schema', async () => {
    const cache: CompiledSchemas = new Map();
    expect(await validateSchemas(docs(item()), loader(), cache)).toEqual([]);
    const first = cache.get(ITEM_SCHEMA)!.validate;
    try {
      // Feature.json (a $ref of item.json) now requires a bbox, which the item has not.
      const feature = JSON.parse(originalFeature) as { required: string[] };
      writeFileSync(featureFile, JSON.stringify({ ...feature, required: [...feature.required, 'bbox'] }));
      const problems = await validateSchemas(docs(item()), loader(), cache);
      expect(problems.map((p) => p.message).join('\n')).toMatch(/bbox/);
      expect(cache.get(ITEM_SCHEMA)!.validate).not.toBe(first);
      expect(problems).toEqual(await validateSchemas(docs(item()), loader(), new Map()));
    } finally {
      writeFileSync(featureFile, originalFeature);
    }
    expect(await validateSchemas(docs(item()), loader(), cache)).toEqual([]);
  });

  it('reports a schema that can no longer be loaded as a fresh compile does, not from the cache', async () => {
    const cache: CompiledSchemas = new Map();
    expect(await validateSchemas(docs(item()), loader(), cache)).toEqual([]);
    rmSync(featureFile);
    try {
      const problems = await validateSchemas(docs(item()), loader(), cache);
      expect(problems.map((p) => p.message).join('\n')).toMatch(/Feature\.json/);
      expect(problems).toEqual(await validateSchemas(docs(item()), loader(), new Map()));
    } finally {
      writeFileSync(featureFile, originalFeature);
    }
  });
});
