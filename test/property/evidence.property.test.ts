import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { clearAuthCaches } from '../../lib/atlas';
import { loadConfig } from '../../lib/config';
import { CredentialStore, clientFactory } from '../../lib/credentials';
import { UNPROVEN_404_ATTEMPTS } from '../../lib/kinds';
import { inlineSweep, type JanitorDeps } from '../../lib/run';
import { jobActor, runJobsDirectly, type JobOutcome } from '../../lib/worker';
import { GENERATED_API_KEY, expectedDeletions, generateEstate } from '../../tools/scenarios/generate';
import { startSimulator, type FaultRule, type ResourceKind } from '../../tools/simulator';
import { deletedResource } from '../support/worker-harness';

// Random estates behind random 404s that prove nothing about the resource asked for: a bare 404, an
// unknown code, GROUP_NOT_FOUND, and the kind's own not-found code answered for endpoints that exist
// (project-wide, the breaker's case). No resource that exists and is not stale is ever planned or sent a
// DELETE, and no job is counted done ("alreadyGone") while its resource is still there.

type Json = Record<string, any>;
type Flavour = 'bare' | 'unknown' | 'group';

const ANSWERS: Record<Flavour, Pick<FaultRule, 'status' | 'bare' | 'errorCode'>> = {
  bare: { status: 404, bare: true },
  unknown: { status: 404, errorCode: 'SOME_NEW_CODE' },
  group: { status: 404, errorCode: 'GROUP_NOT_FOUND' },
};
/** Reads of one resource (scan and worker) and of the project (the worker's parent check). */
const READS = [
  'getPrivateEndpoint', 'v1GetInterfaceEndpoint', 'getPrivateEndpointService', 'v1GetPrivateEndpointConnection',
  'getGroupPeer', 'v1GetPeer', 'getPrivateLinkConnection', 'getGroup',
] as const;
const ENDPOINT_READS = ['getPrivateEndpoint', 'v1GetInterfaceEndpoint'];
const SIM_KIND: Record<string, ResourceKind> = { privateEndpoint: 'privateEndpoint', privateEndpointService: 'endpointService', networkPeering: 'peer', streamsPrivateLink: 'streamsPrivateLink' };

const listedIds = (service: Json): string[] => service.interfaceEndpoints ?? service.privateEndpoints ?? service.endpointGroupNames ?? [];

function depsFor(url: string, apiGeneration: 'v1' | 'v2'): JanitorDeps {
  // No ledger: failure rules act on first sight, so every stale resource is a candidate in one sweep.
  const config = loadConfig({ ATLAS_BASE_URL: url, JANITOR_MODE: 'enforce', ATLAS_API_GENERATION: apiGeneration, MAX_DELETIONS_PER_RUN: '10000', GRACE_PERIODS: 'default=0' });
  return {
    config,
    credentials: new CredentialStore({ ttlMs: 60_000, env: { MONGODB_ATLAS_PUBLIC_API_KEY: GENERATED_API_KEY.publicKey, MONGODB_ATLAS_PRIVATE_API_KEY: GENERATED_API_KEY.privateKey } }),
    makeClient: clientFactory({ baseUrl: url, concurrency: 8, retry: { maxAttempts: 2, baseDelayMs: 1 } }),
    now: Date.now,
    newSweepId: () => 'sweep-evidence',
  };
}

const faultArb = fc.record({
  flavour: fc.constantFrom<Flavour>('bare', 'unknown', 'group'),
  operationId: fc.constantFrom(...READS),
  /** Which project the rule is limited to (modulo the estate's size), or every project. */
  project: fc.option(fc.nat(), { nil: undefined }),
  rate: fc.double({ min: 0.2, max: 1, noNaN: true }),
});

