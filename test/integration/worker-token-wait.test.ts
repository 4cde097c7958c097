import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { clearAuthCaches } from '../../lib/atlas';
import { loadConfig } from '../../lib/config';
import { CredentialStore, clientFactory } from '../../lib/credentials';
import { inlineSweep, type JanitorDeps } from '../../lib/run';
import { jobActor } from '../../lib/worker';
import { startSimulator, type Simulator } from '../../tools/simulator';
import { DEMO } from '../support/demo';
import { DEMO_SCENARIO_PATH } from '../support/sim-http';

// A queued job waits only so long for a rate-limit token: its batch holds one of the worker's few
// invocations, so the other projects' jobs in it would wait too. Longer, it goes back to its queue
// until the token is due, having sent nothing.

/** Each project's peer lists share a bucket of 3 tokens that gets 1 back a minute: the scan empties it. */
const PEER_LISTS = {
  sets: [{ endpointSetId: 'peerLists', endpointSetName: 'Peer lists', scope: 'GROUP', endpoints: ['GET /api/atlas/v2/groups/{groupId}/peers'], capacity: 3, refillRate: 1, refillDurationSeconds: 60 }],
};

let sim: Simulator;
beforeEach(() => clearAuthCaches());
afterEach(() => sim?.stop());

function deps(): JanitorDeps {
  const config = loadConfig({ ATLAS_BASE_URL: sim.url, JANITOR_MODE: 'enforce', MAX_DELETIONS_PER_RUN: '10000', GRACE_PERIODS: 'default=0' });
  return {
    config,
    credentials: new CredentialStore({ ttlMs: 60_000, env: { MONGODB_ATLAS_PUBLIC_API_KEY: DEMO.apiKey.publicKey, MONGODB_ATLAS_PRIVATE_API_KEY: DEMO.apiKey.privateKey } }),
    // One factory, so one pacer: the job knows what the scan spent without a 429 (a worker function,
    // with a pacer of its own, hears it from Atlas's 429 and waits its Retry-After instead).
    makeClient: clientFactory({ baseUrl: sim.url, concurrency: 4 }),
    now: Date.now,
    newSweepId: () => 'sweep-20261203T000000-tokens01',
  };
}

describe('a queued job waits for a rate-limit token only so long', () => {
  it('defers an AWS peer job whose peer list is a minute away, sending nothing, while a job on another bucket deletes', async () => {
    const scenario = { ...(JSON.parse(readFileSync(DEMO_SCENARIO_PATH, 'utf8')) as Record<string, any>), rateLimits: PEER_LISTS };
    sim = await startSimulator({ scenario: scenario as never });
    const d = deps();
    const { jobs } = await inlineSweep(d, {}, { enqueue: false });
    // Deleting an AWS peer first lists the project's AWS peers (is it the last one?): that bucket is empty.
    const peerJob = jobs.find((j) => j.kind === 'networkPeering' && j.provider === 'AWS');
    const otherJob = jobs.find((j) => j.kind === 'streamsPrivateLink');
    expect(peerJob && otherJob).toBeTruthy();
    sim.clearLog();

    const act = jobActor(d, { maxTokenWaitMs: 1000 });
    const started = Date.now();
    const [peer, other] = await Promise.all([act(peerJob!), act(otherJob!)]);

    expect(peer).toMatchObject({ outcome: 'defer', reason: expect.stringMatching(/peers not sent: Atlas's rate limit calls for waiting \d+ ms more for a token/) });
    // Back when the token is due: about a minute (the refill counted from the scan's last answer).
    expect(peer.outcome === 'defer' && peer.delaySeconds).toBeGreaterThanOrEqual(55);
    expect(peer.outcome === 'defer' && peer.delaySeconds).toBeLessThanOrEqual(60);
    expect(other.outcome).toBe('deleted');
    expect(Date.now() - started).toBeLessThan(10_000);
    // Nothing was sent for the deferred job past its re-read: no peer list, no DELETE, no 429.
    expect(sim.log.filter((e) => e.path.endsWith('/peers') || (e.method === 'DELETE' && e.path.includes('/peers/')))).toEqual([]);
    expect(sim.log.filter((e) => e.status === 429)).toEqual([]);
    expect(sim.log.some((e) => e.method === 'DELETE' && e.path.includes('privateLinkConnections'))).toBe(true);
  });
});
