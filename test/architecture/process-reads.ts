/**
 * Where stachub's own code reads the process's environment or working directory (`process.env`,
 * `process.cwd()`), found with TypeScript's parser, so that comments and strings do not count and
 * `process['env']`, `globalThis.process.env` and `const { env } = process` do.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { sourceFiles } from './import-graph.js';

/** The members of `process` that only the command line's entry may read. */
const WATCHED = new Set(['env', 'cwd']);

/** One read: the file (from the repository root), its line and the member read. */
export interface ProcessRead {
  file: string;
  line: number;
  member: string;
}

/** Every TypeScript or JavaScript module under `roots` (paths from `repoRoot`, sorted). */
export function moduleFiles(repoRoot: string, roots: readonly string[] = ['generator', 'pipelines']): string[] {
  return sourceFiles(repoRoot, roots, /\.(ts|mts|cts|js|mjs|cjs)$/);
}

/** `process` or `globalThis.process`. */
function isProcess(node: ts.Expression): boolean {
  if (ts.isIdentifier(node)) return node.text === 'process';
  return ts.isPropertyAccessExpression(node) && node.name.text === 'process' && ts.isIdentifier(node.expression) && node.expression.text === 'globalThis';
}

/** The reads of `process.env` / `process.cwd` in one module's text. */
export function processReads(file: string, text: string): ProcessRead[] {
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false, /\.[mc]?js$/.test(file) ? ts.ScriptKind.JS : ts.ScriptKind.TS);
  const found: ProcessRead[] = [];
  const add = (node: ts.Node, member: string): void => {
    found.push({ file, line: sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1, member });
  };
  const visit = (node: ts.Node): void => {
    if (ts.isPropertyAccessExpression(node) && isProcess(node.expression) && WATCHED.has(node.name.text)) {
      add(node, node.name.text);
    } else if (ts.isElementAccessExpression(node) && isProcess(node.expression)) {
      const arg = node.argumentExpression;
      // A computed member may be anything: only a literal other than the watched ones is allowed.
      const member = ts.isStringLiteralLike(arg) ? arg.text : '[computed]';
      if (WATCHED.has(member) || member === '[computed]') add(node, member);
    } else if (ts.isVariableDeclaration(node) && node.initializer && isProcess(node.initializer) && ts.isObjectBindingPattern(node.name)) {
      for (const element of node.name.elements) {
        const key = element.propertyName ?? element.name;
        const member = ts.isIdentifier(key) || ts.isStringLiteralLike(key) ? key.text : '[computed]';
        if (WATCHED.has(member) || member === '[computed]') add(element, member);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return found;
}

/** Every read under `roots`, as `file:line process.member`. */
export function processReadsIn(repoRoot: string, roots?: readonly string[]): string[] {
  return moduleFiles(repoRoot, roots).flatMap((file) =>
    processReads(file, readFileSync(path.join(repoRoot, file), 'utf8')).map((r) => `${r.file}:${r.line} process.${r.member}`),
  );
}
