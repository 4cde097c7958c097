import { beforeAll, describe, expect, it } from 'vitest';
import { applySchemaExceptions, StaleSpecExceptionError } from './spec-exceptions';
import { loadSpecValidator, readSpecDocument, SchemaCompiler } from './spec-validator';
import type { HttpExchangeRequest, HttpExchangeResponse, SpecValidator } from './spec-validator';
import { OFF_SPEC_V2_OPERATIONS, V1_OPERATIONS } from './v1-shapes';

// ---------------------------------------------------------------------------------------------------
// Builders

const V2 = 'application/vnd.atlas.2023-01-01+json';
const V2_STREAMS = 'application/vnd.atlas.2023-02-01+json';
const JSON_TYPE = 'application/json';
const GROUP_ID = '5f1d2c3b4a5968778695a4b3';
const ORG_ID = '4888442a3354817a7320eb61';
const PEER_ID = '6a0b1c2d3e4f5a6b7c8d9e0f';
const SERVICE_ID = '65f0a1b2c3d4e5f6a7b8c9d0';
const CONTAINER_ID = '32b6e34b3d91647abb20e7b8';
const VPCE = 'vpce-0a1b2c3d4e5f6a7b8';
const AZURE_ENDPOINT_ID =
  '%2Fsubscriptions%2Fcba6d9c6-1d3f-3c11-03cb-c705d895e636%2FresourceGroups%2Frg-app%2Fproviders%2FMicrosoft.Network%2FprivateEndpoints%2Fpe-atlas';
const V2_GROUP = `/api/atlas/v2/groups/${GROUP_ID}`;
const V1_GROUP = `/api/atlas/v1.0/groups/${GROUP_ID}`;

function request(method: string, path: string, init: Partial<Omit<HttpExchangeRequest, 'method' | 'path'>> & { accept?: string | null } = {}): HttpExchangeRequest {
  const { accept = V2, headers = {}, query = {}, body } = init;
  return { method, path, query, headers: accept === null ? headers : { accept, ...headers }, ...(body === undefined ? {} : { body }) };
}

function response(body: unknown, status = 200, contentType: string | null = V2): HttpExchangeResponse {
  return { status, contentType, body };
}

const page = (results: unknown[]) => ({ links: [{ href: 'https://cloud.mongodb.com/api/atlas/v2/groups', rel: 'self' }], results, totalCount: results.length });

const group = (overrides: Record<string, unknown> = {}) => ({
  id: GROUP_ID,
  name: 'janitor-test',
  orgId: ORG_ID,
  created: '2025-03-01T10:00:00Z',
  clusterCount: 0,
  tags: [{ key: 'env', value: 'test' }],
  links: [],
  ...overrides,
});

const awsPeer = (overrides: Record<string, unknown> = {}) => ({
  id: PEER_ID,
  containerId: CONTAINER_ID,
  providerName: 'AWS',
  vpcId: 'vpc-0a1b2c3d4e5f6a7b8',
  awsAccountId: '123456789012',
  routeTableCidrBlock: '10.8.0.0/16',
  accepterRegionName: 'us-east-1',
  connectionId: 'pcx-0a1b2c3d4e5f6a7b8',
  statusName: 'AVAILABLE',
  errorStateName: null,
  ...overrides,
});

const awsEndpointService = (overrides: Record<string, unknown> = {}) => ({
  id: SERVICE_ID,
  cloudProvider: 'AWS',
  regionName: 'us-east-1',
  status: 'AVAILABLE',
  errorMessage: null,
  endpointServiceName: 'com.amazonaws.vpce.us-east-1.vpce-svc-0a1b2c3d4e5f6a7b8',
  interfaceEndpoints: [VPCE],
  ...overrides,
});

const awsEndpoint = (overrides: Record<string, unknown> = {}) => ({
  cloudProvider: 'AWS',
  interfaceEndpointId: VPCE,
  connectionStatus: 'AVAILABLE',
  deleteRequested: false,
  errorMessage: null,
  ...overrides,
});

const apiError = (status: number, errorCode: string) => ({ error: status, errorCode, reason: 'Not Found', detail: 'No such thing.', parameters: [] });

// ---------------------------------------------------------------------------------------------------

let validator: SpecValidator;

beforeAll(async () => {
  validator = await loadSpecValidator();
});

