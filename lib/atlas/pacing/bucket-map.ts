import { compileTemplate, FALLBACK_LIMITS, perMs, type EndpointSet, type Limits, type RateLimitScope } from './endpoint-sets';
import { SharedBudget, type BudgetLeaseStore } from './shared-budget';
import { TokenBucket, type Bucket } from './token-bucket';

/** Where a request takes its token from: the set (learned route, or unmapped route) and the scope id. */
export interface BucketKey {
  setId: string;
  scopeId: string;
  /** False for a path no published set names: its bucket uses the fallback limits until an answer says more. */
  published: boolean;
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

/** A bucket Atlas described in an answer, for one endpoint (method and route) in every scope. */
export interface LearnedRoute {
  limits: Limits;
}

interface CompiledSet {
  set: EndpointSet;
  matchers: { method: string; pattern: RegExp }[];
}

const OBJECT_ID = /^[0-9a-f]{24}$/i;
/** Buckets kept before idle ones (full, no pause) are dropped: recreated on use, they start the same. */
const PRUNE_AT = 1024;

function firstParam(groups: Record<string, string | undefined>, names: readonly string[]): string | undefined {
  for (const name of names) if (groups[name] !== undefined) return decodeURIComponent(groups[name]!);
  return undefined;
}

/**
 * The route of a path: ids replaced by `{id}` (object ids, and the segment after `endpoint` or
 * `interfaceEndpoints`, whose ids have provider formats), so every project's request to one endpoint
 * has the same route.
 */
export function routeOf(path: string): string {
  const segments = path.split('/');
  return segments.map((s, i) => (OBJECT_ID.test(s) || segments[i - 1] === 'endpoint' || segments[i - 1] === 'interfaceEndpoints' ? '{id}' : s)).join('/');
}

/** The project a path names (`/groups/{id}/…`), else its organization (`/orgs/{id}/…`), else `*`. */
function pathScope(path: string): string {
  const segments = path.split('/');
  for (const name of ['groups', 'orgs']) {
    const i = segments.findIndex((s, j) => s === name && OBJECT_ID.test(segments[j + 1] ?? ''));
    if (i >= 0) return segments[i + 1]!;
  }
  return '*';
}

/**
 * How many invocations share a USER, ORGANIZATION or IP bucket: each client takes that share of the
 * refill and capacity, so together they stay within the one bucket Atlas keeps for them all.
 */
function shareOf(set: EndpointSet, sharedBy: number): EndpointSet {
  if (set.scope === 'GROUP' || sharedBy <= 1) return set;
  return { ...set, capacity: Math.max(1, set.capacity / sharedBy), refillRate: set.refillRate / sharedBy };
}

/**
 * The client's buckets for one set of credentials: which bucket each request takes from, and one bucket
 * per (set, scope id), created on first use. A request's endpoint is looked up in what answers taught
 * (`learn`), then in the published sets, and otherwise gets a fallback bucket of its own per route and
 * project. `generation` grows whenever a lookup would now give another answer.
 */
export class BucketMap {
  readonly #sets: CompiledSet[];
  readonly #learned: Map<string, LearnedRoute>;
  readonly #buckets = new Map<string, Bucket>();
  /** Buckets shared through leases: never pruned, their lease lives with them. */
  readonly #shared = new Map<string, SharedBudget>();
  #pruneAt = PRUNE_AT;
  readonly #sharedBy: number;
  readonly #sharing: BucketSharing;
  readonly #now: () => number;
  /** True when `/rateLimits` answered: false means every bucket is a fallback until answers say more. */
  readonly published: boolean;
  generation = 0;

