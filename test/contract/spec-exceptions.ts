/**
 * Where the published Atlas spec (`../shared/atlas-openapi/atlas-v2-network-subset.yaml`) is wrong about
 * what Atlas really sends or accepts. This is the only place the contract tests deviate from the spec;
 * each entry says why and where the truth comes from.
 *
 * Every schema exception also records what the spec says today. When MongoDB fixes the spec (or renames
 * the field), applying the exception fails with {@link StaleSpecExceptionError}, so the entry gets
 * reviewed instead of silently patching something else.
 */
import type { SchemaObject } from './v1-shapes';

interface ExceptionBase {
  /** Stable name, used in messages. */
  readonly id: string;
  /** Why the spec is wrong here. */
  readonly reason: string;
  /** Where the correct behaviour is documented. */
  readonly source: string;
}

/** Replace the `pattern` of a string schema inside `components.schemas[schema]`. */
export interface PatternException extends ExceptionBase {
  readonly kind: 'pattern';
  readonly schema: string;
  /** Keys from the named schema down to the string schema. */
  readonly at: readonly string[];
  /** What the spec says today; a different value makes the exception stale. */
  readonly specPattern: string;
  readonly pattern: string;
}

/** Let plain string properties of `components.schemas[schema]` be `null` as well. */
export interface NullableException extends ExceptionBase {
  readonly kind: 'nullable';
  readonly schema: string;
  readonly properties: readonly string[];
}

/**
 * Validate a path parameter against another schema when another path parameter has a given value
 * (the spec gives one pattern for every provider).
 */
export interface PathParamException extends ExceptionBase {
  readonly kind: 'path-param';
  readonly operationIds: readonly string[];
  readonly param: string;
  readonly when: { readonly param: string; readonly equals: string };
  readonly schema: SchemaObject;
}

export type SpecException = PatternException | NullableException | PathParamException;

const FACTS = '../shared/atlas-api-facts.md';
const STACK_NOTES = '../shared/stack-notes.md ("Validating against the Atlas spec subset")';

/** The list. Add an entry here, never a special case in the validator. */
export const SPEC_EXCEPTIONS: readonly SpecException[] = [
  {
    kind: 'pattern',
    id: 'endpoint-service-interface-endpoint-ids',
    schema: 'EndpointService',
    at: ['properties', 'interfaceEndpoints', 'items'],
    specPattern: '^([a-f0-9]{24})$',
    pattern: '^vpce-[0-9a-f]{17}$',
    reason:
      'AWS interface endpoints are listed by their VPC endpoint id (`vpce-` + 17 hex), the same id used as ' +
      'endpointId in the endpoint routes; the spec copied the 24-hex Atlas id pattern.',
    source: `${FACTS} ("Private endpoints"); ${STACK_NOTES}`,
  },
  {
    kind: 'pattern',
    id: 'peer-route-table-cidr-block',
    schema: 'BaseNetworkPeeringConnectionSettings',
    at: ['properties', 'routeTableCidrBlock'],
    specPattern:
      '^((25[0-5]|(2[0-4]|1\\d|[1-9]|)\\d)(\\.(?!$)|$)){4}|([0-9a-f]{1,4}:){7}[0-9a-f]{1,4}$',
    // IPv4 CIDR (address/prefix): AWS peering route tables carry the peer VPC's IPv4 CIDR.
    pattern: '^((25[0-5]|(2[0-4]|1\\d|[1-9]|)\\d)\\.){3}(25[0-5]|(2[0-4]|1\\d|[1-9]|)\\d)\\/(3[0-2]|[12]?\\d)$',
    reason:
      'routeTableCidrBlock holds the peer VPC CIDR block (e.g. 10.0.0.0/16); the spec pattern only accepts a ' +
      'bare IP address.',
    source: `${FACTS} ("Network peering connections"); ${STACK_NOTES}`,
  },
  {
    kind: 'nullable',
    id: 'peer-nullable-fields',
    schema: 'BaseNetworkPeeringConnectionSettings',
    properties: ['accepterRegionName', 'errorStateName', 'errorState', 'errorMessage', 'connectionId'],
    reason:
      'Atlas answers null for these instead of leaving them out: accepterRegionName when the peer VPC is in ' +
      "Atlas' region, errorStateName/errorState/errorMessage when there is no error, connectionId before AWS " +
      'assigns one.',
    source: `${FACTS} ("errorStateName ... null when fine"); ${STACK_NOTES} (v1.0 docs on accepterRegionName)`,
  },
  {
    kind: 'nullable',
    id: 'private-endpoint-nullable-error-message',
    schema: 'EndpointService',
    properties: ['errorMessage'],
    reason: 'errorMessage is null while the service is fine (same serialiser as v1.0, where it is null; inferred).',
    source: `${FACTS} ("v1.0 private endpoint connections"); ${STACK_NOTES}`,
  },
  {
    kind: 'nullable',
    id: 'endpoint-nullable-error-message',
    schema: 'PrivateLinkEndpoint',
    properties: ['errorMessage'],
    reason: 'errorMessage is null while the endpoint is fine (as in the v1.0 interface endpoint; inferred).',
    source: `${FACTS} ("v1.0 private endpoint connections"); ${STACK_NOTES}`,
  },
  {
    kind: 'path-param',
    id: 'gcp-endpoint-id-is-a-group-name',
    operationIds: ['getPrivateEndpoint', 'deletePrivateEndpoint'],
    param: 'endpointId',
    when: { param: 'cloudProvider', equals: 'GCP' },
    // GCP resource name rules (RFC 1035 label, at most 63 characters): endpoint groups are named so.
    schema: { type: 'string', pattern: '^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$' },
    reason:
      'For GCP the endpointId is the endpoint group name; the spec pattern only knows AWS vpce ids and ' +
      'URL-encoded Azure resource ids, so no GCP id can match it.',
    source: `${FACTS} ("Private endpoints": GCP endpointId = the endpoint group name)`,
  },
];

