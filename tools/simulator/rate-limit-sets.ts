import { z } from 'zod';

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
  /**
   * What `/rateLimits` publishes: `all` (the sets enforced, the default), `none` (the operation answers
   * 404, as a route Atlas does not serve), or `{ sets }`: another list, incomplete or plain wrong, while
   * `sets` are still what the buckets enforce. A client must not trust the published list blindly.
   */
  publish: z.union([z.literal('all'), z.literal('none'), z.object({ sets: z.array(endpointSetSchema) })]).default('all'),
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

