import { PROVIDERS, type Peer, type Provider } from '../atlas';
import { fieldsOf, keep, remove } from './common';
import { projectParent, readOrGone } from './evidence';
import {
  AWS_PEER_DEAD_ERROR_STATES,
  AWS_PEER_FAILED,
  AWS_PEER_TERMINATING,
  AWS_PEER_WAITING,
  PEER_WAITING,
  NOT_FOUND,
  PEER_DELETING,
  PEER_FAILED,
} from './states';
import type { Observation, ResourceKind, ResourceRef, ReadContext } from './types';

/** The setting that allows deleting a project's last AWS peer when its access list holds AWS security groups. */
export const LAST_PEER_SETTING = 'ALLOW_LAST_PEER_SECURITY_GROUP_REMOVAL';

/** Network peering connections (AWS, Azure, GCP). */
export const networkPeering: ResourceKind = {
  name: 'networkPeering',
  // A network access page: the URL Atlas users share.
  atlasUiPage: 'security/network/peering',
  idFields: [{ name: 'peerId', format: 'objectId' }],
  // Peers are read and deleted by id alone; the provider only picks the list.
  needsProvider: false,
  deleteAfter: [],
  rules: [
    { name: 'failed-aws-peer', why: 'The AWS peering connection is FAILED (rejected, expired after 7 days unaccepted, or invalid).' },
    { name: 'failed-peer', why: 'The Azure or GCP peering connection is FAILED.' },
    { name: 'pending-peer', age: true, why: 'A peering request nobody accepted, older than its grace period.' },
  ],
  deletingStates: new Set([AWS_PEER_TERMINATING, PEER_DELETING]),
  alreadyDeletingCodes: new Set(['PEER_ALREADY_REQUESTED_DELETION']),
  goneCodes: new Set(['PEER_NOT_FOUND']),
  hasDependentsCodes: new Set(),

  async list(ctx, projectId) {
    return (await Promise.all(PROVIDERS.map((provider) => listOf(ctx, projectId, provider)))).flat();
  },

  /**
   * Seed 003: deleting a project's last peering connection also removes the AWS security groups from its
   * IP access list. "Last" as the simulator's default reads it, the stricter one: no AWS peer left that
   * is not itself going or being deleted, whatever Azure or GCP peers remain. Only then is the access
   * list read (one call, paginated).
   */
  async sideEffectOf(ctx, projectId, going, seen) {
    const awsGoing = going.filter((ref) => ref.provider === 'AWS').map(peerId);
    if (awsGoing.length === 0) return undefined;
    const awsPeers = seen ? seen.filter((o) => o.ref.provider === 'AWS') : await listOf(ctx, projectId, 'AWS');
    const staying = awsPeers.filter((o) => o.found && !awsGoing.includes(o.id) && !networkPeering.deletingStates.has(o.state));
    if (staying.length > 0) return undefined;
    const groups = (await ctx.atlas.listAccessList(projectId)).filter((entry) => entry.awsSecurityGroup !== undefined);
    if (groups.length === 0) return undefined;
    const named = groups.map((g) => `${g.awsSecurityGroup}${g.comment ? ` ("${g.comment}")` : ''}`).join(', ');
    return {
      setting: LAST_PEER_SETTING,
      affects: awsGoing,
      description: `deleting the project's last AWS peer also removes ${groups.length} AWS security group(s) from its IP access list: ${named}`,
    };
  },

  async get(ctx, ref) {
    const provider = ref.provider ?? 'AWS';
    const id = peerId(ref);
    const read = () => (ctx.apiGeneration === 'v1' ? ctx.atlas.v1GetPeer(ref.projectId, id) : ctx.atlas.getPeer(ref.projectId, id));
    const peer = await readOrGone(networkPeering, read, projectParent(ctx, ref.projectId), ctx.pauseBeforeRereading);
    if (!peer) return { ref, id, found: false, state: NOT_FOUND, fields: {} };
    return observe(ref.projectId, provider, peer);
  },

  async delete(ctx, ref) {
    const id = peerId(ref);
    if (ctx.apiGeneration === 'v1') await ctx.atlas.v1DeletePeer(ref.projectId, id);
    else await ctx.atlas.deletePeer(ref.projectId, id);
  },

  classify(o) {
    if (!o.found) return keep('already gone');
    if (o.ref.provider === 'AWS') {
      if (o.state === AWS_PEER_TERMINATING) return keep('already being deleted');
      const errorState = o.fields['errorStateName'];
      const dead = typeof errorState === 'string' && AWS_PEER_DEAD_ERROR_STATES.has(errorState);
      // statusName decides: an error state next to AVAILABLE, INITIATING or PENDING_ACCEPTANCE is
      // transitional or stale, never a reason to delete a peer that is not FAILED.
      if (o.state === AWS_PEER_FAILED) {
        return remove('failed-aws-peer', dead ? `AWS peering request ended in ${errorState} (statusName FAILED)` : 'AWS peer statusName is FAILED');
      }
      if (o.state === AWS_PEER_WAITING) return remove('pending-peer', 'AWS peering request waiting for acceptance');
      return keep(`statusName ${o.state} is not a failure${dead ? ` (errorStateName ${errorState} noted)` : ''}`);
    }
    if (o.state === PEER_DELETING) return keep('already being deleted');
    if (o.state === PEER_FAILED) return remove('failed-peer', `${o.ref.provider} peer status is FAILED`);
    if (o.state === PEER_WAITING) return remove('pending-peer', `${o.ref.provider} peer waiting for the user (status ${PEER_WAITING})`);
    return keep(`status ${o.state} is not a failure`);
  },
};

async function listOf(ctx: ReadContext, projectId: string, provider: Provider): Promise<Observation[]> {
  const peers = ctx.apiGeneration === 'v1' ? await ctx.atlas.v1ListPeers(projectId, provider) : await ctx.atlas.listPeers(projectId, provider);
  return peers.map((peer) => observe(projectId, provider, peer));
}

function observe(projectId: string, listedAs: Provider, peer: Peer): Observation {
  const provider = (PROVIDERS as readonly string[]).includes(peer.providerName ?? '') ? (peer.providerName as Provider) : listedAs;
  const state = (provider === 'AWS' ? peer.statusName : peer.status) ?? 'UNKNOWN';
  return { ref: { projectId, kind: 'networkPeering', provider, ids: { peerId: peer.id } }, id: peer.id, found: true, state, fields: fieldsOf(peer) };
}

function peerId(ref: ResourceRef): string {
  const id = ref.ids['peerId'];
  if (!id) throw new TypeError('networkPeering ref needs ids.peerId');
  return id;
}
