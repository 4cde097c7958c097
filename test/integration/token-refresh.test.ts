import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AtlasClient, clearAuthCaches } from '../../lib/atlas';
import { TOKEN_REQUEST_LIMIT } from '../../lib/atlas/auth';
import { startSimulator, type Simulator } from '../../tools/simulator';
import { DEMO } from '../support/demo';
import { DEMO_SCENARIO_PATH } from '../support/sim-http';

/** Service Account tokens: single flight, bounded, and never spent on a permission 401. */

let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator({ scenario: DEMO_SCENARIO_PATH, deleteDelayMs: 600_000 });
});
afterAll(() => sim?.stop());
beforeEach(() => {
  clearAuthCaches();
  sim.clearLog();
  sim.clearFaults();
});

const tokenRequests = () => sim.log.filter((e) => e.operationId === 'oauthToken').length;
const client = () => new AtlasClient({ baseUrl: sim.url, credentials: DEMO.serviceAccountCredentials, retry: { baseDelayMs: 1 }, deadline: () => Date.now() + 1_500 });

describe('Service Account token refreshes', () => {
  it('spends no new token on 401s about a project, however many requests get them', async () => {
    const atlas = client();
    const projects = await atlas.listProjects();
    sim.addFault({ match: { projectIds: [projects[0]!.id] }, status: 401, errorCode: 'NOT_ORG_GROUP_CREATOR' });

    const outcomes = await Promise.allSettled(Array.from({ length: 20 }, () => atlas.listPeers(projects[0]!.id, 'AWS')));

    expect(outcomes.every((o) => o.status === 'rejected' && (o.reason as { errorCode?: string }).errorCode === 'NOT_ORG_GROUP_CREATOR')).toBe(true);
    expect(tokenRequests()).toBe(1);
  });

  it('asks for at most TOKEN_REQUEST_LIMIT tokens a minute when every token is refused, from any number of clients', async () => {
    sim.addFault({ match: { operationId: 'listGroups' }, status: 401, errorCode: 'INVALID_TOKEN' });

    await Promise.allSettled(Array.from({ length: 12 }, () => client().listProjects()));

    expect(tokenRequests()).toBeGreaterThan(1);
    expect(tokenRequests()).toBeLessThanOrEqual(TOKEN_REQUEST_LIMIT.requests);
  });
});