describe('v2 requests', () => {
  it('passes a valid listGroups request and response', () => {
    const req = request('GET', '/api/atlas/v2/groups', { query: { itemsPerPage: '500', pageNum: '2', includeCount: 'false', pretty: 'true' } });

    const requestResult = validator.validateRequest(req);
    const responseResult = validator.validateResponse(req, response(page([group()])));

    expect(requestResult).toEqual({ operationId: 'listGroups', apiGeneration: 'v2', violations: [] });
    expect(responseResult).toEqual({ operationId: 'listGroups', apiGeneration: 'v2', violations: [] });
  });

  it('reports an Accept version the operation does not offer', () => {
    const groups = validator.validateRequest(request('GET', '/api/atlas/v2/groups', { accept: V2_STREAMS }));
    const streams = validator.validateRequest(request('GET', `${V2_GROUP}/streams/privateLinkConnections`, { accept: V2 }));

    expect(groups.violations).toEqual([expect.objectContaining({ where: 'request.headers.accept' })]);
    expect(streams.violations).toEqual([expect.objectContaining({ where: 'request.headers.accept' })]);
  });

  it('reports an Accept that is not exactly the versioned media type', () => {
    const result = validator.validateRequest(request('GET', '/api/atlas/v2/groups', { accept: JSON_TYPE }));

    expect(result.violations.map((v) => v.where)).toEqual(['request.headers.accept']);
  });

  it('reports a missing Accept header', () => {
    const result = validator.validateRequest(request('GET', '/api/atlas/v2/groups', { accept: null }));

    expect(result.violations).toEqual([{ where: 'request.headers.accept', message: expect.stringContaining(V2) }]);
  });

  it('reports a groupId that does not match its pattern', () => {
    const result = validator.validateRequest(request('GET', '/api/atlas/v2/groups/5F1D2C3B4A5968778695A4B3/peers'));

    expect(result.operationId).toBe('listGroupPeers');
    expect(result.violations.map((v) => v.where)).toEqual(['request.path.groupId']);
  });

  it('reports unknown query parameters but accepts pretty and envelope', () => {
    const result = validator.validateRequest(
      request('GET', `${V2_GROUP}/peers`, { query: { providerName: 'AWS', pretty: 'false', envelope: 'true', limit: '10' } }),
    );

    expect(result.violations).toEqual([{ where: 'request.query.limit', message: expect.stringContaining('unknown') }]);
  });

  it('reports itemsPerPage above 500 and query values of the wrong type', () => {
    const result = validator.validateRequest(
      request('GET', '/api/atlas/v2/groups', { query: { itemsPerPage: '501', pageNum: 'two', envelope: 'yes' } }),
    );

    expect(result.violations.map((v) => v.where).sort()).toEqual(['request.query.envelope', 'request.query.itemsPerPage', 'request.query.pageNum']);
  });

  it('reports a missing required query parameter', () => {
    const result = validator.validateRequest(request('GET', `${V2_GROUP}/containers`));

    expect(result.violations.map((v) => v.where)).toEqual(['request.query.providerName']);
  });

  it('reports a body on a DELETE and an undeclared method or path', () => {
    const withBody = validator.validateRequest(request('DELETE', `${V2_GROUP}/peers/${PEER_ID}`, { body: {} }));
    const method = validator.validateRequest(request('PUT', `${V2_GROUP}/peers/${PEER_ID}`));
    const path = validator.validateRequest(request('GET', `${V2_GROUP}/peers/${PEER_ID}/`));

    expect(withBody.violations.map((v) => v.where)).toEqual(['request.body']);
    expect(method).toMatchObject({ operationId: null, violations: [{ where: 'request.method' }] });
    expect(path).toMatchObject({ operationId: null, apiGeneration: 'v2', violations: [{ where: 'request.path' }] });
  });

  it('validates a request body against the operation schema and its content type', () => {
    const body = { providerName: 'AWS', region: 'US_EAST_1' };
    const ok = validator.validateRequest(request('POST', `${V2_GROUP}/privateEndpoint/endpointService`, { body, headers: { 'content-type': V2 } }));
    const renamed = validator.validateRequest(
      request('POST', `${V2_GROUP}/privateEndpoint/endpointService`, { body: { provider: 'AWS', region: 'US_EAST_1' }, headers: { 'content-type': V2 } }),
    );
    const wrongType = validator.validateRequest(request('POST', `${V2_GROUP}/privateEndpoint/endpointService`, { body, headers: { 'content-type': JSON_TYPE } }));

    expect(ok.violations).toEqual([]);
    expect(renamed.violations.map((v) => v.where).sort()).toEqual(['request.body/provider', 'request.body/providerName']);
    expect(wrongType.violations.map((v) => v.where)).toEqual(['request.headers.content-type']);
  });

  it('prefers a literal segment over a parameter', () => {
    expect(validator.match('GET', `${V2_GROUP}/containers/all`)?.operationId).toBe('listGroupContainerAll');
    expect(validator.match('GET', `${V2_GROUP}/containers/${CONTAINER_ID}`)?.operationId).toBe('getGroupContainer');
    expect(validator.match('PATCH', `${V2_GROUP}/privateEndpoint/endpointService/${SERVICE_ID}`)?.operationId).toBe('updatePrivateEndpointService');
  });
});

