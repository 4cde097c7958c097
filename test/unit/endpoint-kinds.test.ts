import { describe, expect, it } from 'vitest';
import type { Provider } from '../../lib/atlas';
import { UnprovenNotFoundError, kindOf, v1AsEndpointService, type ResourceRef } from '../../lib/kinds';
import { FakeAtlas, atlasError, ok, proxy404, route } from '../support/fake-atlas';
import { observe } from '../support/observations';

const services = kindOf('privateEndpointService');
const endpoints = kindOf('privateEndpoint');
const P = 'a'.repeat(24);
const SID = 'b'.repeat(24);
const VPCE = 'vpce-0123456789abcdef0';
const VPCE2 = 'vpce-0123456789abcdef1';
const AZURE_PE = '/subscriptions/0b2c0f3e-1a2b-4c5d-8e9f-0a1b2c3d4e5f/resourceGroups/rg/providers/Microsoft.Network/privateEndpoints/pe1';

const serviceRef = (provider: Provider = 'AWS'): ResourceRef => ({ projectId: P, kind: 'privateEndpointService', provider, ids: { endpointServiceId: SID } });
const endpointRef = (endpointId = VPCE, provider: Provider = 'AWS'): ResourceRef => ({ projectId: P, kind: 'privateEndpoint', provider, ids: { endpointServiceId: SID, endpointId } });
const awsService = (status: string, interfaceEndpoints: string[] = []) => ({ id: SID, cloudProvider: 'AWS', status, interfaceEndpoints });
const awsEndpoint = (connectionStatus: string, extra: object = {}) => ({ cloudProvider: 'AWS', interfaceEndpointId: VPCE, connectionStatus, ...extra });
const projectReads = (atlas: FakeAtlas) => atlas.on('GET', route.project(P), ok({ id: P, name: 'p', orgId: P }));

describe('privateEndpointService: the endpoints it still lists', () => {
  it.each([
    ['AWS', { interfaceEndpoints: [VPCE], privateEndpoints: ['x'], endpointGroupNames: ['y'] }, [VPCE]],
    ['AZURE', { interfaceEndpoints: ['x'], privateEndpoints: [AZURE_PE], endpointGroupNames: ['y'] }, [AZURE_PE]],
    ['GCP', { interfaceEndpoints: ['x'], privateEndpoints: ['y'], endpointGroupNames: ['psc-1', 'psc-2'] }, ['psc-1', 'psc-2']],
    ['AWS', {}, []],
    ['AZURE', {}, []],
    ['GCP', {}, []],
  ] as const)('reads a %s service its own provider field: %j', (provider, fields, expected) => {
    const o = { ...observe.service(provider, 'FAILED'), fields: { status: 'FAILED', ...fields } };

    expect(services.dependentsOf!(o)).toEqual(expected);
  });

  it('keeps an idle service that lists an endpoint, and deletes one that lists none', () => {
    const idle = observe.service('GCP', 'AVAILABLE');

    expect(services.classify({ ...idle, fields: { ...idle.fields, endpointGroupNames: ['psc-1'] } }).verdict).toBe('keep');
    expect(services.classify({ ...idle, fields: { ...idle.fields, interfaceEndpoints: [VPCE] } })).toMatchObject({ rule: 'idle-endpoint-service' });
  });
});

