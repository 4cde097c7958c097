/**
 * Contract shapes for the deprecated Atlas Admin API v1.0 routes atlas-janitor still calls.
 *
 * The published v2 spec does not describe v1.0, so these shapes come from the facts file
 * (`../shared/atlas-api-facts.md`, section "v1.0 private endpoint connections" and "Network peering
 * connections"). They are written in the spec's own dialect (OpenAPI 3.0 Schema Objects, `nullable`,
 * `#/components/schemas/...` references into the v2 spec), so the validator prepares them exactly like
 * spec schemas: spec exceptions, strict mode (`additionalProperties: false`) and the discriminator
 * narrowing apply to them too.
 *
 * Lines marked *inferred* are not settled by the public material; they are kept tolerant.
 */

/** An OpenAPI 3.0 Schema Object (JSON Schema dialect of the spec), kept loosely typed on purpose. */
export type SchemaObject = Record<string, unknown>;

/** One v1.0 route: the same facts the validator reads from a v2 operation. */
export interface V1Operation {
  readonly operationId: string;
  readonly method: 'GET' | 'DELETE';
  /** Path template; parameters in braces, as Atlas documents them (`{GROUP-ID}`). */
  readonly path: string;
  readonly pathParams: Readonly<Record<string, SchemaObject>>;
  /** Query parameters besides `pretty` and `envelope`, which every operation accepts. */
  readonly queryParams: Readonly<Record<string, SchemaObject>>;
  /** Success statuses and their `application/json` body; `null` means no body (or an empty one). */
  readonly responses: Readonly<Record<number, SchemaObject | null>>;
  /**
   * For a v2 route the spec subset leaves out (OFF_SPEC_V2_OPERATIONS): its versioned media type, asked
   * for and answered in place of `application/json`.
   */
  readonly v2MediaType?: string;
  /** A page (`links`, `results`, `totalCount`): envelope=true adds `status` beside them. */
  readonly page?: boolean;
}

/** v1.0 speaks plain JSON both ways. */
export const V1_MEDIA_TYPE = 'application/json';

/** Error statuses a v1.0 route may answer, all with the v2 `ApiError` body (facts file, "Errors"). */
export const V1_ERROR_STATUSES: readonly number[] = [400, 401, 403, 404, 409, 429, 500];

const HEX24 = '^([a-f0-9]{24})$';
/** AWS VPC endpoint id: `vpce-` + 17 lowercase hex (facts file, "Private endpoints"). */
export const AWS_VPCE_ID_PATTERN = '^vpce-[0-9a-f]{17}$';

const id24: SchemaObject = { type: 'string', pattern: HEX24 };
const vpceId: SchemaObject = { type: 'string', pattern: AWS_VPCE_ID_PATTERN };
const nullableString: SchemaObject = { type: 'string', nullable: true };

/** Same states as v2 endpoint services (facts file). */
const CONNECTION_STATUSES = ['INITIATING', 'WAITING_FOR_USER', 'AVAILABLE', 'FAILED', 'DELETING'];
/** Same states as v2 AWS private endpoints (facts file; MongoDB's documentation explains each). */
const INTERFACE_ENDPOINT_STATUSES = ['NONE', 'PENDING_ACCEPTANCE', 'PENDING', 'AVAILABLE', 'REJECTED', 'DELETING'];

/** `GET .../privateEndpoint/{privateLinkId}`: one AWS private endpoint connection. */
export const V1PrivateEndpointConnection: SchemaObject = {
  type: 'object',
  properties: {
    id: id24,
    // Absent or null while the service is still INITIATING (inferred): tolerated.
    endpointServiceName: {
      type: 'string',
      nullable: true,
      pattern: '^com\\.amazonaws\\.vpce\\.[a-z0-9-]+\\.vpce-svc-[0-9a-f]{17}$',
    },
    errorMessage: nullableString,
    interfaceEndpoints: { type: 'array', items: vpceId },
    status: { type: 'string', enum: CONNECTION_STATUSES },
  },
  required: ['id', 'interfaceEndpoints', 'status'],
};

/** `GET .../privateEndpoint/{privateLinkId}/interfaceEndpoints/{interfaceEndpointId}`. */
export const V1InterfaceEndpoint: SchemaObject = {
  type: 'object',
  properties: {
    connectionStatus: { type: 'string', enum: INTERFACE_ENDPOINT_STATUSES },
    deleteRequested: { type: 'boolean' },
    errorMessage: nullableString,
    interfaceEndpointId: vpceId,
  },
  required: ['connectionStatus', 'deleteRequested', 'errorMessage', 'interfaceEndpointId'],
};

/** `DELETE .../peers/{PEER-ID}` answers an empty JSON object (as MongoDB documents). */
const emptyObject: SchemaObject = { type: 'object', maxProperties: 0 };

const paging: Record<string, SchemaObject> = {
  itemsPerPage: { type: 'integer', minimum: 1, maximum: 500 },
  pageNum: { type: 'integer', minimum: 1 },
  includeCount: { type: 'boolean' },
};

const GROUP = '/api/atlas/v1.0/groups/{GROUP-ID}';

/**
 * One entry of a project's IP access list (facts file, "Side effect"): exactly one of `awsSecurityGroup`,
 * `cidrBlock`, `ipAddress`, with an optional `comment`; Atlas adds the project's `groupId` (*inferred*:
 * `links` tolerated).
 */
export const AccessListEntry: SchemaObject = {
  type: 'object',
  properties: {
    awsSecurityGroup: { type: 'string', pattern: '^sg-[0-9a-f]{8,17}$' },
    cidrBlock: { type: 'string' },
    ipAddress: { type: 'string' },
    comment: { type: 'string' },
    groupId: id24,
    links: { type: 'array', items: { type: 'object' } },
  },
  required: ['groupId'],
};