describe('v2 responses', () => {
  const getPeer = request('GET', `${V2_GROUP}/peers/${PEER_ID}`);
  const getEndpoint = request('GET', `${V2_GROUP}/privateEndpoint/AWS/endpointService/${SERVICE_ID}/endpoint/${VPCE}`);

  it('reports a renamed field (statusName sent as state on an AWS peer)', () => {
    const { statusName, ...peer } = awsPeer();

    const result = validator.validateResponse(getPeer, response({ ...peer, state: statusName }));

    expect(result.violations).toEqual([{ where: 'response.body/state', message: expect.stringContaining('not declared') }]);
  });

  it("reports a field renamed into another provider's variant (connectionStatus sent as status on an AWS endpoint)", () => {
    // `status` is declared in the flattened PrivateLinkEndpoint (Azure and GCP use it), so closing the
    // object alone cannot catch this; the x-xgen-discriminator narrowing (strict mode) does.
    const { connectionStatus, ...endpoint } = awsEndpoint();

    const result = validator.validateResponse(getEndpoint, response({ ...endpoint, status: connectionStatus }));

    expect(result.violations).toEqual([{ where: 'response.body/status', message: expect.stringContaining('variant') }]);
  });

  it('cannot catch every rename: what strict mode leaves through', () => {
    // Strict mode cannot see (1) a rename into another declared field of the same variant (e.g. a
    // streams connection's interfaceEndpointId sent as serviceEndpointId: both are declared strings,
    // and the schema has no discriminator), (2) a rename into another variant's field when the body
    // omits the discriminator (providerName is optional on peers, so nothing tells AWS from Azure),
    // and (3) a dropped optional field (statusName is not required, even for AWS).
    const { statusName, providerName: _providerName, ...peer } = awsPeer();

    const withoutDiscriminator = validator.validateResponse(getPeer, response({ ...peer, status: statusName }));

    expect(withoutDiscriminator.violations).toEqual([]);
  });

  it('reports a missing required field', () => {
    const { orgId: _orgId, ...withoutOrg } = group();

    const result = validator.validateResponse(request('GET', '/api/atlas/v2/groups'), response(page([withoutOrg])));

    expect(result.violations).toEqual([{ where: 'response.body/results/0/orgId', message: 'required property is missing' }]);
  });

  it("reports a variant's required field missing once the discriminator is known", () => {
    const { vpcId: _vpcId, ...peer } = awsPeer();

    const result = validator.validateResponse(getPeer, response(peer));

    expect(result.violations.map((v) => v.where)).toEqual(['response.body/vpcId']);
  });

  it('reports a status the operation does not declare (409 on deletePrivateEndpointService)', () => {
    const req = request('DELETE', `${V2_GROUP}/privateEndpoint/AWS/endpointService/${SERVICE_ID}`);

    const result = validator.validateResponse(req, response(apiError(409, 'PRIVATE_ENDPOINT_SERVICE_HAS_ENDPOINTS'), 409, JSON_TYPE));

    expect(result).toMatchObject({ operationId: 'deletePrivateEndpointService', violations: [{ where: 'response.status' }] });
  });

  it('reports a 2xx body sent as application/json', () => {
    const result = validator.validateResponse(getPeer, response(awsPeer(), 200, JSON_TYPE));

    expect(result.violations).toEqual([{ where: 'response.contentType', message: expect.stringContaining(V2) }]);
  });

  it('accepts declared errors as application/json ApiError and rejects other shapes', () => {
    const ok = validator.validateResponse(getPeer, response(apiError(404, 'PEER_NOT_FOUND'), 404, 'application/json; charset=utf-8'));
    const versioned = validator.validateResponse(getPeer, response(apiError(404, 'PEER_NOT_FOUND'), 404, V2));
    const renamed = validator.validateResponse(getPeer, response({ error: 404, code: 'PEER_NOT_FOUND' }, 404, JSON_TYPE));

    expect(ok.violations).toEqual([]);
    expect(versioned.violations.map((v) => v.where)).toEqual(['response.contentType']);
    expect(renamed.violations.map((v) => v.where).sort()).toEqual(['response.body/code', 'response.body/errorCode']);
  });

  it('expects no body where the declared content has no schema (204 delete, 202 streams delete)', () => {
    const deleteEndpoint = request('DELETE', `${V2_GROUP}/privateEndpoint/AWS/endpointService/${SERVICE_ID}/endpoint/${VPCE}`);
    const deleteStreams = request('DELETE', `${V2_GROUP}/streams/privateLinkConnections/abc123`, { accept: V2_STREAMS });

    expect(validator.validateResponse(deleteEndpoint, response(undefined, 204, null)).violations).toEqual([]);
    expect(validator.validateResponse(deleteEndpoint, response(undefined, 204, V2)).violations).toEqual([]);
    expect(validator.validateResponse(deleteStreams, response(undefined, 202, V2_STREAMS)).violations).toEqual([]);
    expect(validator.validateResponse(deleteEndpoint, response({}, 204, V2)).violations.map((v) => v.where)).toEqual(['response.body']);
  });

  it('accepts {} from the peer delete (202 RequestAccepted)', () => {
    const result = validator.validateResponse(request('DELETE', `${V2_GROUP}/peers/${PEER_ID}`), response({}, 202));

    expect(result.violations).toEqual([]);
  });
});

