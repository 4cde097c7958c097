import type { HeaderLookup } from '../http';
import { backoffDelay, type RetryPolicy } from '../retry';
import { perMs, type Limits } from './endpoint-sets';
import type { ScopeHistory } from './scope-history';

/**
 * What the pacer asks of a client-side bucket: a plain TokenBucket, or a SharedBudget wrapping one
 * (USER, ORGANIZATION and IP buckets shared with other invocations through leases).
 */
export interface Bucket {
  /** Takes a ticket; `waitFor(ticket)` says how long until it may be sent. */
  take(): number;
  /** How long the holder of `ticket` must still wait (0: send now). */
  waitFor(ticket: number): number;
  /**
   * Ticket `ticket`'s request was answered (`sent`), or will never be sent (its token, once the bucket
   * reaches it, goes to the next ticket in line): called once for every ticket taken. Until then it may
   * still arrive at Atlas and take a token there.
   */
  settled(ticket: number, sent: boolean): void;
  /**
   * How long until `ticket`'s token is due, as far as the bucket can tell (a refill, a 429's pause);
   * undefined while that is not known (waiting for a share, or for earlier answers): a caller's
   * patience is measured against this, not against one look's sleep.
   */
  dueIn(ticket: number): number | undefined;
  /** Refusals so far: a request is stamped with this at sending and hands it back to `refused`. */
  readonly refusals: number;
  /** The limits as published (or learned), before any share: what an answer is compared with. */
  readonly limits: Limits;
  /** Started, full, no ticket open, not held by a 429, no refusal pending: indistinguishable from a bucket created now. */
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
}

/**
 * A request arrives at Atlas before its answer comes back, so a refill counted from the answer is never
 * ahead of Atlas's; but both clocks count whole milliseconds and Atlas's refill is a sum of fractions.
 * Counting from a moment this much after the answer keeps "at the same millisecond" on the safe side.
 */
const ANSWER_MARGIN_MS = 2;
/** How soon a request on a bucket waiting for its scope's earlier answers (see `startFrom`) looks again. */
const START_RECHECK_MS = 20;
/** The longest a bucket waits for those answers; then it starts empty. */
const START_WAIT_MAX_MS = 30_000;

/**
 * The tokens Atlas's bucket (these limits) has at `now` at the least, after the requests answered at
 * `answers` (oldest first) and none in flight: the same count the bucket keeps for its own requests,
 * replayed. A fresh bucket at the first answer, or an empty one when older answers were dropped; empty
 * at each 429 (Atlas said so).
 */
export function tokensAfter(answers: readonly { at: number; refused: boolean }[], truncated: boolean, capacity: number, refillPerMs: number, now: number): number {
  if (answers.length === 0) return capacity;
  let supplied = truncated ? 0 : capacity;
  let settled = 0;
  let previous = answers[0]!.at;
  for (const { at, refused } of answers) {
    supplied = Math.min(settled + capacity, supplied + Math.max(0, at - previous) * refillPerMs);
    previous = Math.max(previous, at);
    settled++;
    if (refused) supplied = Math.min(supplied, settled);
  }
  supplied = Math.min(settled + capacity, supplied + Math.max(0, now - previous) * refillPerMs);
  return Math.max(0, Math.min(capacity, supplied - answers.length));
}

/** How soon a request waiting on a bucket with no refill (a share not granted yet) looks again. */
const NO_REFILL_RECHECK_MS = 100;
/** Rounding slack when comparing token counts after a sleep computed from them. */
const EPSILON = 1e-9;

/**
 * One client-side bucket. Tokens are handed out in arrival order as numbered tickets: `issued` counts the
 * tickets taken, `supplied` the tokens the bucket has produced. Ticket n may go once `supplied` reaches
 * n, so later arrivals queue behind it without timers or polling, and a waiting request asks again after
 * its sleep (a 429, a header or a smaller share may have pushed its token further away).
 *
 * `supplied` is a lower bound of what Atlas's bucket allows, whatever the network does to the requests
 * between here and Atlas. Atlas takes a token when a request arrives, somewhere between its sending and
 * its answer, and refills continuously from the first arrival. So the bucket never holds more than the
 * capacity beyond the tickets already *answered* (one still in flight may arrive at any moment), and it
 * refills only from answers: before the first answer nothing is refilled, and each answer's moment
 * bounds the refill since (`#refill` runs before each answer is counted, which caps `supplied` at
 * `answered + capacity` at that moment). Counted this way the client needs no token of headroom against
 * arrival jitter, and spends a small bucket to its last token (a 2-token bucket at 0.5 a second sends
 * 7 requests in 10 s plus one round trip, where a token of headroom took 12 s).
 */
