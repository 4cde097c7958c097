import { AtlasApiError, type ErrorCode } from './errors';
import type { TokenBuckets } from './rate-limit';
import { paginate, type CommonQuery } from './pagination';
import { ID_FORMATS, type CloudProvider } from './scenario';
import { mayRead, type RoleGrant } from './roles';
import type { DeleteOutcome, EndpointRecord, ProjectRecord, ResourceKind, ServiceRecord, Store } from './store';

/**
 * The route table, keyed by the spec's operationIds (v1.0 routes get `v1…` names). Each entry names its
 * path template, the version date its Accept header must carry (null for v1.0), and a handler that
 * reads or changes the store. Auth, versioning, faults, envelope and serialisation live in server.ts.
 */

export type ApiVersion = '2023-01-01' | '2023-02-01' | '2025-03-12';

export interface Principal {
  id: string;
  /** The organizations the key belongs to (it lists them and their projects' ids). */
  orgIds: ReadonlySet<string>;
  /** What it may read and delete, per organization or project. */
  roles: readonly RoleGrant[];
}

export interface RouteConfig {
  serviceHasEndpointsStatus: number;
  alreadyDeletingStatus: Record<ResourceKind, number>;
}

export interface RouteContext {
  /** Path parameters, percent-decoded. */
  params: Record<string, string>;
  query: Record<string, string>;
  common: CommonQuery;
  principal: Principal;
  store: Store;
  /** Absolute URL of this request on the simulator (for pagination links). */
  requestUrl: URL;
  config: RouteConfig;
  rateLimits: TokenBuckets;
}

/** `shape` tells the server how `envelope=true` wraps the body. */
export interface RouteResult {
  status: number;
  shape: 'single' | 'page' | 'array' | 'none';
  body?: unknown;
}

export interface Route {
  operationId: string;
  method: 'GET' | 'DELETE';
  path: string;
  version: ApiVersion | null;
  /**
   * The spec lists no 400 for some operations (streams): there a malformed id answers the not-found
   * error of that parameter instead, since it cannot name anything.
   */
  noBadRequest?: boolean;
  handle(ctx: RouteContext): RouteResult;
}

const V2 = '/api/atlas/v2';
const V1 = '/api/atlas/v1.0';
const SVC = `${V2}/groups/{groupId}/privateEndpoint/{cloudProvider}/endpointService`;

const PROVIDERS: readonly CloudProvider[] = ['AWS', 'AZURE', 'GCP'];

const NOT_FOUND_BY_PARAM: Record<string, ErrorCode> = {
  orgId: 'ORG_NOT_FOUND',
  groupId: 'GROUP_NOT_FOUND',
  endpointServiceId: 'PRIVATE_ENDPOINT_SERVICE_NOT_FOUND',
  endpointId: 'PRIVATE_ENDPOINT_NOT_FOUND',
  peerId: 'PEER_NOT_FOUND',
  connectionId: 'STREAM_PRIVATE_LINK_NOT_FOUND',
};

const HEX24_PARAMS = new Set(['orgId', 'groupId', 'endpointServiceId', 'peerId']);

function parseProvider(value: string | undefined, what: string): CloudProvider {
  const upper = (value ?? 'AWS').toUpperCase();
  if ((PROVIDERS as readonly string[]).includes(upper)) return upper as CloudProvider;
  throw new AtlasApiError('INVALID_PROVIDER', `No provider ${value} exists (${what} must be AWS, AZURE or GCP).`, [value]);
}

const ENDPOINT_ID_FORMAT: Record<CloudProvider, RegExp> = {
  AWS: ID_FORMATS.awsEndpointId,
  AZURE: ID_FORMATS.azureEndpointId,
  GCP: ID_FORMATS.gcpEndpointGroupName,
};

