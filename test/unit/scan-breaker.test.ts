import { describe, expect, it } from 'vitest';
import { NO_GRACE } from '../../lib/plan';
import { ApiCallCounter, scanProject } from '../../lib/scan';
import { FakeAtlas, atlasError, ok, route } from '../support/fake-atlas';

const P = 'a'.repeat(24);
const SID = 'b'.repeat(24);
const ENDPOINTS = ['vpce-0000000000000000a', 'vpce-0000000000000000b', 'vpce-0000000000000000c', 'vpce-0000000000000000d'];

/** A project with one AWS endpoint service listing ENDPOINTS; the endpoints read as `answers` say. */
function projectWithEndpoints(answers: Parameters<FakeAtlas['on']>[2][]): FakeAtlas {
  const atlas = new FakeAtlas()
    .on('GET', route.services(P, 'AWS'), ok([{ id: SID, cloudProvider: 'AWS', status: 'AVAILABLE', interfaceEndpoints: ENDPOINTS }]))
    .on('GET', route.services(P, 'AZURE'), ok([]))
    .on('GET', route.services(P, 'GCP'), ok([]));
  ENDPOINTS.forEach((id, i) => atlas.on('GET', route.endpoint(P, 'AWS', SID, id), answers[i]!));
  return atlas;
}

const scan = (atlas: FakeAtlas) =>
  scanProject(atlas.client(), { id: P }, {
    kinds: ['privateEndpoint'],
    apiGeneration: 'v2',
    plan: { disabledRules: new Set(), protectedResourceIds: new Set(), maxDeletionsPerRun: 100, grace: NO_GRACE },
    counter: new ApiCallCounter(),
  });

describe('a scan whose reads trip the breaker', () => {
  it('plans none of the kind and reports the fault as SUSPECTED_API_FAULT', async () => {
    const gone = atlasError(404, 'PRIVATE_ENDPOINT_NOT_FOUND');
    const rejected = ok({ cloudProvider: 'AWS', interfaceEndpointId: ENDPOINTS[3], connectionStatus: 'REJECTED' });

    const result = await scan(projectWithEndpoints([gone, gone, gone, rejected]));

    expect(result.candidates).toEqual([]);
    expect(result.errors).toEqual([{ projectId: P, kind: 'privateEndpoint', message: expect.stringMatching(/^suspected API fault: 3 of 4/), errorCode: 'SUSPECTED_API_FAULT' }]);
  });

  it('plans the orphans when only a few reads say not found', async () => {
    const available = (id: string) => ok({ cloudProvider: 'AWS', interfaceEndpointId: id, connectionStatus: 'AVAILABLE' });

    const result = await scan(projectWithEndpoints([atlasError(404, 'PRIVATE_ENDPOINT_NOT_FOUND'), available(ENDPOINTS[1]!), available(ENDPOINTS[2]!), available(ENDPOINTS[3]!)]));

    expect(result.candidates.map((c) => [c.id, c.rule])).toEqual([[ENDPOINTS[0], 'orphaned-endpoint']]);
    expect(result.errors).toEqual([]);
  });
});
