import { PROVIDERS, type Provider, type StreamsPrivateLink } from '../atlas';
import { fieldsOf, keep, remove } from './common';
import { projectParent, readOrGone } from './evidence';
import { NOT_FOUND, STREAMS_DELETING_STATES, STREAMS_FAILED_STATES } from './states';
import type { Observation, ResourceKind, ResourceRef } from './types';

/** Stream Processing private link connections (v2 only; there is no v1.0 route). */
export const streamsPrivateLink: ResourceKind = {
  name: 'streamsPrivateLink',
  // Inferred from the scheme of the network access pages, not documented.
  atlasUiPage: 'streamProcessing',
  idFields: [{ name: 'connectionId', format: 'objectId' }],
  needsProvider: false,
  deleteAfter: [],
  rules: [{ name: 'failed-streams-private-link', why: 'The Stream Processing private link is FAILED or DELETE_FAILED.' }],
  deletingStates: STREAMS_DELETING_STATES,
  alreadyDeletingCodes: new Set(['STREAM_PRIVATE_LINK_ALREADY_DELETING']),
  goneCodes: new Set(['STREAM_PRIVATE_LINK_NOT_FOUND']),
  hasDependentsCodes: new Set(),

  async list(ctx, projectId) {
    return (await ctx.atlas.listStreamsPrivateLinks(projectId)).map((link) => observe(projectId, link));
  },

  async get(ctx, ref) {
    const id = connectionId(ref);
    const link = await readOrGone(streamsPrivateLink, () => ctx.atlas.getStreamsPrivateLink(ref.projectId, id), projectParent(ctx, ref.projectId), ctx.pauseBeforeRereading);
    if (!link) return { ref, id, found: false, state: NOT_FOUND, fields: {} };
    return observe(ref.projectId, link);
  },

  async delete(ctx, ref) {
    await ctx.atlas.deleteStreamsPrivateLink(ref.projectId, connectionId(ref));
  },

  classify(o) {
    if (!o.found) return keep('already gone');
    if (STREAMS_DELETING_STATES.has(o.state)) return keep('already being deleted');
    if (STREAMS_FAILED_STATES.has(o.state)) return remove('failed-streams-private-link', `connection state is ${o.state}`);
    return keep(`state ${o.state} is not a failure`);
  },
};

function observe(projectId: string, link: StreamsPrivateLink): Observation {
  const provider = (PROVIDERS as readonly string[]).includes(link.provider) ? (link.provider as Provider) : undefined;
  return {
    ref: { projectId, kind: 'streamsPrivateLink', provider, ids: { connectionId: link._id } },
    id: link._id,
    found: true,
    state: link.state ?? 'UNKNOWN',
    fields: fieldsOf(link),
  };
}

function connectionId(ref: ResourceRef): string {
  const id = ref.ids['connectionId'];
  if (!id) throw new TypeError('streamsPrivateLink ref needs ids.connectionId');
  return id;
}
