/**
 * READMEs rendered on worker threads (node:worker_threads), ahead of the pages that show them,
 * with each project's search-index terms (search-index.ts `docTerms`, sent as `codeTerms` ids).
 *
 * Markdown to HTML and its sanitising are most of a large build's CPU. The project pages are made
 * by a synchronous generator (the pages stream to the sink one at a time), so the pool is read
 * synchronously too: jobs are posted a window ahead of the page being made, and the page's result
 * is taken with `receiveMessageOnPort`, blocking with `Atomics.wait` until a worker posts it. The
 * results come back by index, so the pages are made in the same order and with the same bytes as
 * without workers; a README that fails on a worker fails its page as it would on the main thread.
 */
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { MessageChannel, Worker, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import type { ReadmeJob } from './project-readme.js';
import type { CodedTerms, DocText } from './search-index.js';

/** One page's work for a thread: its README (null: none) and its search-index text (null: not indexed). */
export interface PageJob {
  readme: ReadmeJob | null;
  text: DocText | null;
}

/**
 * A job's answer: the README's HTML, or the error it threw (name and message, as the report shows
 * them), and the document's index terms.
 */
export type ReadmeAnswer = { i: number; terms: CodedTerms | null } & ({ html: string | null } | { error: { name: string; message: string } });

/** Jobs sent to a thread in one message (one wake-up of the thread per batch, not per page). */
const BATCH = 16;

/** The error a README threw on a worker, as the main thread would have caught it (name and message). */
export function answerError(answer: { error: { name: string; message: string } }): Error {
  const err = new Error(answer.error.message);
  err.name = answer.error.name;
  return err;
}

/** What the main thread gives a worker at start: its answer port and the shared wake-up counter. */
export interface ReadmeWorkerData {
  port: MessagePort;
  signal: Int32Array;
}

/**
 * Render threads by default: one per core the process may use, less the main thread's (which makes
 * the pages and is the longer path); none on one core. Each thread costs its own heap.
 */
export function defaultJobs(): number {
  return Math.max(0, availableParallelism() - 1);
}

/** How long the main thread waits for one README before it assumes the workers are gone. */
const STALL_MS = 300_000;

export class ReadmePool {
  private readonly workers: Worker[] = [];
  private readonly ports: MessagePort[] = [];
  private readonly signal = new Int32Array(new SharedArrayBuffer(4));
  private readonly answers = new Map<number, ReadmeAnswer>();
  private next = 0;
  /** Jobs not sent yet, per worker, and the first job index not sent. */
  private readonly pending: Array<Array<{ i: number; job: PageJob }>> = [];
  private sentUpTo = 0;

  constructor(size: number) {
    // Each worker starts from a small script that loads the worker module and reports a failure to
    // load it on the answer port (an 'error' event would only reach this thread once it stops
    // waiting). Under tsx (sources, tests) the module is TypeScript: tsx's require hook compiles it
    // (its ESM loader does not reach worker threads on every Node version this runs on).
    const source = import.meta.url.endsWith('.ts');
    const worker = new URL(source ? './readme-worker.ts' : './readme-worker.js', import.meta.url);
    const load = source
      ? `require(${JSON.stringify(createRequire(import.meta.url).resolve('tsx/cjs/api'))}).register(); require(${JSON.stringify(fileURLToPath(worker))});`
      : `import(${JSON.stringify(worker.href)}).catch(fail);`;
    const script = `const { workerData } = require('node:worker_threads');
function fail(e) { workerData.port.postMessage({ fatal: String(e && e.stack || e) }); Atomics.add(workerData.signal, 0, 1); Atomics.notify(workerData.signal, 0); }
try { ${load} } catch (e) { fail(e); }`;
    for (let w = 0; w < size; w++) {
      const { port1, port2 } = new MessageChannel();
      const data: ReadmeWorkerData = { port: port2, signal: this.signal };
      const thread = new Worker(script, { eval: true, workerData: data, transferList: [port2] });
      // Failures come on the answer port; a thread must not keep the process alive.
      thread.on('error', () => undefined);
      thread.unref();
      this.workers.push(thread);
      this.ports.push(port1);
      this.pending.push([]);
    }
  }

  /** Queue a job; its answer is taken with `take(i)`, `i` being the order of submission. */
  submit(job: PageJob): number {
    const i = this.next++;
    // Consecutive jobs go to the same thread by batches, the batches round the threads.
    const w = this.workerOf(i);
    const batch = this.pending[w]!;
    batch.push({ i, job });
    if (batch.length === BATCH) this.send(w);
    return i;
  }

  /** The thread job `i` went to (its answer's term ids are that thread's). */
  workerOf(i: number): number {
    return Math.floor(i / BATCH) % this.workers.length;
  }

  private send(w: number): void {
    const batch = this.pending[w]!;
    if (batch.length === 0) return;
    this.workers[w]!.postMessage(batch);
    this.sentUpTo = Math.max(this.sentUpTo, batch[batch.length - 1]!.i + 1);
    this.pending[w] = [];
  }

  /**
   * The answer to job `i` (blocks until a worker has given it). Throws when a render thread could
   * not start or no answer came for a long time: a failure of the build, not of one project.
   */
  take(i: number): ReadmeAnswer {
    if (i >= this.sentUpTo) for (let w = 0; w < this.workers.length; w++) this.send(w);
    let waited = 0;
    for (;;) {
      const seen = Atomics.load(this.signal, 0);
      this.drain();
      const answer = this.answers.get(i);
      if (answer) {
        this.answers.delete(i);
        return answer;
      }
      // Woken by any worker's answer (the counter changes), or after a while to look again.
      if (Atomics.wait(this.signal, 0, seen, 1000) === 'timed-out' && (waited += 1000) >= STALL_MS) {
        throw new Error(`README rendering stalled: no answer from the render threads in ${STALL_MS / 1000} s`);
      }
    }
  }

  private drain(): void {
    for (const port of this.ports) {
      for (let m = receiveMessageOnPort(port); m !== undefined; m = receiveMessageOnPort(port)) {
        const answers = m.message as ReadmeAnswer[] | { fatal: string };
        if ('fatal' in answers) throw new Error(`a README render thread could not start: ${answers.fatal}`);
        for (const answer of answers) this.answers.set(answer.i, answer);
      }
    }
  }

  /** Stop the workers (pending jobs are dropped). */
  close(): void {
    for (const port of this.ports) port.close();
    for (const worker of this.workers) void worker.terminate();
  }
}
