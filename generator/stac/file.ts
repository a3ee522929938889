/** The STAC File extension (v2.1.0): `file:size` and `file:checksum` on assets. */

export const FILE_SCHEMA_URL = 'https://stac-extensions.github.io/file/v2.1.0/schema.json';

/** `file:checksum` value: a sha2-256 multihash (code 0x12, length 0x20, digest) in hex. */
export function sha256Multihash(hex: string): string {
  return `1220${hex.toLowerCase()}`;
}

/** `file:checksum` value for an md5 digest (DVC's hash): multihash code 0xd5, length 0x10, digest, in hex. */
export function md5Multihash(hex: string): string {
  return `d510${hex.toLowerCase()}`;
}
