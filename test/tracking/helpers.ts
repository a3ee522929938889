/** Shared helpers for the tracking shim tests: a shim on a temporary store, and a small HTTP client. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll } from 'vitest';
import { startTrackingServer, type TrackingServer, type TrackingServerOptions } from '../../pipelines/tracking/server.js';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

const created: string[] = [];
// Stores are reopened after their server closes, so they are removed after the test file
// (vitest imports this module afresh for each test file, registering this hook for each).
afterAll(() => {
  for (const dir of created.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

export function tempDir(prefix = 'stachub-track-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  created.push(dir);
  return dir;
}

export interface Shim extends TrackingServer {
  dir: string;
}

export async function startShim(opts: Partial<TrackingServerOptions> = {}): Promise<Shim> {
  const dir = opts.storeDir ?? tempDir();
  const server = await startTrackingServer({ port: 0, host: '127.0.0.1', ...opts, storeDir: dir });
  return Object.assign(server, { dir });
}

export interface ApiResponse {
  status: number;
  headers: Headers;
  text: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

/** Call the shim like the MLflow client does: query string for GET, JSON body otherwise. */
export async function api(
  base: string,
  method: string,
  p: string,
  payload?: Record<string, unknown>,
  headers: Record<string, string> = {},
): Promise<ApiResponse> {
  let url = base + (p.startsWith('/') ? p : `/api/2.0/mlflow/${p}`);
  const init: RequestInit = { method, headers: { ...headers } };
  if (payload !== undefined) {
    if (method === 'GET') {
      const q = new URLSearchParams();
      for (const [k, v] of Object.entries(payload)) {
        if (Array.isArray(v)) for (const x of v) q.append(k, String(x));
        else if (v !== undefined) q.append(k, String(v));
      }
      url += `?${q.toString()}`;
    } else {
      init.body = JSON.stringify(payload);
      (init.headers as Record<string, string>)['Content-Type'] = 'application/json';
    }
  }
  const res = await fetch(url, init);
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: res.status, headers: res.headers, text, body };
}
