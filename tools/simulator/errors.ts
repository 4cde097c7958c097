import { STATUS_CODES } from 'node:http';

/**
 * Every Atlas errorCode the simulator can answer, with its default HTTP status.
 * The exact strings Atlas uses are partly inferred (see atlas-api-facts.md); keeping them in one
 * table lets the README and the client's tests refer to a single list.
 */
export const ERROR_CODES = {
  VALIDATION_ERROR: { status: 400, when: 'injected 400 fault' },
  INVALID_ATTRIBUTE: { status: 400, when: 'a path id does not match its format (24 hex, vpce-…, Azure resource path, GCP group name)' },
  INVALID_PROVIDER: { status: 400, when: 'cloudProvider path value or providerName query is not AWS, AZURE or GCP' },
  INVALID_QUERY_PARAMETER: { status: 400, when: 'itemsPerPage outside 1..500, pageNum < 1, or a boolean flag that is not true/false' },
  PRIVATE_ENDPOINT_SERVICE_HAS_ENDPOINTS: { status: 400, when: 'DELETE of an endpoint service that still lists endpoint ids (orphans and deleting ones count); status set by serviceHasEndpointsStatus' },
  PRIVATE_ENDPOINT_SERVICE_ALREADY_DELETING: { status: 400, when: 'DELETE of an endpoint service already deleting; status set by alreadyDeletingStatus.endpointService' },
  PRIVATE_ENDPOINT_ALREADY_DELETING: { status: 400, when: 'DELETE of a private endpoint already deleting; status set by alreadyDeletingStatus.privateEndpoint' },
  UNAUTHORIZED: { status: 401, when: 'no credentials, unknown API key, wrong digest response, bad or replayed nonce count' },
  INVALID_TOKEN: { status: 401, when: 'Bearer token unknown or expired' },
  BEARER_NOT_ACCEPTED: { status: 401, when: 'a Bearer token on a v1.0 route: v1.0 authenticates with HTTP Digest only' },
  NOT_ORG_GROUP_CREATOR: { status: 401, when: 'injected permission fault (Atlas\'s 401 about one project: the key is valid, the project refuses it)' },
  USER_UNAUTHORIZED: { status: 401, when: "a DELETE the key's roles do not allow in that project (a read-only role; a Stream Processing owner deleting anything but a streams link)" },
  CANNOT_ACCESS_GROUP: { status: 403, when: 'the project exists but the principal has no role in it or in its org' },
  CANNOT_ACCESS_ORG: { status: 403, when: 'the org exists but the principal cannot see it' },
  FORBIDDEN: { status: 403, when: 'injected 403 fault' },
  RESOURCE_NOT_FOUND: { status: 404, when: 'no simulated route for this method and path' },
  ORG_NOT_FOUND: { status: 404, when: 'unknown org id' },
  GROUP_NOT_FOUND: { status: 404, when: 'unknown project id' },
  PRIVATE_ENDPOINT_SERVICE_NOT_FOUND: { status: 404, when: 'no endpoint service with this id for this provider in the project' },
  PRIVATE_ENDPOINT_NOT_FOUND: { status: 404, when: 'no endpoint object with this id under the service (orphan ids included)' },
  PEER_NOT_FOUND: { status: 404, when: 'unknown peering connection id in the project' },
  STREAM_PRIVATE_LINK_NOT_FOUND: { status: 404, when: 'unknown streams private link connection id in the project' },
  INVALID_VERSION_DATE: { status: 406, when: 'v2 Accept header missing, malformed, or a date older than every version of the operation' },
  NOT_ACCEPTABLE: { status: 406, when: 'v1.0 Accept header that allows neither application/json nor */*' },
  CONFLICT: { status: 409, when: 'injected 409 fault' },
  PEER_ALREADY_REQUESTED_DELETION: { status: 409, when: 'DELETE of a peer already terminating/deleting; status set by alreadyDeletingStatus.peer' },
  STREAM_PRIVATE_LINK_ALREADY_DELETING: { status: 409, when: 'DELETE of a streams private link already deleting, only when alreadyDeletingStatus.streamsPrivateLink is set to a non-2xx status (default 202: accepted again)' },
  RATE_LIMITED: { status: 429, when: 'injected 429 fault (the older code; Atlas may still answer it)' },
  RATE_LIMITED_TOKEN_BUCKET: { status: 429, when: "the request's endpoint-set bucket is empty (see Rate limits)" },
  UNEXPECTED_ERROR: { status: 500, when: 'injected 500 fault, or a simulator bug' },
  BAD_GATEWAY: { status: 502, when: 'injected 502 fault' },
  SERVICE_UNAVAILABLE: { status: 503, when: 'injected 503 fault' },
  GATEWAY_TIMEOUT: { status: 504, when: 'injected 504 fault' },
  SIMULATED_FAULT: { status: 0, when: 'injected fault with a status no other code covers (the fault rule gives the status)' },
} as const satisfies Record<string, { status: number; when: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** Atlas error body, `application/json`. */
export interface AtlasErrorBody {
  error: number;
  /** One of ERROR_CODES, or whatever code a fault rule names. */
  errorCode: string;
  reason: string;
  detail: string;
  parameters: unknown[];
}

/** Thrown by routes and auth; the server turns it into an Atlas error answer. */
export class AtlasApiError extends Error {
  override readonly name = 'AtlasApiError';
  readonly status: number;

  constructor(
    readonly errorCode: ErrorCode,
    readonly detail: string,
    readonly parameters: unknown[] = [],
    status?: number,
  ) {
    super(`${errorCode}: ${detail}`);
    this.status = status ?? ERROR_CODES[errorCode].status;
  }

  toBody(): AtlasErrorBody {
    return errorBody(this.status, this.errorCode, this.detail, this.parameters);
  }
}

export function errorBody(status: number, errorCode: string, detail: string, parameters: unknown[] = []): AtlasErrorBody {
  return { error: status, errorCode, reason: STATUS_CODES[status] ?? 'Unknown', detail, parameters };
}

/** The errorCode an injected fault answers with for a given status. */
export function faultErrorCode(status: number): ErrorCode {
  const byStatus: Record<number, ErrorCode> = {
    400: 'VALIDATION_ERROR',
    401: 'UNAUTHORIZED',
    403: 'FORBIDDEN',
    404: 'RESOURCE_NOT_FOUND',
    409: 'CONFLICT',
    429: 'RATE_LIMITED',
    500: 'UNEXPECTED_ERROR',
    502: 'BAD_GATEWAY',
    503: 'SERVICE_UNAVAILABLE',
    504: 'GATEWAY_TIMEOUT',
  };
  return byStatus[status] ?? 'SIMULATED_FAULT';
}
