import { compileTemplate, FALLBACK_LIMITS, perMs, type EndpointSet, type Limits, type RateLimitScope } from './endpoint-sets';
import { ScopeHistory } from './scope-history';
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

/**
 * A bucket Atlas described in an answer, for one endpoint (method and route) in every scope. Endpoints
 * learned with the same limits share one bucket per scope id: Atlas puts endpoints in sets that share
 * a bucket, and a 429 names the endpoint, not its set. Two sets that merely look alike are paced as one,
 * which is slower than need be but never refused.
 */
export interface LearnedRoute {
  limits: Limits;
  /** The bucket's id: the same for every endpoint learned with these limits. */
  setId: string;
  /** Only the capacity was stated (a header): the refill is the client's assumption. */
  guessed: boolean;
}

/** A bucket's key in the maps: its set and scope id. */
const bucketId = (key: BucketKey) => `${key.setId}\u0000${key.scopeId}`;

const learnedSetId = (limits: Limits) => `learned ${limits.capacity} per ${limits.refillDurationSeconds / limits.refillRate} s`;

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
  return segments
    .map((s, i) => {
      const before = segments[i - 1];
      if (OBJECT_ID.test(s) || before === 'endpoint' || before === 'interfaceEndpoints') return '{id}';
      // `/privateEndpoint/{cloudProvider}/endpointService`: one endpoint whatever the provider.
      return before === 'privateEndpoint' && /^(AWS|AZURE|GCP)$/.test(s) ? '{cloudProvider}' : s;
    })
    .join('/');
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
  /** What answers taught, by `METHOD route`. */
  readonly #learned: Map<string, LearnedRoute>;
  readonly #learnedSets = new Map<string, Limits>();
  readonly #buckets = new Map<string, Bucket>();
  /** What each endpoint sent through guessed and learned buckets in each scope (see ScopeHistory), by scope id and route. */
  readonly #histories = new Map<string, Map<string, ScopeHistory>>();
  /** Buckets shared through leases: never pruned, their lease lives with them. */
  readonly #shared = new Map<string, SharedBudget>();
  #pruneAt = PRUNE_AT;
  readonly #sharedBy: number;
  readonly #sharing: BucketSharing;
  readonly #now: () => number;
  /** True when `/rateLimits` answered: false means every bucket is a fallback until answers say more. */
  readonly published: boolean;
  generation = 0;

  /** The organization of a project, when a project list said it (ORGANIZATION buckets of project paths). */
  readonly #orgOf: (projectId: string) => string | undefined;
  /** When another client last used a project's buckets, if anyone said (Pacer.noteSpentUntil). */
  readonly #spentUntil: (projectId: string) => number | undefined;

  constructor(
    sets: readonly EndpointSet[] | undefined,
    options: {
      sharedBy?: number;
      now: () => number;
      sharing?: BucketSharing;
      learned?: ReadonlyMap<string, LearnedRoute>;
      orgOf?: (projectId: string) => string | undefined;
      spentUntil?: (projectId: string) => number | undefined;
    },
  ) {
    this.#orgOf = options.orgOf ?? (() => undefined);
    this.#spentUntil = options.spentUntil ?? (() => undefined);
    this.published = sets !== undefined;
    this.#sharedBy = Math.max(1, Math.floor(options.sharedBy ?? 1));
    this.#sharing = options.sharing ?? {};
    this.#now = options.now;
    this.#learned = new Map(options.learned ?? []);
    for (const { setId, limits } of this.#learned.values()) this.#learnedSets.set(setId, limits);
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
      const learned = this.#learned.get(`${upper} ${routeOf(path)}`);
      if (learned) return { setId: learned.setId, scopeId: pathScope(path), published: false };
    }
    for (const { set, matchers } of this.#sets) {
      for (const m of matchers) {
        if (m.method !== upper) continue;
        const match = m.pattern.exec(path);
        if (match) return { setId: set.id, scopeId: scopeIdOf(set.scope, match.groups ?? {}, path, this.#orgOf), published: true };
      }
    }
    // Unknown to the published sets: keyed by its route, so it cannot slow down a known set.
    return { setId: `unmapped ${upper} ${routeOf(path)}`, scopeId: pathScope(path), published: false };
  }

  /** Whether `key` is a bucket an answer described. */
  isLearned(key: BucketKey): boolean {
    return this.#learnedSets.has(key.setId);
  }

  /** The limits of the bucket behind `key`, undivided: what Atlas's answers about it are compared with. */
  limitsOf(key: BucketKey): Limits {
    return this.#learnedSets.get(key.setId) ?? (key.published ? this.#setOf(key) : undefined) ?? FALLBACK_LIMITS;
  }

  /**
   * Adopt the bucket an answer described for this endpoint (method and route), in every scope from
   * now on: each project (for a path under a project), organization or the credentials get one of
   * these limits. Returns false when that is what the endpoint already uses.
   */
  learn(method: string, path: string, limits: Limits, guessed = false): boolean {
    const route = `${method.toUpperCase()} ${routeOf(path)}`;
    const known = this.#learned.get(route)?.limits;
    if (known && known.capacity === limits.capacity && perMs(known) === perMs(limits)) return false;
    const setId = learnedSetId(limits);
    this.#learned.set(route, { limits, setId, guessed });
    this.#learnedSets.set(setId, limits);
    // Endpoints whose refill was only assumed, with the capacity this bucket states, are taken to be in
    // its set: Atlas shares a bucket among the endpoints of a set, and their headers said as much.
    if (!guessed) for (const [r, l] of this.#learned) if (l.guessed && l.limits.capacity === limits.capacity) this.#learned.set(r, { limits, setId, guessed: true });
    this.generation++;
    return true;
  }

  /** Whether some endpoint takes from this learned bucket on a 429's whole description (not a header's capacity alone). */
  #described(setId: string): boolean {
    for (const l of this.#learned.values()) if (l.setId === setId && !l.guessed) return true;
    return false;
  }

  /** A bucket an answer described completely with this capacity, if any: an endpoint only a header describes likely shares it. */
  describedWithCapacity(capacity: number): Limits | undefined {
    for (const l of this.#learned.values()) if (!l.guessed && l.limits.capacity === capacity) return l.limits;
    return undefined;
  }

  /** The bucket for this key if it exists already (none is created). */
  existing(key: BucketKey): Bucket | undefined {
    const id = bucketId(key);
    return this.#buckets.get(id) ?? this.#shared.get(id);
  }

  bucket(key: BucketKey): Bucket {
    const existing = this.existing(key);
    if (existing) return existing;
    const id = bucketId(key);
    const set = key.published ? this.#setOf(key) : undefined;
    const store = this.#sharing.store;
    if (set && set.scope !== 'GROUP' && store) return this.#sharedBucket(id, set, store);
    // A sweep of 10,000 projects would otherwise keep three GROUP buckets per project to the end.
    if (this.#buckets.size >= this.#pruneAt) this.#prune();
    const limits = set ? shareOf(set, this.#sharedBy) : this.limitsOf(key);
    const bucket = new TokenBucket(limits, this.#now);
    // A project's bucket whose limits are known (a GROUP set's, or one a 429 described whole for its
    // paths) that another client used until a moment someone stated starts empty then, refilled since.
    // Not a bucket whose refill is a guess (a fallback, or a capacity only a header gave): emptied, it
    // would hold every endpoint nobody described to that guessed refill.
    const spentAt = set?.scope === 'GROUP' || this.#described(key.setId) ? this.#spentUntil(key.scopeId) : undefined;
    if (spentAt !== undefined) bucket.emptyAt(spentAt);
    // A learned bucket replaces the fallback (or earlier learned) buckets through which this scope's
    // requests to its endpoints went before: what they spent may be this bucket's at Atlas, so it starts
    // from their answers. (Other endpoints of the scope are other sets as far as anyone said; a published
    // bucket of the scope was another set too.)
    if (this.#learnedSets.has(key.setId)) {
      const byRoute = this.#histories.get(key.scopeId);
      const histories = [...this.#learned].filter(([route, l]) => l.setId === key.setId && byRoute?.has(route)).map(([route]) => byRoute!.get(route)!);
      if (histories.length > 0) bucket.startFrom(histories);
    }
    this.#buckets.set(id, bucket);
    return bucket;
  }

  /**
   * The history a request (method and path) through `key` is written to: one per scope and endpoint for
   * guessed and learned buckets, none for a published set's.
   */
  historyOf(key: BucketKey, method: string, path: string): ScopeHistory | undefined {
    if (key.published) return undefined;
    let byRoute = this.#histories.get(key.scopeId);
    if (!byRoute) this.#histories.set(key.scopeId, (byRoute = new Map()));
    const route = `${method.toUpperCase()} ${routeOf(path)}`;
    let history = byRoute.get(route);
    if (!history) byRoute.set(route, (history = new ScopeHistory()));
    return history;
  }

  /** Drops idle buckets, and the histories of scopes with nothing in flight and no bucket left. */
  #prune(): void {
    const scopes = new Set<string>();
    for (const [k, b] of this.#buckets) {
      if (b.idle) this.#buckets.delete(k);
      else scopes.add(k.slice(k.indexOf('\u0000') + 1));
    }
    for (const [scope, byRoute] of this.#histories) if (!scopes.has(scope) && [...byRoute.values()].every((h) => h.quiet)) this.#histories.delete(scope);
    this.#pruneAt = Math.max(PRUNE_AT, this.#buckets.size * 2);
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
 * names it or names a project whose organization a project list said. Otherwise (USER, IP, or an
 * organization nobody said) one bucket for these credentials, which is as much as they may use.
 */
function scopeIdOf(scope: RateLimitScope, params: Record<string, string | undefined>, path: string, orgOf: (projectId: string) => string | undefined): string {
  const project = firstParam(params, ['groupId', 'GROUP_ID', 'projectId']);
  if (scope === 'GROUP') return project ?? path;
  if (scope === 'ORGANIZATION') return firstParam(params, ['orgId', 'ORG_ID']) ?? (project === undefined ? undefined : orgOf(project)) ?? '*';
  return '*';
}
