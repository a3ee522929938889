/**
 * Requests written to hurt the shim: LIKE patterns that make a backtracking matcher run for
 * minutes, bodies nested 200,000 levels deep, and deletes that name the artifact root. Each is
 * answered (a 4xx with MLflow's error body, or the right result) and the server keeps serving.
 */
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LIKE_BUDGET, MAX_LIKE_PATTERN, likeMatches } from '../../pipelines/tracking/search.js';
import { MAX_JSON_DEPTH } from '../../pipelines/tracking/request.js';
import { type Shim, api, startShim } from './helpers.js';

let shim: Shim;
let experimentId: string;

beforeAll(async () => {
  shim = await startShim();
  const exp = await api(shim.url, 'POST', 'experiments/create', { name: 'hostile' });
  experimentId = exp.body.experiment_id;
  // A long name that does not end in "!" is what makes `^.*.*...!$` backtrack exponentially.
  for (const name of ['a'.repeat(60), `${'b'.repeat(59)}!`, 'short!', '!', 'plain']) {
    await api(shim.url, 'POST', 'runs/create', { experiment_id: experimentId, run_name: name });
  }
});
afterAll(async () => {
  await shim.close();
});

/** A request sent byte for byte (fetch would normalise `.` and `%2e` segments away). */
function raw(method: string, target: string, body?: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const u = new URL(shim.url);
    const req = http.request(
      { host: u.hostname, port: u.port, method, path: target, headers: body === undefined ? {} : { 'content-type': 'application/json' } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function runNames(filter: string): Promise<string[]> {
  const r = await api(shim.url, 'POST', 'runs/search', { experiment_ids: [experimentId], filter });
  expect(r.status, r.text).toBe(200);
  return ((r.body.runs ?? []) as Array<{ info: { run_name: string } }>).map((x) => x.info.run_name).sort();
}

describe('LIKE and ILIKE', () => {
  it("answers `run_name LIKE '%%%%%%%%%%%%%%%%%!'` with the right runs while /health keeps answering", async () => {
    const search = runNames("attributes.run_name LIKE '%%%%%%%%%%%%%%%%%!'");
    const health = fetch(`${shim.url}/health`).then((r) => r.text());
    expect(await health).toBe('OK');
    expect(await search).toEqual(['!', `${'b'.repeat(59)}!`, 'short!'].sort());
    expect(await runNames("attributes.run_name ILIKE '%%%%%%%%%%%%%%%%%A'")).toEqual(['a'.repeat(60)]);
  });

  it('matches as SQL: % is any run (none included), _ exactly one character, the rest literally', () => {
    const cases: Array<[string, string, boolean, boolean]> = [
      ['abc', 'abc', false, true],
      ['abc', 'ab', false, false],
      ['abc', 'a%', false, true],
      ['abc', '%c', false, true],
      ['abc', '%b%', false, true],
      ['abc', 'a_c', false, true],
      ['abc', 'a__c', false, false],
      ['abc', '%%%', false, true],
      ['', '%', false, true],
      ['', '_', false, false],
      ['a.c', 'a.c', false, true],
      ['abc', 'a.c', false, false],
      ['a+b(c)', 'a+b(c)', false, true],
      ['ABC', 'abc', false, false],
      ['ABC', 'abc', true, true],
      ['aXbXc', '%X%X%', false, true],
      ['aXbc', '%X%X%', false, false],
      ['ab', 'a%b%', false, true],
      ['aba', '%a_a', false, true],
      ['abab', '%a_a%', false, true],
      ['abaa', '%a_a', false, false],
      ['abb', '%a_a', false, false],
      ['é!', '_!', false, true],
      ['😀x', '_x', false, true],
    ];
    for (const [value, pattern, ci, expected] of cases) {
      expect(likeMatches(value, pattern, ci), `${JSON.stringify(value)} ${ci ? 'ILIKE' : 'LIKE'} ${JSON.stringify(pattern)}`).toBe(expected);
    }
  });

  it('agrees with a regular-expression reading of the pattern on a thousand short random cases', () => {
    let seed = 7;
    const next = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const word = (alphabet: string, max: number): string =>
      Array.from({ length: next(max + 1) }, () => alphabet[next(alphabet.length)]).join('');
    for (let i = 0; i < 1000; i++) {
      const value = word('ab', 7);
      const pattern = word('ab%_', 6);
      const re = new RegExp(`^${[...pattern].map((c) => (c === '%' ? '.*' : c === '_' ? '.' : c)).join('')}$`, 's');
      expect(likeMatches(value, pattern, false), `${value} LIKE ${pattern}`).toBe(re.test(value));
    }
  });

  it(`refuses a pattern longer than ${MAX_LIKE_PATTERN} characters with INVALID_PARAMETER_VALUE`, async () => {
    const r = await api(shim.url, 'POST', 'runs/search', {
      experiment_ids: [experimentId],
      filter: `attributes.run_name LIKE '${'%'.repeat(MAX_LIKE_PATTERN + 1)}'`,
    });
    expect(r.status).toBe(400);
    expect(r.body.error_code).toBe('INVALID_PARAMETER_VALUE');
    expect(await runNames(`attributes.run_name LIKE '${'%'.repeat(MAX_LIKE_PATTERN)}'`)).toHaveLength(5);
  });
});

describe('the LIKE work of one search', () => {
  it(`is bounded: a pattern that would compare more than ${LIKE_BUDGET} characters is refused, a cheap one answers`, async () => {
    const exp = (await api(shim.url, 'POST', 'experiments/create', { name: 'long-tags' })).body.experiment_id as string;
    for (let i = 0; i < 20; i++) {
      const r = await api(shim.url, 'POST', 'runs/create', { experiment_id: exp, run_name: `long-${i}`, tags: [{ key: 'long', value: 'a'.repeat(8000) }] });
      expect(r.status, r.text).toBe(200);
    }
    const search = (filter: string) => api(shim.url, 'POST', 'runs/search', { experiment_ids: [exp], filter, max_results: 100 });
    // Each of the 20 values costs about 7,500 x 500 comparisons: 75 million in all.
    const costly = await search(`tags.long LIKE '%${'a'.repeat(498)}_b%'`);
    expect(costly.status, costly.text).toBe(400);
    expect(costly.body.error_code).toBe('INVALID_PARAMETER_VALUE');
    const cheap = await search("tags.long LIKE '%a_a%' AND tags.long ILIKE 'A%'");
    expect(cheap.status, cheap.text).toBe(200);
    expect(cheap.body.runs).toHaveLength(20);
    expect((await fetch(`${shim.url}/health`)).status).toBe(200);
  });
});

describe('request bodies', () => {
  it('a body nested 200,000 levels deep is a 400 MALFORMED_REQUEST, and the server goes on', async () => {
    const deep = `{"name":${'['.repeat(200_000)}${']'.repeat(200_000)}}`;
    const r = await raw('POST', '/api/2.0/mlflow/experiments/create', deep);
    expect(r.status).toBe(400);
    expect(JSON.parse(r.text)).toMatchObject({ error_code: 'MALFORMED_REQUEST' });
    const doubled = await raw('POST', '/api/2.0/mlflow/experiments/create', JSON.stringify(`{"name":${'['.repeat(1000)}${']'.repeat(1000)}}`));
    expect(doubled.status).toBe(400);
    expect(JSON.parse(doubled.text)).toMatchObject({ error_code: 'MALFORMED_REQUEST' });
    expect((await fetch(`${shim.url}/health`)).status).toBe(200);
  });

  it(`accepts nesting up to ${MAX_JSON_DEPTH} levels (and brackets inside strings do not count)`, async () => {
    const atLimit = `{"name":"deep-ok","tags":${'['.repeat(MAX_JSON_DEPTH - 1)}${']'.repeat(MAX_JSON_DEPTH - 1)}}`;
    const r = await raw('POST', '/api/2.0/mlflow/experiments/create', atLimit);
    expect(r.status, r.text).not.toBe(500);
    expect(JSON.parse(r.text).error_code).not.toBe('MALFORMED_REQUEST');
    const inString = await api(shim.url, 'POST', 'experiments/create', { name: `brackets ${'['.repeat(400)}` });
    expect(inString.status, inString.text).toBe(200);
  });
});

describe('DELETE on the proxied artifact root', () => {
  it('refuses `.`, `%2e`, `./`, an empty path and `..` with a 400, and deletes nothing', async () => {
    const put = await fetch(`${shim.url}/api/2.0/mlflow-artifacts/artifacts/0/run/keep.txt`, { method: 'PUT', body: 'kept' });
    expect(put.status).toBe(200);
    const file = path.join(shim.dir, 'artifacts', '0', 'run', 'keep.txt');
    expect(fs.readFileSync(file, 'utf8')).toBe('kept');
    for (const p of ['.', '%2e', '%2E', './', '.%2F', '%2e/.', '', '/', '..', '%2e%2e', './/.']) {
      const r = await raw('DELETE', `/api/2.0/mlflow-artifacts/artifacts/${p}`);
      expect(r.status, `DELETE artifacts/${p}: ${r.text}`).toBe(400);
      expect(JSON.parse(r.text).error_code, p).toBe('INVALID_PARAMETER_VALUE');
      expect(fs.existsSync(file), `after DELETE artifacts/${p}`).toBe(true);
    }
    // A real path below the root is still deleted.
    const del = await raw('DELETE', '/api/2.0/mlflow-artifacts/artifacts/0/run/./keep.txt');
    expect(del.status).toBe(200);
    expect(fs.existsSync(file)).toBe(false);
  });
});
