import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { AtlasClient, PROVIDERS, clearAuthCaches, type AtlasCredentials } from '../../lib/atlas';
import * as schemas from '../../lib/atlas/schemas';
import { startSimulator, type RequestLogEntry, type Simulator } from '../../tools/simulator';
import { DEMO } from '../support/demo';
import { DEMO_SCENARIO_PATH } from '../support/sim-http';
import { SPEC_PATH, loadSpecValidator, type SpecValidator } from './spec-validator';
import { V1InterfaceEndpoint, V1PrivateEndpointConnection } from './v1-shapes';

/** Every Atlas operation the client uses; each must be exercised and conform, with both auth methods. */
const CLIENT_OPERATIONS = [
  'listOrgs', 'listGroups', 'getGroup', 'getOrgGroups',
  'listPrivateEndpointService', 'getPrivateEndpointService', 'deletePrivateEndpointService',
  'getPrivateEndpoint', 'deletePrivateEndpoint',
  'listGroupPeers', 'getGroupPeer', 'deleteGroupPeer',
  'listPrivateLinkConnections', 'getPrivateLinkConnection', 'deletePrivateLinkConnection',
  'v1ListPrivateEndpointConnections', 'v1GetPrivateEndpointConnection', 'v1DeletePrivateEndpointConnection',
  'v1GetInterfaceEndpoint', 'v1DeleteInterfaceEndpoint', 'v1ListPeers', 'v1GetPeer', 'v1DeletePeer',
  // Not in the spec subset: described in ./v1-shapes (OFF_SPEC_V2_OPERATIONS).
  'listProjectIpAccessLists',
];

type Json = Record<string, any>;

/**
 * Operations the client uses that the spec subset does not hold (atlas-api-facts.md: the rate-limit
 * operations). Their answers are checked by the client's own schema (test/unit/rate-limits.test.ts)
 * and against the simulator (test/integration/client-rate-limits.test.ts).
 */
const OUTSIDE_SPEC_SUBSET = new Set(['listRateLimits', 'getRateLimit']);
const inSpec = (operationId: string | null) => operationId !== null && !OUTSIDE_SPEC_SUBSET.has(operationId);

/**
 * Drives every client operation over one org's projects: each list, then a get and a delete of the
 * first resource of each kind found, through v2 and v1.0.
 */
async function exerciseEveryOperation(atlas: AtlasClient, v1: AtlasClient): Promise<void> {
  const orgs = await atlas.listOrganizations();
  const projects = await atlas.listProjects();
  for (const org of orgs) await atlas.listOrganizationProjects(org.id);
  for (const project of projects) {
    await atlas.getProject(project.id);
    await atlas.listAccessList(project.id);
    for (const provider of PROVIDERS) {
      const services = await atlas.listEndpointServices(project.id, provider);
      for (const service of services) {
        await atlas.getEndpointService(project.id, provider, service.id);
        const ids = provider === 'AWS' ? service.interfaceEndpoints : provider === 'AZURE' ? service.privateEndpoints : service.endpointGroupNames;
        for (const id of ids ?? []) await atlas.getEndpoint(project.id, provider, service.id, id).catch(() => undefined);
      }
      await atlas.listPeers(project.id, provider);
      await v1.v1ListPeers(project.id, provider);
    }
    await atlas.listStreamsPrivateLinks(project.id).then((links) => Promise.all(links.map((l) => atlas.getStreamsPrivateLink(project.id, l._id))));
    for (const connection of await v1.v1ListPrivateEndpointConnections(project.id)) {
      await v1.v1GetPrivateEndpointConnection(project.id, connection.id);
      for (const id of connection.interfaceEndpoints ?? []) await v1.v1GetInterfaceEndpoint(project.id, connection.id, id).catch(() => undefined);
    }
  }
  // One delete of each kind, on resources this org's projects hold (the simulator keeps them deleting).
  const withResources = projects.map((p) => ({ p, services: [] as Json[] }));
  for (const entry of withResources) {
    for (const provider of PROVIDERS) entry.services.push(...(await atlas.listEndpointServices(entry.p.id, provider)));
  }
  const deleted = new Set<string>();
  for (const { p, services } of withResources) {
    for (const service of services) {
      const provider = service.cloudProvider;
      const endpointIds: string[] = service.interfaceEndpoints ?? service.privateEndpoints ?? service.endpointGroupNames ?? [];
      if (provider === 'AWS' && endpointIds.length > 1 && !deleted.has('v1endpoint')) {
        deleted.add('v1endpoint');
        await v1.v1DeleteInterfaceEndpoint(p.id, service.id, endpointIds[0]!);
        await v1.v1DeletePrivateEndpointConnection(p.id, service.id).catch(() => undefined); // endpoints left: refused, still a declared answer
      } else if (provider === 'AWS' && endpointIds.length === 0 && service.status !== 'DELETING' && !deleted.has('v1service')) {
        deleted.add('v1service');
        await v1.v1DeletePrivateEndpointConnection(p.id, service.id);
      } else if (endpointIds.length > 0 && !deleted.has('endpoint')) {
        deleted.add('endpoint');
        await atlas.deleteEndpoint(p.id, provider, service.id, endpointIds[0]!);
      } else if (endpointIds.length === 0 && service.status !== 'DELETING' && !deleted.has('service')) {
        deleted.add('service');
        await atlas.deleteEndpointService(p.id, provider, service.id);
      }
    }
    const peers = [...(await atlas.listPeers(p.id, 'AWS')), ...(await atlas.listPeers(p.id, 'GCP')), ...(await atlas.listPeers(p.id, 'AZURE'))];
    if (peers[0] && !deleted.has('peer')) {
      deleted.add('peer');
      await atlas.getPeer(p.id, peers[0].id);
      await v1.v1GetPeer(p.id, peers[0].id);
      await atlas.deletePeer(p.id, peers[0].id);
      if (peers[1]) await v1.v1DeletePeer(p.id, peers[1].id);
    }
    const links = await atlas.listStreamsPrivateLinks(p.id);
    if (links[0] && !deleted.has('streams')) {
      deleted.add('streams');
      await atlas.deleteStreamsPrivateLink(p.id, links[0]._id);
    }
  }
}

