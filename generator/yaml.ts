/**
 * YAML parsing that keeps node positions, so every problem in a config file or a README's front
 * matter can name its line.
 */
import { isMap, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';

export interface YamlProblem {
  message: string;
  /** 1-based line in the parsed text. */
  line?: number;
}

export interface ParsedYaml {
  /** The plain JS value (undefined when the text is empty or has a syntax error). */
  value: unknown;
  /** Syntax errors (the value is then unusable). */
  errors: YamlProblem[];
  /** 1-based line of the node at `path` (JSON-pointer segments), or of its nearest existing parent. */
  lineOf(path: ReadonlyArray<string | number>): number | undefined;
}

/** Parse YAML 1.2 (core schema, so `yes`/`no` stay strings, as in SharingHub's PyYAML safe load of 1.1 they would not; dates stay strings). */
export function parseYaml(text: string): ParsedYaml {
  const lineCounter = new LineCounter();
  const doc: Document = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const errors: YamlProblem[] = doc.errors.map((e) => ({
    message: e.message.split('\n')[0] ?? e.message,
    line: e.linePos?.[0]?.line ?? (e.pos ? lineCounter.linePos(e.pos[0]).line : undefined),
  }));
  const lineAt = (node: Node | null | undefined): number | undefined =>
    node?.range ? lineCounter.linePos(node.range[0]).line : undefined;
  return {
    value: errors.length > 0 ? undefined : doc.toJS({ maxAliasCount: 100 }),
    errors,
    lineOf(path) {
      let node: unknown = doc.contents;
      let line = lineAt(node as Node);
      for (const seg of path) {
        if (isMap(node)) {
          const pair = node.items.find((p) => {
            const k = p.key as Node & { value?: unknown };
            return k && String(k.value ?? k) === String(seg);
          });
          if (!pair) break;
          // Point at the key: that is the line a person looks for.
          line = lineAt(pair.key as Node) ?? line;
          node = pair.value;
        } else if (isSeq(node)) {
          const item = node.items[Number(seg)];
          if (item === undefined) break;
          line = lineAt(item as Node) ?? line;
          node = item;
        } else {
          break;
        }
      }
      return line;
    },
  };
}

/** Split a JSON pointer (`/a/0/b~1c`) into its segments. */
export function pointerSegments(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}
