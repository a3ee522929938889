/**
 * A render thread of readme-pool.ts: renders each README job it is sent and posts the HTML (or the
 * error) back on its answer port, then bumps the shared counter the main thread waits on.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { renderProjectReadme, type ReadmeJob } from './project-readme.js';
import type { ReadmeAnswer, ReadmeWorkerData } from './readme-pool.js';

const { port, signal } = workerData as ReadmeWorkerData;

parentPort!.on('message', ({ i, job }: { i: number; job: ReadmeJob }) => {
  let answer: ReadmeAnswer;
  try {
    answer = { i, html: renderProjectReadme(job) };
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err));
    answer = { i, error: { name: e.name, message: e.message } };
  }
  port.postMessage(answer);
  Atomics.add(signal, 0, 1);
  Atomics.notify(signal, 0);
});