/** Check every path parameter against its format before anything is looked up. */
export function validateParams(route: Route, params: Record<string, string>): void {
  const malformed = (name: string, format: string) => {
    const value = params[name];
    if (route.noBadRequest) throw new AtlasApiError(NOT_FOUND_BY_PARAM[name] ?? 'RESOURCE_NOT_FOUND', `No ${name} ${value} exists.`, [value]);
    throw new AtlasApiError('INVALID_ATTRIBUTE', `Invalid attribute ${name} specified: must be ${format}.`, [name, value]);
  };
  for (const name of Object.keys(params)) {
    if (HEX24_PARAMS.has(name) && !ID_FORMATS.hex24.test(params[name]!)) malformed(name, '24 hexadecimal characters');
  }
  if (params.cloudProvider !== undefined) params.cloudProvider = parseProvider(params.cloudProvider, 'cloudProvider');
  if (params.endpointId !== undefined) {
    // v1.0 interface endpoints are always AWS.
    const provider = (params.cloudProvider ?? 'AWS') as CloudProvider;
    if (!ENDPOINT_ID_FORMAT[provider].test(params.endpointId)) malformed('endpointId', `a ${provider} private endpoint id`);
  }
}

// --- lookups with authorization ---

export function project(ctx: RouteContext): ProjectRecord {
  const id = ctx.params.groupId!;
  const p = ctx.store.project(id);
  if (!p) throw new AtlasApiError('GROUP_NOT_FOUND', `No group with ID ${id} exists.`, [id]);
  if (!mayRead(ctx.principal.roles, p)) throw new AtlasApiError('CANNOT_ACCESS_GROUP', `The credentials cannot access group ${id}.`, [id]);
  return p;
}

function service(ctx: RouteContext, provider: CloudProvider): ServiceRecord {
  const id = ctx.params.endpointServiceId!;
  const svc = ctx.store.service(project(ctx), provider, id);
  if (!svc) throw new AtlasApiError('PRIVATE_ENDPOINT_SERVICE_NOT_FOUND', `No ${provider} private endpoint service with ID ${id} exists.`, [id]);
  return svc;
}

/** An endpoint id the service lists; `allowOrphan` for DELETE, which clears a listed id without an object. */
function endpoint(ctx: RouteContext, provider: CloudProvider, allowOrphan: boolean): EndpointRecord {
  const id = ctx.params.endpointId!;
  const ep = ctx.store.endpoint(service(ctx, provider), id);
  if (!ep || (!ep.base && !allowOrphan)) throw new AtlasApiError('PRIVATE_ENDPOINT_NOT_FOUND', `No private endpoint with ID ${id} exists.`, [id]);
  return ep;
}

function peer(ctx: RouteContext) {
  const id = ctx.params.peerId!;
  const found = ctx.store.peer(project(ctx), id);
  if (!found) throw new AtlasApiError('PEER_NOT_FOUND', `No peer with ID ${id} exists.`, [id]);
  return found;
}

function stream(ctx: RouteContext) {
  const id = ctx.params.connectionId!;
  const found = ctx.store.stream(project(ctx), id);
  if (!found) throw new AtlasApiError('STREAM_PRIVATE_LINK_NOT_FOUND', `No Private Link connection with ID ${id} exists.`, [id]);
  return found;
}

function visibleOrgs(ctx: RouteContext) {
  return ctx.store.orgs.filter((o) => ctx.principal.orgIds.has(o.id));
}

function namePrefix(ctx: RouteContext, name: unknown): boolean {
  const prefix = ctx.query.name;
  return prefix === undefined || String(name).toLowerCase().startsWith(prefix.toLowerCase());
}

export const single = (body: unknown, status = 200): RouteResult => ({ status, shape: 'single', body });
export const page = (ctx: RouteContext, items: unknown[]): RouteResult => ({ status: 200, shape: 'page', body: paginate(items, ctx.common, ctx.requestUrl) });
export const empty = (status: number): RouteResult => ({ status, shape: 'none' });

const ALREADY_DELETING_CODE: Record<ResourceKind, ErrorCode> = {
  endpointService: 'PRIVATE_ENDPOINT_SERVICE_ALREADY_DELETING',
  privateEndpoint: 'PRIVATE_ENDPOINT_ALREADY_DELETING',
  peer: 'PEER_ALREADY_REQUESTED_DELETION',
  streamsPrivateLink: 'STREAM_PRIVATE_LINK_ALREADY_DELETING',
};

