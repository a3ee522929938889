/**
 * A render thread of readme-pool.ts: renders each README job it is sent and posts the HTML (or the
 * error) back on its answer port, then bumps the shared counter the main thread waits on.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { renderProjectReadme } from './project-readme.js';
import type { PageJob, ReadmeAnswer, ReadmeWorkerData } from './readme-pool.js';
import { codeTerms, docTerms } from './search-index.js';

const { port, signal } = workerData as ReadmeWorkerData;
/** This thread's term dictionary (the main thread keeps the same ids, see SearchIndex.addCoded). */
const dictionary = new Map<string, number>();

parentPort!.on('message', (batch: Array<{ i: number; job: PageJob }>) => {
  const answers: ReadmeAnswer[] = batch.map(({ i, job }) => {
    // Terms that fail are left to the main thread (the index computes them there, and fails as it would).
    let terms = null;
    try {
      terms = job.text === null ? null : codeTerms(docTerms(job.text), dictionary);
    } catch {
      // terms stays null
    }
    try {
      return { i, terms, html: job.readme === null ? null : renderProjectReadme(job.readme) };
    } catch (err) {
      const e = err instanceof Error ? err : new Error(String(err));
      return { i, terms, error: { name: e.name, message: e.message } };
    }
  });
  port.postMessage(answers);
  Atomics.add(signal, 0, 1);
  Atomics.notify(signal, 0);
});