function exchange(entry: RequestLogEntry) {
  const request = {
    method: entry.method,
    path: entry.path,
    query: entry.query,
    headers: { accept: entry.requestHeaders.accept, 'content-type': entry.requestHeaders.contentType },
    ...(entry.requestBody !== undefined ? { body: entry.requestBody } : {}),
  };
  return { request, response: { status: entry.status, contentType: entry.responseContentType, body: entry.responseBody } };
}

describe.each([
  ['API key (Digest)', DEMO.apiKeyCredentials],
  ['Service Account (OAuth)', DEMO.serviceAccountCredentials as AtlasCredentials],
])('client ↔ simulator contract with %s', (_name, credentials) => {
  let sim: Simulator;
  let validator: SpecValidator;

  beforeAll(async () => {
    clearAuthCaches();
    validator = await loadSpecValidator({ strict: true });
    // The demo's service account sees one org; here it sees all, so both methods cover every route.
    const scenario = JSON.parse(readFileSync(DEMO_SCENARIO_PATH, 'utf8'));
    for (const account of scenario.serviceAccounts) account.orgIds = scenario.orgs.map((o: Json) => o.id);
    // The demo has no access lists: one of each entry form, so the read is checked against real entries.
    scenario.orgs[0].projects[0].accessList = [{ awsSecurityGroup: 'sg-0a1b2c3d4e5f60718', comment: 'app servers' }, { cidrBlock: '10.8.0.0/16' }, { ipAddress: '203.0.113.7' }];
    sim = await startSimulator({ scenario, deleteDelayMs: 600_000 });
    const atlas = new AtlasClient({ baseUrl: sim.url, credentials });
    // v1.0 is Digest only (as MongoDB documents): a Service Account's v1.0 operations go through an API key.
    const v1Credentials = credentials.type === 'apiKey' ? credentials : DEMO.apiKeyCredentials;
    const v1 = new AtlasClient({ baseUrl: sim.url, credentials: v1Credentials, apiGeneration: 'v1' });
    await exerciseEveryOperation(atlas, v1);
  });
  afterAll(() => sim?.stop());

  it('exercises every operation the client uses, each answered 2xx at least once', () => {
    const answered = new Set(sim.log.filter((e) => e.status >= 200 && e.status < 300).map((e) => e.operationId));
    expect(CLIENT_OPERATIONS.filter((op) => !answered.has(op))).toEqual([]);
  });

  it('sends only requests that validate against the spec (path, parameters, media type)', () => {
    const violations = sim.log
      .filter((e) => inSpec(e.operationId))
      .flatMap((e) => validator.validateRequest(exchange(e).request).violations.map((v) => `${e.method} ${e.path}: ${v.where} ${v.message}`));
    expect(violations).toEqual([]);
  });

  it('gets only answers that validate strictly against the spec (status, media type, body)', () => {
    const violations = sim.log
      .filter((e) => inSpec(e.operationId) && e.status !== 0)
      .flatMap((e) => {
        const { request, response } = exchange(e);
        return validator.validateResponse(request, response).violations.map((v) => `${e.method} ${e.path} → ${e.status}: ${v.where} ${v.message}`);
      });
    expect(violations).toEqual([]);
    expect(sim.log.length).toBeGreaterThan(100);
  });
});

describe('client schemas read only fields the contract defines', () => {
  const spec: Json = JSON.parse(readFileSync(SPEC_PATH, 'utf8'));
  const specFields = (name: string) => Object.keys(spec.components.schemas[name].properties);
  const keysOf = (schema: z.ZodType) => Object.keys((schema as unknown as { shape: Record<string, unknown> }).shape);

  it.each([
    ['organizationSchema', 'AtlasOrganization'],
    ['projectSchema', 'Group'],
    ['endpointServiceSchema', 'EndpointService'],
    ['privateEndpointSchema', 'PrivateLinkEndpoint'],
    ['peerSchema', 'BaseNetworkPeeringConnectionSettings'],
    ['streamsPrivateLinkSchema', 'StreamsPrivateLinkConnection'],
    ['errorBodySchema', 'ApiError'],
  ] as const)('%s ⊆ spec %s', (clientSchema, specSchema) => {
    const unknown = keysOf(schemas[clientSchema]).filter((key) => !specFields(specSchema).includes(key));
    expect(unknown).toEqual([]);
  });

  it.each([
    ['v1PrivateEndpointConnectionSchema', V1PrivateEndpointConnection],
    ['v1InterfaceEndpointSchema', V1InterfaceEndpoint],
  ] as const)('%s ⊆ its v1.0 shape', (clientSchema, shape) => {
    const fields = Object.keys((shape as Json).properties);
    expect(keysOf(schemas[clientSchema]).filter((key) => !fields.includes(key))).toEqual([]);
  });
});
