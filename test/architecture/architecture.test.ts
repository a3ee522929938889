/**
 * The import graph of `generator/` and `pipelines/` keeps the shape ARCHITECTURE.md describes: no
 * run-time import cycle between files, and no import from a stage to a later one (LAYERS) beyond
 * the known exceptions below, which may only shrink.
 */
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers.js';
import { cycles, importEdges, importsOf, sourceFiles, upwardEdges, type ImportEdge } from './import-graph.js';
import { LAYERS } from './layers.js';

/**
 * Imports that run against the stage order, each with the change that removes it: none today. A new
 * upward import fails the test; so does an entry that no longer exists (remove it here).
 */
const KNOWN_UPWARD: readonly string[] = [];

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

  it('has no import cycle between files even counting type-only imports', () => {
    expect(cycles(edges.map((e) => ({ ...e, runtime: true })))).toEqual([]);
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

describe('the import-graph reader', () => {
  it('tells run-time imports from type-only ones, and follows re-exports and import()', () => {
    const text = [
      "import type { A } from './a.js';",
      "import { type B, type C } from './b.js';",
      "import { D, type E } from './d.js';",
      "import './side-effect.js';",
      "export { F } from './f.js';",
      "export type { G } from './g.js';",
      "const h = await import('./h.js');",
      "let i: import('./i.js').I;",
      "import fs from 'node:fs';",
    ].join('\n');
    expect(importsOf('x.ts', text)).toEqual([
      { specifier: './a.js', runtime: false },
      { specifier: './b.js', runtime: false },
      { specifier: './d.js', runtime: true },
      { specifier: './side-effect.js', runtime: true },
      { specifier: './f.js', runtime: true },
      { specifier: './g.js', runtime: false },
      { specifier: './h.js', runtime: true },
      { specifier: './i.js', runtime: false },
    ]);
  });

  it('finds a cycle through run-time imports only, and an import of a later stage', () => {
    const e = (from: string, to: string, runtime = true): ImportEdge => ({ from, to, runtime });
    expect(cycles([e('a', 'b'), e('b', 'c'), e('c', 'a'), e('c', 'd'), e('d', 'c', false)])).toEqual([['a', 'b', 'c']]);
    const layers = [['g/low/'], ['g/high.ts']];
    expect(upwardEdges([e('g/low/x.ts', 'g/high.ts', false), e('g/high.ts', 'g/low/x.ts')], layers)).toEqual([e('g/low/x.ts', 'g/high.ts', false)]);
  });
});