describe('privateEndpointService reads', () => {
  it('reads a service through v2, or the v1.0 connection for AWS when configured', async () => {
    const atlas = new FakeAtlas()
      .on('GET', route.service(P, 'AWS', SID), ok(awsService('FAILED', [VPCE])))
      .on('GET', route.v1Connection(P, SID), ok({ id: SID, status: 'WAITING_FOR_USER' }));

    expect(await services.get(atlas.context('v2'), serviceRef())).toMatchObject({ id: SID, found: true, state: 'FAILED', ref: serviceRef() });
    const v1 = await services.get(atlas.context('v1'), serviceRef());

    expect(v1).toMatchObject({ id: SID, found: true, state: 'WAITING_FOR_USER', fields: { cloudProvider: 'AWS', interfaceEndpoints: [] } });
    expect(services.dependentsOf!(v1)).toEqual([]);
  });

  it('reads an Azure service through v2 even when v1.0 is configured', async () => {
    const atlas = new FakeAtlas().on('GET', route.service(P, 'AZURE', SID), ok({ id: SID, cloudProvider: 'AZURE', status: 'AVAILABLE' }));

    expect(await services.get(atlas.context('v1'), serviceRef('AZURE'))).toMatchObject({ found: true, state: 'AVAILABLE', ref: serviceRef('AZURE') });
  });

  it('is gone on PRIVATE_ENDPOINT_SERVICE_NOT_FOUND once the project reads', async () => {
    const atlas = projectReads(new FakeAtlas().on('GET', route.service(P, 'AWS', SID), atlasError(404, 'PRIVATE_ENDPOINT_SERVICE_NOT_FOUND')));

    expect(await services.get(atlas.context(), serviceRef())).toEqual({ ref: serviceRef(), id: SID, found: false, state: 'NOT_FOUND', fields: {} });
  });

  it('is not gone on PRIVATE_ENDPOINT_SERVICE_NOT_FOUND when the project does not read', async () => {
    const atlas = new FakeAtlas().on('GET', route.service(P, 'AWS', SID), atlasError(404, 'PRIVATE_ENDPOINT_SERVICE_NOT_FOUND')).on('GET', route.project(P), proxy404);

    await expect(services.get(atlas.context(), serviceRef())).rejects.toThrow(/its parent could not be read/);
  });

  it.each(['PRIVATE_ENDPOINT_NOT_FOUND', 'PEER_NOT_FOUND', 'RESOURCE_NOT_FOUND', 'GROUP_NOT_FOUND'])('is not gone on %s', async (code) => {
    const atlas = projectReads(new FakeAtlas().on('GET', route.service(P, 'AWS', SID), atlasError(404, code)));

    await expect(services.get(atlas.context(), serviceRef())).rejects.toBeInstanceOf(UnprovenNotFoundError);
  });

  it('lists the services of every provider from the scan context', async () => {
    const atlas = new FakeAtlas()
      .on('GET', route.services(P, 'AWS'), ok([awsService('FAILED')]))
      .on('GET', route.services(P, 'AZURE'), ok([]))
      .on('GET', route.services(P, 'GCP'), ok([{ id: 'c'.repeat(24), cloudProvider: 'GCP', status: 'AVAILABLE' }]));

    const listed = await services.list(atlas.context(), P);

    expect(listed.map((o) => [o.id, o.ref.provider, o.state, o.found])).toEqual([
      [SID, 'AWS', 'FAILED', true],
      ['c'.repeat(24), 'GCP', 'AVAILABLE', true],
    ]);
  });

  it('deletes through v2, or the v1.0 connection for AWS when configured', async () => {
    const atlas = new FakeAtlas().on('DELETE', route.service(P, 'AWS', SID), ok()).on('DELETE', route.v1Connection(P, SID), ok()).on('DELETE', route.service(P, 'GCP', SID), ok());

    await services.delete(atlas.context('v2'), serviceRef());
    await services.delete(atlas.context('v1'), serviceRef());
    await services.delete(atlas.context('v1'), serviceRef('GCP'));

    expect(atlas.deletes).toEqual([route.service(P, 'AWS', SID), route.v1Connection(P, SID), route.service(P, 'GCP', SID)]);
  });

  it('refuses a ref without its service id before any request', async () => {
    const atlas = new FakeAtlas();

    await expect(services.get(atlas.context(), { ...serviceRef(), ids: {} })).rejects.toThrow('privateEndpointService ref needs ids.endpointServiceId');
    expect(atlas.requests).toEqual([]);
  });
});

