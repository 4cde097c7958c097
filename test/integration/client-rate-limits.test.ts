import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AtlasClient, PacerPool, clearAuthCaches } from '../../lib/atlas';
import { inlineSweep } from '../../lib/run';
import { benchDeps } from '../../bench/support';
import { GENERATED_API_KEY, expectedDeletions, generateEstate } from '../../tools/scenarios/generate';
import { startSimulator, type Simulator } from '../../tools/simulator';
import { DEMO } from '../support/demo';
import { demo } from '../support/sim-http';

const V2 = '/api/atlas/v2';
type Override = { scopeId: string; capacity?: number; refillRate?: number; refillDurationSeconds?: number };
const peersSet = (capacity: number, refillRate: number, refillDurationSeconds: number, overrides: Override[] = []) => ({
  endpointSetId: 'peers',
  endpointSetName: 'Peers',
  scope: 'GROUP' as const,
  endpoints: [`GET ${V2}/groups/{groupId}/peers`],
  capacity,
  refillRate,
  refillDurationSeconds,
  overrides,
});
const projectsSet = {
  endpointSetId: 'projects',
  endpointSetName: 'Projects',
  scope: 'USER' as const,
  endpoints: [`GET ${V2}/orgs`, `GET ${V2}/groups`, `GET ${V2}/groups/{groupId}`],
  capacity: 1000,
  refillRate: 1000,
  refillDurationSeconds: 1,
};
const rateLimitsSet = { endpointSetId: 'rateLimits', endpointSetName: 'Rate limits', scope: 'USER' as const, endpoints: [`GET ${V2}/rateLimits`], capacity: 10, refillRate: 10, refillDurationSeconds: 60 };

let sim: Simulator;
beforeEach(() => {
  clearAuthCaches();
});
afterEach(() => sim?.stop());

const limited = () => sim.log.filter((e) => e.status === 429).length;
const client = () => new AtlasClient({ baseUrl: sim.url, credentials: DEMO.apiKeyCredentials });

describe('the client paces to Atlas\'s buckets', () => {
  it('learns the sets once per container: a second client with the same credentials and pacers reads none', async () => {
    sim = await startSimulator({ scenario: { ...demo, rateLimits: { sets: [projectsSet, rateLimitsSet] } } });
    const pacers = new PacerPool();
    const first = new AtlasClient({ baseUrl: sim.url, credentials: DEMO.apiKeyCredentials, pacers });
    await first.listProjects();
    const second = new AtlasClient({ baseUrl: sim.url, credentials: DEMO.apiKeyCredentials, pacers });
    await second.listOrganizations();
    expect(sim.log.filter((e) => e.operationId === 'listRateLimits' && e.status === 200)).toHaveLength(1);
    expect([first.stats.byOperation['listRateLimits'], first.stats.publishedLimits, second.stats.publishedLimits]).toEqual([2, true, true]);
  });

  it('does not let a slow per-project set slow a fast per-user set', async () => {
    // Peers: 2 tokens, then one every 3 s per project (a margin a loaded machine cannot eat). Projects: 1,000 a second.
    sim = await startSimulator({ scenario: { ...demo, rateLimits: { sets: [peersSet(2, 1, 3), projectsSet, rateLimitsSet] } } });
    const atlas = new AtlasClient({ baseUrl: sim.url, credentials: DEMO.apiKeyCredentials, concurrency: 2 });
    await atlas.listOrganizations();
    const order: string[] = [];
    const peers = ['AWS', 'AZURE', 'GCP'].map((p) => atlas.listPeers(DEMO.payments.id, p as 'AWS').then(() => order.push(`peers ${p}`)));
    const fast = Array.from({ length: 30 }, (_, i) => atlas.getProject(DEMO.projects[i % DEMO.projects.length]!.id).then(() => order.push('project')));
    await Promise.all([...peers, ...fast]);
    // The 30 fast reads all finished while the third peer list waited for its token (3 s after the
    // first two were answered), though only 2 requests may be in flight: a waiting request holds no slot.
    expect(order.filter((o) => o === 'project')).toHaveLength(30);
    expect(order.at(-1)).toBe('peers GCP');
    expect(limited()).toBe(0);
  });

  it('a 429 pauses only the bucket it names; the paused request is retried after Retry-After', async () => {
    // The client reads the set's default (5 tokens); Atlas gives payments-prod 1 token and 1 per 2 s.
    const override = { scopeId: DEMO.payments.id, capacity: 1, refillRate: 1, refillDurationSeconds: 2 };
    sim = await startSimulator({ scenario: { ...demo, rateLimits: { sets: [peersSet(5, 5, 1, [override]), projectsSet, rateLimitsSet] } } });
    const atlas = client();
    await atlas.listOrganizations();
    const done: string[] = [];
    const slow = atlas.listPeers(DEMO.payments.id, 'AWS').then(() => atlas.listPeers(DEMO.payments.id, 'AZURE')).then(() => done.push('payments'));
    const others = DEMO.projects.filter((p) => p.id !== DEMO.payments.id).map((p) => atlas.listPeers(p.id, 'AWS').then(() => done.push(p.name)));
    await Promise.all([slow, ...others]);
    expect(done.at(-1)).toBe('payments');
    expect(done).toHaveLength(DEMO.projects.length);
    // One refusal: the first 429 set the bucket's tokens to what the header said, and the retry waited.
    expect(limited()).toBe(1);
    expect(atlas.stats.rateLimited).toBe(1);
  });

  it('falls back to conservative buckets that learn from headers when /rateLimits is refused', async () => {
    sim = await startSimulator({ scenario: { ...demo, rateLimits: { sets: [peersSet(3, 1, 1), projectsSet] } } });
    sim.addFault({ match: { operationId: 'listRateLimits' }, status: 403 });
    const atlas = client();
    for (const provider of ['AWS', 'AZURE', 'GCP', 'AWS'] as const) await atlas.listPeers(DEMO.payments.id, provider);
    expect(atlas.stats.publishedLimits).toBe(false);
    // The fallback starts at 10 tokens; the first answer said 3, so a later call waited instead of a 429.
    expect(limited()).toBe(0);
    expect(sim.log.filter((e) => e.operationId === 'listGroupPeers' && e.status === 200)).toHaveLength(4);
  });

  it('a sweep over a small per-project bucket on one list operation finishes without a single 429', async () => {
    const estate = generateEstate({ projects: 12, seed: 5, apiKey: GENERATED_API_KEY });
    // As in the issue: 2 tokens, 1 a second, per project, on the peer list (3 calls per project).
    sim = await startSimulator({ scenario: { ...(estate as { orgs: [] }), rateLimits: { sets: [peersSet(2, 1, 1), projectsSet, rateLimitsSet] } }, deleteDelayMs: 3_600_000 });
    const { report } = await inlineSweep(benchDeps(sim.url, 16), {}, { enqueue: false });
    expect(report.errors).toEqual([]);
    expect(report.projects).toHaveLength(12);
    expect(report.candidates.map((c) => c.id).sort()).toEqual(expectedDeletions(estate).map((d) => d.id).sort());
    expect(sim.log.filter((e) => e.operationId === 'listGroupPeers' && e.status === 200).length).toBeGreaterThanOrEqual(36);
    expect(limited()).toBe(0);
  });
});