function afterDelete(ctx: RouteContext, kind: ResourceKind, id: string, outcome: DeleteOutcome, accepted: RouteResult): RouteResult {
  if (outcome === 'accepted') return accepted;
  if (outcome === 'hasEndpoints') {
    throw new AtlasApiError(
      'PRIVATE_ENDPOINT_SERVICE_HAS_ENDPOINTS',
      `Private endpoint service ${id} still has private endpoints; delete them first.`,
      [id],
      ctx.config.serviceHasEndpointsStatus,
    );
  }
  const status = ctx.config.alreadyDeletingStatus[kind];
  // A 2xx configured here means "idempotent accept": answer exactly as the first DELETE did.
  if (status >= 200 && status < 300) return { ...accepted, status };
  throw new AtlasApiError(ALREADY_DELETING_CODE[kind], `${kind} ${id} is already being deleted.`, [id], status);
}

function v1ServiceView(ctx: RouteContext, svc: ServiceRecord) {
  const v = ctx.store.serviceView(svc);
  return { id: v.id, endpointServiceName: v.endpointServiceName ?? null, errorMessage: v.errorMessage ?? null, interfaceEndpoints: v.interfaceEndpoints, status: v.status };
}

function v1InterfaceEndpointView(ctx: RouteContext, ep: EndpointRecord) {
  const v = ctx.store.endpointView(ep) ?? {};
  return {
    connectionStatus: v.connectionStatus,
    deleteRequested: v.deleteRequested ?? false,
    errorMessage: v.errorMessage ?? null,
    interfaceEndpointId: v.interfaceEndpointId,
  };
}

const v2 = (version: ApiVersion = '2023-01-01') => ({ version });

/** Seeds 000 and 003: every v1.0 DELETE "returns an empty JSON object", with 200. */
const V1_DELETED: RouteResult = single({}, 200);

