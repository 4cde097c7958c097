import { randomUUID } from 'node:crypto';
import type { HeaderLookup } from '../http';
import type { Limits } from './endpoint-sets';
import type { Bucket, TokenBucket } from './token-bucket';

/**
 * Sharing one Atlas bucket (USER, ORGANIZATION or IP scope) among the invocations that use it at once.
 *
 * Atlas keeps one bucket for every scan and worker container running with the same credentials. A
 * fixed division by the most that may run (`ATLAS_RATE_LIMIT_SHARED_BY`) wastes the shares of those that
 * are idle; each taking the whole bucket overruns it as soon as two are busy (measured: 1.7% of the
 * nightly pipeline's requests refused, the run 1.24× its bound; BENCHMARKS.md). So each container holding such a bucket
 * keeps a lease in the ledger table, renewed every RENEW_MS while it uses the bucket: how many tokens a
 * second it wants, and the share of the bucket it claims. Its target is its max-min fair share of what
 * everybody wants (a container that wants little gets what it wants, the busy ones split the rest, one
 * alone gets it all).
 *
 * The claims never add up to more than the bucket, because a share is used only once claimed:
 * a holder publishes its claim first, and uses no more of it than the other claims the same write
 * returned leave free. DynamoDB applies the writes to one item one after another, so of two holders
 * growing at once the second sees the first's claim. A holder shrinks at once, and publishes it next time.
 */

/** One holder's lease on a shared bucket. */
export interface BudgetLease {
  holder: string;
  /** Epoch ms after which the lease no longer counts. */
  until: number;
  /** Tokens a second the holder wants (what it used plus what waits). */
  demand: number;
  /** The share of the bucket (0..1) the holder may use at most; it uses no more than the others leave. */
  claim: number;
}

/** Where leases are kept (the ledger table when configured). */
export interface BudgetLeaseStore {
  /**
   * Writes `lease` under `budget` and returns every lease now held on `budget`, this one included. Also
   * removes each lease of `forget` (long expired) unless its holder has renewed it since (its `until`
   * changed): a holder coming back must not be erased by someone who saw it gone.
   */
  renew(budget: string, lease: BudgetLease, forget: readonly BudgetLease[]): Promise<BudgetLease[]>;
}

/** How often a holder using the bucket writes its lease. */
export const RENEW_MS = 500;
/** A lease not renewed for this long is somebody who stopped: its share goes to the others. */
export const LEASE_MS = 2_000;
/**
 * Clocks of different machines disagree: a holder stops using its lease this long before it ends, and
 * the others count it this long after. Lambda's clocks are NTP-synchronised to well within it; a laptop
 * running the CLI against the same ledger table must be too.
 */
export const CLOCK_SKEW_MS = 250;
/** A holder's share is sized for this multiple of its demand, so a growing demand is seen to grow. */
const DEMAND_GROWTH = 1.5;
/** Demand floor (tokens a second): a holder that just started still gets something to measure. */
const MIN_DEMAND = 1;

/** One id per container, and a number per budget object in it (a refresh of the learned sets makes new ones). */
const CONTAINER_HOLDER = randomUUID();
let budgets = 0;

/** Whether another holder's lease still counts at `now` (read generously: see CLOCK_SKEW_MS). */
const counts = (lease: BudgetLease, now: number) => lease.until + CLOCK_SKEW_MS > now;

/**
 * Max-min fair shares of `total` tokens a second: holders are served in order of demand, each getting
 * its demand (times DEMAND_GROWTH) or an equal split of what is left, whichever is less; what nobody
 * wants is split in proportion to those shares, so the shares always add up to `total`.
 */
export function fairShares(leases: readonly BudgetLease[], total: number): Map<string, number> {
  const sorted = [...leases].sort((a, b) => a.demand - b.demand || a.holder.localeCompare(b.holder));
  const shares = new Map<string, number>();
  let left = total;
  sorted.forEach((lease, i) => {
    const give = Math.min(Math.max(MIN_DEMAND, lease.demand) * DEMAND_GROWTH, left / (sorted.length - i));
    shares.set(lease.holder, give);
    left -= give;
  });
  // What nobody asked for goes in proportion to what each asked: a holder that wants little is not given
  // a share it will leave unused while the busy ones wait.
  const asked = [...shares.values()].reduce((sum, share) => sum + share, 0);
  if (left > 0 && asked > 0) for (const [holder, share] of shares) shares.set(holder, share + (left * share) / asked);
  return shares;
}

/** What the live claims of `others` leave of the bucket. */
function freeOf(others: readonly BudgetLease[], now: number): number {
  return Math.max(0, 1 - others.filter((l) => counts(l, now)).reduce((sum, l) => sum + l.claim, 0));
}

