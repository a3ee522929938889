/**
 * The import graph of `generator/` and `pipelines/` keeps the shape ARCHITECTURE.md describes: no
 * run-time import cycle between files, and no import from a stage to a later one (LAYERS) beyond
 * the known exceptions below, which may only shrink.
 */
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers.js';
import { cycles, importEdges, sourceFiles, upwardEdges } from './import-graph.js';
import { LAYERS } from './layers.js';

/**
 * Imports that run against the stage order today, each to be removed by the work its comment names.
 * A new upward import fails the test; so does an entry that no longer exists (remove it here).
 */
const KNOWN_UPWARD: readonly string[] = [
  'generator/config.ts -> generator/metadata/assets.ts', // type-only
  'generator/metadata/assets.ts -> generator/stac/types.ts', // type-only
  'generator/metadata/assets.ts -> generator/stac/file.ts',
  'generator/metadata/dvc.ts -> generator/stac/types.ts', // type-only
  'generator/metadata/dvc.ts -> generator/stac/file.ts',
  'generator/metadata/preview.ts -> generator/stac/types.ts', // type-only
  'generator/metadata/record.ts -> generator/stac/types.ts', // type-only
  'generator/metadata/record.ts -> generator/onnx/mlm.ts',
  'generator/metadata/record.ts -> generator/stac/file.ts',
  'generator/mlflow/join.ts -> generator/stac/links.ts',
  'generator/mlflow/join.ts -> generator/stac/toStac.ts', // type-only
  'generator/mlflow/stac.ts -> generator/stac/file.ts',
  'generator/mlflow/stac.ts -> generator/stac/links.ts',
  'generator/mlflow/stac.ts -> generator/stac/types.ts',
  'generator/mlflow/stac.ts -> generator/stac/toStac.ts', // type-only
  'generator/onnx/mlm.ts -> generator/stac/file.ts',
  'generator/sources/gitlab/source.ts -> generator/onnx/index.ts',
  'generator/sources/gitlab/source.ts -> generator/metadata/dvc.ts',
  'generator/sources/workspace.ts -> generator/metadata/assets.ts',
  'generator/sources/workspace.ts -> generator/metadata/dvc.ts',
  'generator/sources/workspace.ts -> generator/onnx/types.ts', // type-only
  'generator/types.ts -> generator/onnx/types.ts', // type-only
];

const files = sourceFiles(repoRoot);
const edges = importEdges(repoRoot, files);

describe('import graph of generator/ and pipelines/', () => {
  it('reads the whole tree (a parser that missed imports would pass every check)', () => {
    expect(files.length).toBeGreaterThan(100);
    expect(edges.filter((e) => e.runtime).length).toBeGreaterThan(250);
    expect(edges).toContainEqual({ from: 'generator/cli.ts', to: 'generator/commands/index.ts', runtime: true });
    expect(edges).toContainEqual({ from: 'generator/commands/index.ts', to: 'generator/commands/build.ts', runtime: true });
  });

  it('has no run-time import cycle between files', () => {
    expect(cycles(edges)).toEqual([]);
  });

  it('every file is in a stage of the declared order', () => {
    const outside = files.filter((f) => !LAYERS.some((layer) => layer.some((p) => (p.endsWith('/') ? f.startsWith(p) : f === p))));
    expect(outside).toEqual([]);
  });

  it('imports no later stage, apart from the known exceptions', () => {
    const upward = upwardEdges(edges, LAYERS).map((e) => `${e.from} -> ${e.to}`);
    expect(upward.filter((e) => !KNOWN_UPWARD.includes(e)), 'new upward imports (see ARCHITECTURE.md)').toEqual([]);
    expect(KNOWN_UPWARD.filter((e) => !upward.includes(e)), 'exceptions that are gone: remove them from KNOWN_UPWARD').toEqual([]);
  });
});
