/**
 * Media types by file name: one table for the whole tool. STAC assets and links use the most
 * specific registered type (STAC best practices "Working with Media Types"; model files follow
 * MLM's `application/octet-stream; framework=...`); serving and publishing add a charset to text.
 */

const BY_EXTENSION: Readonly<Record<string, string>> = {
  '.csv': 'text/csv',
  '.css': 'text/css',
  '.cwl': 'application/cwl+yaml',
  '.geojson': 'application/geo+json',
  '.gif': 'image/gif',
  '.gpkg': 'application/geopackage+sqlite3',
  '.gz': 'application/gzip',
  '.h5': 'application/x-hdf5',
  '.hdf5': 'application/x-hdf5',
  '.htm': 'text/html',
  '.html': 'text/html',
  '.ico': 'image/x-icon',
  '.ipynb': 'application/x-ipynb+json',
  '.jpeg': 'image/jpeg',
  '.jpg': 'image/jpeg',
  '.js': 'text/javascript',
  '.json': 'application/json',
  '.keras': 'application/octet-stream; framework=keras',
  '.map': 'application/json',
  '.md': 'text/markdown',
  '.mjs': 'text/javascript',
  '.nc': 'application/x-netcdf',
  '.onnx': 'application/octet-stream; framework=onnx',
  '.parquet': 'application/vnd.apache.parquet',
  '.pdf': 'application/pdf',
  '.png': 'image/png',
  '.pt': 'application/octet-stream; framework=pytorch',
  '.pth': 'application/octet-stream; framework=pytorch',
  '.py': 'text/x-python',
  // safetensors is a file format that several frameworks write, not a framework.
  '.safetensors': 'application/octet-stream; application=safetensors',
  '.svg': 'image/svg+xml',
  '.tar': 'application/x-tar',
  '.tif': 'image/tiff',
  '.tiff': 'image/tiff',
  '.txt': 'text/plain',
  '.webp': 'image/webp',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.xml': 'application/xml',
  '.yaml': 'text/x-yaml',
  '.yml': 'text/x-yaml',
  '.zip': 'application/zip',
};

export const OCTET_STREAM = 'application/octet-stream';

/** Lower-case extension of a POSIX path (`.json`), or '' when it has none. */
export function extensionOf(path: string): string {
  const base = path.slice(path.lastIndexOf('/') + 1);
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(dot).toLowerCase() : '';
}

/** Media type of a file name, for STAC assets and links; undefined when the extension is unknown. */
export function mediaTypeOf(path: string): string | undefined {
  return mediaTypeOfExtension(extensionOf(path));
}

/**
 * The type of an extension the table has (`.json`), for the tables built on this one (README
 * `type-as` shortcuts, model formats); throws for an extension it does not have.
 */
export function typeOfExtension(ext: string): string {
  const type = mediaTypeOfExtension(ext);
  if (type === undefined) throw new Error(`generator/media-types.ts has no ${ext}`);
  return type;
}

function mediaTypeOfExtension(ext: string): string | undefined {
  // Own keys only: a file may be named `x.constructor`.
  return Object.hasOwn(BY_EXTENSION, ext) ? BY_EXTENSION[ext] : undefined;
}

/** True for an image type a browser shows (previews, logos). */
export function isImageType(type: string | undefined): boolean {
  return type !== undefined && /^image\/(png|jpeg|gif|webp|svg\+xml|x-icon)$/.test(type);
}

/**
 * `Content-Type` to serve or publish a file with: text gets `charset=utf-8`, and a `.json` file
 * whose body is a GeoJSON Feature (a STAC item) is `application/geo+json`.
 */
export function contentTypeOf(path: string, content?: Uint8Array): string {
  const type = mediaTypeOf(path);
  if (type === 'application/json' && content !== undefined && isGeoJsonFeature(content)) return 'application/geo+json';
  if (type === undefined) return OCTET_STREAM;
  return type.startsWith('text/') ? `${type}; charset=utf-8` : type;
}

function isGeoJsonFeature(content: Uint8Array): boolean {
  try {
    const doc = JSON.parse(Buffer.from(content.buffer, content.byteOffset, content.byteLength).toString('utf8')) as unknown;
    return typeof doc === 'object' && doc !== null && (doc as { type?: unknown }).type === 'Feature';
  } catch {
    return false;
  }
}
