import * as z from 'zod';
import { TokenBucket } from './flow-control';
import { SharedBudget, type BudgetLeaseStore } from './shared-budget';
import { linkSchema } from './schemas';

/**
 * Atlas's rate limits as Atlas documents them: a token bucket per endpoint set and scope. Each endpoint
 * belongs to one set; the set's scope says whose bucket a request takes from (one per project for
 * GROUP, per organization, per API key or service account for USER, per address for IP).
 */
export const RATE_LIMIT_SCOPES = ['GROUP', 'ORGANIZATION', 'USER', 'IP'] as const;
export type RateLimitScope = (typeof RATE_LIMIT_SCOPES)[number];

export interface EndpointSet {
  id: string;
  scope: RateLimitScope;
  /** Method + path template, e.g. `GET /api/atlas/v2/groups/{groupId}/peers`. */
  endpoints: { method: string; path: string }[];
  capacity: number;
  refillRate: number;
  refillDurationSeconds: number;
}

/** The version the rate-limit operations answer in. */
export const RATE_LIMITS_MEDIA_TYPE = 'application/vnd.atlas.2025-03-12+json';
export const RATE_LIMITS_PATH = '/api/atlas/v2/rateLimits';

/**
 * Limits for a bucket nobody published: used for every request when `/rateLimits` cannot be read, and
 * for paths no published set names. Small on purpose (Atlas's own example set is 10 tokens and 5 per
 * minute); `RateLimit-Limit` raises or lowers the capacity as soon as an answer carries it.
 */
export const FALLBACK_LIMITS = { capacity: 10, refillRate: 1, refillDurationSeconds: 1 } as const;

/** How long learned sets are trusted before they are read again (a warm Lambda container keeps them). */
export const RATE_LIMITS_REFRESH_MS = 15 * 60_000;
/** After a failed read, how long the fallback is used before the read is tried again. */
export const RATE_LIMITS_RETRY_MS = 60_000;

// Each number arrives as `{ value, defaultValue? }` (inferred from the published schema names); a bare
// number is accepted too. `value` is what applies to the entity asked about.
const limitValue = z.union([z.number(), z.looseObject({ value: z.number() })]).transform((v) => (typeof v === 'number' ? v : v.value));
const positive = (n: number) => Number.isFinite(n) && n > 0;

const endpointSchema = z.union([
  z.looseObject({ method: z.string(), path: z.string() }),
  z.string().transform((s, ctx) => {
    const [method, path] = s.trim().split(/\s+/, 2);
    if (!method || !path) {
      ctx.addIssue({ code: 'custom', message: 'an endpoint must read "METHOD /path"' });
      return z.NEVER;
    }
    return { method, path };
  }),
]);

export const endpointSetSchema = z
  .looseObject({
    endpointSetId: z.string().min(1),
    endpointSetName: z.string().optional(),
    scope: z.enum(RATE_LIMIT_SCOPES),
    endpoints: z.array(endpointSchema),
    capacity: limitValue.refine(positive, 'must be positive'),
    refillRate: limitValue.refine(positive, 'must be positive'),
    refillDurationSeconds: limitValue.refine(positive, 'must be positive'),
  })
  .transform(
    (s): EndpointSet => ({
      id: s.endpointSetId,
      scope: s.scope,
      endpoints: s.endpoints.map((e) => ({ method: e.method.toUpperCase(), path: e.path })),
      capacity: s.capacity,
      refillRate: s.refillRate,
      refillDurationSeconds: s.refillDurationSeconds,
    }),
  );

export const endpointSetPageSchema = z.looseObject({
  results: z.array(endpointSetSchema),
  links: z.array(linkSchema).optional(),
  totalCount: z.number().int().nonnegative().optional(),
});

interface CompiledSet {
  set: EndpointSet;
  matchers: { method: string; pattern: RegExp }[];
}

/** Where a request takes its token from: the set (or unmapped key) and the scope id. */
export interface BucketKey {
  setId: string;
  scopeId: string;
  /** False for a path no published set names: its bucket uses the fallback limits. */
  published: boolean;
}

