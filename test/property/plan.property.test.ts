import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isEndpointId, type Provider } from '../../lib/atlas';
import { jobIdFor } from '../../lib/jobs';
import { RULE_NAMES, type Observation, type RuleName } from '../../lib/kinds';
import { NO_GRACE, planDeletions, type Candidate } from '../../lib/plan';
import { memoryBudget, spendBudget } from '../../lib/run';
import type { ProjectScan } from '../../lib/scan';
import { NEVER_PLANNED_STATES } from '../../tools/scenarios/generate';

// The oracle, written from the rules as docs/rules.md states them, independently of lib/kinds.
function expectedRule(o: Observation): RuleName | undefined {
  const p = o.ref.provider;
  switch (o.ref.kind) {
    case 'privateEndpoint': {
      // An id without its provider's format is never planned, whatever its state.
      if (!isEndpointId(p ?? 'AWS', o.ref.ids['endpointId'])) return undefined;
      if (o.state === 'INVALID_ID' || o.state === 'READ_FAILED' || !o.found) return undefined;
      if (o.fields['deleteRequested'] === true || o.state === 'DELETING') return undefined;
      if (o.parent && ['FAILED', 'DELETING'].includes(o.parent.status)) return 'orphaned-endpoint';
      if (o.state === 'NOT_FOUND') return 'orphaned-endpoint';
      if (p === 'AWS' && o.state === 'REJECTED') return 'rejected-aws-endpoint';
      if (p !== 'AWS' && o.state === 'FAILED') return 'failed-endpoint';
      return undefined;
    }
    case 'privateEndpointService':
      return o.state === 'FAILED' ? 'failed-endpoint-service' : undefined;
    case 'networkPeering':
      if (p === 'AWS') {
        if (o.state === 'TERMINATING') return undefined;
        return o.state === 'FAILED' ? 'failed-aws-peer' : undefined;
      }
      return o.state === 'FAILED' ? 'failed-peer' : undefined;
    case 'streamsPrivateLink':
      return ['FAILED', 'DELETE_FAILED'].includes(o.state) ? 'failed-streams-private-link' : undefined;
  }
}

const hex24 = fc.stringMatching(/^[a-f0-9]{24}$/);
// Endpoint ids of every provider's format (and names that fit only GCP's), so each provider's endpoints
// are sometimes well-formed and sometimes not.
const endpointId = fc.oneof(
  fc.stringMatching(/^vpce-[0-9a-f]{17}$/),
  fc.stringMatching(/^[a-z][a-z0-9-]{2,20}$/),
  fc.tuple(fc.uuid(), fc.stringMatching(/^[a-z][a-z0-9]{2,10}$/)).map(([sub, name]) => `/subscriptions/${sub}/resourceGroups/rg-${name}/providers/Microsoft.Network/privateEndpoints/${name}`),
);
const provider = fc.constantFrom<Provider>('AWS', 'AZURE', 'GCP');
const endpointStates = ['NONE', 'PENDING_ACCEPTANCE', 'PENDING', 'AVAILABLE', 'REJECTED', 'DELETING', 'INITIATING', 'VERIFIED', 'FAILED', 'NOT_FOUND', 'INVALID_ID', 'READ_FAILED'];
const serviceStates = ['INITIATING', 'WAITING_FOR_USER', 'AVAILABLE', 'FAILED', 'DELETING'];
const awsPeerStates = ['INITIATING', 'PENDING_ACCEPTANCE', 'FAILED', 'FINALIZING', 'AVAILABLE', 'TERMINATING'];
const peerStates = ['ADDING_PEER', 'WAITING_FOR_USER', 'AVAILABLE', 'FAILED', 'DELETING'];
const streamsStates = ['IDLE', 'PENDING', 'DONE', 'FAILED', 'DELETE_REQUESTED', 'DELETING', 'DELETE_FAILED', 'DELETED'];

const observation: fc.Arbitrary<Observation> = fc.oneof(
  fc.record({ p: provider, state: fc.constantFrom(...endpointStates), parent: fc.constantFrom(...serviceStates), del: fc.boolean(), found: fc.boolean(), sid: hex24, eid: endpointId, project: hex24 })
    .map(({ p, state, parent, del, found, sid, eid, project }) => ({
      ref: { projectId: project, kind: 'privateEndpoint' as const, provider: p, ids: { endpointServiceId: sid, endpointId: eid } },
      id: eid, found, state, fields: { deleteRequested: del }, parent: { id: sid, status: parent },
    })),
  fc.record({ p: provider, state: fc.constantFrom(...serviceStates), sid: hex24, project: hex24 }).map(({ p, state, sid, project }) => ({
    ref: { projectId: project, kind: 'privateEndpointService' as const, provider: p, ids: { endpointServiceId: sid } }, id: sid, found: true, state, fields: { status: state },
  })),
  fc.record({ state: fc.constantFrom(...awsPeerStates), err: fc.constantFrom(null, 'REJECTED', 'EXPIRED', 'INVALID_ARGUMENT'), id: hex24, project: hex24 }).map(({ state, err, id, project }) => ({
    ref: { projectId: project, kind: 'networkPeering' as const, provider: 'AWS' as const, ids: { peerId: id } }, id, found: true, state, fields: { statusName: state, errorStateName: err },
  })),
  fc.record({ p: fc.constantFrom<Provider>('AZURE', 'GCP'), state: fc.constantFrom(...peerStates), id: hex24, project: hex24 }).map(({ p, state, id, project }) => ({
    ref: { projectId: project, kind: 'networkPeering' as const, provider: p, ids: { peerId: id } }, id, found: true, state, fields: { status: state },
  })),
  fc.record({ state: fc.constantFrom(...streamsStates), id: hex24, project: hex24 }).map(({ state, id, project }) => ({
    ref: { projectId: project, kind: 'streamsPrivateLink' as const, provider: 'AWS' as const, ids: { connectionId: id } }, id, found: true, state, fields: { state },
  })),
);

