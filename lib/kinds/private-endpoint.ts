import { PROVIDERS, isEndpointId, type EndpointService, type Provider } from '../atlas';
import { describeError, fieldsOf, keep, remove } from './common';
import { SERVICE_GONE_CODES, endpointIdsOf, readService } from './endpoint-services';
import { projectParent, readOrGone } from './evidence';
import {
  AWS_ENDPOINT_REJECTED,
  DEAD_SERVICE_STATES,
  ENDPOINT_DELETING,
  ENDPOINT_FAILED,
  INVALID_ID,
  NOT_FOUND,
  READ_FAILED,
} from './states';
import type { Observation, ResourceKind, ResourceRef, ReadContext } from './types';

/** Private endpoints: AWS interface endpoints, Azure private endpoints, GCP endpoint groups. */
export const privateEndpoint: ResourceKind = {
  name: 'privateEndpoint',
  // Inferred from the scheme of the network access pages Atlas users share (`security/network/peering`), not documented.
  atlasUiPage: 'security/network/privateEndpoint',
  idFields: [
    { name: 'endpointServiceId', format: 'objectId' },
    { name: 'endpointId', format: 'endpointId' },
  ],
  needsProvider: true,
  deleteAfter: [],
  rules: [
    { name: 'rejected-aws-endpoint', why: 'AWS refused the VPC endpoint connection (REJECTED): it can never carry traffic.' },
    { name: 'orphaned-endpoint', why: 'Its endpoint service lists it but it is gone, or its service failed or is being deleted.' },
    { name: 'failed-endpoint', why: 'The Azure or GCP private endpoint is FAILED.' },
  ],
  deletingStates: new Set([ENDPOINT_DELETING]),
  alreadyDeletingCodes: new Set(['PRIVATE_ENDPOINT_ALREADY_DELETING']),
  goneCodes: new Set(['PRIVATE_ENDPOINT_NOT_FOUND']),
  hasDependentsCodes: new Set(),

  async list(ctx, projectId) {
    const perProvider = await Promise.all(
      PROVIDERS.map(async (provider) => {
        const services = await ctx.endpointServices(projectId, provider);
        const reads = services.flatMap((service) =>
          endpointIdsOf(service, provider).map((endpointId) => observeListed(ctx, projectId, provider, service, endpointId)),
        );
        return Promise.all(reads);
      }),
    );
    return perProvider.flat();
  },

  /**
   * Reads the service (is the endpoint still listed?) and the endpoint itself. A service proved gone takes
   * its endpoints with it; a 404 on the endpoint counts only with its service read just before.
   */
  async get(ctx, ref) {
    const provider = ref.provider ?? 'AWS';
    const { endpointServiceId, endpointId } = endpointIds(ref);
    const service = await readOrGone({ goneCodes: SERVICE_GONE_CODES }, () => readService(ctx, ref.projectId, provider, endpointServiceId), projectParent(ctx, ref.projectId), ctx.pauseBeforeRereading);
    if (!service) return { ref, id: endpointId, found: false, state: NOT_FOUND, fields: {} };
    const listed = endpointIdsOf(service, provider).includes(endpointId);
    const endpoint = await readOrGone(privateEndpoint, () => readEndpoint(ctx, ref.projectId, provider, endpointServiceId, endpointId), SERVICE_READ, ctx.pauseBeforeRereading);
    const parent = { id: service.id, status: service.status };
    if (!endpoint) return { ref, id: endpointId, found: listed, state: NOT_FOUND, fields: {}, parent };
    return { ref, id: endpointId, found: true, state: endpointState(provider, endpoint), fields: fieldsOf(endpoint), parent };
  },

  async delete(ctx, ref) {
    const provider = ref.provider ?? 'AWS';
    const { endpointServiceId, endpointId } = endpointIds(ref);
    if (ctx.apiGeneration === 'v1' && provider === 'AWS') {
      await ctx.atlas.v1DeleteInterfaceEndpoint(ref.projectId, endpointServiceId, endpointId);
    } else {
      await ctx.atlas.deleteEndpoint(ref.projectId, provider, endpointServiceId, endpointId);
    }
  },

  classify(o) {
    if (o.state === INVALID_ID) return keep('endpoint id has an unexpected format; it is never sent to Atlas');
    if (o.state === READ_FAILED) return keep(`could not be read: ${o.error?.message ?? 'unknown error'}`);
    if (!o.found) return keep('already gone');
    if (o.fields['deleteRequested'] === true || o.state === ENDPOINT_DELETING) return keep('already being deleted');
    if (o.parent && DEAD_SERVICE_STATES.has(o.parent.status)) {
      return remove('orphaned-endpoint', `its endpoint service ${o.parent.id} is ${o.parent.status}`);
    }
    if (o.state === NOT_FOUND) return remove('orphaned-endpoint', 'listed by its endpoint service but not found when read');
    const provider = o.ref.provider;
    if (provider === 'AWS' && o.state === AWS_ENDPOINT_REJECTED) {
      return remove('rejected-aws-endpoint', 'AWS rejected the interface endpoint connection (connectionStatus REJECTED)');
    }
    if (provider !== 'AWS' && o.state === ENDPOINT_FAILED) return remove('failed-endpoint', `${provider} endpoint status is FAILED`);
    return keep(`state ${o.state} is not a failure`);
  },
};