describe('envelope=true', () => {
  it('unwraps { status, content } for a single result', () => {
    const req = request('GET', `${V2_GROUP}/peers/${PEER_ID}`, { query: { envelope: 'true' } });

    const ok = validator.validateResponse(req, response({ status: 200, content: awsPeer() }));
    const broken = validator.validateResponse(req, response({ status: 200, content: awsPeer({ statusName: undefined, state: 'AVAILABLE' }) }));
    const error = validator.validateResponse(req, response({ status: 404, content: apiError(404, 'PEER_NOT_FOUND') }, 200, JSON_TYPE));

    expect(ok.violations).toEqual([]);
    expect(broken.violations.map((v) => v.where)).toEqual(['response.body/state']);
    expect(error.violations).toEqual([]);
  });

  it('drops status from a list and validates the page', () => {
    const req = request('GET', '/api/atlas/v2/groups', { query: { envelope: 'true' } });

    const ok = validator.validateResponse(req, response({ ...page([group()]), status: 200 }));
    const unwrapped = validator.validateResponse(req, response(page([group()])));

    expect(ok.violations).toEqual([]);
    expect(unwrapped.violations.map((v) => v.where)).toEqual(['response.body/status']);
  });

  it('wraps a bare-array list like a single result', () => {
    const req = request('GET', `${V2_GROUP}/privateEndpoint/AWS/endpointService`, { query: { envelope: 'true' } });

    const result = validator.validateResponse(req, response({ status: 200, content: [awsEndpointService()] }));

    expect(result.violations).toEqual([]);
  });

  it('reports an enveloped answer whose HTTP status is not 200', () => {
    const req = request('GET', `${V2_GROUP}/peers/${PEER_ID}`, { query: { envelope: 'true' } });

    const result = validator.validateResponse(req, response({ status: 404, content: apiError(404, 'PEER_NOT_FOUND') }, 404, JSON_TYPE));

    expect(result.violations.map((v) => v.where)).toEqual(['response.status']);
  });
});

