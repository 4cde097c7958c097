import { afterEach, describe, expect, it } from 'vitest';
import type { Provider } from '../../lib/atlas';
import { deleteJobSchema, jobIdFor } from '../../lib/jobs';
import {
  AGE_RULES,
  KIND_NAMES,
  RULE_NAMES,
  beingDeleted,
  deleteRank,
  displayIdOf,
  isDependentKind,
  isKindName,
  isRuleName,
  kindNameSchema,
  kindOf,
  registerKind,
  ruleNameSchema,
  ruleSpec,
  unregisterKind,
  type Observation,
  type ResourceKind,
  type RuleName,
} from '../../lib/kinds';
import { observe } from '../support/observations';
import { fixtureKind } from '../support/fixture-kind';

const PROVIDERS: readonly Provider[] = ['AWS', 'AZURE', 'GCP'];

/**
 * Every state a read can give each built-in kind, in every combination that matters to classify (provider,
 * parent status, a delete already requested, found or not, endpoints listed or not). What classify
 * returns over these is what each kind can ever plan.
 */
function everyObservation(): Observation[] {
  const states = ['AVAILABLE', 'PENDING_ACCEPTANCE', 'PENDING', 'REJECTED', 'FAILED', 'DELETING', 'INITIATING', 'WAITING_FOR_USER', 'TERMINATING', 'NOT_FOUND', 'INVALID_ID', 'READ_FAILED', 'DELETE_FAILED', 'DELETE_REQUESTED', 'DELETED', 'IDLE'];
  const all: Observation[] = [];
  for (const state of states) {
    for (const provider of PROVIDERS) {
      for (const parent of ['AVAILABLE', 'FAILED', 'DELETING']) {
        for (const found of [true, false]) {
          all.push(observe.endpoint(provider, state, { found, parent: { id: 'b'.repeat(24), status: parent } }));
        }
      }
      all.push(observe.service(provider, state), { ...observe.service(provider, state), fields: { status: state, interfaceEndpoints: ['vpce-0123456789abcdef0'] } });
    }
    for (const error of [null, 'REJECTED', 'EXPIRED']) all.push(observe.awsPeer(state, error));
    all.push(observe.peer('AZURE', state), observe.peer('GCP', state), observe.streams(state));
  }
  return all;
}

const rulesOf = (kind: ResourceKind): RuleName[] => kind.rules.map((r) => r.name);

describe('the registry: what each kind may plan', () => {
  it('lists the four built-in kinds in the order scans list them', () => {
    expect(KIND_NAMES).toEqual(['privateEndpoint', 'privateEndpointService', 'networkPeering', 'streamsPrivateLink']);
  });

  it.each(['privateEndpoint', 'privateEndpointService', 'networkPeering', 'streamsPrivateLink'])(
    "registers exactly the rules %s's classify can return",
    (name) => {
      const kind = kindOf(name);
      const returned = new Set(everyObservation().filter((o) => o.ref.kind === name).map((o) => kind.classify(o).rule).filter((r) => r !== undefined));

      expect([...returned].sort()).toEqual(rulesOf(kind).sort());
    },
  );

  it('knows every rule of every kind by name, once, each with why it deletes', () => {
    const all = KIND_NAMES.flatMap((name) => rulesOf(kindOf(name)));

    expect([...RULE_NAMES].sort()).toEqual([...all].sort());
    expect(new Set(RULE_NAMES).size).toBe(RULE_NAMES.length);
    for (const name of RULE_NAMES) {
      expect(isRuleName(name)).toBe(true);
      expect(ruleSpec(name)?.name).toBe(name);
    }
    expect(isRuleName('no-such-rule')).toBe(false);
    expect(ruleSpec('no-such-rule')).toBeUndefined();
  });

  it('counts as age rules the two that match a state normal while young: a pending peer and an idle service', () => {
    // A pending peer or an idle service is how every new one starts: only age makes it stale.
    expect([...AGE_RULES].sort()).toEqual(['idle-endpoint-service', 'pending-peer']);
    expect(ruleSpec('pending-peer')?.age).toBe(true);
    expect(ruleSpec('failed-aws-peer')?.age).toBeFalsy();
  });

  it('tells registered kind names from others, in code and in messages from outside', () => {
    expect(isKindName('networkPeering')).toBe(true);
    expect(isKindName('cluster')).toBe(false);
    expect(() => kindOf('cluster')).toThrow('unknown resource kind cluster');
    expect(kindNameSchema.safeParse('cluster').error?.issues[0]?.message).toBe(`must be one of ${KIND_NAMES.join(', ')}`);
    expect(kindNameSchema.safeParse('streamsPrivateLink').success).toBe(true);
    expect(ruleNameSchema.safeParse('no-such-rule').error?.issues[0]?.message).toBe(`must be one of ${RULE_NAMES.join(', ')}`);
    expect(ruleNameSchema.safeParse('pending-peer').success).toBe(true);
  });
});