describe('privateEndpoint.get: an endpoint is read through its service', () => {
  it('reads the endpoint with its service as parent', async () => {
    const atlas = new FakeAtlas()
      .on('GET', route.service(P, 'AWS', SID), ok(awsService('AVAILABLE', [VPCE])))
      .on('GET', route.endpoint(P, 'AWS', SID, VPCE), ok(awsEndpoint('REJECTED')));

    expect(await endpoints.get(atlas.context(), endpointRef())).toEqual({
      ref: endpointRef(),
      id: VPCE,
      found: true,
      state: 'REJECTED',
      fields: awsEndpoint('REJECTED'),
      parent: { id: SID, status: 'AVAILABLE' },
    });
  });

  it('is gone, without reading the endpoint, when its service is proved gone', async () => {
    const atlas = projectReads(new FakeAtlas().on('GET', route.service(P, 'AWS', SID), atlasError(404, 'PRIVATE_ENDPOINT_SERVICE_NOT_FOUND')));

    expect(await endpoints.get(atlas.context(), endpointRef())).toEqual({ ref: endpointRef(), id: VPCE, found: false, state: 'NOT_FOUND', fields: {} });
    expect(atlas.count('GET', route.endpoint(P, 'AWS', SID, VPCE))).toBe(0);
  });

  it('fails, rather than calling it gone, when its service answers a 404 that proves nothing', async () => {
    const atlas = projectReads(new FakeAtlas().on('GET', route.service(P, 'AWS', SID), atlasError(404, 'PRIVATE_ENDPOINT_NOT_FOUND')));

    await expect(endpoints.get(atlas.context(), endpointRef())).rejects.toBeInstanceOf(UnprovenNotFoundError);
  });

  it('is an orphan (found, NOT_FOUND) when its service still lists it but the endpoint is proved gone', async () => {
    const atlas = new FakeAtlas()
      .on('GET', route.service(P, 'AWS', SID), ok(awsService('AVAILABLE', [VPCE])))
      .on('GET', route.endpoint(P, 'AWS', SID, VPCE), atlasError(404, 'PRIVATE_ENDPOINT_NOT_FOUND'));

    const o = await endpoints.get(atlas.context(), endpointRef());

    expect(o).toEqual({ ref: endpointRef(), id: VPCE, found: true, state: 'NOT_FOUND', fields: {}, parent: { id: SID, status: 'AVAILABLE' } });
    // The service was read in the same pass: its read is the parent read, not the project.
    expect(atlas.count('GET', route.project(P))).toBe(0);
    expect(endpoints.classify(o)).toMatchObject({ verdict: 'delete', rule: 'orphaned-endpoint' });
  });

  it('is gone when neither its service lists it nor Atlas finds it', async () => {
    const atlas = new FakeAtlas()
      .on('GET', route.service(P, 'AWS', SID), ok(awsService('AVAILABLE', [VPCE2])))
      .on('GET', route.endpoint(P, 'AWS', SID, VPCE), atlasError(404, 'PRIVATE_ENDPOINT_NOT_FOUND'));

    expect(await endpoints.get(atlas.context(), endpointRef())).toMatchObject({ found: false, state: 'NOT_FOUND' });
  });

  it.each([
    ['no Atlas body', proxy404],
    ["the service's code", atlasError(404, 'PRIVATE_ENDPOINT_SERVICE_NOT_FOUND')],
    ["a peer's code", atlasError(404, 'PEER_NOT_FOUND')],
  ])('fails on an endpoint 404 with %s', async (_what, answer) => {
    const atlas = new FakeAtlas().on('GET', route.service(P, 'AWS', SID), ok(awsService('AVAILABLE', [VPCE]))).on('GET', route.endpoint(P, 'AWS', SID, VPCE), answer);

    await expect(endpoints.get(atlas.context(), endpointRef())).rejects.toBeInstanceOf(UnprovenNotFoundError);
  });

  it('reads an AWS endpoint through v1.0 when configured, and an Azure one by its status', async () => {
    const atlas = new FakeAtlas()
      .on('GET', route.v1Connection(P, SID), ok({ id: SID, status: 'AVAILABLE', interfaceEndpoints: [VPCE] }))
      .on('GET', route.v1Interface(P, SID, VPCE), ok({ interfaceEndpointId: VPCE, connectionStatus: 'PENDING' }))
      .on('GET', route.service(P, 'AZURE', SID), ok({ id: SID, cloudProvider: 'AZURE', status: 'AVAILABLE', privateEndpoints: [AZURE_PE] }))
      .on('GET', route.endpoint(P, 'AZURE', SID, AZURE_PE), ok({ cloudProvider: 'AZURE', status: 'FAILED', connectionStatus: 'IGNORED' }));

    expect(await endpoints.get(atlas.context('v1'), endpointRef())).toMatchObject({ found: true, state: 'PENDING' });
    expect(await endpoints.get(atlas.context('v1'), endpointRef(AZURE_PE, 'AZURE'))).toMatchObject({ found: true, state: 'FAILED' });
  });

  it('names an endpoint without a state field UNKNOWN', async () => {
    const atlas = new FakeAtlas().on('GET', route.service(P, 'AWS', SID), ok(awsService('AVAILABLE', [VPCE]))).on('GET', route.endpoint(P, 'AWS', SID, VPCE), ok({ cloudProvider: 'AWS', status: 'FAILED' }));

    expect(await endpoints.get(atlas.context(), endpointRef())).toMatchObject({ state: 'UNKNOWN' });
  });

  it('deletes through v2, or v1.0 for AWS when configured', async () => {
    const atlas = new FakeAtlas()
      .on('DELETE', route.endpoint(P, 'AWS', SID, VPCE), ok())
      .on('DELETE', route.v1Interface(P, SID, VPCE), ok())
      .on('DELETE', route.endpoint(P, 'AZURE', SID, AZURE_PE), ok());

    await endpoints.delete(atlas.context('v2'), endpointRef());
    await endpoints.delete(atlas.context('v1'), endpointRef());
    await endpoints.delete(atlas.context('v1'), endpointRef(AZURE_PE, 'AZURE'));

    expect(atlas.deletes).toEqual([route.endpoint(P, 'AWS', SID, VPCE), route.v1Interface(P, SID, VPCE), route.endpoint(P, 'AZURE', SID, AZURE_PE)]);
  });

  it('refuses a ref without both ids before any request', async () => {
    const atlas = new FakeAtlas();

    await expect(endpoints.get(atlas.context(), { ...endpointRef(), ids: { endpointServiceId: SID } })).rejects.toThrow('privateEndpoint ref needs ids.endpointServiceId and ids.endpointId');
    await expect(endpoints.delete(atlas.context(), { ...endpointRef(), ids: { endpointId: VPCE } })).rejects.toThrow(TypeError);
    expect(atlas.requests).toEqual([]);
  });
});

