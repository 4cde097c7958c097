import type { HeaderLookup } from './http';
import { backoffDelay, type RetryPolicy } from './retry';

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

/** MongoDB's advice after a repeated 429: 10 s, 20 s, 40 s… (no jitter: the advice names the waits). */
const REPEATED_429_BACKOFF: RetryPolicy = { maxAttempts: Number.POSITIVE_INFINITY, baseDelayMs: 10_000, maxDelayMs: 160_000 };

const positive = (n: number) => Number.isFinite(n) && n > 0;

/** Limits of one bucket, per millisecond. */
interface BucketLimits {
  capacity: number;
  perMs: number;
  /**
   * Tokens the client leaves in Atlas's bucket: one when the capacity allows. Requests sent exactly one
   * refill apart can arrive closer together than that, and Atlas's bucket starts its clock when our first
   * request arrives, after ours: at full pace an empty bucket would turn that jitter into 429s.
   */
  headroom: number;
}

function bucketLimits(capacity: number, refillRate: number, refillDurationSeconds: number): BucketLimits {
  return { capacity, perMs: refillRate / (refillDurationSeconds * 1000), headroom: capacity >= 2 ? 1 : 0 };
}

/** How soon a request waiting on a bucket with no refill (a share not granted yet) looks again. */
const NO_REFILL_RECHECK_MS = 100;
/** Rounding slack when comparing token counts after a sleep computed from them. */
const EPSILON = 1e-9;

/**
 * One client-side bucket. Tokens are handed out in arrival order as numbered tickets: `issued` counts the
 * tickets taken, `supplied` the tokens the bucket has produced (its start less the headroom, plus refill,
 * never more than the capacity ahead of `issued`). Ticket n may go once `supplied` reaches n, so later
 * arrivals queue behind it without timers or polling, and a waiting request asks again after its sleep
 * (a 429, a header or a smaller share may have pushed its token further away). It counts the tokens the
 * client may use, which is Atlas's count less the headroom.
 */
export class TokenBucket {
  /** The limits as published (or guessed), before any share is applied. */
  #base: { capacity: number; perMs: number };
  #limits: BucketLimits;
  #share = 1;
  #issued = 0;
  #supplied: number;
  #updatedAt: number;
  #pausedUntil = 0;
  #consecutive429 = 0;
  /** Refusals so far: a request remembers the count it was sent under (see `refused`). */
  #refusals = 0;
  /** True when the limits are a guess (no published set): `RateLimit-Limit` may correct the capacity. */
  readonly #learnsCapacity: boolean;
  readonly #now: () => number;
  /** Called whenever the bucket is used (a shared budget renews its lease from here). */
  onUse: (() => void) | undefined;
  /**
   * Longest a waiting request sleeps before it asks again. A shared bucket's share can grow at any
   * renewal, and a request told to wait 30 s at a newcomer's share must not sleep through that.
   */
  maxSleepMs = Number.POSITIVE_INFINITY;

  constructor(limits: { capacity: number; refillRate: number; refillDurationSeconds: number }, now: () => number, learnsCapacity = false) {
    this.#limits = bucketLimits(limits.capacity, limits.refillRate, limits.refillDurationSeconds);
    this.#base = { capacity: this.#limits.capacity, perMs: this.#limits.perMs };
    this.#supplied = this.#limits.capacity - this.#limits.headroom;
    this.#now = now;
    this.#updatedAt = now();
    this.#learnsCapacity = learnsCapacity;
  }

  get capacity(): number {
    return this.#limits.capacity;
  }

  /** Tokens a second the whole bucket refills, before any share. */
  get fullRefillPerSecond(): number {
    return this.#base.perMs * 1000;
  }

  /** Tokens the client may still use now (negative while tickets wait). */
  get tokens(): number {
    this.#refill();
    return this.#supplied - this.#issued;
  }

  /** Tickets taken so far (a shared budget measures demand from it). */
  get issued(): number {
    return this.#issued;
  }

