import type { EndpointService, Provider } from '../atlas';
import type { ReadContext } from './types';

// Reads the endpoint and endpoint service kinds share: a service lists its endpoints, and an endpoint is
// judged by its service. Kept apart from both kinds so neither imports the other.

/**
 * The codes that prove an endpoint service missing. RESOURCE_NOT_FOUND is not one: it is also what Atlas
 * answers for a route it does not have, so it proves nothing about the resource (same for every kind).
 */
export const SERVICE_GONE_CODES: ReadonlySet<string> = new Set(['PRIVATE_ENDPOINT_SERVICE_NOT_FOUND']);

/** Endpoint ids a service lists: AWS `interfaceEndpoints`, Azure `privateEndpoints`, GCP `endpointGroupNames`. */
export function endpointIdsOf(service: EndpointService | Readonly<Record<string, unknown>>, provider: Provider): string[] {
  const listed = provider === 'AWS' ? service['interfaceEndpoints'] : provider === 'AZURE' ? service['privateEndpoints'] : service['endpointGroupNames'];
  // A service read this pass was checked by its schema; evidence fields from elsewhere are checked here.
  return Array.isArray(listed) ? listed.filter((id): id is string => typeof id === 'string') : [];
}

/** One endpoint service, through v1.0 for AWS when configured so. */
export async function readService(ctx: ReadContext, projectId: string, provider: Provider, id: string): Promise<EndpointService> {
  if (ctx.apiGeneration === 'v1' && provider === 'AWS') {
    return v1AsEndpointService(await ctx.atlas.v1GetPrivateEndpointConnection(projectId, id));
  }
  return ctx.atlas.getEndpointService(projectId, provider, id);
}

/** The v1.0 connection carries the same facts as a v2 AWS endpoint service under other names. */
export function v1AsEndpointService(connection: {
  id: string;
  status: string;
  endpointServiceName?: string | null | undefined;
  errorMessage?: string | null | undefined;
  interfaceEndpoints?: string[] | null | undefined;
}): EndpointService {
  return { ...connection, cloudProvider: 'AWS', interfaceEndpoints: connection.interfaceEndpoints ?? [] };
}
