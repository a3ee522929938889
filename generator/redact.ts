/**
 * One place that removes credentials from text before it reaches a person or a file: every HTTP
 * client's errors (GitLab, MLflow, S3, ONNX over HTTP), the build report's messages and everything
 * the CLI writes to stderr. A server that echoes a request back (its `Authorization` header, its
 * URL) must not turn its answer into a leak.
 *
 * Two kinds of matches:
 * - shapes that are credentials whoever wrote them: `Authorization`/`PRIVATE-TOKEN`/`JOB-TOKEN`/
 *   `Cookie` headers quoted in text, `Bearer ...`, `Basic <base64 of user:password>`, `user:pass@`
 *   in URLs, `token=`/`private_token=`/`access_token=`/`password=`/signature query values, GitLab
 *   tokens (`glpat-...`), AWS access key ids and `aws_secret_access_key = ...`;
 * - values this process was given as secrets (`registerSecret`: the tokens, passwords and keys read
 *   from the environment, flags and URLs), wherever they appear, URL-encoded too, and also when a
 *   message was cut in the middle of one (a trailing prefix of at least 6 characters).
 */

/** What a credential is replaced with. */
export const REDACTED = '[REDACTED]';

/** Registered values shorter than this are only caught by the shapes above (a 3-letter password would blank every word holding it). */
const MIN_SECRET = 6;

const registered = new Set<string>();

/**
 * Remember values that must never be printed (tokens, passwords, secret keys). Their URL-encoded
 * form is remembered too. Values shorter than 6 characters are ignored.
 */
export function registerSecret(...values: Array<string | undefined | null>): void {
  for (const v of values) {
    if (typeof v !== 'string') continue;
    const value = v.trim();
    if (value.length < MIN_SECRET) continue;
    registered.add(value);
    const encoded = encodeURIComponent(value);
    if (encoded !== value) registered.add(encoded);
  }
}

/** Environment variables whose values are credentials (DESIGN.md's CI variables and the AWS SDK's). */
export const SECRET_ENV = [
  'GITLAB_TOKEN',
  'CI_JOB_TOKEN',
  'MLFLOW_TRACKING_TOKEN',
  'MLFLOW_TRACKING_PASSWORD',
  'STACHUB_TRACK_TOKEN',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_ACCESS_KEY_ID',
] as const;

/** Register the credentials an environment holds (see {@link SECRET_ENV}), and those in its tracking URI. */
export function registerSecretsFromEnv(env: NodeJS.ProcessEnv): void {
  for (const name of SECRET_ENV) registerSecret(env[name]);
  const user = env['MLFLOW_TRACKING_USERNAME'];
  const password = env['MLFLOW_TRACKING_PASSWORD'];
  if (user && password) registerSecret(Buffer.from(`${user}:${password}`).toString('base64'));
  registerUrlSecrets(env['MLFLOW_TRACKING_URI']);
}

/** Register the password of a URL's `user:password@` (and the Basic credential built from it). */
export function registerUrlSecrets(url: string | undefined): void {
  if (!url) return;
  try {
    const u = new URL(url);
    if (!u.password) return;
    const user = decodeURIComponent(u.username);
    const password = decodeURIComponent(u.password);
    registerSecret(password, u.password, Buffer.from(`${user}:${password}`).toString('base64'));
  } catch {
    // not a URL: nothing to register
  }
}

/** Register the credential part of request headers that carry one (`Authorization: Bearer x` -> `x`). */
export function registerHeaderSecrets(headers: Record<string, string> | undefined): void {
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (!SENSITIVE_HEADER.test(name)) continue;
    const m = /^(?:Bearer|Basic|Token|Digest)\s+(.+)$/i.exec(value.trim());
    registerSecret(m ? m[1] : value);
  }
}

const SENSITIVE_HEADER = /authorization|token|cookie|secret|password|api[-_]?key/i;

/** Header names whose quoted value is a credential (`Name: value`, `"Name": "value"`, `name=value`). */
const HEADER_VALUE =
  /\b((?:proxy-)?authorization|private[-_]token|job[-_]token|deploy[-_]token|x-api-key|x-auth-token|x-amz-security-token|cookie|set-cookie)(["']?[ \t]*[:=][ \t]?["']?)(?:(Bearer|Basic|Token|Digest)\s+)?([^\s"',;&]+)/gi;
