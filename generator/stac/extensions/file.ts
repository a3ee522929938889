/**
 * The STAC File extension (v2.1.0): `file:size` and `file:checksum` on assets. The builder writes
 * them from a file's facts (size, digest); the getter reads them back typed.
 */
import type { StacAsset } from '../types.js';

export const FILE_SCHEMA_URL = 'https://stac-extensions.github.io/file/v2.1.0/schema.json';

/** `file:checksum` value: a sha2-256 multihash (code 0x12, length 0x20, digest) in hex. */
export function sha256Multihash(hex: string): string {
  return `1220${hex.toLowerCase()}`;
}

/** `file:checksum` value for an md5 digest (DVC's hash): multihash code 0xd5, length 0x10, digest, in hex. */
export function md5Multihash(hex: string): string {
  return `d510${hex.toLowerCase()}`;
}

/** What a file is known by: its size in bytes and a digest (hex). */
export interface FileFacts {
  size?: number;
  sha256?: string;
  md5?: string;
}

/** The File extension's fields as they are written on an asset. */
export interface FileFields {
  'file:size'?: number;
  'file:checksum'?: string;
}

/** `file:size` and `file:checksum` (sha256 first, else md5) for the facts that are known, in that order. */
export function fileFields(facts: FileFacts): FileFields {
  const checksum = facts.sha256 ? sha256Multihash(facts.sha256) : facts.md5 ? md5Multihash(facts.md5) : undefined;
  return {
    ...(facts.size !== undefined ? { 'file:size': facts.size } : {}),
    ...(checksum !== undefined ? { 'file:checksum': checksum } : {}),
  };
}

/** Whether an asset carries a File extension field (the item must then list the schema). */
export function usesFile(asset: Readonly<Record<string, unknown>>): boolean {
  return asset['file:size'] !== undefined || asset['file:checksum'] !== undefined;
}

/** The File fields of an asset, typed (a value of the wrong type reads as absent). */
export function fileOf(asset: StacAsset): { size?: number; checksum?: string } {
  const size = asset['file:size'];
  const checksum = asset['file:checksum'];
  return {
    ...(typeof size === 'number' ? { size } : {}),
    ...(typeof checksum === 'string' ? { checksum } : {}),
  };
}