describe('evidence over random estates and random 404 flavours (property, simulator)', () => {
  it('never plans or deletes a resource that exists and is not stale, never counts one gone while it is there', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.integer({ min: 1, max: 5 }),
        fc.constantFrom<'v1' | 'v2'>('v1', 'v2'),
        fc.array(faultArb, { minLength: 1, maxLength: 4 }),
        fc.option(fc.nat(), { nil: undefined }),
        async (seed, projects, apiGeneration, faults, lyingProject) => {
          clearAuthCaches();
          const scenario = generateEstate({ projects, seed, staleShare: 0.4, density: 5, includeDeleting: false });
          const allProjects: Json[] = (scenario['orgs'] as Json[]).flatMap((o) => o.projects);
          const stale = new Set(expectedDeletions(scenario).map((e) => `${e.kind}:${e.id}`));
          const rules: FaultRule[] = faults.map((f) => ({
            match: { operationId: f.operationId, ...(f.project !== undefined ? { projectIds: [allProjects[f.project % allProjects.length]!.id] } : {}) },
            ...ANSWERS[f.flavour],
            rate: f.rate,
          }));
          // The kind's own code for endpoints that exist: only the breaker can tell, so it is answered for
          // every endpoint read of one project that lists at least three endpoints.
          const candidates = allProjects.filter((p) => p.endpointServices.flatMap(listedIds).length >= 3);
          const liar = lyingProject !== undefined && candidates.length > 0 ? candidates[lyingProject % candidates.length] : undefined;
          if (liar) {
            for (const operationId of ENDPOINT_READS) rules.push({ match: { operationId, projectIds: [liar.id] }, status: 404, errorCode: 'PRIVATE_ENDPOINT_NOT_FOUND' });
          }
          const sim = await startSimulator({ scenario: scenario as never, faults: rules, seed });
          try {
            const deps = depsFor(sim.url, apiGeneration);
            const { report, jobs } = await inlineSweep(deps, {}, { enqueue: false });

            const planned = report.candidates.map((c) => `${c.kind}:${c.id}`);
            expect(planned.filter((key) => !stale.has(key))).toEqual([]);
            if (liar) expect(report.candidates.filter((c) => c.projectId === liar.id && c.kind === 'privateEndpoint')).toEqual([]);
            // An endpoint read answered by a faulted 404 is read again; one whose last read in the scan was
            // still such a 404 (after UNPROVEN_404_ATTEMPTS reads) is reported (kept and said), never silently dropped.
            const lastRead = new Map<string, (typeof sim.log)[number]>();
            const readsOf = new Map<string, number>();
            for (const entry of sim.log.filter((e) => ENDPOINT_READS.includes(e.operationId ?? ''))) {
              lastRead.set(entry.path, entry);
              readsOf.set(entry.path, (readsOf.get(entry.path) ?? 0) + 1);
            }
            const reported = new Set(report.errors.map((e) => e.id ?? e.projectId));
            for (const [path, entry] of lastRead) {
              if (!(entry.status === 404 && entry.fault !== null)) continue;
              const endpointId = decodeURIComponent(path.split('/').at(-1)!);
              const projectId = path.split('/')[5]!;
              // The liar's 404s carry the kind's own code: proof on their face, so read once (the breaker weighs them).
              if (projectId !== liar?.id) expect(readsOf.get(path)).toBe(UNPROVEN_404_ATTEMPTS);
              expect(reported.has(endpointId) || reported.has(projectId)).toBe(true);
            }

            const outcomes = new Map<string, JobOutcome>();
            await runJobsDirectly(jobs, jobActor(deps), { deferWaitMs: 0, maxDeferrals: 3, maxRetries: 2, retryWaitMs: 0, wait: async () => undefined, onOutcome: (job, o) => void outcomes.set(job.jobId, o) });

            const deleted = sim.log.filter((e) => e.method === 'DELETE').map(deletedResource);
            expect(deleted.filter((key) => !stale.has(key))).toEqual([]);
            for (const job of jobs) {
              if (outcomes.get(job.jobId)?.outcome !== 'alreadyGone') continue;
              const id = job.kind === 'privateEndpoint' ? job.ids['endpointId']! : Object.values(job.ids)[0]!;
              const item = sim.store.find(SIM_KIND[job.kind]!, id);
              // Gone, or going because this run's own DELETE went out earlier.
              expect(item === undefined || item.deleting || deleted.includes(`${job.kind}:${id}`)).toBe(true);
            }
          } finally {
            await sim.stop();
          }
        },
      ),
      // FC_SEED=<seed printed by a failure> replays that run.
      { numRuns: 25, ...(process.env['FC_SEED'] ? { seed: Number(process.env['FC_SEED']) } : {}) },
    );
  });
});