const OBJECT_ID = /^[0-9a-f]{24}$/i;
/** Buckets kept before idle ones (full, no pause) are dropped: recreated on use, they start the same. */
const PRUNE_AT = 1024;

/** `/groups/{groupId}/peers` → a regex with named groups for the path parameters. */
function compileTemplate(template: string): RegExp {
  const parts = template.split(/(\{[^}]+\})/).map((part) => {
    const param = /^\{([^}]+)\}$/.exec(part);
    if (!param) return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const name = param[1]!.replace(/[^A-Za-z0-9_]/g, '_');
    return `(?<${/^[A-Za-z_]/.test(name) ? name : `p_${name}`}>[^/]+)`;
  });
  return new RegExp(`^${parts.join('')}/?$`);
}

function firstParam(groups: Record<string, string | undefined>, names: readonly string[]): string | undefined {
  for (const name of names) if (groups[name] !== undefined) return decodeURIComponent(groups[name]!);
  return undefined;
}

/**
 * How many invocations share a USER, ORGANIZATION or IP bucket: each client takes that share of the
 * refill and capacity, so together they stay within the one bucket Atlas keeps for them all.
 */
function shareOf(set: EndpointSet, sharedBy: number): EndpointSet {
  if (set.scope === 'GROUP' || sharedBy <= 1) return set;
  return { ...set, capacity: Math.max(1, set.capacity / sharedBy), refillRate: set.refillRate / sharedBy };
}

/** How the USER, ORGANIZATION and IP buckets are shared with other invocations using the same credentials. */
export interface BucketSharing {
  /** Where leases are kept; without it each client takes the fixed share 1 / sharedBy. */
  store?: BudgetLeaseStore | undefined;
  /** The credentials' key at the store (a hash: never the principal itself). */
  budgetPrefix?: string;
  /** This container's id at the store (default: one per process). */
  holder?: string;
  onError?: (error: unknown) => void;
}

/**
 * The client's buckets for one set of credentials: which set each request belongs to, and one bucket
 * per (set, scope id), created on first use.
 */
export class RateLimitBuckets {
  readonly #sets: CompiledSet[];
  readonly #buckets = new Map<string, TokenBucket>();
  /** Buckets shared through leases: never pruned, their lease lives with them. */
  readonly #shared = new Map<string, { bucket: TokenBucket; budget: SharedBudget }>();
  #pruneAt = PRUNE_AT;
  readonly #sharedBy: number;
  readonly #sharing: BucketSharing;
  readonly #now: () => number;
  /** True when `/rateLimits` answered: false means every bucket is a fallback that learns from headers. */
  readonly published: boolean;

