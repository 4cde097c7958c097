import type { HeaderLookup } from '../http';
import { BucketMap, type BucketKey, type BucketSharing } from './bucket-map';
import { RATE_LIMITS_REFRESH_MS, RATE_LIMITS_RETRY_MS, type EndpointSet } from './endpoint-sets';
import { statedLimits } from './stated-limits';
import type { Bucket } from './token-bucket';

/** Reads every page of `/rateLimits`; undefined when Atlas does not answer it (the fallback limits then). */
export type SetReader = () => Promise<EndpointSet[] | undefined>;

/** What the pacer needs of an answer. */
export interface PacedAnswer {
  status: number;
  headers: HeaderLookup;
  /** The parsed body when it is JSON (a 429's body describes the bucket). */
  body: unknown;
}

export interface PacerOptions {
  /** Read the sets from `/rateLimits` (default true); when false every endpoint starts from the fallback. */
  learn?: boolean;
  /** Invocations sharing the USER, ORGANIZATION and IP buckets when no lease store is given (default 1). */
  sharedBy?: number;
  sharing?: BucketSharing;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
}

/**
 * A permission to send one request, taken from its bucket. Settle it with the answer (or undefined when
 * none came), once; a permit whose bucket the pacer has since replaced is `stale` and must be taken again.
 */
export class Permit {
  readonly #pacer: Pacer;
  readonly #map: BucketMap;
  readonly #generation: number;
  readonly #method: string;
  readonly #path: string;
  readonly #key: BucketKey;
  readonly #bucket: Bucket;
  /** The bucket's refusals when this request went: see TokenBucket.refused. */
  readonly #sentAfter: number;

  constructor(pacer: Pacer, map: BucketMap, method: string, path: string, key: BucketKey, bucket: Bucket) {
    this.#pacer = pacer;
    this.#map = map;
    this.#generation = map.generation;
    this.#method = method;
    this.#path = path;
    this.#key = key;
    this.#bucket = bucket;
    this.#sentAfter = bucket.refusals;
  }

  /** True when what an answer taught since moved this request to another bucket. */
  get stale(): boolean {
    if (this.#map.generation === this.#generation && this.#pacer.map === this.#map) return false;
    const map = this.#pacer.map;
    return !map || map.bucket(map.keyFor(this.#method, this.#path)) !== this.#bucket;
  }

  settle(answer: PacedAnswer | undefined): void {
    if (!answer) return;
    const stated = statedLimits(answer.status, answer.headers, answer.body, this.#pacer.now());
    const map = this.#map;
    const known = map.limitsOf(this.#key);
    // A bucket unlike the one this request took from (another capacity or refill, an endpoint no set
    // names): the endpoint takes from that one from now on, in every project or scope.
    const adopted = stated.limits
      ? (known.capacity !== stated.limits.capacity || known.refillRate / known.refillDurationSeconds !== stated.limits.refillRate / stated.limits.refillDurationSeconds || !this.#key.published) &&
        map.learn(this.#method, this.#path, stated.limits)
      : stated.capacity !== undefined && stated.capacity !== known.capacity && map.learn(this.#method, this.#path, { ...known, capacity: stated.capacity });
    const bucket = adopted ? map.bucket(map.keyFor(this.#method, this.#path)) : this.#bucket;
    bucket.observe(answer.headers);
    if (answer.status === 429) bucket.refused(stated.retryAfterMs, adopted ? bucket.refusals : this.#sentAfter);
    else bucket.succeeded();
  }
}

/**
 * Paces one set of credentials to Atlas's buckets: the transport's one entry is `acquire` a permit for a
 * request (method and path) → send → `settle` the permit with the answer. Behind it: the sets read from
 * `/rateLimits` (once, refreshed every RATE_LIMITS_REFRESH_MS), which bucket a request takes from, the
 * client-side buckets, the leases that share a bucket with other invocations, the fallbacks, and what
 * answers teach (a 429's body, `RateLimit-*` headers).
 */
export class Pacer {
  #map: BucketMap | undefined;
  #expiresAt = 0;
  #loading: Promise<BucketMap> | undefined;
  readonly #options: PacerOptions;

  constructor(options: PacerOptions) {
    this.#options = options;
  }

  now(): number {
    return this.#options.now();
  }

  /** The current buckets (undefined until the sets were read). */
  get map(): BucketMap | undefined {
    return this.#map;
  }

  /** Whether the buckets follow the published sets (false: the fallback); undefined before the first read. */
  get published(): boolean | undefined {
    return this.#map?.published;
  }

  /**
   * Waits for the request's token. Holds nothing else while it waits (no sending slot). `tooLate` is
   * asked before each wait and its error thrown when the wait would pass the caller's deadline.
   */
  async acquire(method: string, path: string, read: SetReader, tooLate: (waitMs: number) => Error | undefined): Promise<Permit> {
    let held: { bucket: Bucket; ticket: number } | undefined;
    for (;;) {
      const map = this.#map && this.now() < this.#expiresAt ? this.#map : await this.#load(read);
      const generation = map.generation;
      const key = map.keyFor(method, path);
      const bucket = map.bucket(key);
      // Still the same bucket after something else was learned: the ticket already taken stands.
      const ticket = held?.bucket === bucket ? held.ticket : bucket.take();
      held = { bucket, ticket };
      // A 429, a header or a smaller share while this request slept can push its token further away:
      // check again after each sleep; an answer that moved the endpoint to another bucket starts over.
      let wait = bucket.waitFor(ticket);
      while (wait > 0 && map.generation === generation) {
        const error = tooLate(wait);
        if (error) throw error;
        await this.#options.sleep(wait);
        wait = bucket.waitFor(ticket);
      }
      if (map.generation === generation) return new Permit(this, map, method, path, key, bucket);
    }
  }

  /** One read per pacer even when many requests start at once: two sets of buckets would each spend the whole budget. */
  #load(read: SetReader): Promise<BucketMap> {
    this.#loading ??= this.#read(read).finally(() => {
      this.#loading = undefined;
    });
    return this.#loading;
  }

  async #read(read: SetReader): Promise<BucketMap> {
    const sets = this.#options.learn === false ? undefined : await read();
    const { sharedBy, sharing, now } = this.#options;
    const map = new BucketMap(sets, { ...(sharedBy ? { sharedBy } : {}), now, ...(sharing ? { sharing } : {}), ...(this.#map ? { learned: this.#map.learned } : {}) });
    this.#map = map;
    this.#expiresAt = now() + (sets ? RATE_LIMITS_REFRESH_MS : RATE_LIMITS_RETRY_MS);
    return map;
  }
}

/**
 * The pacers of one container, one per Atlas address and credentials (and sharing settings): a warm
 * Lambda container's clients reuse the sets and the buckets' state between invocations, so a new
 * invocation does not start from full buckets Atlas has spent. Whoever builds the clients owns it.
 */
export class PacerPool {
  readonly #pacers = new Map<string, Pacer>();

  get(key: string, create: () => Pacer): Pacer {
    let pacer = this.#pacers.get(key);
    if (!pacer) this.#pacers.set(key, (pacer = create()));
    return pacer;
  }
}
