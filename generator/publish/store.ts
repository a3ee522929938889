/**
 * The object-store seam of publishing: S3 (`s3-store.ts`) in production, an in-memory store for
 * `--dry-run` previews and tests. Keys here are full keys (prefix included).
 */

/** One listed object. */
export interface StoredObject {
  key: string;
  size: number;
  /** ETag without quotes, when the store gives one. */
  etag?: string;
}

export interface PutOptions {
  contentType: string;
  cacheControl: string;
  /** MD5 of the body, hex: the store rejects the upload if the bytes arrive damaged. */
  md5?: string;
}

/** The few operations a publish needs. Implementations throw `PublishError` with a clear message. */
export interface ObjectStore {
  /** e.g. `s3://bucket/prefix at http://127.0.0.1:9000`. */
  readonly description: string;
  /** Every object whose key starts with `prefix` (all pages). */
  list(prefix: string): Promise<StoredObject[]>;
  /** The body of an object, or null when it does not exist. */
  get(key: string): Promise<Uint8Array | null>;
  put(key: string, body: Uint8Array, options: PutOptions): Promise<void>;
  /** Delete objects (batched by the implementation); missing keys are not an error. */
  delete(keys: readonly string[]): Promise<void>;
  /** Requests sent so far, by operation (for reports and benchmarks). */
  readonly requests: RequestCounts;
}

export interface RequestCounts {
  list: number;
  get: number;
  put: number;
  delete: number;
  /** HTTP attempts including retries (equals the sum above when nothing was retried). */
  attempts: number;
}

export function zeroCounts(): RequestCounts {
  return { list: 0, get: 0, put: 0, delete: 0, attempts: 0 };
}

/** A stored object of the in-memory store. */
export interface MemoryObject {
  body: Uint8Array;
  contentType: string;
  cacheControl: string;
}

/**
 * An in-memory object store with S3's semantics for what publishing uses: listing by key prefix in
 * key order, ETag = MD5 of the body, delete of a missing key succeeds.
 */
export class MemoryObjectStore implements ObjectStore {
  readonly objects = new Map<string, MemoryObject>();
  readonly requests = zeroCounts();
  constructor(readonly description = 'memory') {}

  async list(prefix: string): Promise<StoredObject[]> {
    this.requests.list++;
    this.requests.attempts++;
    const { createHash } = await import('node:crypto');
    return [...this.objects.keys()]
      .filter((k) => k.startsWith(prefix))
      .sort()
      .map((key) => {
        const body = this.objects.get(key)!.body;
        return { key, size: body.byteLength, etag: createHash('md5').update(body).digest('hex') };
      });
  }

  async get(key: string): Promise<Uint8Array | null> {
    this.requests.get++;
    this.requests.attempts++;
    return this.objects.get(key)?.body ?? null;
  }

  async put(key: string, body: Uint8Array, options: PutOptions): Promise<void> {
    this.requests.put++;
    this.requests.attempts++;
    this.objects.set(key, { body: Uint8Array.from(body), contentType: options.contentType, cacheControl: options.cacheControl });
  }

  async delete(keys: readonly string[]): Promise<void> {
    this.requests.delete++;
    this.requests.attempts++;
    for (const k of keys) this.objects.delete(k);
  }
}
