/**
 * The import graph of stachub's own code (`generator/` and `pipelines/`), read with TypeScript's
 * parser: which file imports which at run time (type-only imports are erased by the compiler and
 * tie nothing at run time), the cycles among them, and the imports that run against the allowed
 * folder order. Used by the architecture test and the `bench/architecture.ts` report.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

/** One import of a file of the tree by another, both as paths from the repository root. */
export interface ImportEdge {
  from: string;
  to: string;
  /** False when the compiler erases it (`import type`, or every name imported with `type`). */
  runtime: boolean;
}

/** Every `.ts` file (or file whose name matches `names`) under `roots` (paths from `repoRoot`, `/`-separated, sorted). */
export function sourceFiles(repoRoot: string, roots: readonly string[] = ['generator', 'pipelines'], names: RegExp = /\.ts$/): string[] {
  const out: string[] = [];
  const walk = (rel: string): void => {
    for (const entry of readdirSync(path.join(repoRoot, rel), { withFileTypes: true })) {
      const child = `${rel}/${entry.name}`;
      if (entry.isDirectory()) walk(child);
      else if (names.test(entry.name) && !entry.name.endsWith('.d.ts')) out.push(child);
    }
  };
  for (const root of roots) walk(root);
  return out.sort();
}

/** True when the compiler drops this import or re-export from the emitted JavaScript. */
function typeOnly(node: ts.ImportDeclaration | ts.ExportDeclaration): boolean {
  if (ts.isExportDeclaration(node)) {
    if (node.isTypeOnly) return true;
    const clause = node.exportClause;
    return !!clause && ts.isNamedExports(clause) && clause.elements.length > 0 && clause.elements.every((e) => e.isTypeOnly);
  }
  const clause = node.importClause;
  if (!clause) return false; // `import './x.js'` runs the module
  if (clause.isTypeOnly) return true;
  if (clause.name) return false;
  const bindings = clause.namedBindings;
  return !!bindings && ts.isNamedImports(bindings) && bindings.elements.length > 0 && bindings.elements.every((e) => e.isTypeOnly);
}

/** The relative module specifiers a file imports (static, re-exports and `import('./x.js')`). */
export function importsOf(fileName: string, text: string): { specifier: string; runtime: boolean }[] {
  const sf = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  const found: { specifier: string; runtime: boolean }[] = [];
  const visit = (node: ts.Node): void => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      found.push({ specifier: node.moduleSpecifier.text, runtime: !typeOnly(node) });
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const arg = node.arguments[0];
      if (arg && ts.isStringLiteralLike(arg)) found.push({ specifier: arg.text, runtime: true });
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      found.push({ specifier: node.argument.literal.text, runtime: false });
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return found.filter((f) => f.specifier.startsWith('.'));
}

/** The imports among `files` (an import of a file outside them, e.g. `test/`, is left out). */
export function importEdges(repoRoot: string, files: readonly string[]): ImportEdge[] {
  const known = new Set(files);
  const edges: ImportEdge[] = [];
  for (const from of files) {
    for (const { specifier, runtime } of importsOf(from, readFileSync(path.join(repoRoot, from), 'utf8'))) {
      const to = path.posix.normalize(path.posix.join(path.posix.dirname(from), specifier)).replace(/\.js$/, '.ts');
      if (known.has(to) && to !== from) edges.push({ from, to, runtime });
    }
  }
  return edges;
}

/**
 * The cycles of the run-time graph: each strongly connected component of more than one file
 * (Tarjan's algorithm), its files sorted.
 */
export function cycles(edges: readonly ImportEdge[]): string[][] {
  const next = new Map<string, string[]>();
  for (const e of edges) if (e.runtime) next.set(e.from, [...(next.get(e.from) ?? []), e.to]);
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  let counter = 0;
  const connect = (v: string): void => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    onStack.add(v);
    for (const w of next.get(v) ?? []) {
      if (!index.has(w)) {
        connect(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1) out.push(component.sort());
    }
  };
  for (const v of [...next.keys()].sort()) if (!index.has(v)) connect(v);
  return out.sort((a, b) => a[0]!.localeCompare(b[0]!));
}

/**
 * The layer of a file: the index of the longest prefix of its path in `layers` (a layer is a list
 * of folders, `generator/x/`, or files, `generator/x.ts`, that may import each other). Undefined
 * when no prefix matches.
 */
export function layerOf(file: string, layers: readonly (readonly string[])[]): number | undefined {
  let best: { layer: number; length: number } | undefined;
  layers.forEach((prefixes, layer) => {
    for (const p of prefixes) {
      const matches = p.endsWith('/') ? file.startsWith(p) : file === p;
      if (matches && (!best || p.length > best.length)) best = { layer, length: p.length };
    }
  });
  return best?.layer;
}

/** The imports from a lower layer to a higher one (type-only imports count too: they tie the code). */
export function upwardEdges(edges: readonly ImportEdge[], layers: readonly (readonly string[])[]): ImportEdge[] {
  return edges.filter((e) => {
    const from = layerOf(e.from, layers);
    const to = layerOf(e.to, layers);
    return from !== undefined && to !== undefined && to > from;
  });
}
