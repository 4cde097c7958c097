import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { clearAuthCaches } from '../../lib/atlas';
import { loadConfig } from '../../lib/config';
import { CredentialStore, clientFactory } from '../../lib/credentials';
import type { ScanReport } from '../../lib/report';
import { BREAKER_MIN_GONE, SUSPECTED_API_FAULT } from '../../lib/plan';
import { inlineSweep, type JanitorDeps } from '../../lib/run';
import { GENERATED_API_KEY, NEVER_PLANNED_STATES, expectedDeletions, generateEstate } from '../../tools/scenarios/generate';
import { startSimulator } from '../../tools/simulator';

type Json = Record<string, any>;

/** Every resource id of a scenario, endpoints included. */
function allResourceIds(scenario: Json): string[] {
  return scenario.orgs.flatMap((o: Json) =>
    o.projects.flatMap((p: Json) => [
      ...p.endpointServices.flatMap((s: Json) => [s.id, ...(s.interfaceEndpoints ?? s.privateEndpoints ?? s.endpointGroupNames ?? [])]),
      ...p.peers.map((x: Json) => x.id),
      ...p.streamsPrivateLinks.map((x: Json) => x._id),
    ]),
  );
}

function depsFor(url: string, env: Record<string, string>): JanitorDeps {
  // No ledger here: failure rules act on first sight, age rules never.
  const config = loadConfig({ ATLAS_BASE_URL: url, MAX_DELETIONS_PER_RUN: '10000', GRACE_PERIODS: 'default=0', ...env });
  return {
    config,
    credentials: new CredentialStore({ ttlMs: 60_000, env: { MONGODB_ATLAS_PUBLIC_API_KEY: GENERATED_API_KEY.publicKey, MONGODB_ATLAS_PRIVATE_API_KEY: GENERATED_API_KEY.privateKey } }),
    makeClient: clientFactory({ baseUrl: url, concurrency: 16 }),
    now: Date.now,
    newSweepId: () => 'sweep-property',
  };
}

describe('scan over random estates (property, simulator)', () => {
  it('plans each eligible, unprotected resource exactly once, nothing else, with stable unique job ids', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.integer({ min: 1, max: 12 }),
        fc.double({ min: 0, max: 0.9, noNaN: true }),
        fc.double({ min: 0, max: 0.5, noNaN: true }),
        async (seed, projects, staleShare, protectShare) => {
          clearAuthCaches();
          const scenario = generateEstate({ projects, seed, staleShare, density: 5 });
          const ids = allResourceIds(scenario);
          const protectedIds = ids.filter((_, i) => (i * 7919) % 100 < protectShare * 100);
          // Mid-delete resources stay so: both runs must see the same estate.
          const sim = await startSimulator({ scenario: scenario as never, stuckDeletes: true });
          try {
            const deps = depsFor(sim.url, { PROTECTED_RESOURCE_IDS: protectedIds.join(',') });
            const first = (await inlineSweep(deps, {})).report;
            const second = (await inlineSweep(deps, {})).report;

            // The generator's oracle, minus protections (an endpoint is protected by its service's id too).
            const protectedSet = new Set(protectedIds);
            const serviceOf = new Map<string, string>();
            for (const o of scenario['orgs'] as Json[]) for (const p of o.projects) for (const s of p.endpointServices) {
              for (const e of s.interfaceEndpoints ?? s.privateEndpoints ?? s.endpointGroupNames ?? []) serviceOf.set(e, s.id);
            }
            // The breaker, from the scenario alone: a project where at least BREAKER_MIN_GONE endpoint reads,
            // and more than half, answer "not found" (ids a service lists with nothing behind them) holds all
            // its endpoints and says so, however real the orphans are.
            const tripped = new Set<string>();
            for (const o of scenario['orgs'] as Json[]) for (const p of o.projects) {
              const reads = (p.endpointServices as Json[]).reduce((n, s) => n + (s.interfaceEndpoints ?? s.privateEndpoints ?? s.endpointGroupNames ?? []).length, 0);
              const gone = (p.endpointServices as Json[]).reduce((n, s) => n + Object.keys(s._janitorOrphans ?? {}).length, 0);
              if (gone >= BREAKER_MIN_GONE && gone * 2 > reads) tripped.add(p.id);
            }
            const projectOf = new Map<string, string>();
            for (const o of scenario['orgs'] as Json[]) for (const p of o.projects) for (const id of allResourceIds({ orgs: [{ projects: [p] }] })) projectOf.set(id, p.id);
            const unprotected = expectedDeletions(scenario).filter((e) => !protectedSet.has(e.id) && !protectedSet.has(serviceOf.get(e.id) ?? '') && !(e.kind === 'privateEndpoint' && tripped.has(projectOf.get(e.id) ?? '')));
            // A service goes only with all its endpoints: each must be planned too, or already being deleted.
            const going = new Set(unprotected.filter((e) => e.kind === 'privateEndpoint').map((e) => e.id));
            const leaving = new Set<string>();
            const listed = new Map<string, string[]>();
            for (const o of scenario['orgs'] as Json[]) for (const p of o.projects) for (const s of p.endpointServices) {
              listed.set(s.id, s.interfaceEndpoints ?? s.privateEndpoints ?? s.endpointGroupNames ?? []);
              for (const e of s.endpoints ?? []) {
                if (e.deleteRequested === true || (e.connectionStatus ?? e.status) === 'DELETING') leaving.add(e.interfaceEndpointId ?? e.privateEndpointResourceId ?? e.endpointGroupName);
              }
            }
            const eligible = unprotected.filter((e) => e.kind !== 'privateEndpointService' || (listed.get(e.id) ?? []).every((id) => going.has(id) || leaving.has(id)));
            const planned = first.candidates.map((c) => ({ kind: c.kind, id: c.id, rule: c.rule })).sort((a, b) => `${a.kind}:${a.id}`.localeCompare(`${b.kind}:${b.id}`));

            expect(first.errors.map((e) => [e.projectId, e.kind, e.errorCode]).sort()).toEqual([...tripped].sort().map((id) => [id, 'privateEndpoint', SUSPECTED_API_FAULT]));
            // Independent of any oracle: nothing healthy, pending or already going is ever planned.
            // (An orphan is planned whatever its own state, since its service is dead — but never while it is being deleted.)
            expect(first.candidates.filter((c) => (c.rule === 'orphaned-endpoint' ? c.state === 'DELETING' : NEVER_PLANNED_STATES.has(c.state)))).toEqual([]);
            expect(first.candidates.filter((c) => protectedSet.has(c.id))).toEqual([]);
            expect(planned).toEqual(eligible);
            expect(new Set(first.candidates.map((c) => c.jobId)).size).toBe(first.candidates.length);
            expect(second.candidates.map((c) => c.jobId).sort()).toEqual(first.candidates.map((c) => c.jobId).sort());
          } finally {
            await sim.stop();
          }
        },
      ),
      // FC_SEED=<seed printed by a failure> replays that run.
      { numRuns: 20, ...(process.env['FC_SEED'] ? { seed: Number(process.env['FC_SEED']) } : {}) },
    );
  });
});