export interface SharedBudgetOptions {
  store: BudgetLeaseStore;
  /** The bucket's key at the store: the credentials (hashed), the set and the scope id. */
  budget: string;
  /** This container's id (tests give two clients in one process their own). */
  holder?: string;
  /** The share used while the store cannot be reached: 1 / ATLAS_RATE_LIMIT_SHARED_BY. */
  fallbackShare: number;
  now: () => number;
  onError?: (error: unknown) => void;
}

/**
 * A shared bucket: the client-side TokenBucket it wraps, and this container's lease on it, which drives
 * that bucket's share. A new holder (or one whose lease lapsed) has no share until its claim is written
 * and found free. Every use goes through here, so the lease is renewed while the bucket is used.
 */
export class SharedBudget implements Bucket {
  readonly #bucket: TokenBucket;
  readonly #options: SharedBudgetOptions;
  readonly #holder: string;
  /** The renewal in flight (its start), if any, and a generation so a late answer is ignored. */
  #renewingSince: number | undefined;
  #generation = 0;
  #lastRenewAt = Number.NEGATIVE_INFINITY;
  #leaseUntil = Number.NEGATIVE_INFINITY;
  #issuedAtRenew = 0;
  /** The other holders' leases as the last write returned them (undefined: none read yet). */
  #view: BudgetLease[] | undefined;
  /** Lease writes that failed in a row. */
  #failures = 0;
  /** Renewals given up in a row for not answering. */
  #givenUp = 0;

  constructor(bucket: TokenBucket, options: SharedBudgetOptions) {
    this.#bucket = bucket;
    this.#options = options;
    // Each budget object is a holder of its own: after a refresh of the learned sets, requests still
    // waiting on the old object must not hide behind the new one's first claim of 0.
    this.#holder = `${options.holder ?? CONTAINER_HOLDER}.${++budgets}`;
    bucket.setShare(0);
  }

  take(): number {
    this.tick();
    return this.#bucket.take();
  }