describe('spec exceptions', () => {
  const getService = request('GET', `${V2_GROUP}/privateEndpoint/AWS/endpointService/${SERVICE_ID}`);
  const getPeer = request('GET', `${V2_GROUP}/peers/${PEER_ID}`);

  it('accepts vpce ids in EndpointService.interfaceEndpoints (the spec says 24 hex)', () => {
    const result = validator.validateResponse(getService, response(awsEndpointService({ interfaceEndpoints: [VPCE, 'vpce-0123456789abcdef0'] })));
    const atlasId = validator.validateResponse(getService, response(awsEndpointService({ interfaceEndpoints: [SERVICE_ID] })));

    expect(result.violations).toEqual([]);
    expect(atlasId.violations.map((v) => v.where)).toEqual(['response.body/interfaceEndpoints/0']);
  });

  it('accepts a CIDR in routeTableCidrBlock (the spec pattern is an IP address)', () => {
    expect(validator.validateResponse(getPeer, response(awsPeer({ routeTableCidrBlock: '172.31.0.0/16' }))).violations).toEqual([]);
    expect(validator.validateResponse(getPeer, response(awsPeer({ routeTableCidrBlock: '10.8.0.0/33' }))).violations).toHaveLength(1);
  });

  it('accepts null where Atlas answers null, and only there', () => {
    const nulls = awsPeer({ accepterRegionName: null, errorStateName: null, connectionId: null });

    expect(validator.validateResponse(getPeer, response(nulls)).violations).toEqual([]);
    expect(validator.validateResponse(getPeer, response(awsPeer({ vpcId: null }))).violations.map((v) => v.where)).toEqual(['response.body/vpcId']);
  });

  it('accepts GCP endpoint group names as endpointId, for GCP only', () => {
    const path = (provider: string, id: string) => `${V2_GROUP}/privateEndpoint/${provider}/endpointService/${SERVICE_ID}/endpoint/${id}`;

    expect(validator.validateRequest(request('GET', path('GCP', 'atlas-psc-group-1'))).violations).toEqual([]);
    expect(validator.validateRequest(request('DELETE', path('GCP', 'atlas-psc-group-1'))).violations).toEqual([]);
    expect(validator.validateRequest(request('GET', path('AWS', 'atlas-psc-group-1'))).violations.map((v) => v.where)).toEqual(['request.path.endpointId']);
    expect(validator.validateRequest(request('GET', path('GCP', AZURE_ENDPOINT_ID))).violations.map((v) => v.where)).toEqual(['request.path.endpointId']);
  });

  it('checks the URL-encoded Azure endpointId as sent (raw segment)', () => {
    const path = (id: string) => `${V2_GROUP}/privateEndpoint/AZURE/endpointService/${SERVICE_ID}/endpoint/${id}`;

    expect(validator.validateRequest(request('GET', path(AZURE_ENDPOINT_ID))).violations).toEqual([]);
    expect(validator.match('GET', path(AZURE_ENDPOINT_ID))?.pathParams['endpointId']).toBe(AZURE_ENDPOINT_ID);
    expect(validator.validateRequest(request('GET', path(decodeURIComponent(AZURE_ENDPOINT_ID)))).violations.map((v) => v.where)).toEqual([
      'request.path',
    ]);
  });

  it('fails loudly when an exception no longer fits the spec', () => {
    const schemas = { EndpointService: { properties: { interfaceEndpoints: { items: { type: 'string', pattern: '^vpce-[0-9a-f]{17}$' } } } } };

    expect(() => applySchemaExceptions(schemas)).toThrow(StaleSpecExceptionError);
  });
});

