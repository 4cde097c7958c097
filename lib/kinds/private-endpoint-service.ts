import { PROVIDERS, type EndpointService, type Provider } from '../atlas';
import { fieldsOf, keep, remove } from './common';
import { SERVICE_GONE_CODES, endpointIdsOf, readService } from './endpoint-services';
import { projectParent, readOrGone } from './evidence';
import { ENDPOINT_SERVICE_DELETING, ENDPOINT_SERVICE_FAILED, ENDPOINT_SERVICE_IDLE_STATES, NOT_FOUND } from './states';
import type { Observation, ResourceKind, ResourceRef } from './types';

/** Private endpoint services (v2 `endpointService`; v1.0 `privateEndpoint` connections for AWS). */
export const privateEndpointService: ResourceKind = {
  name: 'privateEndpointService',
  // The private endpoint tab lists the services with their endpoints (inferred, as for privateEndpoint).
  atlasUiPage: 'security/network/privateEndpoint',
  idFields: [{ name: 'endpointServiceId', format: 'objectId' }],
  needsProvider: true,
  // Atlas refuses to delete a service that still has endpoints.
  deleteAfter: ['privateEndpoint'],
  rules: [
    { name: 'failed-endpoint-service', why: 'The private endpoint service is FAILED.' },
    { name: 'idle-endpoint-service', age: true, why: 'An endpoint service with no endpoint, older than its grace period.' },
  ],
  deletingStates: new Set([ENDPOINT_SERVICE_DELETING]),
  alreadyDeletingCodes: new Set(['PRIVATE_ENDPOINT_SERVICE_ALREADY_DELETING']),
  goneCodes: SERVICE_GONE_CODES,
  hasDependentsCodes: new Set(['PRIVATE_ENDPOINT_SERVICE_HAS_ENDPOINTS']),

  dependentsOf(o) {
    return endpointIdsOf(o.fields, o.ref.provider ?? 'AWS');
  },

  async list(ctx, projectId) {
    const perProvider = await Promise.all(
      PROVIDERS.map(async (provider) => (await ctx.endpointServices(projectId, provider)).map((s) => observe(projectId, provider, s))),
    );
    return perProvider.flat();
  },

  async get(ctx, ref) {
    const provider = ref.provider ?? 'AWS';
    const service = await readOrGone(privateEndpointService, () => readService(ctx, ref.projectId, provider, serviceId(ref)), projectParent(ctx, ref.projectId), ctx.pauseBeforeRereading);
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
    if (ENDPOINT_SERVICE_IDLE_STATES.has(o.state) && endpointIdsOf(o.fields, o.ref.provider ?? 'AWS').length === 0) {
      return remove('idle-endpoint-service', `endpoint service ${o.state} with no endpoints`);
    }
    return keep(`status ${o.state} is not a failure`);
  },
};

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
