import { isIP } from 'node:net';
import { AtlasApiError } from './errors';
import { paginate } from './pagination';
import type { Route, RouteContext } from './routes';
import { limitsFor, type Limits } from './rate-limit';
import type { EndpointSet, Scope } from './rate-limit-sets';

const V2 = '/api/atlas/v2';

/** GET /api/atlas/v2/rateLimits and /rateLimits/{endpointSetId}: the sets the simulator enforces, as Atlas publishes them. */
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

/** The sets the scenario publishes; a scenario publishing none answers 404 as for a route Atlas lacks. */
function publishedSets(ctx: RouteContext): readonly EndpointSet[] {
  const sets = ctx.rateLimits.published;
  if (!sets) throw new AtlasApiError('RESOURCE_NOT_FOUND', `No route ${ctx.requestUrl.pathname} is served.`, [ctx.requestUrl.pathname]);
  return sets;
}

export const RATE_LIMIT_ROUTES: readonly Route[] = [
  {
    operationId: 'listRateLimits',
    method: 'GET',
    path: `${V2}/rateLimits`,
    version: '2025-03-12',
    handle: (ctx: RouteContext) => {
      const entity = filters(ctx.query);
      return { status: 200, shape: 'page', body: paginate(publishedSets(ctx).map((s) => publish(s, entity)), ctx.common, ctx.requestUrl) };
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
      const set = publishedSets(ctx).find((s) => s.endpointSetId === id);
      if (!set) throw new AtlasApiError('RESOURCE_NOT_FOUND', `No endpoint set ${id} exists.`, [id]);
      return { status: 200, shape: 'single', body: publish(set, entity) };
    },
  },
];
