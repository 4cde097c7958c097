import { afterEach, describe, expect, it } from 'vitest';
import { registerKind, unregisterKind, type Classification, type Observation, type ResourceKind } from '../../lib/kinds';
import { NO_GRACE, admit, findStale, holdCandidates, holdForCap, planDeletions, type PlanSettings } from '../../lib/plan';
import { memoryBudget, spendBudget } from '../../lib/run';
import { parseRegistry, protectionsFor } from '../../lib/protections';
import { observe } from '../support/observations';
import { fixtureKind } from '../support/fixture-kind';

const settings = (extra: Partial<PlanSettings> = {}): PlanSettings => ({ disabledRules: new Set(), protectedResourceIds: new Set(), maxDeletionsPerRun: 100, grace: NO_GRACE, ...extra });

describe('planDeletions protections', () => {
  const azure = observe.endpoint('AZURE', 'FAILED');

  it('protects an Azure endpoint whatever the case of the configured id', () => {
    const plan = planDeletions([azure], settings({ protectedResourceIds: new Set([azure.id.toUpperCase()]) }));
    expect(plan.candidates).toEqual([]);
    expect(plan.kept[0]).toMatchObject({ cause: 'protected', reason: expect.stringMatching(/^protected by configuration/) });
  });

  it('protects the endpoints of a protected endpoint service', () => {
    const plan = planDeletions([azure], settings({ protectedResourceIds: new Set([azure.ref.ids['endpointServiceId']!]) }));
    expect(plan.kept.map((k) => k.cause)).toEqual(['protected']);
  });

  it('keeps what a switched-off rule would delete, saying which rule', () => {
    const plan = planDeletions([azure, observe.awsPeer('FAILED', 'EXPIRED')], settings({ disabledRules: new Set(['failed-endpoint']) }));
    expect(plan.candidates.map((c) => c.rule)).toEqual(['failed-aws-peer']);
    expect(plan.kept).toEqual([expect.objectContaining({ cause: 'ruleDisabled', reason: expect.stringContaining('rule failed-endpoint is switched off') })]);
  });

  it("keeps a healthy resource with cause state and the kind's reason", () => {
    const plan = planDeletions([observe.peer('GCP', 'AVAILABLE')], settings());
    expect(plan.kept).toEqual([expect.objectContaining({ cause: 'state', reason: 'status AVAILABLE is not a failure' })]);
  });
});

