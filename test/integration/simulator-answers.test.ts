import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { parseScenario, startSimulator, type Scenario, type Simulator, type SimulatorOptions } from '../../tools/simulator';
import { allDigest, BearerSession, DEMO_SCENARIO_PATH, demoKeys, demoProject, fetchToken, V2_ACCEPT } from '../support/sim-http';

/**
 * The answers that keep a client honest: per-route 404s that prove nothing, permission 401s
 * about one project, connection resets, v1.0 quirks, enveloped errors and the IP access list with the
 * last-peer side effect (facts file).
 */

const payments = demoProject('payments-prod');
const staging = demoProject('payments-staging');
const V2 = '/api/atlas/v2';
const V1 = '/api/atlas/v1.0';
const peersOf = (p: { id: string }) => `${V2}/groups/${p.id}/peers`;

let sim: Simulator | undefined;
let clock: number;
async function start(extra: Partial<SimulatorOptions> = {}, scenario: Scenario | string = DEMO_SCENARIO_PATH) {
  clock = 1_750_000_000_000;
  const started = await startSimulator({ scenario, now: () => clock, deleteDelayMs: 1000, ...extra });
  sim = started;
  return allDigest(started.url);
}
afterEach(async () => {
  await sim?.stop();
  sim = undefined;
});

function demoWith(edit: (scenario: any) => void): Scenario {
  const scenario = JSON.parse(readFileSync(DEMO_SCENARIO_PATH, 'utf8'));
  edit(scenario);
  return scenario;
}
const projectIn = (scenario: any, id: string) => scenario.orgs.flatMap((o: any) => o.projects).find((p: any) => p.id === id);

describe('per-route fault answers', () => {
  it('answers a bare 404 without an Atlas body, for the named project only', async () => {
    const api = await start({ faults: [{ match: { operationId: 'getGroupPeer', projectIds: [payments.id] }, status: 404, bare: true }] });
    const bare = await api.request(`${peersOf(payments)}/${payments.peers[0].id}`).catch((e: Error) => e);
    // simFetch parses JSON: a proxy's HTML page is not JSON.
    expect(bare).toBeInstanceOf(Error);
    const entry = sim!.log.at(-1)!;
    expect(entry).toMatchObject({ status: 404, responseContentType: 'text/html', fault: 'status 404 bare (rule 0)' });
    expect(String(entry.responseBody)).not.toContain('errorCode');
    expect((await api.request(`${peersOf(staging)}/${staging.peers[0].id}`)).status).toBe(200);
  });

  it.each([
    ['an unknown code', 'SOMETHING_ATLAS_MIGHT_SAY', 404],
    ['GROUP_NOT_FOUND, about the project and not the resource', 'GROUP_NOT_FOUND', 404],
    ['a permission 401 about one project (as MongoDB documents)', 'NOT_ORG_GROUP_CREATOR', 401],
    ['a 403', 'CANNOT_ACCESS_GROUP', 403],
  ])('answers %s as an Atlas error body', async (_what, errorCode, status) => {
    const api = await start({ faults: [{ match: { projectIds: [payments.id] }, status, errorCode }] });
    const res = await api.request(`${peersOf(payments)}/${payments.peers[0].id}`);
    expect([res.status, res.headers.get('content-type'), res.body.errorCode, res.body.error]).toEqual([status, 'application/json', errorCode, status]);
    // A valid key: what it may read elsewhere still answers.
    expect((await api.request(`${V2}/groups`)).status).toBe(200);
    expect((await api.request(peersOf(staging))).status).toBe(200);
  });

  it('resets the connection for a share of one project\'s requests, reproducibly from the seed', async () => {
    const outcomes = async () => {
      const api = await start({ seed: 3, faults: [{ match: { projectIds: [payments.id] }, reset: true, rate: 0.5 }] });
      const seen: string[] = [];
      for (let i = 0; i < 16; i++) seen.push(await api.request(peersOf(payments)).then((r) => String(r.status), () => 'reset'));
      await sim!.stop();
      sim = undefined;
      return seen;
    };
    const first = await outcomes();
    expect(first).toContain('reset');
    expect(first).toContain('200');
    expect(await outcomes()).toEqual(first);
  });

  it('takes fault rules from the scenario, validated by field', async () => {
    const scenario = demoWith((s) => (s.faults = [{ match: { operationId: 'listGroupPeers' }, status: 401, errorCode: 'NOT_ORG_GROUP_CREATOR', times: 1 }]));
    const api = await start({}, scenario);
    expect((await api.request(peersOf(payments))).body.errorCode).toBe('NOT_ORG_GROUP_CREATOR');
    expect((await api.request(peersOf(payments))).status).toBe(200);
    expect(() => parseScenario(demoWith((s) => (s.faults = [{ bare: true }])))).toThrow(/faults\[0\]: errorCode and bare need a status/);
    expect(() => parseScenario(demoWith((s) => (s.faults = [{ status: 404, match: { projectId: payments.id } }])))).toThrow(/faults\[0\]\.match/);
  });
});

