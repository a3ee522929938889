/**
 * The S3 edge: `ObjectStore` over `@aws-sdk/client-s3`, for AWS and S3-compatible stores
 * (MinIO, Ceph, Garage, s3rver...) through `endpoint`, `region` and path-style addressing.
 * Retries with exponential backoff are the SDK's standard retry strategy; failures become a
 * `PublishError` (exit 5) whose message names the cause and never a credential.
 */
import {
  DeleteObjectsCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { PublishError } from '../errors.js';
import { redact, registerSecret } from '../redact.js';
import { zeroCounts, type ObjectStore, type PutOptions, type StoredObject } from './store.js';

/** How to reach the bucket. */
export interface S3StoreOptions {
  bucket: string;
  /** Endpoint of an S3-compatible store, e.g. `http://127.0.0.1:9000`; AWS when absent. */
  endpoint?: string;
  region?: string;
  /** Path-style URLs (`endpoint/bucket/key`), which most S3-compatible stores need. */
  forcePathStyle?: boolean;
  /** Explicit credentials; the SDK's default chain (env, profile, instance role) when absent. */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** Attempts per request, first one included (default 5). */
  maxAttempts?: number;
}

const DELETE_BATCH = 1000; // DeleteObjects accepts at most 1000 keys per request

export class S3ObjectStore implements ObjectStore {
  readonly description: string;
  readonly requests = zeroCounts();
  private readonly client: S3Client;
  private readonly secrets: string[];

  constructor(private readonly options: S3StoreOptions) {
    this.description = `s3://${options.bucket}${options.endpoint ? ` at ${options.endpoint}` : ''}`;
    const config: S3ClientConfig = {
      region: options.region ?? 'us-east-1',
      forcePathStyle: options.forcePathStyle ?? false,
      maxAttempts: options.maxAttempts ?? 5,
      retryMode: 'standard',
      // Many S3-compatible stores reject the newer default checksum headers; send them only
      // where S3 requires them (Content-MD5 still protects every upload).
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    };
    if (options.endpoint) config.endpoint = options.endpoint;
    if (options.credentials) config.credentials = options.credentials;
    this.client = new S3Client(config);
    this.secrets = options.credentials
      ? [options.credentials.accessKeyId, options.credentials.secretAccessKey, options.credentials.sessionToken ?? ''].filter(
          (s) => s.length >= 4,
        )
      : [];
    registerSecret(...this.secrets);
    // Count every HTTP attempt (the deserialize step runs once per attempt, inside the retry loop).
    this.client.middlewareStack.add(
      (next) => async (args) => {
        this.requests.attempts++;
        return next(args);
      },
      { step: 'deserialize', name: 'stachubAttemptCounter' },
    );
  }

  async list(prefix: string): Promise<StoredObject[]> {
    const out: StoredObject[] = [];
    let token: string | undefined;
    do {
      this.requests.list++;
      const page = await this.call('list', prefix || '/', () =>
        this.client.send(new ListObjectsV2Command({ Bucket: this.options.bucket, Prefix: prefix || undefined, ContinuationToken: token })),
      );
      for (const o of page.Contents ?? []) {
        if (o.Key === undefined) continue;
        out.push({ key: o.Key, size: o.Size ?? 0, etag: o.ETag?.replace(/"/g, '').toLowerCase() });
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return out;
  }

  async get(key: string): Promise<Uint8Array | null> {
    this.requests.get++;
    try {
      const res = await this.client.send(new GetObjectCommand({ Bucket: this.options.bucket, Key: key }));
      return res.Body ? await res.Body.transformToByteArray() : new Uint8Array();
    } catch (err) {
      if (errorName(err) === 'NoSuchKey') return null;
      throw this.failure(err, 'get', key);
    }
  }

  async put(key: string, body: Uint8Array, options: PutOptions): Promise<void> {
    this.requests.put++;
    await this.call('put', key, () =>
      this.client.send(
        new PutObjectCommand({
          Bucket: this.options.bucket,
          Key: key,
          Body: body,
          ContentLength: body.byteLength,
          ContentType: options.contentType,
          CacheControl: options.cacheControl,
          ContentMD5: options.md5 ? Buffer.from(options.md5, 'hex').toString('base64') : undefined,
        }),
      ),
    );
  }

  async delete(keys: readonly string[]): Promise<void> {
    for (let i = 0; i < keys.length; i += DELETE_BATCH) {
      const batch = keys.slice(i, i + DELETE_BATCH);
      this.requests.delete++;
      const res = await this.call('delete', batch[0]!, () =>
        this.client.send(
          new DeleteObjectsCommand({
            Bucket: this.options.bucket,
            Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true },
          }),
        ),
      );
      const failed = (res.Errors ?? []).filter((e) => e.Code !== 'NoSuchKey');
      if (failed.length > 0) {
        const first = failed[0]!;
        throw new PublishError(
          `S3 refused to delete ${failed.length} object(s) from ${this.description}, e.g. ${first.Key} (${first.Code ?? 'error'})`,
        );
      }
    }
  }

  /** Release the SDK's sockets. */
  close(): void {
    this.client.destroy();
  }

  private async call<T>(op: string, key: string, send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (err) {
      throw this.failure(err, op, key);
    }
  }

  private failure(err: unknown, op: string, key: string): PublishError {
    const message = this.redact(describeS3Failure(err, op, key, this.options));
    return new PublishError(message, { cause: err });
  }

  /** Never let a credential reach a message, even if a store echoes it back (generator/redact.ts). */
  private redact(text: string): string {
    return redact(text, this.secrets);
  }
}

function errorName(err: unknown): string {
  const e = err as { name?: unknown; Code?: unknown; code?: unknown };
  for (const v of [e?.Code, e?.name, e?.code]) if (typeof v === 'string' && v !== 'Error') return v;
  return 'Error';
}

function httpStatus(err: unknown): number | undefined {
  return (err as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
}

/** The sentence an operator reads when a request fails: what went wrong and what to check. */
export function describeS3Failure(err: unknown, op: string, key: string, where: { bucket: string; endpoint?: string }): string {
  const name = errorName(err);
  const status = httpStatus(err);
  const target = `s3://${where.bucket}${where.endpoint ? ` at ${where.endpoint}` : ''}`;
  const auth = new Set([
    'InvalidAccessKeyId',
    'SignatureDoesNotMatch',
    'AccessDenied',
    'InvalidToken',
    'ExpiredToken',
    'TokenRefreshRequired',
    'CredentialsProviderError',
    'InvalidClientTokenId',
  ]);
  if (auth.has(name) || status === 401 || status === 403) {
    return (
      `publish failed: ${target} refused the credentials (${name}${status ? `, HTTP ${status}` : ''}) on ${op} ${key}. ` +
      'Check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or the role the job runs as) and the bucket policy.'
    );
  }
  if (name === 'NoSuchBucket') {
    return `publish failed: bucket ${where.bucket} does not exist${where.endpoint ? ` at ${where.endpoint}` : ''} (NoSuchBucket). Check the --to URL and --endpoint.`;
  }
  const net = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'TimeoutError']);
  const cause = (err as { cause?: { code?: unknown } })?.cause;
  const code = typeof (err as { code?: unknown })?.code === 'string' ? (err as { code: string }).code : typeof cause?.code === 'string' ? cause.code : name;
  if (net.has(code) || net.has(name)) {
    return `publish failed: cannot reach ${where.endpoint ?? 'the S3 endpoint'} (${code}) on ${op} ${key}. Check --endpoint (AWS_ENDPOINT_URL_S3) and the network.`;
  }
  if (name === 'PermanentRedirect' || name === 'AuthorizationHeaderMalformed' || name === 'IllegalLocationConstraintException') {
    return `publish failed: ${target} is in another region (${name}). Check --region (AWS_REGION).`;
  }
  const detail = err instanceof Error && err.message && err.message !== name ? `: ${err.message}` : '';
  return `publish failed: ${op} ${key} on ${target} failed (${name}${status ? `, HTTP ${status}` : ''})${detail}`;
}
