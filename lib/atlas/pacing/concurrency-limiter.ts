/**
 * Bounds how many requests are in flight at once: the sending slots. FIFO, so a burst of scans cannot
 * starve a delete. Only requests that may be sent now queue here: one waiting for a token waits in
 * its bucket and holds no slot.
 */
export class ConcurrencyLimiter {
  readonly #max: number;
  #active = 0;
  readonly #waiting: Array<() => void> = [];
  /** Callers of `whenRoom` waiting for the queue to shorten. */
  #roomWaiters: Array<() => void> = [];

  constructor(max: number) {
    if (!Number.isInteger(max) || max < 1) throw new RangeError('concurrency must be a positive integer');
    this.#max = max;
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.#active >= this.#max) await new Promise<void>((resolve) => this.#waiting.push(resolve));
    else this.#active++;
    try {
      return await task();
    } finally {
      const next = this.#waiting.shift();
      if (next) next();
      else this.#active--;
      if (this.#roomWaiters.length > 0 && this.#hasRoom()) {
        const waiters = this.#roomWaiters;
        this.#roomWaiters = [];
        for (const wake of waiters) wake();
      }
    }
  }

  /**
   * Resolves once fewer requests wait for a slot than there are slots: new work started then keeps the
   * slots busy without queueing far ahead of them (see admit.ts in lib/concurrency).
   */
  whenRoom(): Promise<void> {
    if (this.#hasRoom()) return Promise.resolve();
    return new Promise((resolve) => this.#roomWaiters.push(resolve));
  }

  #hasRoom(): boolean {
    return this.#waiting.length < this.#max;
  }

  get active(): number {
    return this.#active;
  }

  /** Requests ready to go that wait for a slot. */
  get queued(): number {
    return this.#waiting.length;
  }

  get max(): number {
    return this.#max;
  }
}
