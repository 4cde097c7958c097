import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AtlasClient, PROVIDERS, type BudgetLease } from '../../lib/atlas';
import { DynamoBudgetLeases } from '../../lib/ledger';
import { inlineSweep } from '../../lib/run';
import { benchDeps } from '../../bench/support';
import { GENERATED_API_KEY, generateEstate } from '../../tools/scenarios/generate';
import { startLocalDynamo, type LocalDynamo } from '../../tools/local/dynamo';
import { startSimulator } from '../../tools/simulator';

const V2 = '/api/atlas/v2';
const TABLE = 'budget-leases';

let dynamo: LocalDynamo;
beforeAll(async () => {
  dynamo = await startLocalDynamo();
  await dynamo.createLedgerTable(TABLE);
});
afterAll(() => dynamo?.stop());

describe('rate-limit leases in the ledger table (dynalite)', () => {
  const lease = (holder: string, until: number, claim = 0.5): BudgetLease => ({ holder, until, demand: 12.5, claim });

  it('one write returns every holder of the budget, its own lease included, and no other budget', async () => {
    const store = new DynamoBudgetLeases(dynamo.documents, TABLE);
    await store.renew('creds#lists#*', lease('a', 5000), []);
    await store.renew('creds#other#*', lease('z', 5000), []);
    const seen = await store.renew('creds#lists#*', lease('b', 6000, 0.25), []);
    expect(seen.sort((x, y) => x.holder.localeCompare(y.holder))).toEqual([lease('a', 5000), lease('b', 6000, 0.25)]);
  });

  it('forgets a lease that ran out long ago, but not one its holder renewed since', async () => {
    const store = new DynamoBudgetLeases(dynamo.documents, TABLE);
    await store.renew('forget', lease('gone', 1000), []);
    await store.renew('forget', lease('back', 1000), []);
    // 'back' renews before anybody acts on what they saw.
    await store.renew('forget', lease('back', 9000), []);
    await store.renew('forget', lease('me', 9000), [lease('gone', 1000), lease('back', 1000)]);
    const seen = await store.renew('forget', lease('me', 9500), []);
    expect(seen.map((l) => l.holder).sort()).toEqual(['back', 'me']);
  });

  it('refuses a late copy of an older write: a lease never goes back in time', async () => {
    const store = new DynamoBudgetLeases(dynamo.documents, TABLE);
    await store.renew('late', lease('me', 9000), []);
    await expect(store.renew('late', lease('me', 5000), [])).rejects.toMatchObject({ name: 'ConditionalCheckFailedException' });
    // The same write again (an SDK retry) is fine.
    expect(await store.renew('late', lease('me', 9000), [])).toEqual([lease('me', 9000)]);
  });

  it('takes a lease that does not read as claiming the whole bucket while it counts, and leaves out what is no lease', async () => {
    const { UpdateCommand } = await import('@aws-sdk/lib-dynamodb');
    const store = new DynamoBudgetLeases(dynamo.documents, TABLE);
    const odd = { ':junk': { until: 'soon', claim: 7 }, ':newer': { until: 7000, claim: 'half', shape: 2 } };
    await dynamo.documents.send(new UpdateCommand({ TableName: TABLE, Key: { pk: 'RATE#odd', sk: 'LEASES' }, UpdateExpression: 'SET L_junk = :junk, L_newer = :newer', ExpressionAttributeValues: odd }));
    const seen = await store.renew('odd', lease('me', 9000), []);
    expect(seen.sort((a, b) => a.holder.localeCompare(b.holder))).toEqual([lease('me', 9000), { holder: 'newer', until: 7000, demand: 0, claim: 1 }]);
  });
});

describe('two containers sharing one USER bucket through leases', () => {
  // The list calls of every scan share one bucket of 10 tokens and 40 a second.
  const lists = {
    endpointSetId: 'networkLists',
    endpointSetName: 'Network lists',
    scope: 'USER' as const,
    endpoints: [`GET ${V2}/groups/{groupId}/privateEndpoint/{cloudProvider}/endpointService`, `GET ${V2}/groups/{groupId}/peers`, `GET ${V2}/groups/{groupId}/streams/privateLinkConnections`],
    capacity: 10,
    refillRate: 40,
    refillDurationSeconds: 1,
  };
  const estate = generateEstate({ projects: 16, seed: 9, density: 0, apiKey: GENERATED_API_KEY });
  const ids = (estate['orgs'] as { projects: { id: string }[] }[]).flatMap((o) => o.projects.map((p) => p.id));

  async function sweepInTwo(): Promise<{ limited: number; errors: number; lists: number }> {
    const sim = await startSimulator({ scenario: { ...(estate as { orgs: [] }), rateLimits: { sets: [lists] } } });
    try {
      const store = new DynamoBudgetLeases(dynamo.documents, TABLE);
      // Each container has its own client-side buckets and its own id at the store.
      const deps = ['container-a', 'container-b'].map((holder) => benchDeps(sim.url, 8, {}, { leases: store, holder }));
      const halves = [ids.filter((_, i) => i % 2 === 0), ids.filter((_, i) => i % 2 === 1)];
      const runs = await Promise.all(deps.map((d, i) => inlineSweep(d, { projectIds: halves[i]! }, { enqueue: false })));
      return {
        limited: sim.log.filter((e) => e.status === 429).length,
        errors: runs.reduce((sum, r) => sum + r.report.errors.length, 0),
        lists: sim.log.filter((e) => e.status === 200 && /\/(endpointService|peers|privateLinkConnections)$/.test(e.path)).length,
      };
    } finally {
      await sim.stop();
    }
  }

  it('each taking the whole bucket, Atlas refuses some of their requests', async () => {
    const sim = await startSimulator({ scenario: { ...(estate as { orgs: [] }), rateLimits: { sets: [lists] } } });
    try {
      // No lease store: each container paces to the whole bucket. One attempt each, so the refusals are
      // counted rather than waited out.
      const clients = ['container-a', 'container-b'].map(
        (holder) => new AtlasClient({ baseUrl: sim.url, credentials: { type: 'apiKey', ...GENERATED_API_KEY }, rateLimits: { holder }, retry: { maxAttempts: 1 } }),
      );
      await Promise.allSettled(clients.flatMap((client, i) => ids.filter((_, j) => j % 2 === i).flatMap((id) => PROVIDERS.map((p) => client.listPeers(id, p)))));
      expect(sim.log.filter((e) => e.status === 429).length).toBeGreaterThan(0);
    } finally {
      await sim.stop();
    }
  });

  it('sharing it through leases in the ledger table, Atlas refuses none', async () => {
    const { limited, errors, lists: served } = await sweepInTwo();
    expect(served).toBe(ids.length * 7);
    expect(errors).toBe(0);
    expect(limited).toBe(0);
  });
});
