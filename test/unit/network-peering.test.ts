import { describe, expect, it } from 'vitest';
import type { Provider } from '../../lib/atlas';
import { LAST_PEER_SETTING, UnprovenNotFoundError, kindOf, type Observation, type ResourceRef } from '../../lib/kinds';
import { FakeAtlas, atlasError, ok, page, proxy404, route } from '../support/fake-atlas';

const peers = kindOf('networkPeering');
const P = 'a'.repeat(24);
const GOING = 'b'.repeat(24);
const OTHER = 'c'.repeat(24);
const SG = 'sg-0123456789abcdef0';

const ref = (id: string, provider: Provider = 'AWS'): ResourceRef => ({ projectId: P, kind: 'networkPeering', provider, ids: { peerId: id } });
const awsPeer = (id: string, statusName: string) => ({ id, containerId: 'f'.repeat(24), providerName: 'AWS', statusName });
const seenPeer = (id: string, state: string, provider: Provider = 'AWS', found = true): Observation => ({ ref: ref(id, provider), id, found, state, fields: {} });

/** A project whose access list holds `entries`. */
const withAccessList = (entries: object[]) => new FakeAtlas().on('GET', route.accessList(P), page(entries));

describe('networkPeering.sideEffectOf: the last AWS peer', () => {
  it('names the security groups that go with the last AWS peer, and the setting that allows it', async () => {
    const atlas = withAccessList([{ awsSecurityGroup: SG, comment: 'app servers' }, { awsSecurityGroup: 'sg-0123456789abcdef1' }, { cidrBlock: '10.0.0.0/16' }]);

    const effect = await peers.sideEffectOf!(atlas.context(), P, [ref(GOING)], [seenPeer(GOING, 'FAILED')]);

    expect(effect).toEqual({
      setting: LAST_PEER_SETTING,
      affects: [GOING],
      description: `deleting the project's last AWS peer also removes 2 AWS security group(s) from its IP access list: ${SG} ("app servers"), sg-0123456789abcdef1`,
    });
  });

  it('has none while another AWS peer stays, and then never reads the access list', async () => {
    const atlas = withAccessList([{ awsSecurityGroup: SG }]);

    const effect = await peers.sideEffectOf!(atlas.context(), P, [ref(GOING)], [seenPeer(GOING, 'FAILED'), seenPeer(OTHER, 'AVAILABLE')]);

    expect(effect).toBeUndefined();
    expect(atlas.requests).toEqual([]);
  });

  it.each([
    ['is being deleted (TERMINATING)', seenPeer(OTHER, 'TERMINATING')],
    ['is being deleted (DELETING)', seenPeer(OTHER, 'DELETING')],
    ['was not found', seenPeer(OTHER, 'NOT_FOUND', 'AWS', false)],
    ['is an Azure peer', seenPeer(OTHER, 'AVAILABLE', 'AZURE')],
    ['is a GCP peer', seenPeer(OTHER, 'AVAILABLE', 'GCP')],
  ])('counts the peer going as the last when the only other one %s', async (_what, other) => {
    const atlas = withAccessList([{ awsSecurityGroup: SG }]);

    const effect = await peers.sideEffectOf!(atlas.context(), P, [ref(GOING)], [seenPeer(GOING, 'FAILED'), other]);

    expect(effect?.affects).toEqual([GOING]);
  });

  it('counts two AWS peers going together as the last ones, and names both', async () => {
    const atlas = withAccessList([{ awsSecurityGroup: SG }]);

    const effect = await peers.sideEffectOf!(atlas.context(), P, [ref(GOING), ref(OTHER)], [seenPeer(GOING, 'FAILED'), seenPeer(OTHER, 'FAILED')]);

    expect(effect?.affects).toEqual([GOING, OTHER]);
  });

  it('has none when only Azure or GCP peers go, without reading anything', async () => {
    const atlas = withAccessList([{ awsSecurityGroup: SG }]);

    const effect = await peers.sideEffectOf!(atlas.context(), P, [ref(GOING, 'AZURE'), ref(OTHER, 'GCP')]);

    expect(effect).toBeUndefined();
    expect(atlas.requests).toEqual([]);
  });

  it('has none when the access list holds no security group', async () => {
    const atlas = withAccessList([{ cidrBlock: '10.0.0.0/16', comment: 'office' }]);

    expect(await peers.sideEffectOf!(atlas.context(), P, [ref(GOING)], [seenPeer(GOING, 'FAILED')])).toBeUndefined();
  });

  it.each([
    ['v2', route.peers(P)],
    ['v1', route.v1Peers(P)],
  ] as const)('reads the AWS peers itself (%s) when the caller saw none', async (generation, listRoute) => {
    const listed = (others: object[]) =>
      withAccessList([{ awsSecurityGroup: SG }]).on('GET', listRoute, (q) => (q.get('providerName') === 'AWS' ? page([awsPeer(GOING, 'FAILED'), ...others]) : page([])));

    const last = listed([]);
    const notLast = listed([awsPeer(OTHER, 'AVAILABLE')]);

    expect((await peers.sideEffectOf!(last.context(generation), P, [ref(GOING)]))?.affects).toEqual([GOING]);
    expect(await peers.sideEffectOf!(notLast.context(generation), P, [ref(GOING)])).toBeUndefined();
    expect(last.count('GET', listRoute)).toBe(1);
  });
});