describe('the registry: order and dependents', () => {
  it('queues an endpoint service after its endpoints, and every other kind first', () => {
    expect(deleteRank('privateEndpointService')).toBe(1);
    for (const name of ['privateEndpoint', 'networkPeering', 'streamsPrivateLink']) expect(deleteRank(name)).toBe(0);
  });

  it('shows a resource whose ids lack its own id by no id at all', () => {
    expect(displayIdOf('privateEndpoint', { endpointServiceId: 'b'.repeat(24) })).toBe('');
  });

  it('counts endpoints, and only endpoints, as dependents of another kind', () => {
    expect(KIND_NAMES.filter(isDependentKind)).toEqual(['privateEndpoint']);
  });

  it('asks a job of a per-provider kind for its provider, and checks each id against its format', () => {
    const job = (kind: string, ids: Record<string, string>, provider?: Provider) => {
      const ref = { projectId: 'a'.repeat(24), kind, provider, ids };
      const fields = { type: 'delete', jobId: jobIdFor(ref), projectId: ref.projectId, kind, ids, rule: RULE_NAMES[0], evidence: { state: 'X', fields: {} }, apiVersion: 'v2', sweepId: 's' };
      return deleteJobSchema.safeParse(provider ? { ...fields, provider } : fields).error?.issues.map((i) => `${i.path.join('.')} ${i.message}`) ?? [];
    };
    const sid = 'b'.repeat(24);

    expect(job('privateEndpoint', { endpointServiceId: sid, endpointId: 'vpce-0123456789abcdef0' }, 'AWS')).toEqual([]);
    expect(job('privateEndpoint', { endpointServiceId: sid, endpointId: 'vpce-0123456789abcdef0' })).toEqual(['provider is required for privateEndpoint']);
    expect(job('privateEndpointService', { endpointServiceId: sid })).toEqual(['provider is required for privateEndpointService']);
    expect(job('privateEndpoint', { endpointServiceId: sid, endpointId: sid }, 'AWS')).toEqual(['ids.endpointId has the wrong format']);
    expect(job('privateEndpoint', { endpointServiceId: 'vpce-0123456789abcdef0', endpointId: 'vpce-0123456789abcdef0' }, 'AWS')).toEqual(['ids.endpointServiceId has the wrong format']);
    expect(job('networkPeering', { peerId: sid })).toEqual([]);
    expect(job('networkPeering', { peerId: 'vpce-0123456789abcdef0' })).toEqual(['ids.peerId has the wrong format']);
    expect(job('streamsPrivateLink', { connectionId: sid })).toEqual([]);
    expect(job('streamsPrivateLink', { connectionId: 'x' })).toEqual(['ids.connectionId has the wrong format']);
  });

  it.each([
    ['privateEndpoint', 'security/network/privateEndpoint'],
    ['privateEndpointService', 'security/network/privateEndpoint'],
    ['networkPeering', 'security/network/peering'],
    ['streamsPrivateLink', 'streamProcessing'],
  ])('links %s to its Atlas UI page %s', (name, page) => {
    expect(kindOf(name).atlasUiPage).toBe(page);
  });
});

