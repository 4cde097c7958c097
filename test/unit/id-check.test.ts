import { describe, expect, it } from 'vitest';
import { INVALID_ID, hasIdFormat, malformedIdOf, screenIds, shownId, type Observation } from '../../lib/kinds';
import type { Ledger } from '../../lib/ledger';
import { ledgerBudget, memoryBudget, spendBudget } from '../../lib/run';
import type { ProjectScan } from '../../lib/scan';

// An id read from Atlas reaches a candidate only with its kind's format; the deletion budget is the only cap.

const PROJECT = 'a'.repeat(24);
const peer = (peerId: string, extra: Partial<Observation> = {}): Observation => ({
  ref: { projectId: PROJECT, kind: 'networkPeering', provider: 'AWS', ids: { peerId } },
  id: peerId,
  found: true,
  state: 'FAILED',
  fields: { statusName: 'FAILED' },
  ...extra,
});
const endpoint = (endpointServiceId: string, endpointId: string, provider: 'AWS' | 'GCP' = 'AWS'): Observation => ({
  ref: { projectId: PROJECT, kind: 'privateEndpoint', provider, ids: { endpointServiceId, endpointId } },
  id: endpointId,
  found: true,
  state: 'REJECTED',
  fields: {},
});

describe('hasIdFormat', () => {
  it('checks an object id, an endpoint id by its provider (AWS when none is named), and nothing that is not a string', () => {
    expect(hasIdFormat('objectId', undefined, 'b'.repeat(24))).toBe(true);
    expect(hasIdFormat('objectId', undefined, 'B'.repeat(24))).toBe(false);
    expect(hasIdFormat('endpointId', undefined, 'vpce-0123456789abcdef0')).toBe(true);
    expect(hasIdFormat('endpointId', 'GCP', 'vpce-0123456789abcdef0')).toBe(true);
    expect(hasIdFormat('endpointId', 'AZURE', 'vpce-0123456789abcdef0')).toBe(false);
    expect(hasIdFormat('endpointId', undefined, 'atlas-psc-group')).toBe(false);
    expect(hasIdFormat('objectId', undefined, 123)).toBe(false);
    expect(hasIdFormat('objectId', undefined, undefined)).toBe(false);
  });
});

describe('malformedIdOf', () => {
  it('names the first id of the ref without its format, or none', () => {
    expect(malformedIdOf(peer('c'.repeat(24)).ref)).toBeUndefined();
    expect(malformedIdOf(peer('../../orgs').ref)).toBe('peerId');
    expect(malformedIdOf(endpoint('x', 'vpce-../x').ref)).toBe('endpointServiceId');
    expect(malformedIdOf(endpoint('d'.repeat(24), 'vpce-../x').ref)).toBe('endpointId');
    expect(malformedIdOf({ ...peer('c'.repeat(24)).ref, ids: {} })).toBe('peerId');
  });
});

describe('shownId', () => {
  it('quotes an id, escaping control characters, and cuts one longer than 80 characters', () => {
    expect(shownId('a\u0000b')).toBe('"a\\u0000b"');
    expect(shownId('x'.repeat(80))).toBe(JSON.stringify('x'.repeat(80)));
    expect(shownId('x'.repeat(81))).toBe(JSON.stringify(`${'x'.repeat(80)}…`));
  });
});

