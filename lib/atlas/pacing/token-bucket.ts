import type { HeaderLookup } from '../http';
import { backoffDelay, type RetryPolicy } from '../retry';
import { perMs, type Limits } from './endpoint-sets';

/**
 * What the pacer asks of a client-side bucket: a plain TokenBucket, or a SharedBudget wrapping one
 * (USER, ORGANIZATION and IP buckets shared with other invocations through leases).
 */
export interface Bucket {
  /** Takes a ticket; `waitFor(ticket)` says how long until it may be sent. */
  take(): number;
  /** How long the holder of `ticket` must still wait (0: send now). */
  waitFor(ticket: number): number;
  /** Refusals so far: a request is stamped with this at sending and hands it back to `refused`. */
  readonly refusals: number;
  /** The limits as published (or learned), before any share: what an answer is compared with. */
  readonly limits: Limits;
  /** Full, not held by a 429, no refusal pending: indistinguishable from a bucket created now. */
  readonly idle: boolean;
  observe(headers: HeaderLookup): void;
  succeeded(): void;
  refused(retryAfterMs: number | undefined, sentAfter?: number): number;
}

/** MongoDB's advice after a repeated 429: 10 s, 20 s, 40 s… (no jitter: the advice names the waits). */
const REPEATED_429_BACKOFF: RetryPolicy = { maxAttempts: Number.POSITIVE_INFINITY, baseDelayMs: 10_000, maxDelayMs: 160_000 };

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

function bucketLimits(capacity: number, perMs: number): BucketLimits {
  return { capacity, perMs, headroom: capacity >= 2 ? 1 : 0 };
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
export class TokenBucket implements Bucket {
  /** The limits as published (or learned), before any share is applied. */
  readonly limits: Limits;
  readonly #base: { capacity: number; perMs: number };
  #limits: BucketLimits;
  #share = 1;
  #issued = 0;
  /**
   * The highest ticket told it may go. Tokens never pile up more than the capacity past it: tickets
   * held back by a 429's pause have not spent Atlas's tokens, and Atlas's bucket refills no higher
   * than its capacity meanwhile, so they must not all go at once when the pause ends.
   */
  #granted = 0;
  #supplied: number;
  #updatedAt: number;
  #pausedUntil = 0;
  #consecutive429 = 0;
  /** Refusals so far: a request remembers the count it was sent under (see `refused`). */
  #refusals = 0;
  readonly #now: () => number;

  constructor(limits: Limits, now: () => number) {
    this.limits = { capacity: limits.capacity, refillRate: limits.refillRate, refillDurationSeconds: limits.refillDurationSeconds };
    this.#limits = bucketLimits(limits.capacity, perMs(limits));
    this.#base = { capacity: this.#limits.capacity, perMs: this.#limits.perMs };
    this.#supplied = this.#limits.capacity - this.#limits.headroom;
    this.#now = now;
    this.#updatedAt = now();
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
    this.#supplied = Math.min(this.#supplied, this.#granted + capacity - this.#limits.headroom);
  }

  get share(): number {
    return this.#share;
  }

  /** Takes a ticket; `waitFor(ticket)` says how long until it may be sent. */
  take(): number {
    // Refill first: the cap on refill is relative to the tickets issued before this one.
    this.#refill();
    this.#issued += 1;
    return this.#issued;
  }

  /** How long the holder of `ticket` must still wait (0: send now). */
  waitFor(ticket: number): number {
    this.#refill();
    const need = ticket - this.#supplied;
    const refillWait = need <= EPSILON ? 0 : this.#limits.perMs > 0 ? Math.ceil(need / this.#limits.perMs) : NO_REFILL_RECHECK_MS;
    const wait = Math.max(refillWait, this.pausedFor(), 0);
    if (wait === 0 && ticket > this.#granted) this.#granted = ticket;
    return wait;
  }

  /** Takes a token and returns how long the caller must wait before sending (0 if one was there). */
  reserve(): number {
    const ticket = this.take();
    const wait = this.waitFor(ticket);
    // The caller goes after the wait, not asking again: its ticket counts as granted.
    if (ticket > this.#granted) this.#granted = ticket;
    return wait;
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

  /**
   * What the answer's headers say about this bucket's tokens: never raises them above what we counted.
   * (A `RateLimit-Limit` other than this bucket's capacity is a bucket the pacer did not know: it
   * adopts that one instead, see BucketMap.learn.)
   */
  observe(headers: HeaderLookup): void {
    this.#refill();
    const remainingText = headers.get('ratelimit-remaining');
    const remaining = remainingText === null ? Number.NaN : Number(remainingText);
    // Counted from the tickets issued, as it was before tickets were granted: counting from the granted
    // ones took the headroom twice for a waiting ticket (2-token buckets ran 1.7× their bound, not 1.2×).
    if (Number.isFinite(remaining) && remaining >= 0) this.#supplied = Math.min(this.#supplied, this.#issued + remaining - this.#limits.headroom);
  }

  /**
   * Takes every token left: for a bucket that replaces others Atlas was counting on (a bucket learned
   * from a 429 while this scope's earlier requests went through fallback buckets), whose tokens may be
   * spent already at Atlas.
   */
  drain(): void {
    this.#refill();
    this.#supplied = Math.min(this.#supplied, this.#granted - this.#limits.headroom);
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
    this.#supplied = Math.min(this.#supplied, this.#granted - this.#limits.headroom);
    this.#pausedUntil = Math.max(this.#pausedUntil, this.#now() + pause);
    return pause;
  }

  #refill(): void {
    const now = this.#now();
    const elapsed = now - this.#updatedAt;
    if (elapsed <= 0) return;
    this.#updatedAt = now;
    this.#supplied = Math.min(this.#granted + this.#limits.capacity - this.#limits.headroom, this.#supplied + elapsed * this.#limits.perMs);
  }
}