export class TokenBucket implements Bucket {
  /** The limits as published (or learned), before any share is applied. */
  readonly limits: Limits;
  readonly #base: { capacity: number; perMs: number };
  #limits: BucketLimits;
  #share = 1;
  #issued = 0;
  /**
   * The highest ticket told it may go: a 429 or a header counts Atlas's tokens from the tickets
   * already sent, not from those still waiting.
   */
  #granted = 0;
  /**
   * Tickets answered or never sent (`settled`). Tokens never pile up more than the capacity past them:
   * tickets held back by a 429's pause have not spent Atlas's tokens, and Atlas's bucket refills no
   * higher than its capacity meanwhile, so they must not all go at once when the pause ends.
   */
  #settled = 0;
  /** Tickets given back unsent before the bucket reached them: each frees a token when it does. */
  readonly #gaps: number[] = [];
  #supplied: number;
  #updatedAt: number;
  #pausedUntil = 0;
  #consecutive429 = 0;
  /** Refusals so far: a request remembers the count it was sent under (see `refused`). */
  #refusals = 0;
  /** Set by `startFrom` until the scope's earlier requests are answered. */
  #start: { histories: { history: ScopeHistory; waitingFor: ReadonlySet<number> }[]; since: number } | undefined;
  readonly #now: () => number;

