/**
 * A proxy in front of the loopback S3 server that checks AWS Signature Version 4 the way S3 does,
 * which s3rver itself does not: it recomputes the signature of each request from the secret of
 * the access key named in `Authorization` (canonical request of the signed headers, the
 * `x-amz-content-sha256` payload hash, HMAC-SHA256 key chain for date/region/service) and answers
 * 403 `SignatureDoesNotMatch` (or `InvalidAccessKeyId`) in S3's XML error format when it differs.
 * Requests that pass are forwarded unchanged.
 */
import { createHash, createHmac } from 'node:crypto';
import http from 'node:http';

export interface SigV4Proxy {
  endpoint: string;
  /** Requests rejected so far. */
  rejected: number;
  stop: () => Promise<void>;
}

const enc = (s: string): string => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
const hmac = (key: Buffer | string, data: string): Buffer => createHmac('sha256', key).update(data, 'utf8').digest();

function expectedSignature(req: http.IncomingMessage, secret: string, auth: { scope: string[]; signedHeaders: string[] }): string {
  const [path = '/', query = ''] = (req.url ?? '/').split('?', 2) as [string, string?];
  const canonicalQuery = query
    .split('&')
    .filter((p) => p !== '')
    .map((p) => {
      const i = p.indexOf('=');
      const k = decodeURIComponent(i < 0 ? p : p.slice(0, i));
      const v = i < 0 ? '' : decodeURIComponent(p.slice(i + 1).replace(/\+/g, ' '));
      return [enc(k), enc(v)] as const;
    })
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : 1))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
  const header = (name: string): string => {
    const v = req.headers[name];
    return (Array.isArray(v) ? v.join(',') : (v ?? '')).trim().replace(/\s+/g, ' ');
  };
  const canonicalHeaders = auth.signedHeaders.map((h) => `${h}:${header(h)}\n`).join('');
  const canonicalRequest = [req.method, path, canonicalQuery, canonicalHeaders, auth.signedHeaders.join(';'), header('x-amz-content-sha256')].join('\n');
  const [date, region, service] = auth.scope as [string, string, string];
  const stringToSign = ['AWS4-HMAC-SHA256', header('x-amz-date'), auth.scope.join('/'), createHash('sha256').update(canonicalRequest).digest('hex')].join('\n');
  const key = hmac(hmac(hmac(hmac(`AWS4${secret}`, date), region), service), 'aws4_request');
  return createHmac('sha256', key).update(stringToSign).digest('hex');
}

export async function startSigV4Proxy(target: string, secrets: Record<string, string>): Promise<SigV4Proxy> {
  const state = { rejected: 0 };
  const deny = (res: http.ServerResponse, code: string, message: string): void => {
    state.rejected++;
    res.writeHead(403, { 'content-type': 'application/xml' });
    res.end(`<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message></Error>`);
  };
  const server = http.createServer((req, res) => {
    const m = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/([^,]+), ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]+)$/.exec(req.headers.authorization ?? '');
    if (!m) {
      req.resume();
      return deny(res, 'AccessDenied', 'Access Denied');
    }
    const secret = secrets[m[1]!];
    if (secret === undefined) {
      req.resume();
      return deny(res, 'InvalidAccessKeyId', 'The AWS Access Key Id you provided does not exist in our records.');
    }
    if (expectedSignature(req, secret, { scope: m[2]!.split('/'), signedHeaders: m[3]!.split(';') }) !== m[4]) {
      req.resume();
      return deny(res, 'SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided. Check your key and signing method.');
    }
    const up = http.request(`${target}${req.url}`, { method: req.method, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    req.pipe(up);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    get rejected() {
      return state.rejected;
    },
    stop: () => new Promise<void>((r) => server.close(() => r())),
  };
}
