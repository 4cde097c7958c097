import { AtlasRequestError } from './errors';

/** Cloud providers Atlas names in paths and bodies. */
export const PROVIDERS = ['AWS', 'AZURE', 'GCP'] as const;
export type Provider = (typeof PROVIDERS)[number];

/** The formats Atlas ids take; every id is checked against one of these before it goes into a URL. */
export const ID_FORMATS = {
  /** Projects, orgs, endpoint services, peers, streams connections. */
  objectId: /^[a-f0-9]{24}$/,
  /** AWS interface endpoint: the VPC endpoint id. */
  awsEndpointId: /^vpce-[0-9a-f]{17}$/,
  /**
   * Azure private endpoint: the resource path, before URL encoding. A segment may hold dots but may not
   * be `.` or `..`: decoded by a proxy or a server, those would walk the path somewhere else.
   */
  azureEndpointId:
    /^\/subscriptions\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\/resource[gG]roups\/(?!\.{1,2}\/)[-\w.()]+\/providers\/Microsoft\.Network\/privateEndpoints\/(?!\.{1,2}$)[-\w.()]+$/,
  /** GCP endpoint group: a GCP resource name. */
  gcpEndpointGroupName: /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/,
} as const;

function isObjectId(value: unknown): value is string {
  return typeof value === 'string' && ID_FORMATS.objectId.test(value);
}

/** Returns the id when it is 24 lowercase hex, else throws naming the field. */
export function checkObjectId(field: string, value: string): string {
  if (!isObjectId(value)) throw new AtlasRequestError(field, 'must be 24 lowercase hexadecimal characters');
  return value;
}

export function checkProvider(field: string, value: string): Provider {
  if (!(PROVIDERS as readonly string[]).includes(value)) {
    throw new AtlasRequestError(field, `must be one of ${PROVIDERS.join(', ')}`);
  }
  return value as Provider;
}

/** The format an endpoint id must have for its provider. */
function endpointIdFormat(provider: Provider): RegExp {
  if (provider === 'AWS') return ID_FORMATS.awsEndpointId;
  if (provider === 'AZURE') return ID_FORMATS.azureEndpointId;
  return ID_FORMATS.gcpEndpointGroupName;
}

export function isEndpointId(provider: Provider, value: unknown): value is string {
  return typeof value === 'string' && endpointIdFormat(provider).test(value);
}

export function checkEndpointId(field: string, provider: Provider, value: string): string {
  if (!isEndpointId(provider, value)) {
    const expected =
      provider === 'AWS'
        ? "'vpce-' and 17 hexadecimal characters"
        : provider === 'AZURE'
          ? 'an Azure private endpoint resource id (/subscriptions/.../privateEndpoints/NAME)'
          : 'a GCP endpoint group name (lowercase letters, digits, hyphens)';
    throw new AtlasRequestError(field, `must be ${expected} for ${provider}`);
  }
  return value;
}

/** Encodes one path segment; Azure ids contain slashes and must arrive as %2F. */
export function segment(value: string): string {
  return encodeURIComponent(value);
}
