import { STATUS_CODES, createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { DigestAuth } from './auth-digest';
import { OAuthTokens } from './auth-oauth';
import { AtlasApiError, errorBody, faultErrorCode } from './errors';
import { FaultInjector, type FaultDecision } from './faults';
import { parseCommonQuery } from './pagination';
import { TokenBuckets, type BucketVerdict } from './rate-limit';
import { extraRoutes } from './extra-collections';
import { RATE_LIMIT_ROUTES } from './rate-limit-routes';
import { matchRoute, validateParams, type Principal, type Route, type RouteConfig, type RouteResult } from './routes';
import { loadScenario, type ParsedScenario } from './scenario';
import { deleteFamilyOf, mayDelete, mayRead, roleRefusal, rolesOf } from './roles';
import { Store, type SecurityGroupRemoval } from './store';
import type { RequestLogEntry, Simulator, SimulatorOptions } from './types';
import { negotiateVersion } from './versions';

const TOKEN_PATH = '/api/oauth/token';
const JSON_TYPE = 'application/json';

interface ResolvedOptions {
  port: number;
  deleteDelayMs: number;
  tokenTtlSeconds: number;
  nonceTtlMs: number;
  latencyMs: number;
  seed: number;
  now: () => number;
  removeServiceWithLastEndpoint: boolean;
  stuckDeletes: boolean;
  securityGroupRemoval: SecurityGroupRemoval;
  routeConfig: RouteConfig;
}

function resolveOptions(opts: SimulatorOptions, scenario: ParsedScenario): ResolvedOptions {
  return {
    port: opts.port ?? 0,
    deleteDelayMs: opts.deleteDelayMs ?? scenario.settings?.deleteDelayMs ?? 1000,
    tokenTtlSeconds: opts.tokenTtlSeconds ?? scenario.settings?.tokenTtlSeconds ?? 3600,
    nonceTtlMs: opts.nonceTtlMs ?? 300_000,
    latencyMs: opts.latencyMs ?? 0,
    seed: opts.seed ?? 1,
    now: opts.now ?? Date.now,
    removeServiceWithLastEndpoint: opts.removeServiceWithLastEndpoint ?? true,
    stuckDeletes: opts.stuckDeletes ?? false,
    securityGroupRemoval: opts.securityGroupRemoval ?? scenario.settings?.securityGroupRemoval ?? 'lastAwsPeer',
    routeConfig: {
      serviceHasEndpointsStatus: opts.serviceHasEndpointsStatus ?? 400,
      alreadyDeletingStatus: { endpointService: 400, privateEndpoint: 400, peer: 409, streamsPrivateLink: 202, ...opts.alreadyDeletingStatus },
    },
  };
}

/** One answer, before it is written: lets an 'after' fault replace it and latency delay it. */
interface Answer {
  status: number;
  headers: Record<string, string>;
  contentType: string | null;
  body: unknown;
  /** Sent as is instead of JSON: a page that is not Atlas's (a proxy's 404). */
  raw?: string;
}

/** What a proxy or load balancer in front of Atlas answers: no Atlas error body. */
const BARE_PAGE = (status: number) => `<html><body><h1>${status} ${STATUS_CODES[status] ?? ''}</h1></body></html>`;

function apiErrorAnswer(err: AtlasApiError, extraHeaders: Record<string, string> = {}): Answer {
  return { status: err.status, headers: extraHeaders, contentType: JSON_TYPE, body: err.toBody() };
}

function acceptsJson(accept: string | undefined): boolean {
  if (!accept) return true;
  return accept.split(',').some((part) => ['application/json', '*/*', 'application/*'].includes(part.split(';')[0]!.trim().toLowerCase()));
}

function authScheme(header: string | undefined): RequestLogEntry['requestHeaders']['authScheme'] {
  const scheme = header?.split(' ', 1)[0]?.toLowerCase();
  return scheme === 'digest' ? 'Digest' : scheme === 'bearer' ? 'Bearer' : scheme === 'basic' ? 'Basic' : null;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function startServer(opts: SimulatorOptions): Promise<Simulator> {
  const scenario = await loadScenario(opts.scenario);
  const o = resolveOptions(opts, scenario);
  const store = new Store(scenario, { deleteDelayMs: o.deleteDelayMs, removeServiceWithLastEndpoint: o.removeServiceWithLastEndpoint, stuckDeletes: o.stuckDeletes, securityGroupRemoval: o.securityGroupRemoval, now: o.now });
  // Routes beyond the network resources: the published rate limits, and a test's extra collections.
  const extra = [...RATE_LIMIT_ROUTES, ...extraRoutes(opts.extraCollections ?? [])];
  const principals = new Map<string, Principal>();
  for (const k of scenario.apiKeys) principals.set(k.publicKey, { id: k.publicKey, orgIds: new Set(k.orgIds), roles: rolesOf(k.roles, k.orgIds) });
  for (const a of scenario.serviceAccounts) principals.set(a.clientId, { id: a.clientId, orgIds: new Set(a.orgIds), roles: rolesOf(a.roles, a.orgIds) });
  const digest = new DigestAuth(new Map(scenario.apiKeys.map((k) => [k.publicKey, k.privateKey])), o.nonceTtlMs, o.now);
  const oauth = new OAuthTokens(new Map(scenario.serviceAccounts.map((a) => [a.clientId, a.clientSecret])), o.tokenTtlSeconds, o.now);
  const buckets = new TokenBuckets(scenario.rateLimits, o.seed, o.now);
  const faults = new FaultInjector([...scenario.faults, ...(opts.faults ?? [])], o.seed);
  const log: RequestLogEntry[] = [];
  let seq = 0;
  let baseUrl = '';

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const target = req.url ?? '/';
    const qIndex = target.indexOf('?');
    const path = qIndex < 0 ? target : target.slice(0, qIndex);
    const query = Object.fromEntries(new URLSearchParams(qIndex < 0 ? '' : target.slice(qIndex + 1)));
    const method = (req.method ?? 'GET').toUpperCase();
    const isTokenRequest = method === 'POST' && path === TOKEN_PATH;
    const matched = isTokenRequest ? null : matchRoute(method, path, extra);
    const entry: RequestLogEntry = {
      seq: ++seq,
      time: o.now(),
      method,
      path,
      query,
      operationId: isTokenRequest ? 'oauthToken' : (matched?.route.operationId ?? null),
      principal: null,
      requestHeaders: { accept: req.headers.accept, contentType: req.headers['content-type'], authScheme: authScheme(req.headers.authorization) },
      status: 0,
      responseContentType: null,
      responseBody: undefined,
      fault: null,
    };
    log.push(entry);
    const body = await readBody(req);
    // Bodies we receive hold no secrets (credentials travel in headers, which are never logged).
    if (body !== '') entry.requestBody = body;
    const pretty = query.pretty === 'true';
    // Atlas wraps error answers too when asked (facts file). Not the authentication challenge: a Digest client
    // (curl --digest) must see its 401 to answer it; nor the token endpoint, which is OAuth, not the Admin API.
    let envelopeErrors = false;

    const send = async (answer: Answer, delayMs: number) => {
      if (delayMs > 0) await sleep(delayMs);
      if (envelopeErrors && answer.status >= 400 && answer.raw === undefined) {
        answer = { ...answer, status: 200, body: { status: answer.status, content: answer.body } };
      }
      entry.status = answer.status;
      entry.responseContentType = answer.contentType;
      entry.responseBody = answer.raw ?? answer.body;
      const headers: Record<string, string> = { ...answer.headers };
      let payload = answer.raw ?? '';
      if (answer.contentType) headers['Content-Type'] = answer.contentType;
      if (answer.body !== undefined) payload = JSON.stringify(answer.body, null, pretty ? 2 : undefined);
      headers['Content-Length'] = String(Buffer.byteLength(payload));
      res.writeHead(answer.status, headers);
      res.end(payload);
    };
    const reset = async (delayMs: number) => {
      if (delayMs > 0) await sleep(delayMs);
      entry.status = 0;
      req.socket.destroy();
    };

    /** Apply a fault's terminal action, or return false when the answer should go out as computed. */
    const applyFault = async (decision: FaultDecision, phase: 'before' | 'after', headers: Record<string, string>): Promise<boolean> => {
      const t = decision.terminal;
      if (!t || t.phase !== phase) return false;
      const delayMs = o.latencyMs + decision.latencyMs;
      if (t.reset) {
        await reset(delayMs);
        return true;
      }
      const status = t.status as number;
      const extra = { ...headers };
      if (t.retryAfterSeconds !== undefined && (status === 429 || status === 503)) extra['Retry-After'] = String(t.retryAfterSeconds);
      if (t.bare) {
        await send({ status, headers: extra, contentType: 'text/html', body: undefined, raw: BARE_PAGE(status) }, delayMs);
        return true;
      }
      const code = t.errorCode ?? faultErrorCode(status);
      await send({ status, headers: extra, contentType: JSON_TYPE, body: errorBody(status, code, `Simulated fault: ${decision.description}.`) }, delayMs);
      return true;
    };

    if (isTokenRequest) {
      const issued = oauth.issue(req.headers.authorization, body);
      entry.principal = issued.clientId;
      const decision = issued.clientId ? faults.decide({ method, operationId: 'oauthToken', path }) : { latencyMs: 0, description: null };
      entry.fault = decision.description;
      if (await applyFault(decision, 'before', {})) return;
      const answer: Answer = issued.error
        ? { status: issued.error.status, headers: {}, contentType: JSON_TYPE, body: issued.error.body }
        : { status: 200, headers: { 'Cache-Control': 'no-store' }, contentType: JSON_TYPE, body: issued.token };
      if (await applyFault(decision, 'after', {})) return;
      await send(answer, o.latencyMs + decision.latencyMs);
      return;
    }

    // Authentication: an unauthenticated request is answered at once, never faulted.
    const authorization = req.headers.authorization ?? '';
    let principal: Principal | undefined;
    const scheme = entry.requestHeaders.authScheme;
    if (scheme === 'Digest') {
      const outcome = digest.verify(authorization.slice('digest'.length), method, target);
      if (outcome.error) return send(apiErrorAnswer(outcome.error, { 'WWW-Authenticate': outcome.challenge as string }), o.latencyMs);
      principal = principals.get(outcome.principal as string);
    } else if (scheme === 'Bearer') {
      if (matched && matched.route.version === null) {
        // Seed 000: v1.0 authenticates with HTTP Digest; Service Account tokens are a v2 feature.
        const err = new AtlasApiError('BEARER_NOT_ACCEPTED', 'The v1.0 API authenticates with HTTP Digest only; Bearer tokens are not accepted.');
        return send(apiErrorAnswer(err, { 'WWW-Authenticate': digest.challenge(false) }), o.latencyMs);
      }
      try {
        principal = principals.get(oauth.verify(authorization.slice('bearer'.length).trim()));
      } catch (err) {
        if (!(err instanceof AtlasApiError)) throw err;
        return send(apiErrorAnswer(err, { 'WWW-Authenticate': 'Bearer error="invalid_token"' }), o.latencyMs);
      }
    }
    if (!principal) {
      const err = new AtlasApiError('UNAUTHORIZED', 'You are not authorized for this resource.');
      return send(apiErrorAnswer(err, { 'WWW-Authenticate': digest.challenge(false) }), o.latencyMs);
    }
    entry.principal = principal.id;
    envelopeErrors = query.envelope === 'true';

    const verdict = takeToken(matched, method, path, principal, req);
    const rateHeaders = verdict.headers;
    if (verdict.limited) return send(apiErrorAnswer(verdict.error, rateHeaders), o.latencyMs);

    const decision = faults.decide({ method, operationId: entry.operationId, path });
    entry.fault = decision.description;
    if (await applyFault(decision, 'before', rateHeaders)) return;
    const answer = runRoute(matched, principal, req, path, query, target);
    answer.headers = { ...rateHeaders, ...answer.headers };
    if (await applyFault(decision, 'after', rateHeaders)) return;
    await send(answer, o.latencyMs + decision.latencyMs);
  }

  /** The token this request takes from its endpoint set's bucket; routes in no set take none. */
  function takeToken(matched: { route: Route; params: Record<string, string> } | null, method: string, path: string, principal: Principal, req: IncomingMessage): BucketVerdict {
    if (!matched) return { limited: false, headers: {} };
    const { groupId, orgId } = matched.params;
    const caller = {
      principal: principal.id,
      groupId,
      orgId: orgId ?? (groupId === undefined ? undefined : store.project(groupId)?.orgId),
      ip: req.socket.remoteAddress ?? 'unknown',
    };
    return buckets.take(method, matched.route.path, path, caller);
  }

  /**
   * A call in a project the caller reads but whose role does not allow it, refused before the resource is
   * looked up (a permission check comes first; the resource's existence is not revealed): a DELETE
   * without an owner role (for a streams link, Project Stream Processing Owner too), and any v1.0 private
   * endpoint route without an owner role, since MongoDB documents Organization Owner or Project Owner as
   * required even to read those.
   */
  function refuseWithoutRole(route: Route, params: Record<string, string>, principal: Principal): void {
    if (params.groupId === undefined) return;
    const p = store.project(params.groupId);
    if (!p || !mayRead(principal.roles, p)) return;
    const ownerOnlyRead = route.version === null && route.path.includes('/privateEndpoint');
    if (route.method === 'DELETE' ? !mayDelete(principal.roles, p, deleteFamilyOf(route.operationId)) : ownerOnlyRead && !mayDelete(principal.roles, p, 'network')) throw roleRefusal(p.id);
  }

  function runRoute(
    matched: { route: Route; params: Record<string, string> } | null,
    principal: Principal,
    req: IncomingMessage,
    path: string,
    query: Record<string, string>,
    target: string,
  ): Answer {
    try {
      if (!matched) throw new AtlasApiError('RESOURCE_NOT_FOUND', `Cannot find resource ${path}.`, [path]);
      const { route, params } = matched;
      const accept = req.headers.accept;
      const served = route.version ? negotiateVersion(accept, [route.version]) : null;
      if (served === undefined) {
        throw new AtlasApiError('INVALID_VERSION_DATE', `The API version requested is invalid; use Accept: application/vnd.atlas.<date>+json with a date from ${route.version} on.`, [accept ?? null]);
      }
      if (!route.version && !acceptsJson(accept)) throw new AtlasApiError('NOT_ACCEPTABLE', 'v1.0 resources answer application/json only.', [accept]);
      const common = parseCommonQuery(query);
      validateParams(route, params);
      refuseWithoutRole(route, params, principal);
      const result = route.handle({ params, query, common, principal, store, requestUrl: new URL(target, baseUrl), config: o.routeConfig, rateLimits: buckets });
      return {
        status: common.envelope ? 200 : result.status,
        headers: {},
        contentType: served ? `application/vnd.atlas.${served}+json` : JSON_TYPE,
        body: common.envelope ? envelope(result) : result.body,
      };
    } catch (err) {
      if (err instanceof AtlasApiError) return apiErrorAnswer(err);
      const unexpected = new AtlasApiError('UNEXPECTED_ERROR', `Simulator error: ${(err as Error).message}`);
      return apiErrorAnswer(unexpected);
    }
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) {
        res.writeHead(500, { 'Content-Type': JSON_TYPE });
        res.end(JSON.stringify(errorBody(500, 'UNEXPECTED_ERROR', `Simulator error: ${(err as Error).message}`)));
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  baseUrl = `http://127.0.0.1:${port}`;

  return {
    url: baseUrl,
    port,
    log,
    store,
    clearLog: () => {
      log.length = 0;
    },
    addFault: (rule) => faults.add(rule),
    clearFaults: () => faults.clear(),
    bucketTallies: () => buckets.tallies(),
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}

/** `envelope=true`: HTTP 200, the real status inside. A page keeps its shape and gains `status`. */
function envelope(result: RouteResult): unknown {
  switch (result.shape) {
    case 'page':
      return { ...(result.body as object), status: result.status };
    case 'none':
      return { status: result.status };
    default:
      return { status: result.status, content: result.body };
  }
}