export const ROUTES: readonly Route[] = [
  {
    operationId: 'listOrgs',
    method: 'GET',
    path: `${V2}/orgs`,
    ...v2(),
    handle: (ctx) => page(ctx, visibleOrgs(ctx).filter((o) => namePrefix(ctx, o.served.name)).map((o) => o.served)),
  },
  {
    operationId: 'getOrgGroups',
    method: 'GET',
    path: `${V2}/orgs/{orgId}/groups`,
    ...v2(),
    handle: (ctx) => {
      const id = ctx.params.orgId!;
      if (!ctx.store.org(id)) throw new AtlasApiError('ORG_NOT_FOUND', `No organization with ID ${id} exists.`, [id]);
      if (!ctx.principal.orgIds.has(id)) throw new AtlasApiError('CANNOT_ACCESS_ORG', `The credentials cannot access organization ${id}.`, [id]);
      return page(ctx, ctx.store.projects.filter((p) => p.orgId === id && mayRead(ctx.principal.roles, p) && namePrefix(ctx, p.served.name)).map((p) => p.served));
    },
  },
  {
    operationId: 'listGroups',
    method: 'GET',
    path: `${V2}/groups`,
    ...v2(),
    handle: (ctx) => page(ctx, ctx.store.projects.filter((p) => mayRead(ctx.principal.roles, p)).map((p) => p.served)),
  },
  { operationId: 'getGroup', method: 'GET', path: `${V2}/groups/{groupId}`, ...v2(), handle: (ctx) => single(project(ctx).served) },
  {
    operationId: 'listPrivateEndpointService',
    method: 'GET',
    path: SVC,
    ...v2(),
    handle: (ctx) => {
      const provider = ctx.params.cloudProvider as CloudProvider;
      // A bare JSON array, not a page: the one list Atlas does not paginate.
      return { status: 200, shape: 'array', body: ctx.store.services(project(ctx), provider).map((s) => ctx.store.serviceView(s)) };
    },
  },
  {
    operationId: 'getPrivateEndpointService',
    method: 'GET',
    path: `${SVC}/{endpointServiceId}`,
    ...v2(),
    handle: (ctx) => single(ctx.store.serviceView(service(ctx, ctx.params.cloudProvider as CloudProvider))),
  },
  {
    operationId: 'deletePrivateEndpointService',
    method: 'DELETE',
    path: `${SVC}/{endpointServiceId}`,
    ...v2(),
    handle: (ctx) => {
      const svc = service(ctx, ctx.params.cloudProvider as CloudProvider);
      return afterDelete(ctx, 'endpointService', svc.id, ctx.store.deleteService(svc), empty(204));
    },
  },
  {
    operationId: 'getPrivateEndpoint',
    method: 'GET',
    path: `${SVC}/{endpointServiceId}/endpoint/{endpointId}`,
    ...v2(),
    handle: (ctx) => single(ctx.store.endpointView(endpoint(ctx, ctx.params.cloudProvider as CloudProvider, false))),
  },
  {
    operationId: 'deletePrivateEndpoint',
    method: 'DELETE',
    path: `${SVC}/{endpointServiceId}/endpoint/{endpointId}`,
    ...v2(),
    handle: (ctx) => {
      const ep = endpoint(ctx, ctx.params.cloudProvider as CloudProvider, true);
      return afterDelete(ctx, 'privateEndpoint', ep.id, ctx.store.deleteEndpoint(ep), empty(204));
    },
  },
  {
    operationId: 'listGroupPeers',
    method: 'GET',
    path: `${V2}/groups/{groupId}/peers`,
    ...v2(),
    handle: (ctx) => {
      const provider = parseProvider(ctx.query.providerName, 'providerName');
      return page(ctx, ctx.store.peers(project(ctx), provider).map((p) => ctx.store.peerView(p)));
    },
  },
  { operationId: 'getGroupPeer', method: 'GET', path: `${V2}/groups/{groupId}/peers/{peerId}`, ...v2(), handle: (ctx) => single(ctx.store.peerView(peer(ctx))) },
  {
    operationId: 'deleteGroupPeer',
    method: 'DELETE',
    path: `${V2}/groups/{groupId}/peers/{peerId}`,
    ...v2(),
    handle: (ctx) => {
      const p = peer(ctx);
      return afterDelete(ctx, 'peer', p.id, ctx.store.deletePeer(p), single({}, 202));
    },
  },
  {
    // Not in the spec subset (facts file, "Side effect"): read before deleting a project's last AWS peer.
    operationId: 'listProjectIpAccessLists',
    method: 'GET',
    path: `${V2}/groups/{groupId}/accessList`,
    ...v2(),
    handle: (ctx) => page(ctx, ctx.store.accessList(project(ctx).id) ?? []),
  },
  {
    operationId: 'listPrivateLinkConnections',
    method: 'GET',
    path: `${V2}/groups/{groupId}/streams/privateLinkConnections`,
    ...v2('2023-02-01'),
    noBadRequest: true,
    handle: (ctx) => page(ctx, ctx.store.streams(project(ctx)).map((s) => ctx.store.streamView(s))),
  },
  {
    operationId: 'getPrivateLinkConnection',
    method: 'GET',
    path: `${V2}/groups/{groupId}/streams/privateLinkConnections/{connectionId}`,
    ...v2('2023-02-01'),
    noBadRequest: true,
    handle: (ctx) => single(ctx.store.streamView(stream(ctx))),
  },
  {
    operationId: 'deletePrivateLinkConnection',
    method: 'DELETE',
    path: `${V2}/groups/{groupId}/streams/privateLinkConnections/{connectionId}`,
    ...v2('2023-02-01'),
    noBadRequest: true,
    // The spec declares the 202's media type but no schema: answer without a body.
    handle: (ctx) => {
      const s = stream(ctx);
      return afterDelete(ctx, 'streamsPrivateLink', s.id, ctx.store.deleteStream(s), empty(202));
    },
  },

  // --- deprecated v1.0 routes, same state ---
  {
    operationId: 'v1ListPrivateEndpointConnections',
    method: 'GET',
    path: `${V1}/groups/{groupId}/privateEndpoint`,
    version: null,
    handle: (ctx) => ({ status: 200, shape: 'array', body: ctx.store.services(project(ctx), 'AWS').map((s) => v1ServiceView(ctx, s)) }),
  },
  {
    operationId: 'v1GetPrivateEndpointConnection',
    method: 'GET',
    path: `${V1}/groups/{groupId}/privateEndpoint/{endpointServiceId}`,
    version: null,
    handle: (ctx) => single(v1ServiceView(ctx, service(ctx, 'AWS'))),
  },
  {
    operationId: 'v1DeletePrivateEndpointConnection',
    method: 'DELETE',
    path: `${V1}/groups/{groupId}/privateEndpoint/{endpointServiceId}`,
    version: null,
    handle: (ctx) => {
      const svc = service(ctx, 'AWS');
      return afterDelete(ctx, 'endpointService', svc.id, ctx.store.deleteService(svc), V1_DELETED);
    },
  },
  {
    operationId: 'v1GetInterfaceEndpoint',
    method: 'GET',
    path: `${V1}/groups/{groupId}/privateEndpoint/{endpointServiceId}/interfaceEndpoints/{endpointId}`,
    version: null,
    handle: (ctx) => single(v1InterfaceEndpointView(ctx, endpoint(ctx, 'AWS', false))),
  },
  {
    operationId: 'v1DeleteInterfaceEndpoint',
    method: 'DELETE',
    path: `${V1}/groups/{groupId}/privateEndpoint/{endpointServiceId}/interfaceEndpoints/{endpointId}`,
    version: null,
    handle: (ctx) => {
      const ep = endpoint(ctx, 'AWS', true);
      return afterDelete(ctx, 'privateEndpoint', ep.id, ctx.store.deleteEndpoint(ep), V1_DELETED);
    },
  },
  {
    operationId: 'v1ListPeers',
    method: 'GET',
    path: `${V1}/groups/{groupId}/peers`,
    version: null,
    handle: (ctx) => page(ctx, ctx.store.peers(project(ctx), parseProvider(ctx.query.providerName, 'providerName')).map((p) => ctx.store.peerView(p))),
  },
  { operationId: 'v1GetPeer', method: 'GET', path: `${V1}/groups/{groupId}/peers/{peerId}`, version: null, handle: (ctx) => single(ctx.store.peerView(peer(ctx))) },
  {
    operationId: 'v1DeletePeer',
    method: 'DELETE',
    path: `${V1}/groups/{groupId}/peers/{peerId}`,
    version: null,
    handle: (ctx) => {
      const p = peer(ctx);
      return afterDelete(ctx, 'peer', p.id, ctx.store.deletePeer(p), V1_DELETED);
    },
  },
];

const compiled = ROUTES.map((route) => ({ route, segments: route.path.split('/') }));

/**
 * Match a raw (still percent-encoded) path against Atlas's routes, then `extra` ones (test collections).
 * Segments are split before decoding so an Azure endpoint id, which arrives with its slashes as %2F,
 * stays one segment.
 */
export function matchRoute(method: string, rawPath: string, extra: readonly Route[] = []): { route: Route; params: Record<string, string> } | null {
  const segments = rawPath.split('/');
  const candidates = extra.length === 0 ? compiled : [...compiled, ...extra.map((route) => ({ route, segments: route.path.split('/') }))];
  for (const { route, segments: tpl } of candidates) {
    if (route.method !== method || tpl.length !== segments.length) continue;
    const params: Record<string, string> = {};
    let ok = true;
    for (let i = 0; i < tpl.length && ok; i++) {
      const t = tpl[i]!;
      const s = segments[i]!;
      if (t.startsWith('{')) {
        try {
          params[t.slice(1, -1)] = decodeURIComponent(s);
        } catch {
          ok = false;
        }
      } else ok = t === s;
    }
    if (ok) return { route, params };
  }
  return null;
}