describe('findStale: hold marks (what keeps its ledger mark)', () => {
  const P = 'a'.repeat(24);
  const endpointNo = (n: number, state: string, extra: Partial<Observation> = {}) => {
    const id = `vpce-${String(n).padStart(17, '0')}`;
    return observe.endpoint('AWS', state, { id, ref: { projectId: P, kind: 'privateEndpoint', provider: 'AWS', ids: { endpointServiceId: 'b'.repeat(24), endpointId: id } }, ...extra });
  };

  it.each([
    ['a read that failed', endpointNo(1, 'READ_FAILED', { error: { message: 'Atlas answered 500' } })],
    ['a READ_FAILED state without an error', endpointNo(1, 'READ_FAILED')],
    ['an error beside a state', endpointNo(1, 'AVAILABLE', { error: { message: 'partly read' } })],
    ['an id never sent to Atlas', endpointNo(1, 'INVALID_ID')],
  ])('keeps the mark of %s: its state could not be told', (_what, o) => {
    expect(findStale([o], settings()).holdMarks).toEqual([o.ref]);
  });

  it.each([
    ['a healthy resource', observe.endpoint('AWS', 'AVAILABLE'), settings()],
    ['a stale resource', observe.endpoint('AWS', 'REJECTED'), settings()],
    ['a protected one', observe.endpoint('AWS', 'REJECTED'), settings({ protectedResourceIds: new Set(['vpce-0123456789abcdef0']) })],
    ['one whose rule is off', observe.endpoint('AWS', 'REJECTED'), settings({ disabledRules: new Set(['rejected-aws-endpoint']) })],
  ])('lets go of the mark of %s: lifting a hold never deletes at once', (_what, o, s) => {
    expect(findStale([o], s).holdMarks).toEqual([]);
  });

  it('keeps the mark of every resource of a kind the breaker holds, and plans none of them', () => {
    const gone = [1, 2, 3].map((n) => endpointNo(n, 'NOT_FOUND'));
    const rejected = endpointNo(4, 'REJECTED');

    const findings = findStale([...gone, rejected], settings());

    expect(findings.stale).toEqual([]);
    expect(findings.holdMarks).toEqual([...gone, rejected].map((o) => o.ref));
    expect(findings.kept.map((k) => k.cause)).toEqual(['suspectedApiFault', 'suspectedApiFault', 'suspectedApiFault', 'suspectedApiFault']);
    expect(findings.kept[3]!.reason).toMatch(/^suspected API fault: 3 of 4 privateEndpoint reads .* \(AWS rejected the interface endpoint connection/);
    expect(findings.suspectedFaults).toHaveLength(1);
  });

  it('holds only the kind and project the breaker tripped on', () => {
    const gone = [1, 2, 3].map((n) => endpointNo(n, 'NOT_FOUND'));
    const peer = observe.awsPeer('FAILED');

    const findings = findStale([...gone, peer], settings());

    expect(findings.stale.map((c) => c.id)).toEqual([peer.id]);
    expect(findings.holdMarks).not.toContainEqual(peer.ref);
  });
});

describe('findStale: protections and what a candidate carries', () => {
  const rejected = observe.endpoint('AWS', 'REJECTED');
  const registryOf = (entries: object[], project = { id: rejected.ref.projectId, name: 'prod-payments' }) =>
    protectionsFor(parseRegistry('test', JSON.stringify({ protections: entries.map((e) => ({ owner: 'ops', reason: 'audit', expires: '2999-01-01', ...e })) })), project, Date.now());

  it('protects every resource of a project the registry names', () => {
    const plan = planDeletions([rejected, observe.awsPeer('FAILED')], settings(), Date.now(), registryOf([{ projectName: 'prod-*' }]));

    expect(plan.candidates).toEqual([]);
    expect(plan.kept.map((k) => [k.cause, k.rule])).toEqual([['protected', 'rejected-aws-endpoint'], ['protected', 'failed-aws-peer']]);
    expect(plan.kept[0]!.reason).toMatch(/^protected by the registry: projects named prod-\*, owner ops: audit; until .* \(AWS rejected/);
  });

  it('protects a resource the registry names by any of its ids, in any case', () => {
    const plan = planDeletions([rejected], settings(), Date.now(), registryOf([{ resourceId: 'B'.repeat(24) }]));

    expect(plan.kept.map((k) => k.cause)).toEqual(['protected']);
  });

  it('plans a resource whose protection expired, saying so, and one whose expired entry names another resource plainly', () => {
    const expired = (entry: object) => protectionsFor(parseRegistry('test', JSON.stringify({ protections: [{ owner: 'ops', reason: 'audit', expires: '2000-01-01', ...entry }] })), { id: rejected.ref.projectId }, Date.now());

    const own = planDeletions([rejected], settings(), Date.now(), expired({ resourceId: rejected.id }));
    const project = planDeletions([rejected], settings(), Date.now(), expired({ projectId: rejected.ref.projectId }));
    const other = planDeletions([rejected], settings(), Date.now(), expired({ resourceId: 'vpce-0fffffffffffffff0' }));

    expect(own.candidates[0]!.reason).toMatch(/; its protection has expired \(resource vpce-0123456789abcdef0, owner ops: audit/);
    expect(project.candidates[0]!.reason).toMatch(/; its protection has expired \(project a+, owner ops/);
    expect(other.candidates[0]!.reason).toBe('AWS rejected the interface endpoint connection (connectionStatus REJECTED)');
  });

  it('gives a candidate the evidence it was planned on, its parent included', () => {
    const [candidate] = planDeletions([rejected, observe.awsPeer('FAILED')], settings()).candidates;

    expect(candidate).toMatchObject({ ref: rejected.ref, projectId: rejected.ref.projectId, kind: 'privateEndpoint', provider: 'AWS', id: rejected.id, state: 'REJECTED', rule: 'rejected-aws-endpoint' });
    expect(candidate!.evidence).toEqual({ state: 'REJECTED', fields: rejected.fields, parent: rejected.parent });
    expect(planDeletions([observe.awsPeer('FAILED')], settings()).candidates[0]!.evidence).not.toHaveProperty('parent');
  });

  it('names the rule of a kept stale resource, and none for a healthy one', () => {
    const plan = planDeletions([rejected, observe.endpoint('AWS', 'AVAILABLE')], settings({ disabledRules: new Set(['rejected-aws-endpoint']) }));

    expect(plan.kept.map((k) => k.rule)).toEqual(['rejected-aws-endpoint', undefined]);
    expect(plan.kept[1]).not.toHaveProperty('rule');
  });
});

describe('findStale: endpoints a service waits for', () => {
  const service = { ...observe.service('AWS', 'FAILED'), fields: { status: 'FAILED', interfaceEndpoints: ['vpce-0123456789abcdef0'] } };

  it('records the endpoints a service still lists, and the endpoints already leaving', () => {
    const gone = observe.endpoint('AWS', 'NOT_FOUND', { found: false, id: 'vpce-0000000000000000a' });
    const going = observe.endpoint('AWS', 'AVAILABLE', { id: 'vpce-0000000000000000b', fields: { deleteRequested: true } });
    const staying = observe.endpoint('AWS', 'AVAILABLE', { id: 'vpce-0000000000000000c' });

    const findings = findStale([service, gone, going, staying, { ...service, id: 'f'.repeat(24), found: false }], settings());

    expect([...findings.serviceEndpoints]).toEqual([[service.id, ['vpce-0123456789abcdef0']]]);
    expect([...findings.leavingEndpoints]).toEqual(['vpce-0000000000000000a', 'vpce-0000000000000000b']);
  });

  it('does not count a gone service as leaving: only dependents free their parent', () => {
    expect(findStale([{ ...service, found: false }], settings()).leavingEndpoints.size).toBe(0);
  });

  it('plans a failed service with the endpoint it lists once that endpoint is planned too, and blocks it otherwise', () => {
    const rejected = observe.endpoint('AWS', 'REJECTED');

    expect(planDeletions([service, rejected], settings()).candidates.map((c) => c.kind)).toEqual(['privateEndpointService', 'privateEndpoint']);
    const blocked = planDeletions([service, rejected], settings({ disabledRules: new Set(['rejected-aws-endpoint']) }));
    expect(blocked.candidates).toEqual([]);
    expect(blocked.kept.find((k) => k.kind === 'privateEndpointService')).toMatchObject({
      cause: 'blocked',
      reason: 'endpoints that are not being deleted: vpce-0123456789abcdef0 (ruleDisabled); Atlas refuses to delete a service that has endpoints',
    });
    expect(planDeletions([service], settings()).kept[0]!.reason).toContain('vpce-0123456789abcdef0 (not scanned)');
  });
});

describe('the cap and holdCandidates', () => {
  const three = [observe.awsPeer('FAILED'), observe.peer('GCP', 'FAILED'), observe.streams('FAILED')];

  it('leaves the cap to the run\'s deletion budget: planning plans every candidate whatever the cap', () => {
    const plan = planDeletions(three, settings({ maxDeletionsPerRun: 0 }));
    expect([plan.candidates.length, plan.capExceeded]).toEqual([3, undefined]);
  });

  it('the budget takes a project whose candidates fit exactly, and holds one past it with the reason', async () => {
    const asScan = (cap: number) => ({ ...planDeletions(three, settings({ maxDeletionsPerRun: cap })), projectId: 'a'.repeat(24), seen: 3, errors: [], apiCalls: 0, durationMs: 0 });
    const fits = asScan(3);
    expect(await spendBudget(fits, memoryBudget(3))).toBe(true);
    expect([fits.candidates.length, fits.capExceeded]).toEqual([3, undefined]);

    const over = asScan(2);
    expect(await spendBudget(over, memoryBudget(2))).toBe(false);
    expect(over.candidates).toEqual([]);
    expect(over.capExceeded).toEqual({ found: 3, cap: 2 });
    expect(over.kept.map((k) => [k.cause, k.reason])).toEqual(Array(3).fill(['cap', 'held by the cap: 3 candidates in this project, more than the 2 deletions a run may make (MAX_DELETIONS_PER_RUN)']));
  });

  it('the budget holds a project that fits the cap but not what other projects left, saying so', async () => {
    const budget = memoryBudget(4);
    const first = { ...planDeletions(three, settings()), projectId: 'a'.repeat(24), seen: 3, errors: [], apiCalls: 0, durationMs: 0 };
    const second = { ...planDeletions(three, settings()), projectId: 'b'.repeat(24), seen: 3, errors: [], apiCalls: 0, durationMs: 0 };
    const small = { ...planDeletions([observe.streams('FAILED')], settings()), projectId: 'c'.repeat(24), seen: 1, errors: [], apiCalls: 0, durationMs: 0 };

    expect(await spendBudget(first, budget)).toBe(true);
    expect(await spendBudget(second, budget)).toBe(false);
    // What is left (1) still takes a project that fits it.
    expect(await spendBudget(small, budget)).toBe(true);
    expect(second.kept.map((k) => k.reason)).toEqual(Array(3).fill("held by the cap: the run's 4 deletions (MAX_DELETIONS_PER_RUN) are taken by its other projects"));
    expect(await budget.take(1)).toBe(false);
    expect(await memoryBudget(0).take(0)).toBe(true);
  });

  it('moves only the candidates it selects, each either kept or planned', () => {
    const plan = planDeletions(three, settings());

    holdCandidates(plan, (c) => c.kind === 'streamsPrivateLink', 'sideEffect', 'held for a person');

    expect(plan.candidates.map((c) => c.kind)).toEqual(['networkPeering', 'networkPeering']);
    expect(plan.kept).toEqual([expect.objectContaining({ kind: 'streamsPrivateLink', cause: 'sideEffect', reason: 'held for a person', rule: 'failed-streams-private-link' })]);
  });

  it('holds every candidate for the cap', () => {
    const plan = planDeletions(three, settings());

    holdForCap(plan, 'cap reached across projects');

    expect(plan.candidates).toEqual([]);
    expect(plan.kept.map((k) => k.cause)).toEqual(['cap', 'cap', 'cap']);
  });
});

describe('findStale: a verdict and its rule go together', () => {
  /** A kind whose classify answers whatever the test needs, to check what the plan does with it. */
  const oddKind = (verdict: Classification): ResourceKind => fixtureKind('oddThing', { rules: [{ name: 'odd-rule', why: 'odd' }], classify: () => verdict });
  const odd: Observation = { ref: { projectId: 'a'.repeat(24), kind: 'oddThing', ids: { thingId: 'c'.repeat(24) } }, id: 'c'.repeat(24), found: true, state: 'ODD', fields: {} };
  afterEach(() => unregisterKind('oddThing'));

  it('keeps a resource whose id has the wrong format, whatever its kind would say, with the reason that says so', () => {
    registerKind(oddKind({ verdict: 'delete', rule: 'odd-rule', reason: 'odd' }));
    const malformed: Observation = { ...odd, ref: { ...odd.ref, ids: { thingId: '../x' } }, id: '../x' };

    const plan = planDeletions([malformed], settings());

    expect(plan.candidates).toEqual([]);
    expect(plan.kept).toEqual([expect.objectContaining({ state: 'INVALID_ID', cause: 'state', reason: 'oddThing thingId "../x" has an unexpected format; it is never sent to Atlas' })]);
  });

  it.each([
    ['a keep that names a rule', { verdict: 'keep', rule: 'odd-rule', reason: 'fine' }],
    ['a delete that names no rule', { verdict: 'delete', reason: 'no rule' }],
  ] as const)('keeps what a kind answers with %s', (_what, verdict) => {
    registerKind(oddKind(verdict));

    const plan = planDeletions([odd], settings());

    expect(plan.candidates).toEqual([]);
    expect(plan.kept).toEqual([expect.objectContaining({ cause: 'state', reason: verdict.reason })]);
  });
});

describe('what a kept resource tells', () => {
  const NOW = Date.parse('2026-11-23T12:00:00Z');
  const rejected = observe.endpoint('AWS', 'REJECTED');

  it.each([
    [1, '1 sweep'],
    [3, '3 sweeps'],
  ])('counts the sweeps that saw a resource stale (%i)', (sweeps, said) => {
    const grace = { ...NO_GRACE, defaultMs: 24 * 3_600_000 };

    const plan = admit(findStale([rejected], settings({ grace })), settings({ grace }), [{ firstSeenAt: NOW - 3_600_000, lastSeenAt: NOW, sweeps }], NOW);

    expect(plan.kept[0]!.reason).toBe(`marked: stale since 2026-11-23T11:00:00.000Z (${said}); rule rejected-aws-endpoint waits 24h (AWS rejected the interface endpoint connection (connectionStatus REJECTED))`);
  });

  it('names every endpoint that holds a service back', () => {
    const service = { ...observe.service('AWS', 'FAILED'), fields: { status: 'FAILED', interfaceEndpoints: ['vpce-0000000000000000a', 'vpce-0000000000000000b'] } };

    expect(planDeletions([service], settings()).kept[0]!.reason).toBe(
      'endpoints that are not being deleted: vpce-0000000000000000a (not scanned), vpce-0000000000000000b (not scanned); Atlas refuses to delete a service that has endpoints',
    );
  });

  it('says a protection of the project by name has expired', () => {
    const entries = parseRegistry('test', JSON.stringify({ protections: [{ projectName: 'prod-*', owner: 'ops', reason: 'freeze', expires: '2000-01-01' }] }));

    const plan = planDeletions([rejected], settings(), NOW, protectionsFor(entries, { id: rejected.ref.projectId, name: 'prod-payments' }, NOW));

    expect(plan.candidates[0]!.reason).toMatch(/; its protection has expired \(projects named prod-\*, owner ops: freeze/);
  });
});
