/** Fixed-window request budget per principal, windows aligned to multiples of windowMs on the clock. */

export interface RateLimitVerdict {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Whole seconds until the window resets, at least 1. */
  retryAfterSeconds: number;
}

export class RateLimiter {
  private readonly windows = new Map<string, { start: number; count: number }>();

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly now: () => number,
  ) {}

  take(principal: string): RateLimitVerdict {
    const now = this.now();
    const start = Math.floor(now / this.windowMs) * this.windowMs;
    let w = this.windows.get(principal);
    if (!w || w.start !== start) {
      w = { start, count: 0 };
      this.windows.set(principal, w);
    }
    const allowed = w.count < this.limit;
    if (allowed) w.count += 1;
    return {
      allowed,
      limit: this.limit,
      remaining: Math.max(0, this.limit - w.count),
      retryAfterSeconds: Math.max(1, Math.ceil((start + this.windowMs - now) / 1000)),
    };
  }
}
