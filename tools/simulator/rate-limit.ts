import { isIP } from 'node:net';
import { z } from 'zod';
import { AtlasApiError } from './errors';
import { mulberry32 } from './faults';
import { paginate } from './pagination';
import type { Route, RouteContext } from './routes';

/**
 * Atlas's rate limits as its documentation describes them: a token bucket per endpoint set and scope
 * (GROUP: one per project, ORGANIZATION, USER: per API key or service account, IP). A bucket holds up to
 * `capacity` tokens, each request takes one, `refillRate` come back every `refillDurationSeconds`
 * (continuously, in fractions: how Atlas spreads a refill is not documented). An empty bucket answers
 * 429 RATE_LIMITED_TOKEN_BUCKET. The sets are published at GET /api/atlas/v2/rateLimits.
 */

export const SCOPES = ['GROUP', 'ORGANIZATION', 'USER', 'IP'] as const;
export type Scope = (typeof SCOPES)[number];

const positive = z.number().positive();
const endpoint = z
  .string()
  .regex(/^(GET|POST|PUT|PATCH|DELETE) \/api\/atlas\/\S+$/, 'must be "METHOD /api/atlas/..." (a path template)');
const override = z.object({
  /** The entity the override applies to: a project id, org id, user (API key / client id) or address. */
  scopeId: z.string().min(1),
  capacity: positive.optional(),
  refillRate: positive.optional(),
  refillDurationSeconds: positive.optional(),
});

export const endpointSetSchema = z.object({
  endpointSetId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1-64 letters, digits, _ or -'),
  endpointSetName: z.string().min(1),
  scope: z.enum(SCOPES),
  endpoints: z.array(endpoint).min(1).max(100),
  capacity: positive,
  refillRate: positive,
  refillDurationSeconds: positive,
  overrides: z.array(override).default([]),
});
export type EndpointSet = z.output<typeof endpointSetSchema>;

export const rateLimitsSchema = z.object({
  /** The sets; absent = DEFAULT_ENDPOINT_SETS. An empty list turns rate limiting off. */
  sets: z.array(endpointSetSchema).optional(),
  /** Share of answers sent without RateLimit-* headers (Atlas: "not always present"). */
  omitHeadersShare: z.number().min(0).max(1).default(0),
});
export type RateLimitSettings = z.output<typeof rateLimitsSchema>;

const V2 = '/api/atlas/v2';
const SVC = `${V2}/groups/{groupId}/privateEndpoint/{cloudProvider}/endpointService`;

/**
 * The documented default: generous enough that no test or latency benchmark is bounded by it, shaped
 * like Atlas (project reads per USER, each project's network resources in GROUP buckets). v1.0 routes
 * belong to no set: a scenario may add them.
 */
export const DEFAULT_ENDPOINT_SETS: z.input<typeof endpointSetSchema>[] = [
  {
    endpointSetId: 'projects',
    endpointSetName: 'Organizations and projects',
    scope: 'USER',
    endpoints: [`GET ${V2}/orgs`, `GET ${V2}/orgs/{orgId}/groups`, `GET ${V2}/groups`, `GET ${V2}/groups/{groupId}`],
    capacity: 1000,
    refillRate: 500,
    refillDurationSeconds: 1,
  },
  {
    endpointSetId: 'privateEndpoints',
    endpointSetName: 'Private endpoint services and endpoints',
    scope: 'GROUP',
    endpoints: [`GET ${SVC}`, `GET ${SVC}/{endpointServiceId}`, `DELETE ${SVC}/{endpointServiceId}`, `GET ${SVC}/{endpointServiceId}/endpoint/{endpointId}`, `DELETE ${SVC}/{endpointServiceId}/endpoint/{endpointId}`],
    capacity: 1000,
    refillRate: 100,
    refillDurationSeconds: 1,
  },
  {
    endpointSetId: 'networkPeering',
    endpointSetName: 'Network peering connections',
    scope: 'GROUP',
    endpoints: [`GET ${V2}/groups/{groupId}/peers`, `GET ${V2}/groups/{groupId}/peers/{peerId}`, `DELETE ${V2}/groups/{groupId}/peers/{peerId}`],
    capacity: 1000,
    refillRate: 100,
    refillDurationSeconds: 1,
  },
  {
    endpointSetId: 'streamsPrivateLinks',
    endpointSetName: 'Stream Processing private link connections',
    scope: 'GROUP',
    endpoints: [
      `GET ${V2}/groups/{groupId}/streams/privateLinkConnections`,
      `GET ${V2}/groups/{groupId}/streams/privateLinkConnections/{connectionId}`,
      `DELETE ${V2}/groups/{groupId}/streams/privateLinkConnections/{connectionId}`,
    ],
    capacity: 1000,
    refillRate: 100,
    refillDurationSeconds: 1,
  },
  {
    endpointSetId: 'rateLimits',
    endpointSetName: 'Rate limits',
    scope: 'USER',
    endpoints: [`GET ${V2}/rateLimits`, `GET ${V2}/rateLimits/{endpointSetId}`],
    capacity: 100,
    refillRate: 100,
    refillDurationSeconds: 60,
  },
];