  /**
   * Take this share (0..1) of the bucket's refill and capacity: what a shared budget grants when other
   * invocations use the same bucket at Atlas. Tokens above the new capacity are dropped; 0 stops refill.
   */
  setShare(share: number): void {
    const next = Math.min(1, Math.max(0, share));
    if (next === this.#share) return;
    this.#refill();
    this.#share = next;
    // At least one token while any share is held: a ticket needs a whole token to go, so a capacity
    // below one would never let it. (Small shares' capacities may add up to a little over Atlas's.)
    const capacity = Math.max(next > 0 ? 1 : 0, this.#base.capacity * next);
    this.#limits = { capacity, perMs: this.#base.perMs * next, headroom: capacity >= 2 ? 1 : 0 };
    this.#supplied = Math.min(this.#supplied, this.#issued + capacity - this.#limits.headroom);
  }

  get share(): number {
    return this.#share;
  }

  /** Takes a ticket; `waitFor(ticket)` says how long until it may be sent. */
  take(): number {
    this.onUse?.();
    // Refill first: the cap on refill is relative to the tickets issued before this one.
    this.#refill();
    this.#issued += 1;
    return this.#issued;
  }

  /** How long the holder of `ticket` must still wait (0: send now). */
  waitFor(ticket: number): number {
    this.onUse?.();
    this.#refill();
    const need = ticket - this.#supplied;
    const refillWait = need <= EPSILON ? 0 : this.#limits.perMs > 0 ? Math.ceil(need / this.#limits.perMs) : NO_REFILL_RECHECK_MS;
    return Math.min(Math.max(refillWait, this.pausedFor(), 0), this.maxSleepMs);
  }

  /** Takes a token and returns how long the caller must wait before sending (0 if one was there). */
  reserve(): number {
    return this.waitFor(this.take());
  }

  /** Stamp a request with this at sending, and hand it back to `refused`. */
  get refusals(): number {
    return this.#refusals;
  }

  /** Full, not held by a 429, no refusal pending: indistinguishable from a bucket created now. */
  get idle(): boolean {
    return this.tokens >= this.#limits.capacity - this.#limits.headroom && this.pausedFor() === 0 && this.#consecutive429 === 0;
  }

  /** How long the bucket is still held by a 429 (0 when it is not). */
  pausedFor(): number {
    return Math.max(0, this.#pausedUntil - this.#now());
  }

  /** What the answer's headers say about this bucket: never raises the tokens above what we counted. */
  observe(headers: HeaderLookup): void {
    const limit = Number(headers.get('ratelimit-limit') ?? Number.NaN);
    this.#refill();
    if (this.#learnsCapacity && positive(limit) && limit !== this.#base.capacity) {
      this.#base = { capacity: limit, perMs: this.#base.perMs };
      this.#limits = bucketLimits(limit, this.#limits.perMs * 1000, 1);
      this.#supplied = Math.min(this.#supplied, this.#issued + limit - this.#limits.headroom);
    }
    const remainingText = headers.get('ratelimit-remaining');
    const remaining = remainingText === null ? Number.NaN : Number(remainingText);
    if (Number.isFinite(remaining) && remaining >= 0) this.#supplied = Math.min(this.#supplied, this.#issued + remaining - this.#limits.headroom);
  }

  /** An answer that was not a 429: the run of refusals is over. */
  succeeded(): void {
    this.#consecutive429 = 0;
  }

  /**
   * Atlas refused a request on this bucket: empty it and hold it for `Retry-After`, or, when it refuses
   * again right after, for 10 s, 20 s, 40 s… (at least `Retry-After` each time). Returns the pause.
   * `sentAfter` is `refusals` when the request was sent: a request already in flight when an earlier
   * refusal came back was not a second try, so it holds the bucket for its Retry-After but does not
   * lengthen the backoff.
   */
  refused(retryAfterMs: number | undefined, sentAfter = this.#refusals): number {
    if (sentAfter < this.#refusals) {
      const hold = retryAfterMs ?? 0;
      this.#pausedUntil = Math.max(this.#pausedUntil, this.#now() + hold);
      return hold;
    }
    this.#refusals++;
    this.#consecutive429++;
    const pause =
      this.#consecutive429 === 1 && retryAfterMs !== undefined
        ? retryAfterMs
        : backoffDelay(REPEATED_429_BACKOFF, Math.max(1, this.#consecutive429 - 1), () => 1, retryAfterMs);
    this.#refill();
    this.#supplied = Math.min(this.#supplied, this.#issued - this.#limits.headroom);
    this.#pausedUntil = Math.max(this.#pausedUntil, this.#now() + pause);
    return pause;
  }

  #refill(): void {
    const now = this.#now();
    const elapsed = now - this.#updatedAt;
    if (elapsed <= 0) return;
    this.#updatedAt = now;
    this.#supplied = Math.min(this.#issued + this.#limits.capacity - this.#limits.headroom, this.#supplied + elapsed * this.#limits.perMs);
  }
}
