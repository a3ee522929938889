/**
 * `Content-Type` of published files. The build gives every `OutputFile` its media type; this
 * table is used when publishing a directory from disk, where only the name and bytes are known.
 * STAC best practices: `application/geo+json` for items, `application/json` for catalogs and
 * collections (reference/stac.md §2.4, §2.5).
 */

const BY_EXTENSION: Readonly<Record<string, string>> = {
  '.json': 'application/json',
  '.geojson': 'application/geo+json',
  '.html': 'text/html; charset=utf-8',
  '.htm': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.map': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
  '.md': 'text/markdown; charset=utf-8',
  '.xml': 'application/xml',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.parquet': 'application/vnd.apache.parquet',
  '.gz': 'application/gzip',
  // MLM recommends octet-stream with a framework parameter for model files (stac.md §2.4).
  '.onnx': 'application/octet-stream; framework=onnx',
};

export const OCTET_STREAM = 'application/octet-stream';

/** Lower-case extension of a POSIX path (`.json`), or '' when it has none. */
export function extensionOf(path: string): string {
  const base = path.slice(path.lastIndexOf('/') + 1);
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(dot).toLowerCase() : '';
}

/**
 * The media type of a file found on disk. JSON files are opened to tell STAC items
 * (`"type": "Feature"`, served as GeoJSON) from catalogs, collections and other JSON.
 */
export function mediaTypeFor(path: string, content?: Uint8Array): string {
  const ext = extensionOf(path);
  if (ext === '.json' && content !== undefined && isGeoJsonFeature(content)) return 'application/geo+json';
  return BY_EXTENSION[ext] ?? OCTET_STREAM;
}

function isGeoJsonFeature(content: Uint8Array): boolean {
  try {
    const doc = JSON.parse(Buffer.from(content.buffer, content.byteOffset, content.byteLength).toString('utf8')) as unknown;
    return typeof doc === 'object' && doc !== null && (doc as { type?: unknown }).type === 'Feature';
  } catch {
    return false;
  }
}