async function observeListed(
  ctx: ReadContext,
  projectId: string,
  provider: Provider,
  service: EndpointService,
  endpointId: string,
): Promise<Observation> {
  const ref: ResourceRef = { projectId, kind: 'privateEndpoint', provider, ids: { endpointServiceId: service.id, endpointId } };
  const parent = { id: service.id, status: service.status };
  if (!isEndpointId(provider, endpointId)) return { ref, id: endpointId, found: true, state: INVALID_ID, fields: {}, parent };
  // Endpoints of a dead service are orphans whatever their state, but they are read all the same: one
  // already being deleted must not be planned again.
  let endpoint: EndpointFields | undefined;
  try {
    endpoint = await readOrGone(privateEndpoint, () => readEndpoint(ctx, projectId, provider, service.id, endpointId), SERVICE_READ, ctx.pauseBeforeRereading);
  } catch (error) {
    // One unreadable endpoint must not hide the others of the project.
    return { ref, id: endpointId, found: true, state: READ_FAILED, fields: {}, parent, error: describeError(error) };
  }
  // Listed by its service, proved missing on read: the orphan case, still "found" as a listing. A 404 that
  // proves nothing (no Atlas body, another code) went to the catch above: kept as a failed read.
  if (!endpoint) return { ref, id: endpointId, found: true, state: NOT_FOUND, fields: {}, parent };
  return { ref, id: endpointId, found: true, state: endpointState(provider, endpoint), fields: fieldsOf(endpoint), parent };
}

/** An endpoint's parent, its service, was read (listed) in this same pass just before. */
const SERVICE_READ = (): Promise<void> => Promise.resolve();

type EndpointFields = { connectionStatus?: string | null | undefined; status?: string | null | undefined };

async function readEndpoint(ctx: ReadContext, projectId: string, provider: Provider, serviceId: string, endpointId: string): Promise<EndpointFields> {
  if (ctx.apiGeneration === 'v1' && provider === 'AWS') return ctx.atlas.v1GetInterfaceEndpoint(projectId, serviceId, endpointId);
  return ctx.atlas.getEndpoint(projectId, provider, serviceId, endpointId);
}

function endpointState(provider: Provider, endpoint: EndpointFields): string {
  return (provider === 'AWS' ? endpoint.connectionStatus : endpoint.status) ?? 'UNKNOWN';
}

function endpointIds(ref: ResourceRef): { endpointServiceId: string; endpointId: string } {
  const { endpointServiceId, endpointId } = ref.ids;
  if (!endpointServiceId || !endpointId) throw new TypeError('privateEndpoint ref needs ids.endpointServiceId and ids.endpointId');
  return { endpointServiceId, endpointId };
}
