/**
 * `Content-Type` of published files. The build gives every `OutputFile` its media type; this is
 * used when publishing a directory from disk, where only the name and bytes are known: STAC items
 * (`"type": "Feature"`) are `application/geo+json`, catalogs and collections `application/json`
 * (reference/stac.md §2.4, §2.5). The table itself is generator/media-types.ts.
 */
import { contentTypeOf } from '../media-types.js';

export { OCTET_STREAM, extensionOf } from '../media-types.js';

/** The media type of a file found on disk (JSON files are opened to tell items from the rest). */
export function mediaTypeFor(path: string, content?: Uint8Array): string {
  return contentTypeOf(path, content);
}
