import * as z from 'zod';
import { linkSchema } from '../schemas';

/**
 * Atlas's rate limits as Atlas documents them: a token bucket per endpoint set and scope. Each endpoint
 * belongs to one set; the set's scope says whose bucket a request takes from (one per project for
 * GROUP, per organization, per API key or service account for USER, per address for IP).
 */
export const RATE_LIMIT_SCOPES = ['GROUP', 'ORGANIZATION', 'USER', 'IP'] as const;
export type RateLimitScope = (typeof RATE_LIMIT_SCOPES)[number];

/** A bucket's size and refill, as a set publishes them or a 429 states them. */
export interface Limits {
  capacity: number;
  refillRate: number;
  refillDurationSeconds: number;
}

export interface EndpointSet extends Limits {
  id: string;
  scope: RateLimitScope;
  /** Method + path template, e.g. `GET /api/atlas/v2/groups/{groupId}/peers`. */
  endpoints: { method: string; path: string }[];
}

/** The version the rate-limit operations answer in. */
export const RATE_LIMITS_MEDIA_TYPE = 'application/vnd.atlas.2025-03-12+json';
export const RATE_LIMITS_PATH = '/api/atlas/v2/rateLimits';

/**
 * Limits for a bucket nobody published: used for every request when `/rateLimits` cannot be read, and
 * for paths no published set names. Small on purpose (Atlas's own example set is 10 tokens and 5 per
 * minute); the first answer whose headers or 429 body say otherwise replaces them for that endpoint.
 */
export const FALLBACK_LIMITS: Limits = { capacity: 10, refillRate: 1, refillDurationSeconds: 1 };

/** How long learned sets are trusted before they are read again (a warm Lambda container keeps them). */
export const RATE_LIMITS_REFRESH_MS = 15 * 60_000;
/** After a failed read, how long the fallback is used before the read is tried again. */
export const RATE_LIMITS_RETRY_MS = 60_000;

// Each number arrives as `{ value, defaultValue? }` (inferred from the published schema names); a bare
// number is accepted too. `value` is what applies to the entity asked about.
const limitValue = z.union([z.number(), z.looseObject({ value: z.number() })]).transform((v) => (typeof v === 'number' ? v : v.value));
export const positive = (n: number) => Number.isFinite(n) && n > 0;

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

/** Tokens a millisecond. */
export const perMs = (limits: Limits) => limits.refillRate / (limits.refillDurationSeconds * 1000);

/** `/groups/{groupId}/peers` → a regex with named groups for the path parameters. */
export function compileTemplate(template: string): RegExp {
  const parts = template.split(/(\{[^}]+\})/).map((part) => {
    const param = /^\{([^}]+)\}$/.exec(part);
    if (!param) return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const name = param[1]!.replace(/[^A-Za-z0-9_]/g, '_');
    return `(?<${/^[A-Za-z_]/.test(name) ? name : `p_${name}`}>[^/]+)`;
  });
  return new RegExp(`^${parts.join('')}/?$`);
}
