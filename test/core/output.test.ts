import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { OutputDirWriter, writeOutputDir } from '../../generator/output.js';
import type { OutputFile } from '../../generator/types.js';

const enc = new TextEncoder();
const file = (p: string, text: string): OutputFile => ({ path: p, mediaType: 'text/plain', content: enc.encode(text) });

let tmp: string;
afterEach(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('writing the output folder', () => {
  it('rewrites only the files whose bytes changed, keeps the others (same inode) and drops the stale ones', async () => {
    tmp = mkdtempSync(path.join(tmpdir(), 'stachub-output-'));
    const out = path.join(tmp, 'public');
    const first = await writeOutputDir(out, [file('catalog.json', '{}'), file('a/index.html', 'A'), file('b/index.html', 'B'), file('old.txt', 'x')]);
    expect(first).toEqual({ written: 4, unchanged: 0, bytes: 5 });
    const inodeA = statSync(path.join(out, 'a', 'index.html')).ino;
    const second = await writeOutputDir(out, [file('catalog.json', '{}'), file('a/index.html', 'A'), file('b/index.html', 'B2')]);
    expect(second).toEqual({ written: 1, unchanged: 2, bytes: 5 });
    expect(statSync(path.join(out, 'a', 'index.html')).ino).toBe(inodeA);
    expect(readFileSync(path.join(out, 'b', 'index.html'), 'utf8')).toBe('B2');
    expect(existsSync(path.join(out, 'old.txt'))).toBe(false);
    // Nothing left beside the folder.
    expect(readFileSync(path.join(out, 'catalog.json'), 'utf8')).toBe('{}');
    expect(readdirSync(tmp)).toEqual(['public']);
  });

  it('streams: files written one by one are in place only after commit, and abort leaves the old folder', () => {
    tmp = mkdtempSync(path.join(tmpdir(), 'stachub-output-'));
    const out = path.join(tmp, 'public');
    mkdirSync(out);
    writeFileSync(path.join(out, 'catalog.json'), 'old');
    const w = new OutputDirWriter(out);
    w.write(file('catalog.json', 'new'));
    expect(readFileSync(path.join(out, 'catalog.json'), 'utf8')).toBe('old');
    w.abort();
    expect(readFileSync(path.join(out, 'catalog.json'), 'utf8')).toBe('old');
    const w2 = new OutputDirWriter(out);
    w2.write(file('catalog.json', 'new'));
    w2.commit();
    expect(readFileSync(path.join(out, 'catalog.json'), 'utf8')).toBe('new');
    expect(() => new OutputDirWriter(out).write(file('../escape.txt', 'x'))).toThrow(/outside the output folder/);
  });

  it('refuses to replace a folder that is not a stachub output', () => {
    tmp = mkdtempSync(path.join(tmpdir(), 'stachub-output-'));
    writeFileSync(path.join(tmp, 'notes.txt'), 'mine');
    expect(() => new OutputDirWriter(tmp)).toThrow(/not a stachub output folder/);
  });
});
