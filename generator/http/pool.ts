/** Concurrency limits: how many requests (or tasks made of requests) run at once. */

/** A FIFO counting semaphore: `acquire` waits for a free slot, `release` hands it to the next waiter. */
export class Limiter {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  constructor(private readonly max: number) {}
  async acquire(): Promise<void> {
    if (this.active < this.max) {
      this.active++;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }
  release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.active--;
  }
}

/** A function that runs at most `n` tasks at once (the others wait, first come first served). */
export function pool(n: number): <T>(task: () => Promise<T>) => Promise<T> {
  const limiter = new Limiter(Math.max(1, n));
  return async <T>(task: () => Promise<T>): Promise<T> => {
    await limiter.acquire();
    try {
      return await task();
    } finally {
      limiter.release();
    }
  };
}