  constructor(limits: Limits, now: () => number) {
    this.limits = { capacity: limits.capacity, refillRate: limits.refillRate, refillDurationSeconds: limits.refillDurationSeconds };
    this.#limits = { capacity: limits.capacity, perMs: perMs(limits) };
    this.#base = { capacity: this.#limits.capacity, perMs: this.#limits.perMs };
    this.#supplied = this.#limits.capacity;
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

  /**
   * Start from what the scope's earlier requests to this bucket's endpoints spent (through buckets the
   * client guessed or learned, which this one replaces): once those still in flight are answered, the
   * bucket holds what their answers leave (`tokensAfter`), not its capacity. Until then no ticket may go.
   */
  startFrom(histories: readonly ScopeHistory[]): void {
    this.#start = { histories: histories.map((history) => ({ history, waitingFor: history.inFlight() })), since: this.#now() };
    this.#started();
  }

  /** False while the bucket still waits for its scope's earlier answers. */
  #started(): boolean {
    const start = this.#start;
    if (!start) return true;
    const now = this.#now();
    const waited = now - start.since;
    if (start.histories.some((h) => h.history.anyOpen(h.waitingFor)) && waited < START_WAIT_MAX_MS) return false;
    this.#start = undefined;
    this.#refill();
    const answers = start.histories.flatMap((h) => h.history.answers).sort((a, b) => a.at - b.at);
    const truncated = start.histories.some((h) => h.history.truncated);
    const left = waited >= START_WAIT_MAX_MS ? 0 : tokensAfter(answers, truncated, this.#limits.capacity, this.#limits.perMs, now);
    this.#supplied = Math.min(this.#supplied, this.#settled + left);
    return true;
  }

  /** Tokens the client may still use now (negative while tickets wait). */
  get tokens(): number {
    if (!this.#started()) return -this.unsettled;
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
    this.#limits = { capacity, perMs: this.#base.perMs * next };
    this.#supplied = Math.min(this.#supplied, this.#settled + capacity);
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
    if (!this.#started()) return START_RECHECK_MS;
    this.#refill();
    const need = this.#target(ticket) - this.#supplied;
    const refillWait = need <= EPSILON ? 0 : this.#limits.perMs > 0 ? Math.ceil(need / this.#limits.perMs) : NO_REFILL_RECHECK_MS;
    const wait = Math.max(refillWait, this.pausedFor(), 0);
    if (wait === 0 && ticket > this.#granted) this.#granted = ticket;
    return wait;
  }

  /**
   * What `supplied` must reach for `ticket` to go: the ticket less one for each ticket given back
   * unsent that the bucket reaches on the way (its token is handed on when it does).
   */
  #target(ticket: number): number {
    let target = ticket;
    for (const gap of this.#gaps) if (gap <= target - 1) target -= 1;
    return target;
  }

  /** Atlas's bucket was (at worst) empty at `at`: no more than its refill since is left now. */
  emptyAt(at: number): void {
    this.#refill();
    const refilled = Math.max(0, this.#now() - at) * this.#limits.perMs;
    this.#supplied = Math.min(this.#supplied, this.#granted + refilled);
  }

  /** See Bucket.dueIn. */
  dueIn(ticket: number): number | undefined {
    if (this.#start || this.#limits.perMs <= 0) return undefined;
    this.#refill();
    const need = this.#target(ticket) - this.#supplied;
    return Math.max(need <= EPSILON ? 0 : Math.ceil(need / this.#limits.perMs), this.pausedFor(), 0);
  }

  /** Takes a token and returns how long the caller must wait before sending (0 if one was there). */
  reserve(): number {
    const ticket = this.take();
    const wait = this.waitFor(ticket);
    // The caller goes after the wait, not asking again: its ticket counts as granted.
    if (ticket > this.#granted) this.#granted = ticket;
    return wait;
  }

  /** One ticket's request was answered, or will never be sent: see Bucket.settled. */
  settled(ticket: number, sent: boolean): void {
    // The refill up to this moment is capped by what was in flight until now.
    this.#refill();
    if (this.#settled >= this.#issued) return;
    // Capped now: the refill starts again from this answer, a little later than Atlas's (see ANSWER_MARGIN_MS).
    if (sent && this.#supplied >= this.#settled + this.#limits.capacity - EPSILON) this.#updatedAt = this.#now() + ANSWER_MARGIN_MS;
    this.#settled += 1;
    if (sent) return;
    // A request never sent took nothing at Atlas. Its token, if the bucket reached it, is the next
    // ticket's now; if not, it will be when the bucket does (a ticket further back giving up must not
    // let one ahead of it go before its own token).
    if (ticket <= this.#supplied + EPSILON) this.#supplied = Math.min(this.#settled + this.#limits.capacity, this.#supplied + 1);
    else {
      this.#gaps.push(ticket);
      this.#gaps.sort((a, b) => a - b);
    }
  }

  /** Tickets taken and not settled: waiting, or sent and not answered. */
  get unsettled(): number {
    return this.#issued - this.#settled;
  }

  /** Stamp a request with this at sending, and hand it back to `refused`. */
  get refusals(): number {
    return this.#refusals;
  }

  /** Full, not held by a 429, no refusal pending: indistinguishable from a bucket created now. */
  get idle(): boolean {
    return this.#start === undefined && this.#issued === this.#settled && this.tokens >= this.#limits.capacity && this.pausedFor() === 0 && this.#consecutive429 === 0;
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
    // Counted from the tickets sent (granted), never from those still waiting: those have taken nothing
    // at Atlas. A request still in flight when this one arrived is not in `remaining` yet, so this
    // bound may be a little high; it matters only where the count cannot see others spending the
    // bucket (a shared bucket), and the count's own bound stays in force below it.
    if (Number.isFinite(remaining) && remaining >= 0) this.#supplied = Math.min(this.#supplied, this.#granted + remaining);
  }

  /** An answer that was not a 429: the run of refusals is over. */
  succeeded(): void {
    this.#consecutive429 = 0;
  }

  /**
   * Atlas refused a request on this bucket: empty it and hold it for `Retry-After`, or, when it refuses
   * again right after, for 10 s, 20 s, 40 s… (at least `Retry-After` each time). Returns the pause.
   * `sentAfter` is `refusals` when the request was sent: a request already in flight when an earlier
   * refusal came back (or sent through another bucket before its endpoint moved here) was not a second
   * try, so it empties the bucket and holds it for its Retry-After but does not lengthen the backoff.
   */
  refused(retryAfterMs: number | undefined, sentAfter = this.#refusals): number {
    // Whoever sent it, Atlas's bucket was empty when this request arrived: so is ours now.
    this.#refill();
    this.#supplied = Math.min(this.#supplied, this.#granted);
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
    this.#supplied = Math.min(this.#supplied, this.#granted);
    this.#pausedUntil = Math.max(this.#pausedUntil, this.#now() + pause);
    return pause;
  }

  #refill(): void {
    const now = this.#now();
    const elapsed = now - this.#updatedAt;
    if (elapsed > 0) {
      this.#updatedAt = now;
      this.#supplied = Math.min(this.#settled + this.#limits.capacity, this.#supplied + elapsed * this.#limits.perMs);
    }
    // A ticket given back unsent that the bucket has now reached: its token goes to the next one.
    while (this.#gaps.length > 0 && this.#gaps[0]! <= this.#supplied + EPSILON) {
      this.#gaps.shift();
      this.#supplied = Math.min(this.#settled + this.#limits.capacity, this.#supplied + 1);
    }
  }
}
