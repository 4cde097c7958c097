import type { HeaderLookup } from './http';

/**
 * Bounds how many requests are in flight at once. FIFO, so a burst of scans cannot starve a delete.
 */
export class ConcurrencyLimiter {
  readonly #max: number;
  #active = 0;
  readonly #waiting: Array<() => void> = [];

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
    }
  }

  get active(): number {
    return this.#active;
  }
}

export interface RateGovernorOptions {
  /** Below this share of `RateLimit-Limit` left, requests are spaced out. */
  lowWaterRatio: number;
  /** Spacing at zero remaining; scaled down linearly up to the low-water mark. */
  maxSpacingMs: number;
}

/**
 * Reads `RateLimit-Limit` / `RateLimit-Remaining` from every answer and slows the client down before
 * Atlas has to answer 429; after a 429 or 503 with `Retry-After`, holds every request until then.
 */
export class RateGovernor {
  readonly #options: RateGovernorOptions;
  readonly #now: () => number;
  #limit: number | undefined;
  #remaining: number | undefined;
  #pausedUntil = 0;

  constructor(options: RateGovernorOptions, now: () => number) {
    this.#options = options;
    this.#now = now;
  }

  observe(headers: HeaderLookup): void {
    const limit = Number(headers.get('ratelimit-limit'));
    const remaining = headers.get('ratelimit-remaining');
    if (Number.isFinite(limit) && limit > 0) this.#limit = limit;
    if (remaining !== null && Number.isFinite(Number(remaining))) this.#remaining = Number(remaining);
  }

  pauseFor(ms: number): void {
    this.#pausedUntil = Math.max(this.#pausedUntil, this.#now() + ms);
  }

  /** How long the next request should wait before it is sent. */
  delayBeforeNext(): number {
    const paused = Math.max(0, this.#pausedUntil - this.#now());
    if (this.#limit === undefined || this.#remaining === undefined) return paused;
    const lowWater = Math.max(1, Math.floor(this.#limit * this.#options.lowWaterRatio));
    if (this.#remaining >= lowWater) return paused;
    const spacing = Math.ceil(this.#options.maxSpacingMs * (1 - this.#remaining / lowWater));
    return Math.max(paused, spacing);
  }
}