interface Limits {
  capacity: number;
  refillRate: number;
  refillDurationSeconds: number;
}

/** The limits of a set as they apply to one entity, and whether an override changed them. */
function limitsFor(set: EndpointSet, scopeId: string | undefined): Limits & { overridden: boolean } {
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

/** Every bucket of a simulator, created on first use, keyed by set and scope id. */
export class TokenBuckets {
  readonly sets: readonly EndpointSet[];
  readonly #byRoute = new Map<string, EndpointSet>();
  readonly #buckets = new Map<string, Bucket>();
  readonly #omitHeadersShare: number;
  readonly #random: () => number;
  readonly #now: () => number;
  /** 429 answers given, per set (for tests and benchmarks). */
  readonly refused = new Map<string, number>();

  constructor(settings: RateLimitSettings | undefined, seed: number, now: () => number) {
    this.sets = settings?.sets ?? DEFAULT_ENDPOINT_SETS.map((s) => endpointSetSchema.parse(s));
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

const FILTERS = ['groupId', 'orgId', 'userId', 'ipAddress'] as const;
const FILTER_SCOPE: Record<(typeof FILTERS)[number], Scope> = { groupId: 'GROUP', orgId: 'ORGANIZATION', userId: 'USER', ipAddress: 'IP' };

function filters(query: Record<string, string>): Partial<Record<Scope, string>> {
  const out: Partial<Record<Scope, string>> = {};
  for (const name of FILTERS) {
    const value = query[name];
    if (value === undefined) continue;
    const valid =
      name === 'groupId' || name === 'orgId' ? /^[a-f0-9]{24}$/.test(value) : name === 'ipAddress' ? isIP(value) !== 0 : /^[A-Za-z0-9_.@-]{1,128}$/.test(value);
    if (!valid) throw new AtlasApiError('INVALID_QUERY_PARAMETER', `Query parameter ${name} is not a valid ${name === 'ipAddress' ? 'IP address' : name}.`, [name, value]);
    out[FILTER_SCOPE[name]] = value;
  }
  return out;
}

/** A set as the API publishes it; each number `{ value }`, plus `defaultValue` when an override applies. */
function publish(set: EndpointSet, entity: Partial<Record<Scope, string>>) {
  const limits = limitsFor(set, entity[set.scope]);
  const number = (name: keyof Limits) => (limits.overridden ? { value: limits[name], defaultValue: set[name] } : { value: limits[name] });
  return {
    endpointSetId: set.endpointSetId,
    endpointSetName: set.endpointSetName,
    scope: set.scope,
    endpoints: set.endpoints.map((e) => {
      const [method, path] = e.split(' ') as [string, string];
      return { method, path };
    }),
    capacity: number('capacity'),
    refillRate: number('refillRate'),
    refillDurationSeconds: number('refillDurationSeconds'),
  };
}

export const RATE_LIMIT_ROUTES: readonly Route[] = [
  {
    operationId: 'listRateLimits',
    method: 'GET',
    path: `${V2}/rateLimits`,
    version: '2025-03-12',
    handle: (ctx: RouteContext) => {
      const entity = filters(ctx.query);
      return { status: 200, shape: 'page', body: paginate(ctx.rateLimits.sets.map((s) => publish(s, entity)), ctx.common, ctx.requestUrl) };
    },
  },
  {
    operationId: 'getRateLimit',
    method: 'GET',
    path: `${V2}/rateLimits/{endpointSetId}`,
    version: '2025-03-12',
    handle: (ctx: RouteContext) => {
      const entity = filters(ctx.query);
      const id = ctx.params.endpointSetId!;
      const set = ctx.rateLimits.sets.find((s) => s.endpointSetId === id);
      if (!set) throw new AtlasApiError('RESOURCE_NOT_FOUND', `No endpoint set ${id} exists.`, [id]);
      return { status: 200, shape: 'single', body: publish(set, entity) };
    },
  },
];