describe('a ref that names no provider', () => {
  const noProvider = (r: ResourceRef): ResourceRef => ({ projectId: r.projectId, kind: r.kind, ids: r.ids });

  it('is an AWS service: read, deleted and judged by its AWS fields', async () => {
    const atlas = new FakeAtlas().on('GET', route.service(P, 'AWS', SID), ok(awsService('AVAILABLE', [VPCE]))).on('DELETE', route.service(P, 'AWS', SID), ok());

    const o = await services.get(atlas.context(), noProvider(serviceRef()));
    await services.delete(atlas.context(), noProvider(serviceRef()));

    expect(o).toMatchObject({ found: true, state: 'AVAILABLE' });
    expect(atlas.deletes).toEqual([route.service(P, 'AWS', SID)]);
    const unnamed = { ...o, ref: noProvider(o.ref) };
    expect(services.dependentsOf!(unnamed)).toEqual([VPCE]);
    expect(services.classify(unnamed).verdict).toBe('keep');
  });

  it('is an AWS endpoint: read and deleted through the AWS routes', async () => {
    const atlas = new FakeAtlas()
      .on('GET', route.service(P, 'AWS', SID), ok(awsService('AVAILABLE', [VPCE])))
      .on('GET', route.endpoint(P, 'AWS', SID, VPCE), ok(awsEndpoint('REJECTED')))
      .on('DELETE', route.endpoint(P, 'AWS', SID, VPCE), ok());

    expect(await endpoints.get(atlas.context(), noProvider(endpointRef()))).toMatchObject({ found: true, state: 'REJECTED' });
    await endpoints.delete(atlas.context(), noProvider(endpointRef()));
    expect(atlas.deletes).toEqual([route.endpoint(P, 'AWS', SID, VPCE)]);
  });
});

