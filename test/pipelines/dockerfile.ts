/**
 * Reading the repository's Dockerfile and .dockerignore the way `docker build` does, so tests can
 * check the image's recipe and run its commands in a shell where no container engine exists.
 * Only the instructions stachub's Dockerfile uses are understood (ARG, FROM, WORKDIR, COPY, RUN,
 * USER, CMD, ENTRYPOINT, ENV, LABEL); anything else is an error, so the test notices a new one.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import picomatch from 'picomatch';

export interface Instruction {
  /** Upper-case keyword: RUN, COPY... */
  op: string;
  /** The rest of the instruction; a `\` at the end of a line joins the next one (both removed, as docker does). */
  args: string;
  /** `--from=pack` and other `--flag=value` options of COPY/RUN. */
  flags: Record<string, string>;
}

export interface Stage {
  /** Image reference as written (`${NODE_IMAGE}`). */
  from: string;
  /** `AS name`, if any. */
  name?: string;
  /** ARGs declared in the stage, with their defaults ('' when none). */
  args: Record<string, string>;
  instructions: Instruction[];
}

export interface Dockerfile {
  /** ARGs declared before the first FROM (usable in FROM lines), with their defaults. */
  globalArgs: Record<string, string>;
  stages: Stage[];
}

const KNOWN = new Set(['ARG', 'FROM', 'WORKDIR', 'COPY', 'RUN', 'USER', 'CMD', 'ENTRYPOINT', 'ENV', 'LABEL']);

/** Parse a Dockerfile's text: comments dropped, `\` continuations joined, stages split at FROM. */
export function parseDockerfile(text: string): Dockerfile {
  const logical: string[] = [];
  let pending = '';
  for (const raw of text.split('\n')) {
    const line = raw.trimEnd();
    if (!pending && (line.trim() === '' || line.trimStart().startsWith('#'))) continue;
    if (pending && line.trimStart().startsWith('#')) continue; // comments inside a continued instruction
    if (line.endsWith('\\')) {
      pending += line.slice(0, -1);
      continue;
    }
    logical.push(pending + line);
    pending = '';
  }
  if (pending) throw new Error('Dockerfile ends inside a continued instruction');

  const df: Dockerfile = { globalArgs: {}, stages: [] };
  for (const l of logical) {
    const m = /^\s*([A-Za-z]+)\s+([\s\S]*)$/.exec(l);
    if (!m) throw new Error(`cannot read Dockerfile line: ${l}`);
    const op = m[1]!.toUpperCase();
    if (!KNOWN.has(op)) throw new Error(`Dockerfile instruction ${op} is not understood by this test helper`);
    let rest = m[2]!.trim();
    const flags: Record<string, string> = {};
    for (let f = /^--([a-z-]+)=(\S+)\s+/.exec(rest); f; f = /^--([a-z-]+)=(\S+)\s+/.exec(rest)) {
      flags[f[1]!] = f[2]!;
      rest = rest.slice(f[0].length);
    }
    const stage = df.stages.at(-1);
    if (op === 'FROM') {
      const fm = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(rest);
      if (!fm) throw new Error(`cannot read FROM ${rest}`);
      df.stages.push({ from: fm[1]!, name: fm[2], args: {}, instructions: [] });
      continue;
    }
    if (op === 'ARG') {
      const [name, ...value] = rest.split('=');
      (stage ? stage.args : df.globalArgs)[name!] = value.join('=');
      continue;
    }
    if (!stage) throw new Error(`${op} before the first FROM`);
    stage.instructions.push({ op, args: rest, flags });
  }
  return df;
}

/** `${NAME}` and `$NAME` in a FROM line, from the global ARGs (as docker does). */
export function expandArgs(value: string, args: Record<string, string>): string {
  return value.replace(/\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?/g, (_, n: string) => args[n] ?? '');
}

/**
 * The files of the build context `docker build .` sends: every file under `root` that no
 * .dockerignore pattern excludes. Patterns are relative to the context root (a pattern without a
 * slash matches at the root only, unlike .gitignore); a pattern that matches a directory excludes
 * everything in it; `!pattern` re-includes.
 */
export function buildContext(root: string, dockerignore: string): string[] {
  const rules = dockerignore
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => {
      const negate = l.startsWith('!');
      const pattern = (negate ? l.slice(1) : l).replace(/^\/+/, '').replace(/\/+$/, '');
      return { negate, match: picomatch(pattern, { dot: true }) };
    });
  const excluded = (rel: string): boolean => {
    // The last matching rule wins; a rule matches the path itself or any folder above it.
    const parts = rel.split('/');
    let out = false;
    for (const r of rules) {
      for (let i = 1; i <= parts.length; i++) {
        if (r.match(parts.slice(0, i).join('/'))) {
          out = !r.negate;
          break;
        }
      }
    }
    return out;
  };
  const files: string[] = [];
  const walk = (dir: string): void => {
    for (const e of readdirSync(path.join(root, dir), { withFileTypes: true })) {
      const rel = dir ? `${dir}/${e.name}` : e.name;
      // An excluded folder is not descended into: a `!` exception below it is not supported here.
      if (excluded(rel)) continue;
      if (e.isDirectory()) walk(rel);
      else files.push(rel);
    }
  };
  walk('');
  return files.sort();
}

export function readDockerfile(root: string): { dockerfile: Dockerfile; context: string[] } {
  return {
    dockerfile: parseDockerfile(readFileSync(path.join(root, 'Dockerfile'), 'utf8')),
    context: buildContext(root, readFileSync(path.join(root, '.dockerignore'), 'utf8')),
  };
}