  /**
   * Waiting requests look again every half renewal: they keep the lease renewed, and a request told to
   * wait 30 s at a newcomer's small share does not sleep through that share growing.
   */
  waitFor(ticket: number): number {
    this.tick();
    return Math.min(this.#bucket.waitFor(ticket), RENEW_MS / 2);
  }

  get refusals(): number {
    return this.#bucket.refusals;
  }

  get limits(): Limits {
    return this.#bucket.limits;
  }

  /** A shared bucket is never dropped: its lease lives with it. */
  get idle(): boolean {
    return false;
  }

  /** The share of the bucket this holder may use now (0..1). */
  get share(): number {
    return this.#bucket.share;
  }

  get capacity(): number {
    return this.#bucket.capacity;
  }

  get tokens(): number {
    return this.#bucket.tokens;
  }

  get issued(): number {
    return this.#bucket.issued;
  }

  observe(headers: HeaderLookup): void {
    this.#bucket.observe(headers);
  }

  succeeded(): void {
    this.#bucket.succeeded();
  }

  settled(ticket: number, sent: boolean): void {
    this.#bucket.settled(ticket, sent);
  }

  /** Unknown while this holder has no share yet (a lease not granted): then it is not a wait for a token. */
  dueIn(ticket: number): number | undefined {
    return this.#bucket.share > 0 ? this.#bucket.dueIn(ticket) : undefined;
  }

  refused(retryAfterMs: number | undefined, sentAfter?: number): number {
    return this.#bucket.refused(retryAfterMs, sentAfter);
  }

  /** Called on every use of the bucket: drops a lapsed share, renews the lease when it is time. */
  tick(): void {
    const now = this.#options.now();
    // A lapsed lease: the others no longer count its claim. (While the store fails, the fixed share
    // applies instead: see #failed.)
    if (now >= this.#leaseUntil - CLOCK_SKEW_MS && this.#bucket.share > 0 && this.#failures === 0) this.#bucket.setShare(0);
    // A renewal that has not answered in LEASE_MS is given up (its answer, if it comes, is ignored) and
    // the next one starts. Once is a container thawed with a write in flight; twice running is the
    // store not answering, a failure: the fixed share applies rather than no share at all.
    const stuck = this.#renewingSince !== undefined && now - this.#renewingSince > LEASE_MS;
    if (stuck && this.#givenUp++ > 0) this.#failed(new Error(`the lease write has not answered in ${LEASE_MS} ms, twice`));
    if ((this.#renewingSince === undefined || stuck) && now - this.#lastRenewAt >= RENEW_MS) {
      const demand = this.#demand(now);
      this.#lastRenewAt = now;
      void this.#renew(now, demand, true);
    }
  }

  /** Tokens a second this holder wants: what it took since the last renewal, plus what is still waiting. */
  #demand(now: number): number {
    const issued = this.#bucket.issued;
    const elapsedS = Math.max(RENEW_MS, now - this.#lastRenewAt) / 1000;
    const used = Number.isFinite(this.#lastRenewAt) ? (issued - this.#issuedAtRenew) / elapsedS : 0;
    this.#issuedAtRenew = issued;
    return used + this.#waitingDemand();
  }

  /** The tickets waiting for a token, as tokens a second: they should be served within one renewal. */
  #waitingDemand(): number {
    // Tickets held by a 429's pause could not use a larger share: they do not ask for one.
    if (this.#bucket.pausedFor() > 0) return 0;
    return Math.max(0, -this.#bucket.tokens) / (RENEW_MS / 1000);
  }

  /** The fair share of `demand` against the leases of `others` that still count at `now`. */
  #target(demand: number, others: readonly BudgetLease[], now: number): number {
    const live = others.filter((l) => counts(l, now));
    if (live.length === 0) return 1;
    const full = this.#bucket.fullRefillPerSecond;
    const me: BudgetLease = { holder: this.#holder, until: now + LEASE_MS, demand, claim: 0 };
    return Math.min(1, (fairShares([me, ...live], full).get(this.#holder) ?? 0) / full);
  }

  /**
   * What to claim: the fair target, but no more than what this holder has plus what the others left
   * free (a target computed from an old demand of theirs must not squeeze them until they renew).
   */
  #claimFor(demand: number, others: readonly BudgetLease[], now: number): number {
    return Math.min(this.#target(demand, others, now), Math.max(this.#bucket.share, freeOf(others, now)));
  }

  /**
   * Writes this holder's lease and takes what the answer allows. `mayClaimAgain`: when the answer changes
   * the picture (who is there, room a newcomer needs, room the others just left), write again at once
   * rather than a renewal later, once.
   */
  async #renew(startedAt: number, demand: number, mayClaimAgain: boolean): Promise<void> {
    const generation = ++this.#generation;
    this.#renewingSince = startedAt;
    // Before anything was read the claim is 0: this write only learns who else is there.
    const claim = this.#view === undefined ? 0 : this.#claimFor(demand, this.#view, startedAt);
    // Shrinking is safe at once; growing waits for the claim to be written. (A first write only learns:
    // it leaves the fixed share of a holder whose store failed until it has something better.)
    if (this.#view !== undefined && claim < this.#bucket.share) this.#bucket.setShare(claim);
    // Never earlier than the last lease written: a clock stepping back must not make the next write a
    // "late copy" the store refuses.
    const lease: BudgetLease = { holder: this.#holder, until: Math.max(startedAt + LEASE_MS, this.#leaseUntil), demand, claim };
    const forget = (this.#view ?? []).filter((l) => l.until + CLOCK_SKEW_MS <= startedAt - LEASE_MS);
    try {
      const leases = await this.#options.store.renew(this.#options.budget, lease, forget);
      if (generation !== this.#generation) return;
      const learning = this.#view === undefined;
      this.#failures = 0;
      this.#givenUp = 0;
      this.#leaseUntil = lease.until;
      const now = this.#options.now();
      this.#view = leases.filter((l) => l.holder !== this.#holder);
      // A newcomer in the answer lowers the share at once; the smaller claim is published next time.
      this.#bucket.setShare(Math.min(claim, freeOf(this.#view, now), this.#target(demand, this.#view, now)));
      const better = this.#claimFor(demand, this.#view, now);
      // Room given up is published at once (somebody is waiting for it); growing by crumbs can wait.
      if (learning || (mayClaimAgain && (better < claim - 1e-6 || better > claim * 1.05 + 1e-6))) {
        this.#renewingSince = undefined;
        // The first claim counts the tickets taken while the first write was on its way.
        void this.#renew(now, learning ? Math.max(demand, this.#waitingDemand()) : demand, learning);
      }
    } catch (error) {
      if (generation !== this.#generation) return;
      this.#failed(error);
    } finally {
      if (generation === this.#generation) this.#renewingSince = undefined;
    }
  }

  /**
   * The store failed (or did not answer): nobody can know who else is busy, so no more than the
   * configured division, as before leases (what it had, if that was less). Said once per outage, not
   * every RENEW_MS.
   */
  #failed(error: unknown): void {
    if (this.#failures === 0) this.#options.onError?.(error);
    this.#failures++;
    const share = this.#bucket.share;
    this.#bucket.setShare(share > 0 ? Math.min(share, this.#options.fallbackShare) : this.#options.fallbackShare);
  }
}
