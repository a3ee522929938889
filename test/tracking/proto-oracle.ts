/**
 * The MLflow Python client's own parser as the judge of the shim's answers.
 *
 * MLflow's `.proto` files (schemas/vendor/mlflow, unchanged) are compiled with Debian's protoc
 * into a temporary folder, and one long-lived Debian python3 process (proto_oracle.py) parses
 * each answer the way `mlflow/utils/rest_utils.py` does: the response message of the endpoint
 * the proto's `(rpc)` options name, `json_format.ParseDict(..., ignore_unknown_fields=True)`;
 * error answers through `RestException` (a known `ErrorCode` and a message).
 *
 * `useProtoOracle()` wraps `fetch` for one test file: every answer of the shim's API paths is
 * checked before the test sees it, and an answer the client could not parse fails the test that
 * received it (and the file, in afterAll).
 */
import { type ChildProcessWithoutNullStreams, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, expect } from 'vitest';
import { repoRoot } from './helpers.js';

const PROTO_DIR = path.join(repoRoot, 'schemas/vendor/mlflow');
const PYTHON = '/usr/bin/python3';
const WELL_KNOWN = '/usr/include/google/protobuf/descriptor.proto';
export const APT_LINE = 'apt-get install protobuf-compiler libprotobuf-dev python3-protobuf';

export interface OracleVerdict {
  ok: boolean;
  rpc?: string;
  error?: string;
}

/** A running parser process. */
export class ProtoOracle {
  /** Answers checked, by verdict kind (rpc name, "error" or "raw"). */
  readonly checked = new Map<string, number>();
  readonly failures: string[] = [];
  private nextId = 1;
  private readonly pending = new Map<number, (v: OracleVerdict) => void>();
  private ready: (() => void) | undefined;

  private constructor(
    private readonly child: ChildProcessWithoutNullStreams,
    private readonly outDir: string,
  ) {
    createInterface({ input: child.stdout }).on('line', (line) => {
      const msg = JSON.parse(line) as OracleVerdict & { id?: number; ready?: boolean };
      if (msg.ready) this.ready?.();
      if (msg.id === undefined) return;
      this.pending.get(msg.id)?.(msg);
      this.pending.delete(msg.id);
    });
  }

  /** Compile the vendored protos and start the parser; fails with one message when a package is missing. */
  static async start(): Promise<ProtoOracle> {
    const missing: string[] = [];
    if (spawnSync('protoc', ['--version'], { stdio: 'ignore' }).status !== 0) missing.push('protoc (protobuf-compiler)');
    if (!fs.existsSync(WELL_KNOWN)) missing.push(`${WELL_KNOWN} (libprotobuf-dev)`);
    if (spawnSync(PYTHON, ['-c', 'import google.protobuf.json_format'], { stdio: 'ignore' }).status !== 0) missing.push('google.protobuf (python3-protobuf)');
    if (missing.length > 0) {
      throw new Error(`The MLflow proto oracle needs Debian packages: ${APT_LINE} (missing: ${missing.join(', ')})`);
    }
    const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'stachub-mlflow-pb2-'));
    const protos = ['service.proto', 'model_registry.proto', 'mlflow_artifacts.proto', 'databricks.proto', 'assessments.proto', 'datasets.proto', 'secrets.proto', 'scalapb/scalapb.proto'];
    const compiled = spawnSync('protoc', [`-I${PROTO_DIR}`, '-I/usr/include', `--python_out=${outDir}`, ...protos], { cwd: PROTO_DIR, encoding: 'utf8' });
    if (compiled.status !== 0) throw new Error(`protoc failed on schemas/vendor/mlflow: ${compiled.stderr}`);
    const child = spawn(PYTHON, [path.join(repoRoot, 'test/tracking/proto_oracle.py'), outDir], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const oracle = new ProtoOracle(child, outDir);
    await new Promise<void>((resolve, reject) => {
      oracle.ready = resolve;
      child.once('exit', (code) => reject(new Error(`proto_oracle.py exited with ${String(code)}: ${stderr}`)));
    });
    return oracle;
  }

  /** Parse one answer as the client would. `body` is undefined for a non-JSON 200 answer. */
  check(method: string, urlPath: string, status: number, body: string | undefined): Promise<OracleVerdict> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, (v) => {
        const kind = v.rpc ?? 'unmapped';
        this.checked.set(kind, (this.checked.get(kind) ?? 0) + 1);
        if (!v.ok) this.failures.push(`${method} ${urlPath} (${status}): ${v.error ?? '?'}`);
        resolve(v);
      });
      this.child.stdin.write(JSON.stringify({ id, method, path: urlPath, status, body: body ?? null }) + '\n');
    });
  }

  /** Answers parsed against a message (not errors or raw downloads). */
  get parsedMessages(): number {
    let n = 0;
    for (const [kind, count] of this.checked) if (kind !== 'error' && kind !== 'raw' && kind !== 'unmapped') n += count;
    return n;
  }

  async close(): Promise<void> {
    this.child.stdin.end();
    await new Promise<void>((resolve) => {
      if (this.child.exitCode !== null) resolve();
      else this.child.once('exit', () => resolve());
    });
    fs.rmSync(this.outDir, { recursive: true, force: true });
  }
}

const API_PATH = /^\/(?:api|ajax-api)\/|^\/get-artifact$|^\/model-versions\/get-artifact$/;

/**
 * Check every answer of the shim's API paths in this test file with the client's parser.
 * Returns a handle whose `oracle` is set once the file's beforeAll ran.
 */
export function useProtoOracle(): { oracle?: ProtoOracle } {
  const handle: { oracle?: ProtoOracle } = {};
  const realFetch = globalThis.fetch;
  beforeAll(async () => {
    const oracle = await ProtoOracle.start();
    handle.oracle = oracle;
    globalThis.fetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
      const res = await realFetch(input, init);
      const url = new URL(input instanceof Request ? input.url : String(input));
      if (!API_PATH.test(url.pathname)) return res;
      const method = (init?.method ?? (input instanceof Request ? input.method : 'GET')).toUpperCase();
      const json = (res.headers.get('content-type') ?? '').includes('application/json');
      const body = json || res.status !== 200 ? await res.clone().text() : undefined;
      const verdict = await oracle.check(method, url.pathname, res.status, body);
      if (!verdict.ok) throw new Error(`The MLflow client cannot parse ${method} ${url.pathname} (${res.status}): ${verdict.error ?? '?'}`);
      return res;
    };
  });
  afterAll(async () => {
    globalThis.fetch = realFetch;
    const oracle = handle.oracle;
    if (!oracle) return;
    await oracle.close();
    expect(oracle.failures, 'answers the MLflow client cannot parse').toEqual([]);
    expect(oracle.parsedMessages, 'answers parsed against MLflow messages').toBeGreaterThan(0);
  });
  return handle;
}