  constructor(sets: readonly EndpointSet[] | undefined, options: { sharedBy?: number; now: () => number; sharing?: BucketSharing }) {
    this.published = sets !== undefined;
    this.#sharedBy = Math.max(1, Math.floor(options.sharedBy ?? 1));
    this.#sharing = options.sharing ?? {};
    this.#now = options.now;
    // With a lease store the shared buckets keep their whole limits: the lease decides the share.
    const divide = this.#sharing.store ? 1 : this.#sharedBy;
    this.#sets = (sets ?? []).map((set) => ({
      set: shareOf(set, divide),
      matchers: set.endpoints.map((e) => ({ method: e.method.toUpperCase(), pattern: compileTemplate(e.path) })),
    }));
  }

  /** The bucket a request takes from. A path no set names gets a bucket of its own per route and project. */
  keyFor(method: string, path: string): BucketKey {
    const upper = method.toUpperCase();
    for (const { set, matchers } of this.#sets) {
      for (const m of matchers) {
        if (m.method !== upper) continue;
        const match = m.pattern.exec(path);
        if (match) return { setId: set.id, scopeId: scopeIdOf(set.scope, match.groups ?? {}, path), published: true };
      }
    }
    // Unknown to the published sets: keyed by its route shape, so it cannot slow down a known set.
    const segments = path.split('/');
    const route = segments.map((s) => (OBJECT_ID.test(s) ? '{id}' : s)).join('/');
    const groupIndex = segments.findIndex((s, i) => s === 'groups' && OBJECT_ID.test(segments[i + 1] ?? ''));
    return { setId: `unmapped ${upper} ${route}`, scopeId: groupIndex >= 0 ? segments[groupIndex + 1]! : '*', published: false };
  }

  bucket(key: BucketKey): TokenBucket {
    const id = `${key.setId}\u0000${key.scopeId}`;
    const set = key.published ? this.#sets.find((s) => s.set.id === key.setId)?.set : undefined;
    const store = this.#sharing.store;
    if (set && set.scope !== 'GROUP' && store) return this.#sharedBucket(id, set, store);
    let bucket = this.#buckets.get(id);
    if (!bucket) {
      // A sweep of 10,000 projects would otherwise keep three GROUP buckets per project to the end.
      if (this.#buckets.size >= this.#pruneAt) {
        for (const [k, b] of this.#buckets) if (b.idle) this.#buckets.delete(k);
        this.#pruneAt = Math.max(PRUNE_AT, this.#buckets.size * 2);
      }
      bucket = new TokenBucket(set ?? FALLBACK_LIMITS, this.#now, set === undefined);
      this.#buckets.set(id, bucket);
    }
    return bucket;
  }

  #sharedBucket(id: string, set: EndpointSet, store: BudgetLeaseStore): TokenBucket {
    let entry = this.#shared.get(id);
    if (!entry) {
      const bucket = new TokenBucket(set, this.#now);
      const budget = new SharedBudget(bucket, {
        store,
        budget: `${this.#sharing.budgetPrefix ?? 'atlas'}#${id.replace('\u0000', '#')}`,
        ...(this.#sharing.holder ? { holder: this.#sharing.holder } : {}),
        fallbackShare: 1 / this.#sharedBy,
        now: this.#now,
        ...(this.#sharing.onError ? { onError: this.#sharing.onError } : {}),
      });
      entry = { bucket, budget };
      this.#shared.set(id, entry);
    }
    return entry.bucket;
  }

  /** Buckets created so far (for tests and diagnostics). */
  get size(): number {
    return this.#buckets.size + this.#shared.size;
  }
}

/**
 * The scope id from the path: the project for GROUP, the organization for ORGANIZATION when the path
 * names it. Otherwise (USER, IP, or an organization the path does not name) one bucket for these
 * credentials, which is as much as they may use.
 */
function scopeIdOf(scope: RateLimitScope, params: Record<string, string | undefined>, path: string): string {
  if (scope === 'GROUP') return firstParam(params, ['groupId', 'GROUP_ID', 'projectId']) ?? path;
  if (scope === 'ORGANIZATION') return firstParam(params, ['orgId', 'ORG_ID']) ?? '*';
  return '*';
}

interface CachedLimits {
  sets: EndpointSet[] | undefined;
  buckets: RateLimitBuckets;
  expiresAt: number;
}

// One entry per Atlas address and credentials: a warm Lambda container reuses the sets and the buckets'
// state between invocations, so a new invocation does not start from full buckets Atlas has spent.
const cache = new Map<string, CachedLimits>();

export function cachedLimits(key: string, now: number): CachedLimits | undefined {
  const entry = cache.get(key);
  return entry && entry.expiresAt > now ? entry : undefined;
}

const learning = new Map<string, Promise<RateLimitBuckets>>();

/** Runs `learn` for `key` unless a run for it is already under way, whose answer is then shared. */
export function learnOnce(key: string, learn: () => Promise<RateLimitBuckets>): Promise<RateLimitBuckets> {
  let pending = learning.get(key);
  if (!pending) {
    pending = learn().finally(() => learning.delete(key));
    learning.set(key, pending);
  }
  return pending;
}

export function storeLimits(key: string, entry: CachedLimits): void {
  cache.set(key, entry);
}

/** Forget learned limits and bucket state (tests, benchmarks). */
export function clearRateLimitCache(): void {
  cache.clear();
}
