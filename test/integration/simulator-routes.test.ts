import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../tools/simulator';
import { allDigest, DEMO_SCENARIO_PATH, demoKeys, demoProject, DigestSession, V2_ACCEPT, V2_STREAMS_ACCEPT, type SimResponse } from '../support/sim-http';
import { loadSpecValidator, type SpecValidator } from '../contract/spec-validator';

const V2 = '/api/atlas/v2';
const V1 = '/api/atlas/v1.0';
const payments = demoProject('payments-prod');
const dataLake = demoProject('data-lake');
const analytics = demoProject('analytics-prod');
const streamsLab = demoProject('streams-lab');
const paymentsSvc = payments.endpointServices[0];
const orphanId: string = paymentsSvc.interfaceEndpoints.at(-1);

let sim: Simulator;
let api: DigestSession;
let spec: SpecValidator;

/** Violations of one answer against the strict contract validator, as readable strings. */
function specProblems(e: { method: string; path: string; query: Record<string, string>; requestHeaders: { accept?: string }; status: number; responseContentType: string | null; responseBody: unknown }): string[] {
  const request = { method: e.method, path: e.path, query: e.query, headers: { accept: e.requestHeaders.accept } };
  return spec.validateResponse(request, { status: e.status, contentType: e.responseContentType, body: e.responseBody }).violations.map((v) => `${v.where} ${v.message}`);
}

beforeAll(async () => {
  spec = await loadSpecValidator({ strict: true });
  // The scenario's mid-delete resources must not finish while a slow, busy machine walks its pages.
  sim = await startSimulator({ scenario: DEMO_SCENARIO_PATH, deleteDelayMs: 600_000 });
  api = allDigest(sim.url);
});
afterAll(() => sim.stop());

async function walkPages(first: string, opts = {}): Promise<{ pages: SimResponse[]; ids: string[] }> {
  const pages: SimResponse[] = [];
  let next: string | undefined = first;
  while (next) {
    const res = await api.request(next, opts);
    expect(res.status).toBe(200);
    pages.push(res);
    const href: string | undefined = res.body.links.find((l: { rel: string }) => l.rel === 'next')?.href;
    next = href ? href.slice(sim.url.length) : undefined;
  }
  return { pages, ids: pages.flatMap((p) => p.body.results.map((r: { id?: string; _id?: string }) => r.id ?? r._id)) };
}

describe('v2 answers conform to the Atlas spec', () => {
  it('has a spec check that rejects a wrong body (so a pass below means something)', () => {
    const peer = { method: 'GET', path: `${V2}/groups/${payments.id}/peers/${'a'.repeat(24)}`, query: {}, requestHeaders: { accept: V2_ACCEPT }, status: 200, responseContentType: V2_ACCEPT };
    expect(specProblems({ ...peer, responseBody: { id: 'a'.repeat(24), providerName: 'AWS' } }).join('\n')).toMatch(/containerId/);
    expect(specProblems({ ...peer, responseContentType: 'application/json', responseBody: {} })).not.toEqual([]);
  });

  it('serves every demo resource in the shape, status and media type the spec declares', async () => {
    sim.clearLog();
    await api.request(`${V2}/orgs`);
    const groups = await api.request(`${V2}/groups`);
    for (const org of (await api.request(`${V2}/orgs`)).body.results) await api.request(`${V2}/orgs/${org.id}/groups`);
    for (const project of groups.body.results) {
      const g = `${V2}/groups/${project.id}`;
      await api.request(g);
      for (const provider of ['AWS', 'AZURE', 'GCP']) {
        const services = await api.request(`${g}/privateEndpoint/${provider}/endpointService`);
        for (const svc of services.body) {
          await api.request(`${g}/privateEndpoint/${provider}/endpointService/${svc.id}`);
          const ids: string[] = svc.interfaceEndpoints ?? svc.privateEndpoints ?? svc.endpointGroupNames;
          for (const id of ids) await api.request(`${g}/privateEndpoint/${provider}/endpointService/${svc.id}/endpoint/${encodeURIComponent(id)}`);
        }
        const peers = await api.request(`${g}/peers?providerName=${provider}`);
        for (const peer of peers.body.results) await api.request(`${g}/peers/${peer.id}`);
      }
      const links = await api.request(`${g}/streams/privateLinkConnections`);
      for (const link of links.body.results) await api.request(`${g}/streams/privateLinkConnections/${link._id}`);
    }

    const answered = sim.log.filter((e) => e.operationId && e.principal);
    expect(answered.length).toBeGreaterThan(60);
    const problems = answered.flatMap((e) => specProblems(e).map((p) => `${e.operationId} ${e.path}: ${p}`));
    expect(problems).toEqual([]);
    // The orphan id is listed but has no object: the only 404 of the walk.
    expect(answered.filter((e) => e.status !== 200).map((e) => [e.status, (e.responseBody as { errorCode: string }).errorCode])).toEqual([
      [404, 'PRIVATE_ENDPOINT_NOT_FOUND'],
    ]);
    const served = JSON.stringify(answered.map((e) => e.responseBody));
    expect(served).not.toContain('_janitor');
    expect(served).not.toContain('"endpoints":[{"cloudProvider"');
  });
});

