/**
 * The shape of stachub's import graph, in figures: run-time import cycles between files, imports
 * that run against the stage order of ARCHITECTURE.md (upward edges), and files over 500 lines
 * under generator/ and pipelines/. Run: `npx tsx bench/architecture.ts`.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cycles, importEdges, sourceFiles, upwardEdges } from '../test/architecture/import-graph.js';
import { LAYERS } from '../test/architecture/layers.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const files = sourceFiles(root);
const edges = importEdges(root, files);
const loops = cycles(edges);
const upward = upwardEdges(edges, LAYERS);
const long = files
  .map((f) => ({ f, lines: readFileSync(path.join(root, f), 'utf8').split('\n').length - 1 }))
  .filter((x) => x.lines > 500)
  .sort((a, b) => b.lines - a.lines);

console.log(`files: ${files.length}, imports between them: ${edges.length} (${edges.filter((e) => e.runtime).length} at run time)`);
console.log(`run-time import cycles: ${loops.length}`);
for (const c of loops) console.log(`  ${c.join(' <-> ')}`);
console.log(`upward edges: ${upward.length} (${upward.filter((e) => e.runtime).length} at run time)`);
for (const e of upward) console.log(`  ${e.from} -> ${e.to}${e.runtime ? '' : ' (type only)'}`);
console.log(`files over 500 lines: ${long.length}`);
for (const x of long) console.log(`  ${x.f} ${x.lines}`);