describe('beingDeleted: Atlas is already removing it', () => {
  it.each([
    ['an endpoint', observe.endpoint('AZURE', 'DELETING'), true],
    ['an endpoint asked to be deleted', observe.endpoint('AWS', 'AVAILABLE', { fields: { deleteRequested: true } }), true],
    ['an endpoint', observe.endpoint('AWS', 'AVAILABLE'), false],
    ['an endpoint service', observe.service('AWS', 'DELETING'), true],
    ['an endpoint service', observe.service('AWS', 'FAILED'), false],
    ['an AWS peer', observe.awsPeer('TERMINATING'), true],
    ['an AWS peer', observe.awsPeer('FAILED'), false],
    ['an Azure peer', observe.peer('AZURE', 'DELETING'), true],
    ['a GCP peer', observe.peer('GCP', 'FAILED'), false],
    ['a stream link', observe.streams('DELETE_REQUESTED'), true],
    ['a stream link', observe.streams('DELETING'), true],
    ['a stream link', observe.streams('DELETED'), true],
    ['a stream link', observe.streams('DELETE_FAILED'), false],
  ])('%s in %s: %s', (_what, o, expected) => {
    expect(beingDeleted(o)).toBe(expected);
  });

  it("is not fooled by a deleteRequested that is not true, nor by another kind's deleting state", () => {
    expect(beingDeleted(observe.endpoint('AWS', 'AVAILABLE', { fields: { deleteRequested: 'true' } }))).toBe(false);
    expect(beingDeleted(observe.streams('TERMINATING'))).toBe(false);
  });
});

describe('registerKind', () => {
  const fixture = (name: string, extra: Partial<ResourceKind> = {}): ResourceKind =>
    fixtureKind(name, { rules: [{ name: `broken-${name}`, why: 'broken', age: true }], ...extra });
  afterEach(() => {
    for (const name of ['thing', 'otherThing', 'childThing']) unregisterKind(name);
  });

  it('adds a kind, its rules and its age rules, and removes them again', () => {
    registerKind(fixture('thing'));

    expect(KIND_NAMES.at(-1)).toBe('thing');
    expect(RULE_NAMES.at(-1)).toBe('broken-thing');
    expect(AGE_RULES.has('broken-thing')).toBe(true);

    unregisterKind('thing');

    expect(KIND_NAMES).not.toContain('thing');
    expect(RULE_NAMES).not.toContain('broken-thing');
    expect(AGE_RULES.has('broken-thing')).toBe(false);
    expect(isKindName('thing')).toBe(false);
  });

  it('refuses a kind name or a rule name already taken, and a kind deleted after one not registered', () => {
    registerKind(fixture('thing'));

    expect(() => registerKind(fixture('thing'))).toThrow('kind thing is already registered');
    expect(() => registerKind(fixture('otherThing', { rules: [{ name: 'pending-peer', why: 'x' }] }))).toThrow('rule pending-peer of kind otherThing is already a rule of another kind');
    expect(() => registerKind(fixture('otherThing', { deleteAfter: ['nothing'] }))).toThrow('kind otherThing is deleted after nothing, which is not registered');
    expect(isKindName('otherThing')).toBe(false);
  });

  it('ranks a kind after the kinds it is deleted after, and makes those dependents', () => {
    registerKind(fixture('thing'));
    registerKind(fixture('childThing', { deleteAfter: ['thing', 'privateEndpointService'], rules: [] }));

    expect(deleteRank('childThing')).toBe(2);
    expect(isDependentKind('thing')).toBe(true);
  });

  it('never removes a built-in kind', () => {
    unregisterKind('networkPeering');
    unregisterKind('no-such-kind');

    expect(KIND_NAMES).toContain('networkPeering');
    expect(RULE_NAMES).toContain('failed-aws-peer');
  });
});