describe('screenIds', () => {
  it('returns a well-formed observation as it is', () => {
    const o = peer('c'.repeat(24));
    expect(screenIds(o)).toBe(o);
  });

  it('makes an observation with a malformed id INVALID_ID, without its fields, with an error naming kind, field and id', () => {
    const screened = screenIds(peer('../../orgs'));

    expect(screened).toMatchObject({ state: INVALID_ID, fields: {}, id: '../../orgs' });
    expect(screened.error).toEqual({ message: 'networkPeering peerId "../../orgs" has an unexpected format; it is never sent to Atlas', errorCode: INVALID_ID });
  });

  it('cuts a long malformed id to 80 characters, in the error and as shown, and names an id that is missing', () => {
    const long = 'f'.repeat(5_000);
    const screened = screenIds(peer(long));
    expect(screened.id).toBe(`${'f'.repeat(80)}…`);
    expect(screened.error!.message).toContain(JSON.stringify(`${'f'.repeat(80)}…`));
    expect(screenIds(peer('short!')).id).toBe('short!');
    const missing = screenIds({ ...peer('c'.repeat(24)), ref: { ...peer('c'.repeat(24)).ref, ids: {} } });
    expect(missing.error!.message).toBe('networkPeering peerId "" has an unexpected format; it is never sent to Atlas');
  });

  it('gives an endpoint its kind already marked INVALID_ID the error that reports it, and leaves one that has it', () => {
    const listed = { ...endpoint('d'.repeat(24), 'vpce-../x'), state: INVALID_ID };
    expect(screenIds(listed).error?.message).toMatch(/^privateEndpoint endpointId "vpce-\.\.\/x" has an unexpected format/);
    const reported = { ...listed, error: { message: 'already said' } };
    expect(screenIds(reported)).toBe(reported);
    // A read that failed says nothing about its id: a malformed one is still screened.
    const failedRead = { ...peer('../x'), state: 'READ_FAILED', error: { message: 'timed out' } };
    expect(screenIds(failedRead)).toMatchObject({ state: INVALID_ID, error: { errorCode: INVALID_ID } });
  });
});

describe('the deletion budget', () => {
  const scan = (count: number): ProjectScan => ({
    projectId: PROJECT,
    seen: count,
    candidates: Array.from({ length: count }, (_, i) => ({ ref: peer(i.toString(16).padStart(24, 'c')).ref, projectId: PROJECT, kind: 'networkPeering', provider: 'AWS' as const, id: String(i), state: 'FAILED', rule: 'failed-aws-peer', reason: 'r', evidence: { state: 'FAILED', fields: {} } })),
    kept: [],
    errors: [],
    apiCalls: 0,
    durationMs: 0,
  });

  it('takes nothing for a project with no candidates', async () => {
    const budget = memoryBudget(0);
    expect(await spendBudget(scan(0), budget)).toBe(true);
  });

  it('says a project that fits the cap itself was held by what the others took, and one larger than the cap that it is', async () => {
    const budget = memoryBudget(2);
    expect(await spendBudget(scan(1), budget)).toBe(true);
    const equal = scan(2);
    expect(await spendBudget(equal, budget)).toBe(false);
    expect(equal.kept[0]!.reason).toBe("held by the cap: the run's 2 deletions (MAX_DELETIONS_PER_RUN) are taken by its other projects");
    const larger = scan(3);
    expect(await spendBudget(larger, memoryBudget(2))).toBe(false);
    expect(larger.kept[0]!.reason).toMatch(/^held by the cap: 3 candidates in this project, more than the 2/);
  });

  it('shares a queued sweep\'s budget through the ledger, by sweep, cap and time', async () => {
    const calls: unknown[][] = [];
    const ledger = { reserveDeletions: async (...args: unknown[]) => (calls.push(args), args[1] === 1) } as Pick<Ledger, 'reserveDeletions'> as Ledger;
    const budget = ledgerBudget(ledger, 'sweep-1', 5, () => 42);

    expect([budget.cap, await budget.take(1), await budget.take(3)]).toEqual([5, true, false]);
    expect(calls).toEqual([['sweep-1', 1, 5, 42], ['sweep-1', 3, 5, 42]]);
  });
});

describe('endpointIdsOf on evidence fields', () => {
  it('reads the provider\'s list of ids, none when the field is missing, and only the strings in it', async () => {
    const { endpointIdsOf } = await import('../../lib/kinds/endpoint-services');
    expect(endpointIdsOf({}, 'AWS')).toEqual([]);
    expect(endpointIdsOf({ interfaceEndpoints: 'vpce-0123456789abcdef0' }, 'AWS')).toEqual([]);
    expect(endpointIdsOf({ interfaceEndpoints: ['vpce-0123456789abcdef0', 5, null] }, 'AWS')).toEqual(['vpce-0123456789abcdef0']);
    expect(endpointIdsOf({ privateEndpoints: ['/subscriptions/x'], endpointGroupNames: ['g'] }, 'AZURE')).toEqual(['/subscriptions/x']);
    expect(endpointIdsOf({ privateEndpoints: ['/subscriptions/x'], endpointGroupNames: ['g'] }, 'GCP')).toEqual(['g']);
  });
});