describe('networkPeering reads', () => {
  it('reads a peer by id through v2, or v1.0 when configured', async () => {
    const atlas = new FakeAtlas().on('GET', route.peer(P, GOING), ok(awsPeer(GOING, 'FAILED'))).on('GET', route.v1Peer(P, GOING), ok(awsPeer(GOING, 'PENDING_ACCEPTANCE')));

    expect(await peers.get(atlas.context('v2'), ref(GOING))).toMatchObject({ id: GOING, found: true, state: 'FAILED', ref: ref(GOING) });
    expect(await peers.get(atlas.context('v1'), ref(GOING))).toMatchObject({ id: GOING, found: true, state: 'PENDING_ACCEPTANCE' });
  });

  it('is gone on PEER_NOT_FOUND once the project reads', async () => {
    const atlas = new FakeAtlas().on('GET', route.peer(P, GOING), atlasError(404, 'PEER_NOT_FOUND')).on('GET', route.project(P), ok({ id: P, name: 'p', orgId: P }));

    expect(await peers.get(atlas.context(), ref(GOING))).toEqual({ ref: ref(GOING), id: GOING, found: false, state: 'NOT_FOUND', fields: {} });
    expect(atlas.count('GET', route.project(P))).toBe(1);
  });

  it('is not gone on PEER_NOT_FOUND when the project does not read', async () => {
    const atlas = new FakeAtlas().on('GET', route.peer(P, GOING), atlasError(404, 'PEER_NOT_FOUND')).on('GET', route.project(P), atlasError(404, 'GROUP_NOT_FOUND'));

    await expect(peers.get(atlas.context(), ref(GOING))).rejects.toThrow(/its parent could not be read/);
  });

  it.each([
    ['no Atlas body', proxy404],
    ["an endpoint's code", atlasError(404, 'PRIVATE_ENDPOINT_NOT_FOUND')],
    ["a stream link's code", atlasError(404, 'STREAM_PRIVATE_LINK_NOT_FOUND')],
    ['the generic code', atlasError(404, 'RESOURCE_NOT_FOUND')],
  ])('is not gone on a 404 with %s', async (_what, answer) => {
    const atlas = new FakeAtlas().on('GET', route.peer(P, GOING), answer).on('GET', route.project(P), ok({ id: P, name: 'p', orgId: P }));

    await expect(peers.get(atlas.context(), ref(GOING))).rejects.toBeInstanceOf(UnprovenNotFoundError);
  });

  it('lists the peers of every provider, each with the state field of its provider', async () => {
    const byProvider: Record<string, object[]> = {
      AWS: [awsPeer(GOING, 'FAILED'), { id: 'd'.repeat(24), containerId: 'x', providerName: 'AWS' }],
      AZURE: [{ id: OTHER, containerId: 'x', providerName: 'AZURE', status: 'WAITING_FOR_USER', statusName: 'IGNORED' }],
      // A peer whose provider is not given is the provider it was listed under.
      GCP: [{ id: 'e'.repeat(24), containerId: 'x', status: 'FAILED' }],
    };
    const atlas = new FakeAtlas().on('GET', route.peers(P), (q) => page(byProvider[q.get('providerName')!]!));

    const listed = await peers.list(atlas.context(), P);

    expect(listed.map((o) => [o.id, o.ref.provider, o.state, o.found])).toEqual([
      [GOING, 'AWS', 'FAILED', true],
      ['d'.repeat(24), 'AWS', 'UNKNOWN', true],
      [OTHER, 'AZURE', 'WAITING_FOR_USER', true],
      ['e'.repeat(24), 'GCP', 'FAILED', true],
    ]);
    expect(listed[0]!.fields).toMatchObject(awsPeer(GOING, 'FAILED'));
  });

  it("takes a peer's own providerName over the list it came from, and AWS for a ref that names none", async () => {
    const atlas = new FakeAtlas()
      .on('GET', route.peers(P), (q) => page(q.get('providerName') === 'AWS' ? [{ id: OTHER, containerId: 'x', providerName: 'GCP', status: 'FAILED', statusName: 'AVAILABLE' }] : []))
      .on('GET', route.peer(P, GOING), ok({ id: GOING, containerId: 'x', statusName: 'FAILED', status: 'AVAILABLE' }));

    expect((await peers.list(atlas.context(), P)).map((o) => [o.ref.provider, o.state])).toEqual([['GCP', 'FAILED']]);
    expect(await peers.get(atlas.context(), { projectId: P, kind: 'networkPeering', ids: { peerId: GOING } })).toMatchObject({ ref: ref(GOING, 'AWS'), state: 'FAILED' });
  });

  it('deletes through v2, or v1.0 when configured', async () => {
    const atlas = new FakeAtlas().on('DELETE', route.peer(P, GOING), ok()).on('DELETE', route.v1Peer(P, GOING), ok());

    await peers.delete(atlas.context('v2'), ref(GOING));
    await peers.delete(atlas.context('v1'), ref(GOING));

    expect(atlas.deletes).toEqual([route.peer(P, GOING), route.v1Peer(P, GOING)]);
  });

  it('refuses a ref without its peer id before any request', async () => {
    const atlas = new FakeAtlas();

    await expect(peers.get(atlas.context(), { ...ref(GOING), ids: {} })).rejects.toThrow('networkPeering ref needs ids.peerId');
    await expect(peers.delete(atlas.context(), { ...ref(GOING), ids: {} })).rejects.toThrow(TypeError);
    expect(atlas.requests).toEqual([]);
  });
});