describe('schemas used by atlas-janitor validate real bodies in strict mode', () => {
  // The subset has no allOf/oneOf: provider variants are flattened into one object with
  // x-xgen-discriminator. These bodies follow the facts file for each provider.
  const cases: [string, string, string, unknown][] = [
    ['AWS peer (BaseNetworkPeeringConnectionSettings)', 'GET', `${V2_GROUP}/peers/${PEER_ID}`, awsPeer()],
    [
      'Azure peer',
      'GET',
      `${V2_GROUP}/peers/${PEER_ID}`,
      {
        id: PEER_ID,
        containerId: CONTAINER_ID,
        providerName: 'AZURE',
        azureDirectoryId: '0c9d1f3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f',
        azureSubscriptionId: '1d2e3f4a-5b6c-4d7e-8f9a-0b1c2d3e4f5a',
        resourceGroupName: 'rg-app',
        vnetName: 'vnet-app',
        status: 'AVAILABLE',
        errorState: null,
      },
    ],
    [
      'GCP peer',
      'GET',
      `${V2_GROUP}/peers/${PEER_ID}`,
      { id: PEER_ID, containerId: CONTAINER_ID, providerName: 'GCP', gcpProjectId: 'my-gcp-project', networkName: 'default', status: 'WAITING_FOR_USER', errorMessage: null },
    ],
    ['peer page (PaginatedContainerPeer)', 'GET', `${V2_GROUP}/peers`, page([awsPeer()])],
    ['AWS EndpointService list', 'GET', `${V2_GROUP}/privateEndpoint/AWS/endpointService`, [awsEndpointService(), awsEndpointService({ interfaceEndpoints: [], status: 'INITIATING' })]],
    [
      'Azure EndpointService',
      'GET',
      `${V2_GROUP}/privateEndpoint/AZURE/endpointService/${SERVICE_ID}`,
      {
        id: SERVICE_ID,
        cloudProvider: 'AZURE',
        regionName: 'US_EAST_2',
        status: 'AVAILABLE',
        errorMessage: null,
        privateEndpoints: [decodeURIComponent(AZURE_ENDPOINT_ID)],
        privateLinkServiceName: 'pls_65f0a1b2c3d4e5f6a7b8c9d0',
      },
    ],
    [
      'GCP EndpointService',
      'GET',
      `${V2_GROUP}/privateEndpoint/GCP/endpointService/${SERVICE_ID}`,
      {
        id: SERVICE_ID,
        cloudProvider: 'GCP',
        regionName: 'CENTRAL_US',
        status: 'AVAILABLE',
        endpointGroupNames: ['atlas-psc-group-1'],
        serviceAttachmentNames: ['https://www.googleapis.com/compute/v1/projects/p-abc123/regions/us-central1/serviceAttachments/sa-1'],
      },
    ],
    ['AWS PrivateLinkEndpoint', 'GET', `${V2_GROUP}/privateEndpoint/AWS/endpointService/${SERVICE_ID}/endpoint/${VPCE}`, awsEndpoint()],
    [
      'Azure PrivateLinkEndpoint',
      'GET',
      `${V2_GROUP}/privateEndpoint/AZURE/endpointService/${SERVICE_ID}/endpoint/${AZURE_ENDPOINT_ID}`,
      {
        cloudProvider: 'AZURE',
        privateEndpointIPAddress: '10.0.0.4',
        privateEndpointConnectionName: 'cba6d9c6-1d3f-3c11-03cb-c705d895e636%2Frg-app%2Fpe-atlas',
        privateEndpointResourceId: decodeURIComponent(AZURE_ENDPOINT_ID),
        status: 'AVAILABLE',
        deleteRequested: false,
        errorMessage: null,
      },
    ],
    [
      'GCP PrivateLinkEndpoint',
      'GET',
      `${V2_GROUP}/privateEndpoint/GCP/endpointService/${SERVICE_ID}/endpoint/atlas-psc-group-1`,
      {
        cloudProvider: 'GCP',
        endpointGroupName: 'atlas-psc-group-1',
        endpoints: [{ endpointName: 'atlas-psc-rule-0', ipAddress: '10.128.0.7', status: 'AVAILABLE' }],
        status: 'AVAILABLE',
        deleteRequested: false,
      },
    ],
    [
      'StreamsPrivateLinkConnection page (PaginatedApiStreamsPrivateLink)',
      'GET',
      `${V2_GROUP}/streams/privateLinkConnections`,
      page([
        {
          _id: '65f0a1b2c3d4e5f6a7b8c9d1',
          provider: 'AWS',
          vendor: 'MSK',
          region: 'us-east-1',
          state: 'DONE',
          arn: 'arn:aws:kafka:us-east-1:123456789012:cluster/msk/abc',
          interfaceEndpointId: VPCE,
          dnsSubDomain: [],
        },
      ]),
    ],
    ['Group page (PaginatedAtlasGroup)', 'GET', `/api/atlas/v2/orgs/${ORG_ID}/groups`, page([group({ name: 'Équipe-données' })])],
    ['AtlasOrganization', 'GET', `/api/atlas/v2/orgs/${ORG_ID}`, { id: ORG_ID, name: 'Acme(prod)', isDeleted: false, links: [] }],
    ['Organization page (PaginatedOrganization)', 'GET', '/api/atlas/v2/orgs', page([{ id: ORG_ID, name: 'Acme', isDeleted: false }])],
    ['container page (PaginatedCloudProviderContainer)', 'GET', `${V2_GROUP}/containers/all`, page([{ id: CONTAINER_ID, providerName: 'AWS', regionName: 'US_EAST_1', atlasCidrBlock: '192.168.248.0/21', vpcId: 'vpc-0a1b2c3d4e5f6a7b8', provisioned: true }])],
  ];

  it.each(cases)('%s', (_name, method, path, body) => {
    const accept = path.includes('/streams/') ? V2_STREAMS : V2;
    const req = request(method, path, { accept });

    const result = validator.validateResponse(req, response(body, 200, accept));

    expect(result.violations).toEqual([]);
  });

  it('passes renamed fields when strict mode is off (the spec itself is lenient)', async () => {
    const lenient = await loadSpecValidator({ strict: false });
    const { statusName, ...peer } = awsPeer();

    const result = lenient.validateResponse(request('GET', `${V2_GROUP}/peers/${PEER_ID}`), response({ ...peer, state: statusName }));

    expect(result.violations).toEqual([]);
  });

  it('closes allOf compositions at the owner, not at each member', () => {
    const compiler = new SchemaCompiler(
      {
        Base: { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] },
        Child: { allOf: [{ $ref: '#/components/schemas/Base' }, { type: 'object', properties: { name: { type: 'string' } } }] },
      },
      true,
    );
    const validate = compiler.compile({ $ref: '#/components/schemas/Child' });

    expect(validate({ id: 'a', name: 'b' })).toBe(true);
    expect(validate({ id: 'a', name: 'b', extra: 1 })).toBe(false);
    expect(validate({ name: 'b' })).toBe(false);
  });
});