/** An exception no longer fits the spec: the spec changed, so the entry must be reviewed. */
export class StaleSpecExceptionError extends Error {
  override readonly name = 'StaleSpecExceptionError';
  constructor(
    readonly exceptionId: string,
    detail: string,
  ) {
    super(`spec exception '${exceptionId}' no longer fits the spec: ${detail}`);
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function descend(root: unknown, keys: readonly string[], exceptionId: string): Record<string, unknown> {
  let node = root;
  for (const key of keys) {
    node = isRecord(node) ? node[key] : undefined;
    if (node === undefined) throw new StaleSpecExceptionError(exceptionId, `nothing at ${keys.join('/')}`);
  }
  if (!isRecord(node)) throw new StaleSpecExceptionError(exceptionId, `${keys.join('/')} is not a schema`);
  return node;
}

/**
 * Apply the schema exceptions (pattern, nullable) in place to `components.schemas` of a freshly parsed
 * spec. Throws {@link StaleSpecExceptionError} when an entry no longer matches what the spec says.
 */
export function applySchemaExceptions(
  schemas: Record<string, unknown>,
  exceptions: readonly SpecException[] = SPEC_EXCEPTIONS,
): void {
  for (const exception of exceptions) {
    switch (exception.kind) {
      case 'pattern': {
        const target = descend(schemas, [exception.schema, ...exception.at], exception.id);
        if (target['pattern'] !== exception.specPattern) {
          throw new StaleSpecExceptionError(exception.id, `the spec pattern is now ${JSON.stringify(target['pattern'])}`);
        }
        target['pattern'] = exception.pattern;
        break;
      }
      case 'nullable': {
        for (const property of exception.properties) {
          const target = descend(schemas, [exception.schema, 'properties', property], exception.id);
          if (target['type'] !== 'string') {
            throw new StaleSpecExceptionError(exception.id, `${exception.schema}.${property} is no longer a string`);
          }
          target['nullable'] = true;
        }
        break;
      }
      case 'path-param':
        break;
    }
  }
}

/** The path-parameter exceptions for one operation. */
export function pathParamExceptions(
  operationId: string,
  exceptions: readonly SpecException[] = SPEC_EXCEPTIONS,
): PathParamException[] {
  return exceptions.filter(
    (e): e is PathParamException => e.kind === 'path-param' && e.operationIds.includes(operationId),
  );
}