describe('v1.0 and envelope quirks', () => {
  it('refuses Bearer tokens on v1.0 routes (Digest only), and accepts them on v2', async () => {
    await start();
    const sa = demoKeys.serviceAccount;
    const bearer = new BearerSession(sim!.url, (await fetchToken(sim!.url, sa.clientId, sa.clientSecret)).body.access_token);
    const project = demoProject(sa.orgIds.includes(payments.orgId) ? 'payments-prod' : 'analytics-prod');
    const v1 = await bearer.request(`${V1}/groups/${project.id}/peers`, { accept: 'application/json' });
    expect([v1.status, v1.body.errorCode]).toEqual([401, 'BEARER_NOT_ACCEPTED']);
    expect(v1.headers.get('www-authenticate')).toMatch(/^Digest /);
    expect((await bearer.request(`${V2}/groups/${project.id}`)).status).toBe(200);
  });

  it('wraps error answers in { status, content } with HTTP 200 when envelope=true', async () => {
    const api = await start();
    const missing = await api.request(`${peersOf(payments)}/${'0'.repeat(24)}?envelope=true`);
    expect(missing.status).toBe(200);
    expect(missing.body).toEqual({ status: 404, content: expect.objectContaining({ error: 404, errorCode: 'PEER_NOT_FOUND' }) });
    sim!.addFault({ match: { operationId: 'listGroupPeers' }, status: 401, errorCode: 'NOT_ORG_GROUP_CREATOR' });
    const refused = await api.request(`${peersOf(payments)}?envelope=true`);
    expect([refused.status, refused.body.status, refused.body.content.errorCode]).toEqual([200, 401, 'NOT_ORG_GROUP_CREATOR']);
    const plain = await api.request(peersOf(payments));
    expect([plain.status, plain.body.errorCode]).toEqual([401, 'NOT_ORG_GROUP_CREATOR']);
  });
});

describe('IP access list and the last AWS peer (as MongoDB documents)', () => {
  const entries = [
    { awsSecurityGroup: 'sg-0a1b2c3d4e5f60718', comment: 'app servers' },
    { cidrBlock: '10.8.0.0/16', comment: 'office VPN' },
    { ipAddress: '203.0.113.7' },
  ];
  const withAccessList = (projectId: string) => demoWith((s) => (projectIn(s, projectId).accessList = entries));

  it('serves the access list as a page, with the project id on each entry', async () => {
    const api = await start({}, withAccessList(payments.id));
    const page = await api.request(`${V2}/groups/${payments.id}/accessList?itemsPerPage=2`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe(V2_ACCEPT);
    expect(page.body).toMatchObject({ totalCount: 3, results: [{ groupId: payments.id, ...entries[0] }, { groupId: payments.id, ...entries[1] }] });
    expect(page.body.links.map((l: { rel: string }) => l.rel)).toContain('next');
    expect((await api.request(`${V2}/groups/${staging.id}/accessList`)).body).toMatchObject({ totalCount: 0, results: [] });
  });

  it('removes the AWS security groups when the last AWS peer is gone, and only then', async () => {
    const api = await start({}, withAccessList(payments.id));
    const [first, second, last] = payments.peers.map((p: { id: string }) => `${peersOf(payments)}/${p.id}`);
    for (const path of [first, second]) expect((await api.request(path, { method: 'DELETE' })).status).toBe(202);
    clock += 1000;
    expect(sim!.store.accessList(payments.id)).toHaveLength(3);
    expect((await api.request(last, { method: 'DELETE' })).status).toBe(202);
    // While the last peer is terminating, the entries are still there.
    expect(sim!.store.accessList(payments.id)).toHaveLength(3);
    clock += 1000;
    const left = (await api.request(`${V2}/groups/${payments.id}/accessList`)).body.results;
    expect(left.map((e: Record<string, unknown>) => e.awsSecurityGroup ?? e.cidrBlock ?? e.ipAddress)).toEqual(['10.8.0.0/16', '203.0.113.7']);
  });

  it('leaves the security groups alone while another AWS peer remains', async () => {
    const api = await start({}, withAccessList(payments.id));
    await api.request(`${peersOf(payments)}/${payments.peers[1].id}`, { method: 'DELETE' });
    clock += 5000;
    expect(sim!.store.accessList(payments.id)!.filter((e) => e.awsSecurityGroup)).toHaveLength(1);
  });

  it("with securityGroupRemoval 'lastPeer', an Azure peer left keeps them; the default does not wait for it", async () => {
    const mixed = demoWith((s) => {
      const p = projectIn(s, payments.id);
      p.accessList = entries;
      p.peers = [p.peers[1], { ...projectIn(s, demoProject('data-lake').id).peers[0], id: 'abcdefabcdefabcdefabcdef' }];
    });
    const run = async (securityGroupRemoval?: 'lastPeer') => {
      const api = await start(securityGroupRemoval ? { securityGroupRemoval } : {}, mixed);
      await api.request(`${peersOf(payments)}/${payments.peers[1].id}`, { method: 'DELETE' });
      clock += 1000;
      const groups = sim!.store.accessList(payments.id)!.filter((e) => e.awsSecurityGroup).length;
      await sim!.stop();
      sim = undefined;
      return groups;
    };
    expect(await run()).toBe(0);
    expect(await run('lastPeer')).toBe(1);
  });

  it('validates access list entries by field', () => {
    expect(() => parseScenario(demoWith((s) => (projectIn(s, payments.id).accessList = [{ awsSecurityGroup: 'sg-xyz' }])))).toThrow(/accessList\[0\]\.awsSecurityGroup/);
    expect(() => parseScenario(demoWith((s) => (projectIn(s, payments.id).accessList = [{ cidrBlock: '10.0.0.0/8', ipAddress: '10.0.0.1' }])))).toThrow(/exactly one of/);
  });
});