describe('v1.0 shapes', () => {
  const V1_INTERFACE = `${V1_GROUP}/privateEndpoint/${SERVICE_ID}/interfaceEndpoints/${VPCE}`;
  const interfaceEndpoint = { connectionStatus: 'PENDING_ACCEPTANCE', deleteRequested: false, errorMessage: null, interfaceEndpointId: VPCE };

  it('passes valid v1.0 exchanges', () => {
    const exchanges: [HttpExchangeRequest, HttpExchangeResponse, string][] = [
      [
        request('GET', `${V1_GROUP}/privateEndpoint`, { accept: JSON_TYPE }),
        response([{ id: SERVICE_ID, endpointServiceName: 'com.amazonaws.vpce.us-east-1.vpce-svc-0a1b2c3d4e5f6a7b8', errorMessage: null, interfaceEndpoints: [VPCE], status: 'AVAILABLE' }], 200, JSON_TYPE),
        'v1ListPrivateEndpointConnections',
      ],
      [request('GET', V1_INTERFACE, { accept: null }), response(interfaceEndpoint, 200, JSON_TYPE), 'v1GetInterfaceEndpoint'],
      [request('DELETE', V1_INTERFACE, { accept: JSON_TYPE }), response({}, 200, JSON_TYPE), 'v1DeleteInterfaceEndpoint'],
      [request('GET', `${V1_GROUP}/peers`, { accept: JSON_TYPE, query: { providerName: 'AWS', itemsPerPage: '100' } }), response(page([awsPeer()]), 200, JSON_TYPE), 'v1ListPeers'],
      [request('DELETE', `${V1_GROUP}/peers/${PEER_ID}`, { accept: JSON_TYPE }), response({}, 200, JSON_TYPE), 'v1DeletePeer'],
      [request('GET', `${V1_GROUP}/peers/${PEER_ID}`, { accept: JSON_TYPE }), response(apiError(404, 'PEER_NOT_FOUND'), 404, JSON_TYPE), 'v1GetPeer'],
    ];

    for (const [req, res, operationId] of exchanges) {
      expect(validator.validateRequest(req)).toEqual({ operationId, apiGeneration: 'v1', violations: [] });
      expect(validator.validateResponse(req, res)).toEqual({ operationId, apiGeneration: 'v1', violations: [] });
    }
  });

  it('reports a renamed field, a bad interface endpoint id and a versioned Accept', () => {
    const { connectionStatus, ...rest } = interfaceEndpoint;
    const req = request('GET', V1_INTERFACE, { accept: JSON_TYPE });

    const renamed = validator.validateResponse(req, response({ ...rest, status: connectionStatus }, 200, JSON_TYPE));
    const badId = validator.validateRequest(request('GET', `${V1_GROUP}/privateEndpoint/${SERVICE_ID}/interfaceEndpoints/${SERVICE_ID}`, { accept: JSON_TYPE }));
    const versioned = validator.validateRequest(request('GET', V1_INTERFACE, { accept: V2 }));

    expect(renamed.violations.map((v) => v.where).sort()).toEqual(['response.body/connectionStatus', 'response.body/status']);
    expect(badId.violations.map((v) => v.where)).toEqual(['request.path.interfaceEndpointId']);
    expect(versioned.violations.map((v) => v.where)).toEqual(['request.headers.accept']);
  });

  it('reports a non-empty body on the peer delete', () => {
    const result = validator.validateResponse(request('DELETE', `${V1_GROUP}/peers/${PEER_ID}`, { accept: JSON_TYPE }), response({ status: 'TERMINATING' }, 200, JSON_TYPE));

    expect(result.violations).toHaveLength(1);
  });
});

