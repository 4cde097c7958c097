import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AtlasApiError, AtlasClient, AtlasRequestError, clearAuthCaches, type AtlasCredentials } from '../../lib/atlas';
import { GENERATED_API_KEY, GENERATED_SERVICE_ACCOUNT, generateEstate } from '../../tools/scenarios/generate';
import { startSimulator, type Simulator } from '../../tools/simulator';
import { DEMO_SCENARIO_PATH } from '../support/sim-http';
import { DEMO, demoClient } from '../support/demo';

let sim: Simulator;

beforeAll(async () => {
  sim = await startSimulator({ scenario: DEMO_SCENARIO_PATH, deleteDelayMs: 60_000 });
});
afterAll(() => sim?.stop());
beforeEach(() => {
  clearAuthCaches();
  sim.clearFaults();
  sim.clearLog();
});

/** Authenticated requests to one operation (the bare Digest priming request is not one). */
const requestsTo = (operationId: string) => sim.log.filter((e) => e.operationId === operationId && (e.principal !== null || e.status !== 401));
const noWait = { sleep: async () => {}, random: () => 0.5 };

describe('AtlasClient against the simulator: errors and retries', () => {
  it('surfaces wrong credentials as a 401 with Atlas errorCode, and no secret in the message', async () => {
    const atlas = new AtlasClient({ baseUrl: sim.url, credentials: { type: 'apiKey', publicKey: DEMO.apiKey.publicKey, privateKey: 'wrong-private-key' } });

    const error = (await atlas.listProjects().catch((e: unknown) => e)) as AtlasApiError;

    expect(error).toBeInstanceOf(AtlasApiError);
    expect(error.status).toBe(401);
    expect(error.errorCode).toBe('UNAUTHORIZED');
    expect(error.message).not.toContain('wrong-private-key');
    expect(error.giveUpReason).toBe('permanent');
  });

  it('surfaces a wrong service account secret as a 401 without the secret', async () => {
    const atlas = new AtlasClient({ baseUrl: sim.url, credentials: { type: 'serviceAccount', clientId: DEMO.serviceAccount.clientId, clientSecret: 'not-the-secret' } });

    const error = (await atlas.listProjects().catch((e: unknown) => e)) as AtlasApiError;

    expect(error.status).toBe(401);
    expect(error.message).not.toContain('not-the-secret');
    expect(requestsTo('listGroups')).toHaveLength(0);
  });

  it('reads a route that fails twice with 500 and then succeeds with exactly three requests', async () => {
    const atlas = demoClient(sim, noWait);
    await atlas.listOrganizations(); // warm the Digest nonce so only the route's own requests count
    sim.clearLog();
    sim.addFault({ match: { operationId: 'getGroupPeer' }, status: 500, times: 2 });

    const peer = await atlas.getPeer(DEMO.payments.id, DEMO.payments.failedPeerId);

    expect(peer.id).toBe(DEMO.payments.failedPeerId);
    expect(requestsTo('getGroupPeer').map((e) => e.status)).toEqual([500, 500, 200]);
    expect(atlas.stats.retries).toBe(2);
  });

  it('waits at least the Retry-After of a 429 before trying again', async () => {
    const atlas = demoClient(sim); // real sleeps
    await atlas.listOrganizations();
    sim.addFault({ match: { operationId: 'listGroupPeers' }, status: 429, retryAfterSeconds: 1, times: 1 });

    const started = Date.now();
    await atlas.listPeers(DEMO.payments.id, 'AWS');
    const waited = Date.now() - started;

    const calls = requestsTo('listGroupPeers');
    expect(calls.map((e) => e.status)).toEqual([429, 200]);
    expect(calls[1]!.time - calls[0]!.time).toBeGreaterThanOrEqual(1000);
    expect(waited).toBeGreaterThanOrEqual(1000);
  });

  it('sends a request that Atlas answers 400 exactly once', async () => {
    const atlas = demoClient(sim, noWait);
    sim.addFault({ match: { operationId: 'listPrivateLinkConnections' }, status: 400 });

    const error = (await atlas.listStreamsPrivateLinks(DEMO.streamsLab.id).catch((e: unknown) => e)) as AtlasApiError;

    expect(error.status).toBe(400);
    expect(requestsTo('listPrivateLinkConnections')).toHaveLength(1);
  });

  it('retries a reset connection and a 503, then gives up after the attempt limit', async () => {
    const atlas = demoClient(sim, { ...noWait, retry: { maxAttempts: 3 } });
    await atlas.listOrganizations();
    sim.addFault({ match: { operationId: 'getGroupPeer' }, reset: true, times: 1 });
    sim.addFault({ match: { operationId: 'getGroupPeer' }, status: 503 });

    const error = (await atlas.getPeer(DEMO.payments.id, DEMO.payments.failedPeerId).catch((e: unknown) => e)) as AtlasApiError;

    expect(requestsTo('getGroupPeer').map((e) => e.status)).toEqual([0, 503, 503]);
    expect(error.status).toBe(503);
    expect(error.attempts).toBe(3);
    expect(error.giveUpReason).toBe('attempts');
  });

  it('stops retrying when the next wait would pass the deadline', async () => {
    // Closer than the 5 s Retry-After, far enough that a slow answer to the first attempt is not a timeout.
    const atlas = demoClient(sim, { deadline: () => Date.now() + 2_000 });
    await atlas.listOrganizations();
    sim.addFault({ match: { operationId: 'getGroupPeer' }, status: 503, retryAfterSeconds: 5 });

    const error = (await atlas.getPeer(DEMO.payments.id, DEMO.payments.failedPeerId).catch((e: unknown) => e)) as AtlasApiError;

    expect(error.giveUpReason).toBe('deadline');
    expect(requestsTo('getGroupPeer')).toHaveLength(1);
  });

  it('refuses a malformed id before any request is made', async () => {
    const atlas = demoClient(sim);

    await expect(atlas.getPeer(DEMO.payments.id, '../../orgs')).rejects.toBeInstanceOf(AtlasRequestError);
    await expect(atlas.getEndpoint(DEMO.payments.id, 'AWS', DEMO.payments.serviceId, 'vpce-123')).rejects.toThrow(/endpointId/);
    expect(sim.log).toHaveLength(0);
  });
});

