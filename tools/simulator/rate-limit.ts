import { AtlasApiError } from './errors';
import { mulberry32 } from './faults';
import { endpointSetSchema, type EndpointSet, type RateLimitSettings, type Scope, DEFAULT_ENDPOINT_SETS, SCOPES } from './rate-limit-sets';

export * from './rate-limit-sets';

/**
 * Atlas's rate limits as its documentation describes them: a token bucket per endpoint set and scope
 * (GROUP: one per project, ORGANIZATION, USER: per API key or service account, IP). A bucket holds up to
 * `capacity` tokens, each request takes one, `refillRate` come back every `refillDurationSeconds`
 * (continuously, in fractions: how Atlas spreads a refill is not documented). An empty bucket answers
 * 429 RATE_LIMITED_TOKEN_BUCKET. The sets are published at GET /api/atlas/v2/rateLimits.
 */

export interface Limits {
  capacity: number;
  refillRate: number;
  refillDurationSeconds: number;
}

/** The limits of a set as they apply to one entity, and whether an override changed them. */
export function limitsFor(set: EndpointSet, scopeId: string | undefined): Limits & { overridden: boolean } {
  const o = scopeId === undefined ? undefined : set.overrides.find((x) => x.scopeId === scopeId);
  return {
    capacity: o?.capacity ?? set.capacity,
    refillRate: o?.refillRate ?? set.refillRate,
    refillDurationSeconds: o?.refillDurationSeconds ?? set.refillDurationSeconds,
    overridden: o !== undefined,
  };
}

/** Who the request is, for the scope ids. */
export interface Caller {
  principal: string;
  /** The organization the path names, or the project's. */
  orgId: string | undefined;
  groupId: string | undefined;
  ip: string;
}

export type BucketVerdict =
  | { limited: false; headers: Record<string, string> }
  | { limited: true; headers: Record<string, string>; error: AtlasApiError };

interface Bucket {
  tokens: number;
  updatedAt: number;
}

/** One bucket's use: see TokenBuckets.tallies. */
export interface BucketTally {
  set: string;
  scope: Scope;
  scopeId: string;
  capacity: number;
  refillPerSecond: number;
  taken: number;
}

/** Every bucket of a simulator, created on first use, keyed by set and scope id. */
export class TokenBuckets {
  readonly sets: readonly EndpointSet[];
  /** What `/rateLimits` publishes; undefined: the operation answers 404. */
  readonly published: readonly EndpointSet[] | undefined;
  readonly #byRoute = new Map<string, EndpointSet>();
  readonly #buckets = new Map<string, Bucket>();
  readonly #omitHeadersShare: number;
  readonly #random: () => number;
  readonly #now: () => number;
  /** 429 answers given, per set (for tests and benchmarks). */
  readonly refused = new Map<string, number>();
  /** Tokens taken, per bucket (set and scope id), with the bucket's limits: what a benchmark's bound counts. */
  readonly #taken = new Map<string, BucketTally>();

  /** Every bucket used so far: its set, scope id, limits and the tokens requests took from it. */
  tallies(): BucketTally[] {
    return [...this.#taken.values()].map((t) => ({ ...t }));
  }

  constructor(settings: RateLimitSettings | undefined, seed: number, now: () => number) {
    this.sets = settings?.sets ?? DEFAULT_ENDPOINT_SETS.map((s) => endpointSetSchema.parse(s));
    const publish = settings?.publish ?? 'all';
    this.published = publish === 'all' ? this.sets : publish === 'none' ? undefined : publish.sets;
    for (const set of this.sets) {
      for (const e of set.endpoints) {
        if (this.#byRoute.has(e)) throw new Error(`rate limits: ${e} is in two endpoint sets`);
        this.#byRoute.set(e, set);
      }
    }
    this.#omitHeadersShare = settings?.omitHeadersShare ?? 0;
    // Its own sequence, so turning header omission on does not shift the fault injector's draws.
    this.#random = mulberry32(seed ^ 0x5eed);
    this.#now = now;
  }

  /** Takes a token from the bucket this request uses, if its route belongs to a set. */
  take(method: string, routeTemplate: string, rawPath: string, caller: Caller): BucketVerdict {
    const set = this.#byRoute.get(`${method} ${routeTemplate}`);
    if (!set) return { limited: false, headers: {} };
    const scopeId = scopeIdOf(set.scope, caller);
    const limits = limitsFor(set, scopeId);
    const key = `${set.endpointSetId}\u0000${scopeId}`;
    const now = this.#now();
    let bucket = this.#buckets.get(key);
    if (!bucket) this.#buckets.set(key, (bucket = { tokens: limits.capacity, updatedAt: now }));
    const perMs = limits.refillRate / (limits.refillDurationSeconds * 1000);
    bucket.tokens = Math.min(limits.capacity, bucket.tokens + (now - bucket.updatedAt) * perMs);
    bucket.updatedAt = now;
    const omit = this.#omitHeadersShare > 0 && this.#random() < this.#omitHeadersShare;
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      const tally = this.#taken.get(key) ?? { set: set.endpointSetId, scope: set.scope, scopeId, capacity: limits.capacity, refillPerSecond: limits.refillRate / limits.refillDurationSeconds, taken: 0 };
      tally.taken += 1;
      this.#taken.set(key, tally);
      return { limited: false, headers: omit ? {} : { 'RateLimit-Limit': String(limits.capacity), 'RateLimit-Remaining': String(Math.floor(bucket.tokens)) } };
    }
    this.refused.set(set.endpointSetId, (this.refused.get(set.endpointSetId) ?? 0) + 1);
    const retryAfter = Math.max(1, Math.ceil((1 - bucket.tokens) / perMs / 1000));
    const path = rawPath.replace(/^\//, '');
    const error = new AtlasApiError(
      'RATE_LIMITED_TOKEN_BUCKET',
      `Rate limit exceeded for ${path}. Please retry after ${retryAfter} seconds. Request capacity: ${limits.capacity}. Refill rate: ${limits.refillRate} per ${limits.refillDurationSeconds} seconds.`,
      [path, retryAfter, limits.capacity, limits.refillRate, limits.refillDurationSeconds],
    );
    // Retry-After is sent even when the RateLimit-* headers are omitted: only those are documented as optional.
    const headers: Record<string, string> = { 'Retry-After': String(retryAfter) };
    if (!omit) Object.assign(headers, { 'RateLimit-Limit': String(limits.capacity), 'RateLimit-Remaining': '0' });
    return { limited: true, headers, error };
  }
}

function scopeIdOf(scope: Scope, caller: Caller): string {
  switch (scope) {
    case 'GROUP':
      return caller.groupId ?? `user:${caller.principal}`;
    case 'ORGANIZATION':
      return caller.orgId ?? `user:${caller.principal}`;
    case 'USER':
      return caller.principal;
    case 'IP':
      return caller.ip;
  }
}

// --- GET /api/atlas/v2/rateLimits and /rateLimits/{endpointSetId} (version 2025-03-12) ---
