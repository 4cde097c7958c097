import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeleteJob } from '../../lib/jobs';
import { KIND_NAMES, displayIdOf, registerKind, unregisterKind, type ResourceKind } from '../../lib/kinds';
import { historyEntry } from '../../lib/ledger';
import { fixtureKind } from '../support/fixture-kind';

const PARENT = 'a'.repeat(24);
const CHILD = 'b'.repeat(24);

/**
 * A kind addressed by two ids whose own id is not called `endpointId`: what a display id picked by a
 * field name, or by the first id, would get wrong. Only its ids are used; its Atlas calls never run.
 */
const nestedThing: ResourceKind = fixtureKind('nestedThing', {
  atlasUiPage: 'nested/things',
  idFields: [
    { name: 'parentId', format: 'objectId' },
    { name: 'thingId', format: 'objectId' },
  ],
  rules: [{ name: 'broken-nested-thing', why: 'The nested thing is BROKEN.' }],
});

beforeAll(() => registerKind(nestedThing));
afterAll(() => {
  unregisterKind(nestedThing.name);
  expect(KIND_NAMES).not.toContain(nestedThing.name);
});

describe('the id a resource is shown by', () => {
  it('is the kind\'s last id field, whatever the ids\' order or names', () => {
    expect(displayIdOf('privateEndpoint', { endpointServiceId: PARENT, endpointId: 'vpce-0123456789abcdef0' })).toBe('vpce-0123456789abcdef0');
    expect(displayIdOf('networkPeering', { peerId: PARENT })).toBe(PARENT);
    expect(displayIdOf(nestedThing.name, { parentId: PARENT, thingId: CHILD })).toBe(CHILD);
    expect(displayIdOf(nestedThing.name, { thingId: CHILD, parentId: PARENT })).toBe(CHILD);
  });

  it('is the one the run history records for a job', () => {
    const job = {
      type: 'delete',
      jobId: 'c'.repeat(64),
      projectId: 'd'.repeat(24),
      kind: nestedThing.name,
      ids: { parentId: PARENT, thingId: CHILD },
      rule: 'broken-nested-thing',
      evidence: { state: 'BROKEN', fields: {} },
      apiVersion: 'v2',
      sweepId: 'sweep-1',
      mode: 'dry-run',
    } as DeleteJob;
    expect(historyEntry(job).resourceId).toBe(CHILD);
  });
});