  constructor(sets: readonly EndpointSet[] | undefined, options: { sharedBy?: number; now: () => number; sharing?: BucketSharing; learned?: ReadonlyMap<string, LearnedRoute> }) {
    this.published = sets !== undefined;
    this.#sharedBy = Math.max(1, Math.floor(options.sharedBy ?? 1));
    this.#sharing = options.sharing ?? {};
    this.#now = options.now;
    this.#learned = new Map(options.learned ?? []);
    this.#sets = (sets ?? []).map((set) => ({
      set,
      matchers: set.endpoints.map((e) => ({ method: e.method.toUpperCase(), pattern: compileTemplate(e.path) })),
    }));
  }

  /** What answers taught so far (kept when the published sets are read again). */
  get learned(): ReadonlyMap<string, LearnedRoute> {
    return this.#learned;
  }

  /** The bucket a request takes from. */
  keyFor(method: string, path: string): BucketKey {
    const upper = method.toUpperCase();
    if (this.#learned.size > 0) {
      const id = `learned ${upper} ${routeOf(path)}`;
      if (this.#learned.has(id)) return { setId: id, scopeId: pathScope(path), published: false };
    }
    for (const { set, matchers } of this.#sets) {
      for (const m of matchers) {
        if (m.method !== upper) continue;
        const match = m.pattern.exec(path);
        if (match) return { setId: set.id, scopeId: scopeIdOf(set.scope, match.groups ?? {}, path), published: true };
      }
    }
    // Unknown to the published sets: keyed by its route, so it cannot slow down a known set.
    return { setId: `unmapped ${upper} ${routeOf(path)}`, scopeId: pathScope(path), published: false };
  }

  /** The limits of the bucket behind `key`, undivided: what Atlas's answers about it are compared with. */
  limitsOf(key: BucketKey): Limits {
    return this.#learned.get(key.setId)?.limits ?? (key.published ? this.#setOf(key) : undefined) ?? FALLBACK_LIMITS;
  }

  /**
   * Adopt the bucket an answer described for this endpoint (method and route), in every scope from
   * now on: each project (for a path under a project), organization or the credentials get one of
   * these limits. Returns false when that is what the endpoint already uses.
   */
  learn(method: string, path: string, limits: Limits): boolean {
    const id = `learned ${method.toUpperCase()} ${routeOf(path)}`;
    const known = this.#learned.get(id)?.limits;
    if (known && known.capacity === limits.capacity && perMs(known) === perMs(limits)) return false;
    this.#learned.set(id, { limits });
    // Buckets of the old limits for this route go: the next request builds one with the new ones.
    for (const key of this.#buckets.keys()) if (key.startsWith(`${id}\u0000`)) this.#buckets.delete(key);
    this.generation++;
    return true;
  }

  bucket(key: BucketKey): Bucket {
    const id = `${key.setId}\u0000${key.scopeId}`;
    const existing = this.#buckets.get(id) ?? this.#shared.get(id);
    if (existing) return existing;
    const set = key.published ? this.#setOf(key) : undefined;
    const store = this.#sharing.store;
    if (set && set.scope !== 'GROUP' && store) return this.#sharedBucket(id, set, store);
    // A sweep of 10,000 projects would otherwise keep three GROUP buckets per project to the end.
    if (this.#buckets.size >= this.#pruneAt) {
      for (const [k, b] of this.#buckets) if (b.idle) this.#buckets.delete(k);
      this.#pruneAt = Math.max(PRUNE_AT, this.#buckets.size * 2);
    }
    const limits = set ? shareOf(set, this.#sharedBy) : this.limitsOf(key);
    const bucket = new TokenBucket(limits, this.#now);
    this.#buckets.set(id, bucket);
    return bucket;
  }

  #setOf(key: BucketKey): EndpointSet | undefined {
    return this.#sets.find((s) => s.set.id === key.setId)?.set;
  }

  #sharedBucket(id: string, set: EndpointSet, store: BudgetLeaseStore): Bucket {
    // With a lease store the shared bucket keeps its whole limits: the lease decides the share.
    const budget = new SharedBudget(new TokenBucket(set, this.#now), {
      store,
      budget: `${this.#sharing.budgetPrefix ?? 'atlas'}#${id.replace('\u0000', '#')}`,
      ...(this.#sharing.holder ? { holder: this.#sharing.holder } : {}),
      fallbackShare: 1 / this.#sharedBy,
      now: this.#now,
      ...(this.#sharing.onError ? { onError: this.#sharing.onError } : {}),
    });
    this.#shared.set(id, budget);
    return budget;
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
