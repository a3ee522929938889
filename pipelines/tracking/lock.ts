/**
 * The store's writer lock: `server.lock` holds the pid of the one process allowed to write. A lock
 * left by a process that is gone (a killed server) is taken over.
 */
import fs from 'node:fs';
import path from 'node:path';
import { StoreInUseError } from './errors.js';

export const LOCK_FILE = 'server.lock';

/** Take the lock of a store folder; throws StoreInUseError while a live process holds it. */
export function acquireLock(root: string): void {
  const lock = path.join(root, LOCK_FILE);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(lock, String(process.pid), { flag: 'wx' });
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const pid = Number(fs.readFileSync(lock, 'utf8').trim());
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && isAlive(pid)) {
        throw new StoreInUseError(root, pid, lock);
      }
      // Stale lock from a killed server: take it over.
      fs.rmSync(lock, { force: true });
    }
  }
  throw new Error(`could not lock store ${root}`);
}

/** Release the lock (the store is closed). */
export function releaseLock(root: string): void {
  fs.rmSync(path.join(root, LOCK_FILE), { force: true });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