/** RFC 6750 b64token, not an auth-param (`Bearer realm="x"` is a challenge, not a credential). */
const BEARER = /\b(Bearer)\s+([A-Za-z0-9._~+/-]+=*)(?![\w"=.~+/-])/g;
const BASIC = /\b(Basic)\s+([A-Za-z0-9+/]{4,}={0,2})/g;
/** `scheme://user:pass@host`, `scheme://token@host` (the whole userinfo goes). */
const URL_USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#@"'<>]+@/gi;
const QUERY_SECRET =
  /([?&;]|\b)((?:private_token|access_token|job_token|refresh_token|id_token|token|password|passwd|secret|client_secret|api_key|apikey|sig|signature|x-amz-signature|x-amz-credential|x-amz-security-token)=)([^&#\s"'<>]+)/gi;
/** GitLab's token prefixes (personal, project, group, deploy, runner, CI job, feed, OAuth...). */
const GITLAB_TOKEN = /\bgl(?:pat|ptt|dt|rt|cbt|imt|soat|ft|agent|oas|ffct|sa|wt|jt)-[A-Za-z0-9_.-]{8,}/g;
const AWS_KEY_ID = /\b(?:AKIA|ASIA|AIDA|AROA|AGPA|ANPA|ANVA|AIPA)[A-Z0-9]{16}\b/g;
const AWS_SECRET = /\b(aws_secret_access_key|secretaccesskey|aws_session_token|sessiontoken)(["']?\s*[:=]\s*["']?)([^\s"',;]+)/gi;

/** Whether a Basic credential decodes to `user:password`. */
function isBasicCredential(b64: string): boolean {
  const decoded = Buffer.from(b64, 'base64').toString('utf8');
  return decoded.includes(':') && !/[\u0000-\u001f]/.test(decoded);
}

/**
 * `text` without credentials. `secrets` are values to remove besides the registered ones (a
 * client's own token, when it has not been registered).
 */
export function redact(text: string, secrets: Iterable<string | undefined> = []): string {
  if (text === '') return text;
  let out = text;
  const values = new Set(registered);
  // A client's own credentials are removed whatever their length (they are known to be secrets).
  for (const s of secrets) if (typeof s === 'string' && s.length > 0) values.add(s);
  // Longest first, so a secret that contains another is removed whole.
  const sorted = [...values].sort((a, b) => b.length - a.length);
  for (const s of sorted) if (out.includes(s)) out = out.split(s).join(REDACTED);
  // A message cut in the middle of a secret: its trailing prefix goes too.
  for (const s of sorted) {
    for (let n = Math.min(s.length - 1, out.length); n >= MIN_SECRET; n--) {
      if (out.endsWith(s.slice(0, n))) {
        out = out.slice(0, out.length - n) + REDACTED;
        break;
      }
    }
  }
  out = out
    .replace(HEADER_VALUE, (m, name: string, sep: string, scheme: string | undefined, value: string) =>
      value === REDACTED || value.startsWith('[REDACTED') ? m : `${name}${sep}${scheme ? `${scheme} ` : ''}${REDACTED}`,
    )
    .replace(BEARER, (m, scheme: string, value: string) => (value.length < 6 ? m : `${scheme} ${REDACTED}`))
    .replace(BASIC, (m, scheme: string, value: string) => (isBasicCredential(value) ? `${scheme} ${REDACTED}` : m))
    .replace(URL_USERINFO, (_m, scheme: string) => `${scheme}${REDACTED}@`)
    .replace(QUERY_SECRET, (_m, lead: string, key: string) => `${lead}${key}${REDACTED}`)
    .replace(GITLAB_TOKEN, REDACTED)
    .replace(AWS_KEY_ID, REDACTED)
    .replace(AWS_SECRET, (_m, name: string, sep: string) => `${name}${sep}${REDACTED}`);
  return out;
}

/**
 * A value that was given as one URL, as a message may quote it: everything up to its last `@` goes
 * (the userinfo: a value that does not parse may hold a password with spaces or slashes, which
 * the shapes of {@link redact} cannot delimit in free text), then every credential {@link redact}
 * finds (query tokens, GitLab tokens...).
 */
export function redactUrl(value: string): string {
  const at = value.lastIndexOf('@');
  if (at < 0) return redact(value);
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(value)?.[0] ?? '';
  return redact(`${scheme}${REDACTED}${value.slice(at)}`);
}

/** A copy of `value` with every string in it redacted (for reports: messages inside objects). */
export function redactDeep<T>(value: T, secrets: Iterable<string | undefined> = []): T {
  const list = [...secrets];
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return redact(v, list);
    if (Array.isArray(v)) return v.map(walk);
    if (v !== null && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v as Record<string, unknown>)) out[k] = walk(x);
      return out;
    }
    return v;
  };
  return walk(value) as T;
}

/** Forget every registered secret (tests). */
export function clearSecrets(): void {
  registered.clear();
}
