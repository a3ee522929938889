/** Stable JSON for generated files: canonical key order, 2-space indent, final newline. */

// STAC's conventional order first; other keys keep their (deterministic) insertion order.
const FIRST = ['type', 'stac_version', 'stac_extensions', 'id', 'title', 'description', 'keywords', 'license', 'providers', 'extent', 'summaries', 'geometry', 'bbox', 'properties', 'links', 'assets', 'collection'];

export function stableJson(value: object): string {
  const ordered: Record<string, unknown> = {};
  const source = value as Record<string, unknown>;
  for (const k of FIRST) if (k in source && source[k] !== undefined) ordered[k] = source[k];
  for (const [k, v] of Object.entries(source)) if (!(k in ordered) && v !== undefined) ordered[k] = v;
  return `${JSON.stringify(ordered, null, 2)}\n`;
}

const encoder = new TextEncoder();

export function jsonBytes(value: object): Uint8Array {
  return encoder.encode(stableJson(value));
}
