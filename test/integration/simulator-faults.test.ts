import { afterEach, describe, expect, it } from 'vitest';
import { startSimulator, type FaultRule, type Simulator, type SimulatorOptions } from '../../tools/simulator';
import { allDigest, DEMO_SCENARIO_PATH, demoKeys, demoProject, fetchToken, simFetch, V2_ACCEPT } from '../support/sim-http';

const payments = demoProject('payments-prod');
const peersPath = `/api/atlas/v2/groups/${payments.id}/peers`;

let sim: Simulator;
let clock: number;
async function start(extra: Partial<SimulatorOptions> = {}) {
  clock = 1_750_000_000_000;
  sim = await startSimulator({ scenario: DEMO_SCENARIO_PATH, now: () => clock, ...extra });
  return allDigest(sim.url);
}
afterEach(() => sim.stop());

describe('fault injection', () => {
  it('fails twice with 503 + Retry-After, then succeeds (times=2)', async () => {
    const api = await start({ faults: [{ match: { operationId: 'listGroupPeers' }, status: 503, retryAfterSeconds: 7, times: 2 }] });
    const first = await api.request(peersPath);
    expect(first.status).toBe(503);
    expect(first.headers.get('retry-after')).toBe('7');
    expect(first.body).toMatchObject({ error: 503, errorCode: 'SERVICE_UNAVAILABLE', reason: 'Service Unavailable' });
    expect((await api.request(peersPath)).status).toBe(503);
    expect((await api.request(peersPath)).status).toBe(200);
    expect(sim.log.filter((e) => e.fault).map((e) => e.fault)).toEqual(['status 503 (rule 0)', 'status 503 (rule 0)']);
  });

  it('maps fault statuses to Atlas error codes and only hits matching requests', async () => {
    const api = await start();
    sim.addFault({ match: { method: 'GET', pathIncludes: '/peers' }, status: 429, retryAfterSeconds: 2, times: 1 });
    sim.addFault({ match: { operationId: 'getGroup' }, status: 500, times: 1 });
    const limited = await api.request(peersPath);
    expect([limited.status, limited.body.errorCode, limited.headers.get('retry-after')]).toEqual([429, 'RATE_LIMITED', '2']);
    const broken = await api.request(`/api/atlas/v2/groups/${payments.id}`);
    expect([broken.status, broken.body.errorCode]).toEqual([500, 'UNEXPECTED_ERROR']);
    expect((await api.request('/api/atlas/v2/orgs')).status).toBe(200);
    sim.addFault({ status: 502 });
    expect((await api.request('/api/atlas/v2/orgs')).body.errorCode).toBe('BAD_GATEWAY');
    sim.clearFaults();
    expect((await api.request('/api/atlas/v2/orgs')).status).toBe(200);
  });

  it('draws fault rates from the seeded PRNG: the same seed gives the same sequence', async () => {
    const rule: FaultRule = { match: { operationId: 'listGroupPeers' }, status: 500, rate: 0.5 };
    const run = async (seed: number) => {
      const api = await start({ seed, faults: [rule] });
      const statuses: number[] = [];
      for (let i = 0; i < 24; i++) statuses.push((await api.request(peersPath)).status);
      await sim.stop();
      return statuses;
    };
    const a = await run(42);
    const b = await run(42);
    const c = await run(7);
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    expect(a).toContain(500);
    expect(a).toContain(200);
    await start();
  });

  it('resets the connection without answering, and logs status 0', async () => {
    const api = await start({ faults: [{ match: { operationId: 'listGroupPeers' }, reset: true, times: 1 }] });
    await expect(api.request(peersPath)).rejects.toThrow();
    const entry = sim.log.find((e) => e.operationId === 'listGroupPeers' && e.principal);
    expect(entry).toMatchObject({ status: 0, fault: 'reset (rule 0)', responseBody: undefined });
    expect((await api.request(peersPath)).status).toBe(200);
  });

  it('delays answers by the fault latency', async () => {
    const api = await start({ faults: [{ match: { operationId: 'listGroupPeers' }, latencyMs: 150 }] });
    await api.request('/api/atlas/v2/orgs');
    const started = performance.now();
    const res = await api.request(peersPath);
    expect(res.status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(145);
    expect(sim.log.at(-1)?.fault).toBe('latency 150ms (rule 0)');
  });

  it("phase 'after' runs the route (the delete happens) and then answers the error", async () => {
    const api = await start({ faults: [{ match: { method: 'DELETE', operationId: 'deleteGroupPeer' }, status: 500, phase: 'after', times: 1 }] });
    const path = `${peersPath}/${payments.peers[1].id}`;
    const res = await api.request(path, { method: 'DELETE' });
    expect(res.status).toBe(500);
    expect((await api.request(path)).body.statusName).toBe('TERMINATING');
    expect(sim.log.find((e) => e.method === 'DELETE' && e.principal)?.fault).toBe('status 500 after the route ran (rule 0)');
  });

  it('never faults the unauthenticated challenge, and leaves the token endpoint alone unless named', async () => {
    await start({ faults: [{ status: 500 }] });
    const challenge = await simFetch(sim.url + peersPath, { headers: { Accept: V2_ACCEPT } });
    expect(challenge.status).toBe(401);
    const sa = demoKeys.serviceAccount;
    expect((await fetchToken(sim.url, sa.clientId, sa.clientSecret)).status).toBe(200);
    sim.clearFaults();
    sim.addFault({ match: { operationId: 'oauthToken' }, status: 503, times: 1 });
    expect((await fetchToken(sim.url, sa.clientId, sa.clientSecret)).status).toBe(503);
  });
});

describe('request log', () => {
  it('records every request with its fields, in order', async () => {
    const api = await start();
    const azSvc = demoProject('data-lake').endpointServices[0];
    const epId: string = azSvc.endpoints[0].privateEndpointResourceId;
    const path = `/api/atlas/v2/groups/${demoProject('data-lake').id}/privateEndpoint/AZURE/endpointService/${azSvc.id}/endpoint/${encodeURIComponent(epId)}`;
    await api.request(`${path}?pretty=true`);

    expect(sim.log).toHaveLength(2);
    const [challenge, answered] = sim.log;
    expect(challenge).toMatchObject({ seq: 1, status: 401, principal: null, operationId: 'getPrivateEndpoint', requestHeaders: { authScheme: null } });
    expect(answered).toEqual({
      seq: 2,
      time: clock,
      method: 'GET',
      path,
      query: { pretty: 'true' },
      operationId: 'getPrivateEndpoint',
      principal: demoKeys.allOrgs.publicKey,
      requestHeaders: { accept: V2_ACCEPT, contentType: undefined, authScheme: 'Digest' },
      status: 200,
      responseContentType: V2_ACCEPT,
      responseBody: expect.objectContaining({ privateEndpointResourceId: epId, status: 'AVAILABLE' }),
      fault: null,
    });
    expect(answered?.path).toContain('%2Fsubscriptions%2F');

    await simFetch(`${sim.url}/nowhere`, {});
    expect(sim.log.at(-1)).toMatchObject({ operationId: null, status: 401 });
    sim.clearLog();
    expect(sim.log).toHaveLength(0);
  });
});