describe('not-found and bad-request errors', () => {
  const unknown = '0123456789abcdef01234567';
  const svcPath = `${V2}/groups/${payments.id}/privateEndpoint/AWS/endpointService`;

  it.each([
    ['unknown project', `${V2}/groups/${unknown}`, 'GROUP_NOT_FOUND'],
    ['unknown org', `${V2}/orgs/${unknown}/groups`, 'ORG_NOT_FOUND'],
    ['unknown endpoint service', `${svcPath}/${unknown}`, 'PRIVATE_ENDPOINT_SERVICE_NOT_FOUND'],
    ['service asked under another provider', `${V2}/groups/${payments.id}/privateEndpoint/AZURE/endpointService/${paymentsSvc.id}`, 'PRIVATE_ENDPOINT_SERVICE_NOT_FOUND'],
    ['orphan endpoint id', `${svcPath}/${paymentsSvc.id}/endpoint/${orphanId}`, 'PRIVATE_ENDPOINT_NOT_FOUND'],
    ['endpoint not listed', `${svcPath}/${paymentsSvc.id}/endpoint/vpce-0000000000000000a`, 'PRIVATE_ENDPOINT_NOT_FOUND'],
    ['unknown peer', `${V2}/groups/${payments.id}/peers/${unknown}`, 'PEER_NOT_FOUND'],
    ['unknown streams link', `${V2}/groups/${payments.id}/streams/privateLinkConnections/${unknown}`, 'STREAM_PRIVATE_LINK_NOT_FOUND'],
    ['streams route with a malformed project id (spec lists no 400)', `${V2}/groups/nope/streams/privateLinkConnections`, 'GROUP_NOT_FOUND'],
    ['no such route', `${V2}/groups/${payments.id}/clusters`, 'RESOURCE_NOT_FOUND'],
    ['v1 unknown peer', `${V1}/groups/${payments.id}/peers/${unknown}`, 'PEER_NOT_FOUND'],
  ])('answers 404 for %s', async (_what, path, errorCode) => {
    const res = await api.request(path, path.startsWith(V1) ? { accept: 'application/json' } : {});
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(res.body).toMatchObject({ error: 404, errorCode, reason: 'Not Found' });
    expect(typeof res.body.detail).toBe('string');
    expect(Array.isArray(res.body.parameters)).toBe(true);
  });

  it.each([
    ['a malformed project id', `${V2}/groups/not-hex/peers`, 'INVALID_ATTRIBUTE'],
    ['a malformed service id', `${svcPath}/xyz`, 'INVALID_ATTRIBUTE'],
    ['a malformed AWS endpoint id', `${svcPath}/${paymentsSvc.id}/endpoint/vpce-XYZ`, 'INVALID_ATTRIBUTE'],
    ['an unknown cloud provider', `${V2}/groups/${payments.id}/privateEndpoint/ORACLE/endpointService`, 'INVALID_PROVIDER'],
    ['an unknown providerName', `${V2}/groups/${payments.id}/peers?providerName=IBM`, 'INVALID_PROVIDER'],
    ['itemsPerPage 0', `${V2}/groups?itemsPerPage=0`, 'INVALID_QUERY_PARAMETER'],
    ['itemsPerPage 501', `${V2}/groups?itemsPerPage=501`, 'INVALID_QUERY_PARAMETER'],
    ['pageNum 0', `${V2}/groups?pageNum=0`, 'INVALID_QUERY_PARAMETER'],
    ['a non-boolean envelope', `${V2}/groups?envelope=yes`, 'INVALID_QUERY_PARAMETER'],
  ])('answers 400 for %s', async (_what, path, errorCode) => {
    const res = await api.request(path);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: 400, errorCode, reason: 'Bad Request' });
  });

  it('accepts the cloud provider in any case and decodes percent-encoded Azure endpoint ids', async () => {
    const lower = await api.request(`${V2}/groups/${payments.id}/privateEndpoint/aws/endpointService`);
    expect(lower.status).toBe(200);
    expect(lower.body.map((s: { id: string }) => s.id)).toEqual([paymentsSvc.id]);

    const azureSvc = dataLake.endpointServices[0];
    const azureEp = azureSvc.endpoints[1];
    const res = await api.request(`${V2}/groups/${dataLake.id}/privateEndpoint/azure/endpointService/${azureSvc.id}/endpoint/${encodeURIComponent(azureEp.privateEndpointResourceId)}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ cloudProvider: 'AZURE', privateEndpointResourceId: azureEp.privateEndpointResourceId, status: 'FAILED' });
  });
});

describe('authorization by org', () => {
  it('answers 403 for a project of an org the key cannot see, and lists only visible projects', async () => {
    const narrow = new DigestSession(sim.url, demoKeys.analyticsOnly.publicKey, demoKeys.analyticsOnly.privateKey);
    const forbidden = await narrow.request(`${V2}/groups/${payments.id}/peers`);
    expect(forbidden.status).toBe(403);
    expect(forbidden.body).toMatchObject({ error: 403, errorCode: 'CANNOT_ACCESS_GROUP', reason: 'Forbidden' });
    const otherOrg = await narrow.request(`${V2}/orgs/${payments.orgId}/groups`);
    expect(otherOrg.body.errorCode).toBe('CANNOT_ACCESS_ORG');

    const groups = await narrow.request(`${V2}/groups`);
    expect(groups.body.results.map((g: { orgId: string }) => g.orgId)).toEqual(Array(3).fill(demoKeys.analyticsOnly.orgIds[0]));
    const orgs = await narrow.request(`${V2}/orgs`);
    expect(orgs.body.results.map((o: { id: string }) => o.id)).toEqual(demoKeys.analyticsOnly.orgIds);
  });
});

describe('versioning', () => {
  const peers = () => `${V2}/groups/${payments.id}/peers`;

  it.each([
    ['no Accept header', null],
    ['a date older than every version of the operation', 'application/vnd.atlas.2022-12-31+json'],
    ['a malformed date', 'application/vnd.atlas.2024-13-45+json'],
    ['a date that is not one', 'application/vnd.atlas.latest+json'],
    ['plain application/json', 'application/json'],
  ])('answers 406 INVALID_VERSION_DATE for %s', async (_what, accept) => {
    const res = await api.request(peers(), { accept });
    expect(res.status).toBe(406);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(res.body.errorCode).toBe('INVALID_VERSION_DATE');
  });

  it("serves a later date than the operation's own, in the newest version not newer than it (MongoDB's own curl example)", async () => {
    const later = await api.request(peers(), { accept: 'application/vnd.atlas.2025-02-19+json' });
    expect(later.status).toBe(200);
    expect(later.headers.get('content-type')).toBe(V2_ACCEPT);
    const streams = await api.request(`${V2}/groups/${streamsLab.id}/streams/privateLinkConnections`, { accept: 'application/vnd.atlas.2025-02-19+json' });
    expect([streams.status, streams.headers.get('content-type')]).toEqual([200, V2_STREAMS_ACCEPT]);
  });

  it('requires 2023-02-01 for streams and answers in that media type', async () => {
    const path = `${V2}/groups/${streamsLab.id}/streams/privateLinkConnections`;
    // 2023-01-01 is older than the streams operations' only version, 2023-02-01.
    expect((await api.request(path, { accept: V2_ACCEPT })).status).toBe(406);
    const ok = await api.request(path, { accept: V2_STREAMS_ACCEPT });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toBe(V2_STREAMS_ACCEPT);
  });

  it('answers v2 in the versioned media type and v1.0 in application/json', async () => {
    const v2 = await api.request(peers());
    expect(v2.headers.get('content-type')).toBe(V2_ACCEPT);
    const v1 = await api.request(`${V1}/groups/${payments.id}/peers`, { accept: 'application/json' });
    expect(v1.status).toBe(200);
    expect(v1.headers.get('content-type')).toBe('application/json');
    expect((await api.request(`${V1}/groups/${payments.id}/peers`, { accept: null })).status).toBe(200);
  });
});

describe('envelope, pretty and pagination', () => {
  it('wraps a single result in { status, content } with HTTP 200, and adds status to a page', async () => {
    const single = await api.request(`${V2}/groups/${payments.id}/peers/${payments.peers[0].id}?envelope=true`);
    expect(single.status).toBe(200);
    expect(single.body).toEqual({ status: 200, content: expect.objectContaining({ id: payments.peers[0].id, statusName: 'AVAILABLE' }) });
    const list = await api.request(`${V2}/groups/${payments.id}/peers?envelope=true`);
    expect(list.body).toMatchObject({ status: 200, totalCount: 3 });
    expect(list.body.results).toHaveLength(3);
    const array = await api.request(`${V2}/groups/${payments.id}/privateEndpoint/AWS/endpointService?envelope=true`);
    expect(array.body).toEqual({ status: 200, content: [expect.objectContaining({ id: paymentsSvc.id })] });
  });

  it('indents JSON with pretty=true and sends it compact otherwise', async () => {
    const pretty = await api.request(`${V2}/groups/${payments.id}?pretty=true`);
    expect(pretty.text).toMatch(/^\{\n {2}"/);
    const compact = await api.request(`${V2}/groups/${payments.id}`);
    expect(compact.text).not.toContain('\n');
    expect(pretty.body).toEqual(compact.body);
  });

  it('walks every page with itemsPerPage=2, each item exactly once, next only while more pages', async () => {
    const { pages, ids } = await walkPages(`${V2}/groups?itemsPerPage=2`);
    expect(pages).toHaveLength(3);
    expect(new Set(ids).size).toBe(6);
    expect(ids).toHaveLength(6);
    pages.forEach((p, i) => {
      const rels = p.body.links.map((l: { rel: string }) => l.rel);
      expect(rels.includes('next')).toBe(i < pages.length - 1);
      expect(rels.includes('previous')).toBe(i > 0);
      expect(p.body.links.find((l: { rel: string }) => l.rel === 'self').href).toBe(`${sim.url}${V2}/groups?itemsPerPage=2&pageNum=${i + 1}`);
      expect(p.body.totalCount).toBe(6);
    });

    const streams = await walkPages(`${V2}/groups/${streamsLab.id}/streams/privateLinkConnections?itemsPerPage=2`);
    expect(streams.ids).toEqual(streamsLab.streamsPrivateLinks.map((s: { _id: string }) => s._id));
    const v1Peers = await walkPages(`${V1}/groups/${analytics.id}/peers?providerName=GCP&itemsPerPage=3`, { accept: 'application/json' });
    expect(v1Peers.ids).toEqual(analytics.peers.map((p: { id: string }) => p.id));
  });

  it('omits totalCount with includeCount=false and answers an empty page past the end', async () => {
    const noCount = await api.request(`${V2}/groups?includeCount=false`);
    expect(noCount.body).not.toHaveProperty('totalCount');
    const past = await api.request(`${V2}/groups?pageNum=9&itemsPerPage=2`);
    expect(past.body.results).toEqual([]);
    expect(past.body.links.map((l: { rel: string }) => l.rel)).toEqual(['previous', 'self']);
  });

  it('serves endpoint services as a bare array, not a page', async () => {
    const res = await api.request(`${V2}/groups/${analytics.id}/privateEndpoint/GCP/endpointService`);
    expect(Array.isArray(res.body)).toBe(true);
    expect(res.body[0]).toMatchObject({ cloudProvider: 'GCP', endpointGroupNames: ['atlas-psc-group-1', 'atlas-psc-group-2', 'atlas-psc-group-3'] });
    const none = await api.request(`${V2}/groups/${demoProject('sandbox').id}/privateEndpoint/AZURE/endpointService`);
    expect(none.body).toEqual([]);
  });

  it('filters orgs and projects by case-insensitive name prefix', async () => {
    const res = await api.request(`${V2}/orgs/${payments.orgId}/groups?name=PAYMENTS`);
    expect(res.body.results.map((g: { name: string }) => g.name)).toEqual(['payments-prod', 'payments-staging']);
  });
});

describe('v1.0 routes', () => {
  const json = { accept: 'application/json' };

  it('lists AWS private endpoint connections in the v1 shape and serves interface endpoints', async () => {
    const list = await api.request(`${V1}/groups/${payments.id}/privateEndpoint`, json);
    expect(list.body).toEqual([
      {
        id: paymentsSvc.id,
        endpointServiceName: paymentsSvc.endpointServiceName,
        errorMessage: null,
        interfaceEndpoints: paymentsSvc.interfaceEndpoints,
        status: 'AVAILABLE',
      },
    ]);
    const rejected = paymentsSvc.endpoints[1];
    const ep = await api.request(`${V1}/groups/${payments.id}/privateEndpoint/${paymentsSvc.id}/interfaceEndpoints/${rejected.interfaceEndpointId}`, json);
    expect(ep.body).toEqual({ connectionStatus: 'REJECTED', deleteRequested: false, errorMessage: rejected.errorMessage, interfaceEndpointId: rejected.interfaceEndpointId });
  });
});
