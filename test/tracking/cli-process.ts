/** Run the compiled CLI (`node bin/stachub.js track ...`) as a real child process. */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { repoRoot } from './helpers.js';

/** Compile once if the build output is missing (`npm test` builds before running vitest). */
export function ensureBuilt(): void {
  if (fs.existsSync(path.join(repoRoot, 'dist/generator/commands/track.js'))) return;
  try {
    execFileSync(process.execPath, [path.join(repoRoot, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { cwd: repoRoot, stdio: 'ignore' });
  } catch {
    // Type errors elsewhere do not stop tsc from emitting.
  }
}

export interface TrackProcess {
  child: ChildProcess;
  url: string;
  stderr: () => string;
  exited: Promise<number | null>;
}

/** Start `stachub track` and wait for the printed MLFLOW_TRACKING_URI. */
export async function startTrackProcess(args: string[], env: NodeJS.ProcessEnv = {}): Promise<TrackProcess> {
  const child = spawn(process.execPath, [path.join(repoRoot, 'bin/stachub.js'), 'track', ...args], {
    cwd: repoRoot,
    env: { ...process.env, STACHUB_TRACK_TOKEN: '', MLFLOW_TRACKING_TOKEN: '', PORT: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /MLFLOW_TRACKING_URI=(\S+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    void exited.then((code) => reject(new Error(`stachub track exited with ${code}: ${err}`)));
  });
  return { child, url, stderr: () => err, exited };
}
