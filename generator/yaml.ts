/**
 * YAML parsing that keeps node positions, so every problem in a config file or a README's front
 * matter can name its line.
 */
import { isMap, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';

/**
 * What one YAML document may cost (a README's front matter is outside input). Aliases count the
 * expansions `toJS` makes (the "billion laughs" block expands 9^7 times from 63 aliases); nodes
 * and depth count the resulting value, aliases expanded.
 */
export interface YamlLimits {
  maxAliases: number;
  maxNodes: number;
  maxDepth: number;
}

/** Limits for any YAML stachub reads: far above a real README or configuration. */
export const YAML_LIMITS: YamlLimits = { maxAliases: 100, maxNodes: 20_000, maxDepth: 32 };

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
export function parseYaml(text: string, limits: YamlLimits = YAML_LIMITS): ParsedYaml {
  const lineCounter = new LineCounter();
  let doc: Document;
  try {
    doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  } catch (err) {
    // The parser recurses per nesting level: a deep enough flow collection exhausts the stack.
    return { value: undefined, errors: [{ message: `cannot be parsed (${err instanceof RangeError ? 'nested too deeply' : (err as Error).message})` }], lineOf: () => undefined };
  }
  const errors: YamlProblem[] = doc.errors.map((e) => ({
    message: /Maximum call stack/.test(e.message) ? 'is nested too deeply' : (e.message.split('\n')[0] ?? e.message),
    line: e.linePos?.[0]?.line ?? (e.pos ? lineCounter.linePos(e.pos[0]).line : undefined),
  }));
  const lineAt = (node: Node | null | undefined): number | undefined =>
    node?.range ? lineCounter.linePos(node.range[0]).line : undefined;
  let value: unknown;
  if (errors.length === 0) {
    try {
      value = doc.toJS({ maxAliasCount: limits.maxAliases });
    } catch (err) {
      // yaml throws a ReferenceError past maxAliasCount, a RangeError when too deep for the stack.
      errors.push({
        message:
          err instanceof ReferenceError
            ? `uses YAML aliases more than ${limits.maxAliases} times (an alias bomb?)`
            : err instanceof RangeError
              ? 'is nested too deeply'
              : (err as Error).message,
      });
    }
    const over = errors.length === 0 ? exceeds(value, limits) : undefined;
    if (over) errors.push({ message: over });
    if (errors.length > 0) value = undefined;
  }
  return {
    value,
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

/**
 * Whether a value has more nodes or more depth than allowed (aliases expanded). Iterative, and it
 * stops at the first node past the budget, so its cost is bounded by the limits, not the value.
 */
export function exceeds(value: unknown, limits: Pick<YamlLimits, 'maxNodes' | 'maxDepth'>): string | undefined {
  const stack: Array<[unknown, number]> = [[value, 0]];
  let nodes = 0;
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (++nodes > limits.maxNodes) return `has more than ${limits.maxNodes} values`;
    if (depth > limits.maxDepth) return `is nested more than ${limits.maxDepth} levels deep`;
    if (v !== null && typeof v === 'object') {
      for (const child of Array.isArray(v) ? v : Object.values(v)) stack.push([child, depth + 1]);
    }
  }
  return undefined;
}

/** Split a JSON pointer (`/a/0/b~1c`) into its segments. */
export function pointerSegments(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}