const refKey = (o: Observation) => JSON.stringify([o.ref.projectId, o.ref.kind, o.ref.provider, o.ref.ids]);

describe('planDeletions (property)', () => {
  it('plans exactly the eligible, unprotected resources with an enabled rule, each once', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(observation, { selector: refKey, maxLength: 60 }),
        fc.subarray([...RULE_NAMES]),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (observations, disabled, protectShare) => {
          const protectedIds = new Set(observations.filter((_, i) => i < observations.length * protectShare).map((o) => o.id));
          const plan = planDeletions(observations, { disabledRules: new Set(disabled), protectedResourceIds: protectedIds, maxDeletionsPerRun: 10_000, grace: NO_GRACE });

          const expected = observations.filter((o) => {
            const rule = expectedRule(o);
            const isProtected = Object.values(o.ref.ids).some((id) => protectedIds.has(id)) || protectedIds.has(o.id);
            return rule !== undefined && !disabled.includes(rule) && !isProtected;
          });
          expect(plan.candidates.map((c) => refKey({ ref: c.ref } as Observation)).sort()).toEqual(expected.map(refKey).sort());
          for (const c of plan.candidates) expect(c.rule).toBe(expectedRule(observations.find((o) => refKey(o) === refKey({ ref: c.ref } as Observation))!));
          // Independent of the oracle: nothing healthy, pending or already going, nothing asked to be deleted.
          // (An orphan is planned whatever its own state, since its service is dead — but never while it is being deleted.)
          const forbidden = (c: (typeof plan.candidates)[number]) =>
            c.evidence.fields['deleteRequested'] === true || (c.rule === 'orphaned-endpoint' ? c.state === 'DELETING' : NEVER_PLANNED_STATES.has(c.state));
          expect(plan.candidates.filter(forbidden)).toEqual([]);
          expect(plan.candidates.length + plan.kept.length).toBe(observations.length);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('plans every eligible resource whatever the cap: the cap is the run\'s deletion budget, not planning\'s', () => {
    fc.assert(
      fc.property(fc.uniqueArray(observation, { selector: refKey, maxLength: 40 }), fc.nat(10), (observations, cap) => {
        const eligible = observations.filter((o) => expectedRule(o) !== undefined).length;
        const plan = planDeletions(observations, { disabledRules: new Set(), protectedResourceIds: new Set(), maxDeletionsPerRun: cap, grace: NO_GRACE });
        expect(plan.candidates).toHaveLength(eligible);
        expect(plan.capExceeded).toBeUndefined();
      }),
    );
  });

  it('the deletion budget takes projects whole, first come, never more than the cap, and holds the rest with the reason', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.nat(6), { maxLength: 12 }), fc.nat(15), async (perProject, cap) => {
        const budget = memoryBudget(cap);
        let left = cap;
        let planned = 0;
        for (const [i, count] of perProject.entries()) {
          const scan: ProjectScan = {
            projectId: i.toString(16).padStart(24, '0'),
            seen: count,
            candidates: Array.from({ length: count }, (_, j) => candidate(i, j)),
            kept: [],
            errors: [],
            apiCalls: 0,
            durationMs: 0,
          };
          const fits = count <= left;
          expect(await spendBudget(scan, budget)).toBe(fits);
          if (fits) {
            left -= count;
            planned += count;
            expect([scan.candidates.length, scan.capExceeded]).toEqual([count, undefined]);
          } else {
            expect(scan.candidates).toEqual([]);
            expect(scan.capExceeded).toEqual({ found: count, cap });
            expect(scan.kept.filter((k) => k.cause === 'cap' && k.reason.startsWith('held by the cap'))).toHaveLength(count);
          }
        }
        expect(planned).toBeLessThanOrEqual(cap);
      }),
    );
  });

  it('gives job ids that are stable for a resource and unique across resources', () => {
    fc.assert(
      fc.property(fc.uniqueArray(observation, { selector: refKey, maxLength: 80 }), (observations) => {
        const ids = observations.map((o) => jobIdFor(o.ref));
        expect(new Set(ids).size).toBe(observations.length);
        // Same resource, read again with other state and fields and ids in another order: same id.
        const again = observations.map((o) => jobIdFor({ ...o.ref, ids: Object.fromEntries(Object.entries(o.ref.ids).reverse()) }));
        expect(again).toEqual(ids);
      }),
    );
  });
});

function candidate(project: number, n: number): Candidate {
  const projectId = project.toString(16).padStart(24, '0');
  const peerId = n.toString(16).padStart(24, 'c');
  const ref = { projectId, kind: 'networkPeering', provider: 'AWS' as const, ids: { peerId } };
  return { ref, projectId, kind: 'networkPeering', provider: 'AWS', id: peerId, state: 'FAILED', rule: 'failed-aws-peer', reason: 'FAILED', evidence: { state: 'FAILED', fields: {} } };
}