describe('OAuth token endpoint', () => {
  const tokenRequest = (body: unknown, contentType = 'application/x-www-form-urlencoded') =>
    request('POST', '/api/oauth/token', { accept: JSON_TYPE, headers: { 'content-type': contentType }, body });

  it('passes a form-encoded client_credentials request and a Bearer token', () => {
    const req = tokenRequest('grant_type=client_credentials');

    expect(validator.validateRequest(req)).toEqual({ operationId: 'oauthToken', apiGeneration: 'oauth', violations: [] });
    expect(validator.validateResponse(req, response({ access_token: 'eyJ', token_type: 'Bearer', expires_in: 3600 }, 200, JSON_TYPE)).violations).toEqual([]);
  });

  it('reports a JSON request, a wrong grant type and a wrong token type', () => {
    const json = validator.validateRequest(tokenRequest({ grant_type: 'client_credentials' }, JSON_TYPE));
    const grant = validator.validateRequest(tokenRequest('grant_type=password'));
    const bearer = validator.validateResponse(tokenRequest('grant_type=client_credentials'), response({ access_token: 'eyJ', token_type: 'bearer', expires_in: 3600 }, 200, JSON_TYPE));

    expect(json.violations.map((v) => v.where)).toEqual(['request.headers.content-type']);
    expect(grant.violations.map((v) => v.where)).toEqual(['request.body/grant_type']);
    expect(bearer.violations.map((v) => v.where)).toEqual(['response.body/token_type']);
  });
});

describe('coverage of the spec', () => {
  /** Every operation in the spec, read independently of the validator. */
  async function specOperations(): Promise<{ operationId: string; method: string; template: string }[]> {
    const spec = (await readSpecDocument()) as { paths: Record<string, Record<string, { operationId?: string }>> };
    return Object.entries(spec.paths).flatMap(([template, item]) =>
      Object.entries(item)
        .filter(([method]) => ['get', 'post', 'put', 'patch', 'delete'].includes(method))
        .map(([method, op]) => ({ operationId: String(op.operationId), method: method.toUpperCase(), template })),
    );
  }

  /** A value matching each path parameter's pattern in the spec. */
  const SAMPLE: Record<string, string> = {
    groupId: GROUP_ID,
    orgId: ORG_ID,
    containerId: CONTAINER_ID,
    peerId: PEER_ID,
    endpointServiceId: SERVICE_ID,
    cloudProvider: 'AWS',
    endpointId: VPCE,
    connectionId: 'spl-connection-1',
  };

  it('lists every spec operation, then the v1.0 names, then the off-spec v2 ones', async () => {
    const spec = await specOperations();

    expect(validator.operationIds()).toEqual([...spec.map((o) => o.operationId), ...V1_OPERATIONS.map((o) => o.operationId), ...OFF_SPEC_V2_OPERATIONS.map((o) => o.operationId)]);
    expect(new Set(validator.operationIds()).size).toBe(spec.length + 8 + 1);
  });

  it('checks the off-spec access list read like a spec operation: its media type, its page, its entries', () => {
    const path = `/api/atlas/v2/groups/${GROUP_ID}/accessList`;
    const request = { method: 'GET', path, query: { itemsPerPage: '500', pageNum: '1' }, headers: { accept: 'application/vnd.atlas.2023-01-01+json' } };
    expect(validator.validateRequest(request)).toMatchObject({ operationId: 'listProjectIpAccessLists', apiGeneration: 'v2', violations: [] });
    expect(validator.validateRequest({ ...request, headers: { accept: 'application/json' } }).violations).toHaveLength(1);
    const page = (entry: Record<string, unknown>) => ({ status: 200, contentType: 'application/vnd.atlas.2023-01-01+json', body: { links: [], results: [entry], totalCount: 1 } });
    expect(validator.validateResponse(request, page({ groupId: GROUP_ID, awsSecurityGroup: 'sg-0a1b2c3d4e5f60718', comment: 'app' })).violations).toEqual([]);
    expect(validator.validateResponse(request, page({ groupId: GROUP_ID, awsSecurityGroup: 'sg-nothex' })).violations).not.toEqual([]);
  });

  it('matches each of the 35 spec operations to its own path template', async () => {
    const spec = await specOperations();

    const matched = spec.filter(({ operationId, method, template }) => {
      const path = template.replace(/\{(\w+)\}/g, (_, name: string) => SAMPLE[name] ?? `<no sample for ${name}>`);
      const hit = validator.match(method, path);
      const pathViolations = validator.validateRequest(request(method, path)).violations.filter((v) => v.where.startsWith('request.path'));
      return hit?.operationId === operationId && hit.apiGeneration === 'v2' && pathViolations.length === 0;
    });

    expect(spec).toHaveLength(35);
    expect(matched.map((o) => o.operationId)).toEqual(spec.map((o) => o.operationId));
  });
});