describe('privateEndpoint.list: every endpoint its services list', () => {
  /** A project with one AWS service listing `ids`, and no service elsewhere. */
  const listing = (status: string, ids: string[]) =>
    new FakeAtlas().on('GET', route.services(P, 'AWS'), ok([awsService(status, ids)])).on('GET', route.services(P, 'AZURE'), ok([])).on('GET', route.services(P, 'GCP'), ok([]));

  it('reads each listed endpoint, with its service as parent', async () => {
    const atlas = listing('FAILED', [VPCE]).on('GET', route.endpoint(P, 'AWS', SID, VPCE), ok(awsEndpoint('AVAILABLE')));

    expect(await endpoints.list(atlas.context(), P)).toEqual([
      { ref: endpointRef(), id: VPCE, found: true, state: 'AVAILABLE', fields: awsEndpoint('AVAILABLE'), parent: { id: SID, status: 'FAILED' } },
    ]);
  });

  it('keeps a listed id of the wrong format as INVALID_ID, never sent to Atlas', async () => {
    const atlas = listing('AVAILABLE', ['not-an-endpoint']);

    expect(await endpoints.list(atlas.context(), P)).toEqual([
      { ref: endpointRef('not-an-endpoint'), id: 'not-an-endpoint', found: true, state: 'INVALID_ID', fields: {}, parent: { id: SID, status: 'AVAILABLE' } },
    ]);
    expect(atlas.requests.filter((r) => r.includes('/endpoint/'))).toEqual([]);
  });

  it('lists an endpoint proved gone as an orphan its service still lists', async () => {
    const atlas = listing('AVAILABLE', [VPCE]).on('GET', route.endpoint(P, 'AWS', SID, VPCE), atlasError(404, 'PRIVATE_ENDPOINT_NOT_FOUND'));

    expect(await endpoints.list(atlas.context(), P)).toEqual([{ ref: endpointRef(), id: VPCE, found: true, state: 'NOT_FOUND', fields: {}, parent: { id: SID, status: 'AVAILABLE' } }]);
  });

  it('keeps an endpoint whose read failed as READ_FAILED, with the error, and still lists the others', async () => {
    const atlas = listing('AVAILABLE', [VPCE, VPCE2])
      .on('GET', route.endpoint(P, 'AWS', SID, VPCE), proxy404)
      .on('GET', route.endpoint(P, 'AWS', SID, VPCE2), ok(awsEndpoint('AVAILABLE', { interfaceEndpointId: VPCE2 })));

    const [failed, other] = await endpoints.list(atlas.context(), P);

    expect(failed).toMatchObject({ id: VPCE, found: true, state: 'READ_FAILED', fields: {}, parent: { id: SID, status: 'AVAILABLE' } });
    expect(failed!.error).toEqual({ message: expect.stringContaining('not evidence that it is gone'), errorCode: 'HTTP_404', unprovenNotFound: true });
    expect(other).toMatchObject({ id: VPCE2, state: 'AVAILABLE' });
  });
});

describe('endpoint services in v1.0', () => {
  it('reads a v1.0 connection as an AWS endpoint service with its endpoints', () => {
    expect(v1AsEndpointService({ id: SID, status: 'AVAILABLE', interfaceEndpoints: [VPCE] })).toEqual({ id: SID, status: 'AVAILABLE', cloudProvider: 'AWS', interfaceEndpoints: [VPCE] });
    expect(v1AsEndpointService({ id: SID, status: 'AVAILABLE', interfaceEndpoints: null })).toMatchObject({ interfaceEndpoints: [] });
  });
});