describe('AtlasClient against the simulator: auth economy', () => {
  it('pays one Digest challenge for many concurrent calls', async () => {
    const atlas = demoClient(sim);

    await Promise.all(Array.from({ length: 12 }, () => atlas.listOrganizations()));

    expect(sim.log.filter((e) => e.status === 401)).toHaveLength(1);
    // The twelve calls, the client's one read of the published rate limits, and the one challenge.
    expect(atlas.stats.requests).toBe(14);
  });

  it('fetches a Service Account token once and reuses it', async () => {
    const atlas = new AtlasClient({ baseUrl: sim.url, credentials: DEMO.serviceAccountCredentials });

    await Promise.all([atlas.listProjects(), atlas.listProjects(), atlas.listOrganizations()]);

    expect(requestsTo('oauthToken')).toHaveLength(1);
    expect(atlas.stats.tokenRequests).toBe(1);
  });
});

describe('AtlasClient: expired token and stale nonce', () => {
  let clockSim: Simulator;
  let now = Date.parse('2026-01-01T00:00:00Z');
  beforeAll(async () => {
    clockSim = await startSimulator({ scenario: DEMO_SCENARIO_PATH, tokenTtlSeconds: 3600, now: () => now });
  });
  afterAll(() => clockSim?.stop());

  it('refreshes a token Atlas no longer accepts exactly once, and retries the call', async () => {
    clearAuthCaches();
    const atlas = new AtlasClient({ baseUrl: clockSim.url, credentials: DEMO.serviceAccountCredentials });
    await atlas.listProjects();
    now += 3_601_000; // Atlas's clock passes the expiry; the client's cached token still looks valid to it

    const projects = await atlas.listProjects();

    expect(projects.length).toBeGreaterThan(0);
    expect(clockSim.log.filter((e) => e.operationId === 'oauthToken')).toHaveLength(2);
    expect(clockSim.log.filter((e) => e.operationId === 'listGroups').map((e) => e.status)).toEqual([200, 401, 200]);
  });

  it('renews an expired Digest nonce on stale=true without surfacing an error', async () => {
    clearAuthCaches();
    clockSim.clearLog();
    const atlas = demoClient(clockSim);
    await atlas.listOrganizations();
    now += 300_001; // past the simulator's nonce lifetime

    await atlas.listOrganizations();

    // The first challenge is answered on the run's first request, the rate-limit read.
    const statuses = clockSim.log.filter((e) => e.operationId !== 'oauthToken').map((e) => `${e.operationId} ${e.status}`);
    expect(statuses).toEqual(['listRateLimits 401', 'listRateLimits 200', 'listOrgs 200', 'listOrgs 401', 'listOrgs 200']);
    expect(atlas.stats.authRoundTrips).toBe(2);
  });
});

describe('AtlasClient: pagination', () => {
  let big: Simulator;
  beforeAll(async () => {
    big = await startSimulator({ scenario: generateEstate({ projects: 1234, density: 0, seed: 3 }) as never });
  });
  afterAll(() => big?.stop());

  it.each([
    ['an API key', { type: 'apiKey', ...GENERATED_API_KEY } as AtlasCredentials],
    ['a service account', { type: 'serviceAccount', ...GENERATED_SERVICE_ACCOUNT } as AtlasCredentials],
  ])('returns every item of a multi-page list exactly once, with %s', async (_name, credentials) => {
    clearAuthCaches();
    big.clearLog();
    const atlas = new AtlasClient({ baseUrl: big.url, credentials, itemsPerPage: 100 });

    const projects = await atlas.listProjects();

    expect(projects).toHaveLength(1234);
    expect(new Set(projects.map((p) => p.id)).size).toBe(1234);
    const pages = big.log.filter((e) => e.operationId === 'listGroups' && e.status === 200).map((e) => Number(e.query['pageNum']));
    expect(pages.sort((a, b) => a - b)).toEqual(Array.from({ length: 13 }, (_, i) => i + 1));
  });

});
