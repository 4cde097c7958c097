import { PROVIDERS, type EndpointService, type Provider } from '../atlas';
import { fieldsOf, keep, readOrGone, remove } from './common';
import { endpointIdsOf } from './private-endpoint';
import { ENDPOINT_SERVICE_DELETING, ENDPOINT_SERVICE_FAILED, ENDPOINT_SERVICE_IDLE_STATES, NOT_FOUND } from './states';
import type { Observation, ResourceKind, ResourceRef, ScanContext } from './types';

/** Private endpoint services (v2 `endpointService`; v1.0 `privateEndpoint` connections for AWS). */
export const privateEndpointService: ResourceKind = {
  name: 'privateEndpointService',

  async list(ctx, projectId) {
    const perProvider = await Promise.all(
      PROVIDERS.map(async (provider) => (await ctx.endpointServices(projectId, provider)).map((s) => observe(projectId, provider, s))),
    );
    return perProvider.flat();
  },

  async get(ctx, ref) {
    const provider = ref.provider ?? 'AWS';
    const service = await readOrGone(() => readService(ctx, ref.projectId, provider, serviceId(ref)));
    if (!service) return { ref, id: serviceId(ref), found: false, state: NOT_FOUND, fields: {} };
    return observe(ref.projectId, provider, service);
  },

  async delete(ctx, ref) {
    const provider = ref.provider ?? 'AWS';
    if (ctx.apiGeneration === 'v1' && provider === 'AWS') {
      await ctx.atlas.v1DeletePrivateEndpointConnection(ref.projectId, serviceId(ref));
    } else {
      await ctx.atlas.deleteEndpointService(ref.projectId, provider, serviceId(ref));
    }
  },

  classify(o) {
    if (!o.found) return keep('already gone');
    if (o.state === ENDPOINT_SERVICE_DELETING) return keep('already being deleted');
    if (o.state === ENDPOINT_SERVICE_FAILED) return remove('failed-endpoint-service', 'endpoint service status is FAILED');
    if (ENDPOINT_SERVICE_IDLE_STATES.has(o.state) && endpointIdsOf(o.fields as unknown as EndpointService, o.ref.provider ?? 'AWS').length === 0) {
      return remove('idle-endpoint-service', `endpoint service ${o.state} with no endpoints`);
    }
    return keep(`status ${o.state} is not a failure`);
  },
};

/** One endpoint service, through v1.0 for AWS when configured so. */
export async function readService(ctx: ScanContext, projectId: string, provider: Provider, id: string): Promise<EndpointService> {
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

function observe(projectId: string, provider: Provider, service: EndpointService): Observation {
  return {
    ref: { projectId, kind: 'privateEndpointService', provider, ids: { endpointServiceId: service.id } },
    id: service.id,
    found: true,
    state: service.status,
    fields: fieldsOf(service),
  };
}

function serviceId(ref: ResourceRef): string {
  const id = ref.ids['endpointServiceId'];
  if (!id) throw new TypeError('privateEndpointService ref needs ids.endpointServiceId');
  return id;
}
