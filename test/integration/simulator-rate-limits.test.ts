import { afterEach, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../tools/simulator';
import { DEFAULT_ENDPOINT_SETS } from '../../tools/simulator/rate-limit';
import { BearerSession, DigestSession, allDigest, demo, demoKeys, demoProject, fetchToken } from '../support/sim-http';

const payments = demoProject('payments-prod');
const staging = demoProject('payments-staging');
const peersPath = (p: { id: string }) => `/api/atlas/v2/groups/${p.id}/peers`;
const RATE_ACCEPT = 'application/vnd.atlas.2025-03-12+json';

/** Peers in a small per-project bucket, project reads in a per-user one. */
const SETS = [
  {
    endpointSetId: 'peers',
    endpointSetName: 'Peers',
    scope: 'GROUP',
    endpoints: ['GET /api/atlas/v2/groups/{groupId}/peers'],
    capacity: 3,
    refillRate: 1,
    refillDurationSeconds: 10,
    overrides: [{ scopeId: staging.id, capacity: 1 }],
  },
  { endpointSetId: 'projects', endpointSetName: 'Projects', scope: 'USER', endpoints: ['GET /api/atlas/v2/orgs', 'GET /api/atlas/v2/groups'], capacity: 2, refillRate: 2, refillDurationSeconds: 60 },
];

let sim: Simulator;
let clock: number;
async function start(rateLimits?: object) {
  clock = 1_750_000_000_000;
  sim = await startSimulator({ scenario: { ...demo, ...(rateLimits ? { rateLimits } : {}) }, now: () => clock });
  return allDigest(sim.url);
}
afterEach(() => sim.stop());

describe('token buckets per endpoint set and scope', () => {
  it('empties one project\'s bucket into a documented 429, leaves other projects and sets alone, and refills', async () => {
    const api = await start({ sets: SETS });
    const remaining: (string | null)[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await api.request(peersPath(payments));
      expect([res.status, res.headers.get('ratelimit-limit')]).toEqual([200, '3']);
      remaining.push(res.headers.get('ratelimit-remaining'));
    }
    expect(remaining).toEqual(['2', '1', '0']);
    const limited = await api.request(peersPath(payments));
    const path = peersPath(payments).slice(1);
    expect(limited.status).toBe(429);
    expect(limited.body).toEqual({
      error: 429,
      errorCode: 'RATE_LIMITED_TOKEN_BUCKET',
      reason: 'Too Many Requests',
      detail: `Rate limit exceeded for ${path}. Please retry after 10 seconds. Request capacity: 3. Refill rate: 1 per 10 seconds.`,
      parameters: [path, 10, 3, 1, 10],
    });
    expect([limited.headers.get('retry-after'), limited.headers.get('ratelimit-limit'), limited.headers.get('ratelimit-remaining')]).toEqual(['10', '3', '0']);
    // Another project's bucket of the same set, and another set, still answer.
    expect((await api.request(peersPath(demoProject('data-lake')))).status).toBe(200);
    expect((await api.request('/api/atlas/v2/orgs')).status).toBe(200);
    // The tally counts the tokens taken per bucket (never the refusals), with the bucket's limits.
    const tallies = sim.bucketTallies();
    expect(tallies.find((t) => t.set === 'peers' && t.scopeId === payments.id)).toEqual({ set: 'peers', scope: 'GROUP', scopeId: payments.id, capacity: 3, refillPerSecond: 0.1, taken: 3 });
    expect(tallies.find((t) => t.set === 'projects')?.taken).toBe(1);
    // A route in no set takes no token and carries no headers.
    const unlimited = await api.request(`/api/atlas/v2/groups/${payments.id}`);
    expect([unlimited.status, unlimited.headers.get('ratelimit-limit')]).toEqual([200, null]);
    clock += 5_000;
    expect((await api.request(peersPath(payments))).status).toBe(429);
    clock += 5_000;
    expect((await api.request(peersPath(payments))).status).toBe(200);
  });

  it('applies a per-project override', async () => {
    const api = await start({ sets: SETS });
    expect((await api.request(peersPath(staging))).headers.get('ratelimit-limit')).toBe('1');
    expect((await api.request(peersPath(staging))).status).toBe(429);
  });

  it('keeps USER buckets per API key or service account', async () => {
    const api = await start({ sets: SETS });
    expect((await api.request('/api/atlas/v2/orgs')).status).toBe(200);
    expect((await api.request('/api/atlas/v2/groups')).status).toBe(200);
    expect((await api.request('/api/atlas/v2/orgs')).status).toBe(429);
    const other = new DigestSession(sim.url, demoKeys.analyticsOnly.publicKey, demoKeys.analyticsOnly.privateKey);
    expect((await other.request('/api/atlas/v2/orgs')).status).toBe(200);
    const sa = demoKeys.serviceAccount;
    const bearer = new BearerSession(sim.url, (await fetchToken(sim.url, sa.clientId, sa.clientSecret)).body.access_token);
    expect((await bearer.request('/api/atlas/v2/orgs')).status).toBe(200);
    expect((await bearer.request('/api/atlas/v2/groups')).status).toBe(200);
    expect((await bearer.request('/api/atlas/v2/groups')).status).toBe(429);
  });

  it('omits the RateLimit headers on the configured share of answers, never Retry-After', async () => {
    const api = await start({ sets: SETS, omitHeadersShare: 1 });
    const ok = await api.request('/api/atlas/v2/orgs');
    expect([ok.status, ok.headers.get('ratelimit-limit'), ok.headers.get('ratelimit-remaining')]).toEqual([200, null, null]);
    await api.request('/api/atlas/v2/orgs');
    const limited = await api.request('/api/atlas/v2/orgs');
    expect([limited.status, limited.headers.get('ratelimit-limit'), limited.headers.get('retry-after')]).toEqual([429, null, '30']);
  });

  it('without rateLimits in the scenario serves the documented default sets; an empty list turns limiting off', async () => {
    let api = await start();
    const res = await api.request(peersPath(payments));
    expect(res.headers.get('ratelimit-limit')).toBe(String(DEFAULT_ENDPOINT_SETS.find((s) => s.endpointSetId === 'networkPeering')!.capacity));
    await sim.stop();
    api = await start({ sets: [] });
    expect((await api.request(peersPath(payments))).headers.get('ratelimit-limit')).toBeNull();
  });

  it('refuses a scenario that puts one endpoint in two sets, or a malformed endpoint', async () => {
    await expect(start({ sets: [SETS[0], { ...SETS[1], endpoints: ['GET /api/atlas/v2/groups/{groupId}/peers'] }] })).rejects.toThrow('in two endpoint sets');
    await expect(start({ sets: [{ ...SETS[0], endpoints: ['/api/atlas/v2/groups'] }] })).rejects.toThrow('rateLimits.sets[0].endpoints[0]');
    sim = await startSimulator({ scenario: demo });
  });
});

describe('GET /api/atlas/v2/rateLimits', () => {
  it('publishes the sets, paginated, in version 2025-03-12 only', async () => {
    const api = await start({ sets: SETS });
    const page = await api.request('/api/atlas/v2/rateLimits?itemsPerPage=1', { accept: RATE_ACCEPT });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe(RATE_ACCEPT);
    expect(page.body.totalCount).toBe(2);
    expect(page.body.results).toEqual([
      {
        endpointSetId: 'peers',
        endpointSetName: 'Peers',
        scope: 'GROUP',
        endpoints: [{ method: 'GET', path: '/api/atlas/v2/groups/{groupId}/peers' }],
        capacity: { value: 3 },
        refillRate: { value: 1 },
        refillDurationSeconds: { value: 10 },
      },
    ]);
    expect(page.body.links.some((l: { rel: string }) => l.rel === 'next')).toBe(true);
    expect((await api.request('/api/atlas/v2/rateLimits')).status).toBe(406);
  });

  it('answers one set, with an override shown against its default for the entity asked about', async () => {
    const api = await start({ sets: SETS });
    const one = await api.request(`/api/atlas/v2/rateLimits/peers?groupId=${staging.id}`, { accept: RATE_ACCEPT });
    expect(one.body).toMatchObject({ endpointSetId: 'peers', capacity: { value: 1, defaultValue: 3 }, refillRate: { value: 1, defaultValue: 1 } });
    const plain = await api.request(`/api/atlas/v2/rateLimits/peers?groupId=${payments.id}`, { accept: RATE_ACCEPT });
    expect(plain.body.capacity).toEqual({ value: 3 });
    expect((await api.request('/api/atlas/v2/rateLimits/nothing', { accept: RATE_ACCEPT })).body.errorCode).toBe('RESOURCE_NOT_FOUND');
  });

  it('validates its filters', async () => {
    const api = await start({ sets: SETS });
    for (const q of ['groupId=nope', 'orgId=123', 'ipAddress=300.1.1.1', 'userId=a%20b']) {
      const res = await api.request(`/api/atlas/v2/rateLimits?${q}`, { accept: RATE_ACCEPT });
      expect([q, res.status, res.body.errorCode]).toEqual([q, 400, 'INVALID_QUERY_PARAMETER']);
    }
    const ok = await api.request(`/api/atlas/v2/rateLimits?ipAddress=10.0.0.1&userId=${demoKeys.allOrgs.publicKey}&orgId=${payments.orgId}`, { accept: RATE_ACCEPT });
    expect(ok.status).toBe(200);
  });

  it('publishes another list than it enforces, or nothing at all, when the scenario says so', async () => {
    const wrong = [{ ...SETS[1]!, endpointSetId: 'lists', endpoints: ['GET /api/atlas/v2/groups/{groupId}/privateEndpoint/{cloudProvider}/endpointService'] }];
    let api = await start({ sets: SETS, publish: { sets: wrong } });
    const page = await api.request('/api/atlas/v2/rateLimits', { accept: RATE_ACCEPT });
    expect(page.body.results.map((s: { endpointSetId: string }) => s.endpointSetId)).toEqual(['lists']);
    // The peers bucket it does not publish is enforced all the same.
    for (let i = 0; i < 3; i++) expect((await api.request(peersPath(payments))).status).toBe(200);
    expect((await api.request(peersPath(payments))).status).toBe(429);
    await sim.stop();
    api = await start({ sets: SETS, publish: 'none' });
    const none = await api.request('/api/atlas/v2/rateLimits', { accept: RATE_ACCEPT });
    expect([none.status, none.body.errorCode]).toEqual([404, 'RESOURCE_NOT_FOUND']);
    expect((await api.request('/api/atlas/v2/rateLimits/peers', { accept: RATE_ACCEPT })).status).toBe(404);
    expect((await api.request(peersPath(payments))).headers.get('ratelimit-limit')).toBe('3');
  });
});