/**
 * v2 routes the janitor calls that the spec subset does not hold, described from the facts file in the
 * same form as the v1.0 routes. `listProjectIpAccessLists` is read before deleting a project's last AWS peer.
 */
export const OFF_SPEC_V2_OPERATIONS: readonly V1Operation[] = [
  {
    operationId: 'listProjectIpAccessLists',
    method: 'GET',
    path: '/api/atlas/v2/groups/{groupId}/accessList',
    pathParams: { groupId: id24 },
    queryParams: paging,
    responses: {
      200: {
        type: 'object',
        properties: {
          links: { type: 'array', items: { type: 'object' } },
          results: { type: 'array', items: AccessListEntry },
          totalCount: { type: 'integer', minimum: 0 },
        },
        required: ['results'],
      },
    },
    v2MediaType: 'application/vnd.atlas.2023-01-01+json',
    page: true,
  },
];

/** Every v1.0 route the validator knows, keyed by the operationIds the contract tests use. */
export const V1_OPERATIONS: readonly V1Operation[] = [
  {
    operationId: 'v1ListPrivateEndpointConnections',
    method: 'GET',
    path: `${GROUP}/privateEndpoint`,
    pathParams: { 'GROUP-ID': id24 },
    queryParams: {},
    // A bare array, not a page (facts file).
    responses: { 200: { type: 'array', items: V1PrivateEndpointConnection } },
  },
  {
    operationId: 'v1GetPrivateEndpointConnection',
    method: 'GET',
    path: `${GROUP}/privateEndpoint/{privateLinkId}`,
    pathParams: { 'GROUP-ID': id24, privateLinkId: id24 },
    queryParams: {},
    responses: { 200: V1PrivateEndpointConnection },
  },
  {
    operationId: 'v1DeletePrivateEndpointConnection',
    method: 'DELETE',
    path: `${GROUP}/privateEndpoint/{privateLinkId}`,
    pathParams: { 'GROUP-ID': id24, privateLinkId: id24 },
    queryParams: {},
    // Seeds 000/003: v1.0 DELETEs answer an empty JSON object (the facts file names no other status).
    responses: { 200: emptyObject },
  },
  {
    operationId: 'v1GetInterfaceEndpoint',
    method: 'GET',
    path: `${GROUP}/privateEndpoint/{privateLinkId}/interfaceEndpoints/{interfaceEndpointId}`,
    pathParams: { 'GROUP-ID': id24, privateLinkId: id24, interfaceEndpointId: vpceId },
    queryParams: {},
    responses: { 200: V1InterfaceEndpoint },
  },
  {
    operationId: 'v1DeleteInterfaceEndpoint',
    method: 'DELETE',
    path: `${GROUP}/privateEndpoint/{privateLinkId}/interfaceEndpoints/{interfaceEndpointId}`,
    pathParams: { 'GROUP-ID': id24, privateLinkId: id24, interfaceEndpointId: vpceId },
    queryParams: {},
    // Seeds 000 and 003: "This endpoint returns an empty JSON object".
    responses: { 200: emptyObject },
  },
  {
    operationId: 'v1ListPeers',
    method: 'GET',
    path: `${GROUP}/peers`,
    pathParams: { 'GROUP-ID': id24 },
    queryParams: { ...paging, providerName: { type: 'string', enum: ['AWS', 'AZURE', 'GCP'] } },
    // Same page and item shape as v2 (facts file).
    responses: { 200: { $ref: '#/components/schemas/PaginatedContainerPeer' } },
  },
  {
    operationId: 'v1GetPeer',
    method: 'GET',
    path: `${GROUP}/peers/{PEER-ID}`,
    pathParams: { 'GROUP-ID': id24, 'PEER-ID': id24 },
    queryParams: {},
    responses: { 200: { $ref: '#/components/schemas/BaseNetworkPeeringConnectionSettings' } },
  },
  {
    operationId: 'v1DeletePeer',
    method: 'DELETE',
    path: `${GROUP}/peers/{PEER-ID}`,
    pathParams: { 'GROUP-ID': id24, 'PEER-ID': id24 },
    queryParams: {},
    // Inferred status: the seed shows the `{}` body only; v2 answers 202, v1.0 docs 200.
    responses: { 200: emptyObject, 202: emptyObject },
  },
];

/** `POST /api/oauth/token` (Service Accounts; not in the spec). */
export const OAUTH_TOKEN_PATH = '/api/oauth/token';

/** Body of a successful token answer (facts file, "Authentication"). */
export const OAuthTokenResponse: SchemaObject = {
  type: 'object',
  properties: {
    access_token: { type: 'string', minLength: 1 },
    token_type: { type: 'string', enum: ['Bearer'] },
    expires_in: { type: 'integer', minimum: 1 },
  },
  required: ['access_token', 'token_type', 'expires_in'],
};

/**
 * Body of a refused token request. Inferred: the token endpoint is OAuth 2.0 (RFC 6749 §5.2 error
 * body) but sits behind the same gateway as the Admin API, so either shape is accepted.
 */
export const OAuthTokenError: SchemaObject = {
  anyOf: [
    {
      type: 'object',
      properties: { error: { type: 'string' }, error_description: { type: 'string' }, error_uri: { type: 'string' } },
      required: ['error'],
    },
    { $ref: '#/components/schemas/ApiError' },
  ],
};

/** Statuses the token endpoint may answer besides 200 (inferred; 429 per the facts file). */
export const OAUTH_ERROR_STATUSES: readonly number[] = [400, 401, 403, 429, 500];
