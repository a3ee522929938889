/**
 * The in-memory output of `build`: the same files, byte for byte, as the folder on disk, written all
 * or nothing, with the folder writer's path rule and its count of unchanged files.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../generator/cli.js';
import { writeOutputDir } from '../../generator/output.js';
import { MemoryOutput } from '../../generator/publish/memory-output.js';
import { readOutputDir } from '../../generator/publish/read-dir.js';
import type { OutputFile } from '../../generator/types.js';
import { repoRoot } from '../helpers.js';

const file = (p: string, text: string): OutputFile => ({ path: p, mediaType: 'text/plain', content: Buffer.from(text) });

describe('MemoryOutput', () => {
  it('shows a build only once it commits, and replaces the whole folder', async () => {
    const mem = new MemoryOutput();
    const w = mem.open('/out');
    w.write(file('catalog.json', '{}'));
    expect(mem.has('/out')).toBe(false);
    w.commit();
    expect(mem.paths('/out')).toEqual(['catalog.json']);
    await writeOutputDir('/out', [file('a/index.html', 'A')], mem.open);
    expect(mem.paths('/out')).toEqual(['a/index.html']);
    expect(mem.text('/out', 'a/index.html')).toBe('A');
    expect(mem.read('/out', 'catalog.json')).toBeNull();
    expect(() => mem.text('/out', 'catalog.json')).toThrow(/no file catalog\.json/);
    // Folder names are paths: the same folder however it is spelled.
    expect(mem.paths('/out/./a/..')).toEqual(['a/index.html']);
  });

  it('keeps the previous build when a write fails, and refuses paths outside the folder', async () => {
    const mem = new MemoryOutput();
    await writeOutputDir('/out', [file('catalog.json', '{"v":1}')], mem.open);
    await expect(writeOutputDir('/out', [file('catalog.json', '{"v":2}'), file('../escape.txt', 'x')], mem.open)).rejects.toThrow(/outside the output folder/);
    expect(mem.json('/out', 'catalog.json')).toEqual({ v: 1 });
    expect(mem.has('/elsewhere')).toBe(false);
    expect(() => mem.paths('/elsewhere')).toThrow(/nothing was written there/);
  });

  it('counts the files whose bytes equal the previous build as unchanged, as the folder writer does', async () => {
    const mem = new MemoryOutput();
    const first = await writeOutputDir('/out', [file('a', 'A'), file('b', 'B')], mem.open);
    expect(first).toEqual({ written: 2, unchanged: 0, bytes: 2 });
    const second = await writeOutputDir('/out', [file('a', 'A'), file('b', 'B2'), file('c', 'C')], mem.open);
    expect(second).toEqual({ written: 2, unchanged: 1, bytes: 4 });
  });

  it('holds a copy: changing the bytes after the write changes nothing', async () => {
    const mem = new MemoryOutput();
    const f = file('a', 'A');
    await writeOutputDir('/out', [f], mem.open);
    f.content[0] = 'Z'.charCodeAt(0);
    expect(mem.text('/out', 'a')).toBe('A');
  });
});

describe('stachub build into memory', () => {
  let tmp: string;
  const NOW = () => new Date('2026-11-01T12:00:00Z');
  const argv = (out: string) => ['node', 'stachub', 'build', '--config', path.join(repoRoot, 'examples/stachub.config.yml'), '--out', out, '--no-validate'];
  let disk: { code: number; stderr: string; out: string };
  let memory: { code: number; stderr: string; output: MemoryOutput };

  beforeAll(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'stachub-memory-output-'));
    const out = path.join(tmp, 'public');
    let se = '';
    const code = await main(argv(out), { stdout: () => {}, stderr: (s) => void (se += s), now: NOW, env: {}, isTTY: false });
    disk = { code, stderr: se, out };
    const output = new MemoryOutput();
    let me = '';
    const mcode = await main(argv(out), { stdout: () => {}, stderr: (s) => void (me += s), now: NOW, env: {}, isTTY: false, output: output.open });
    memory = { code: mcode, stderr: me, output };
  });
  afterAll(async () => {
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it('writes the same files with the same bytes as the folder, and says the same', async () => {
    expect(disk.code, disk.stderr).toBe(0);
    expect(memory.code, memory.stderr).toBe(0);
    const files = await readOutputDir(disk.out);
    const paths = files.map((f) => f.path);
    expect(paths.length).toBeGreaterThan(50);
    expect(memory.output.paths(disk.out)).toEqual(paths);
    const differ = files.filter((f) => f.path !== 'build-report.json' && !Buffer.from(f.content).equals(memory.output.read(disk.out, f.path)!)).map((f) => f.path);
    expect(differ).toEqual([]);
    // The report says how long the build took (the wall clock, not the injected one): all else is equal.
    const report = (text: string): unknown => ({ ...(JSON.parse(text) as object), durationMs: 'measured' });
    expect(report(memory.output.text(disk.out, 'build-report.json'))).toEqual(report(Buffer.from(files.find((f) => f.path === 'build-report.json')!.content).toString('utf8')));
    // The progress lines and the summary's duration are measured too.
    const said = (text: string): string => text.split('\n').filter((l) => !l.startsWith('projects read:')).join('\n').replace(/ in \d+\.\d\d s/g, ' in N s');
    expect(said(memory.stderr)).toBe(said(disk.stderr));
    expect(memory.stderr).toMatch(new RegExp(`wrote ${paths.length} file\\(s\\) to `));
  });
});
