import { describe, expect, it } from 'vitest';
import { UnprovenNotFoundError, kindOf, type ResourceRef } from '../../lib/kinds';
import { FakeAtlas, atlasError, ok, page, proxy404, route } from '../support/fake-atlas';

const links = kindOf('streamsPrivateLink');
const P = 'a'.repeat(24);
const LINK = 'b'.repeat(24);

const ref = (provider?: 'AWS' | 'AZURE'): ResourceRef => ({ projectId: P, kind: 'streamsPrivateLink', provider, ids: { connectionId: LINK } });
const link = (state: string | undefined, provider = 'AWS') => ({ _id: LINK, provider, ...(state ? { state } : {}) });

describe('streamsPrivateLink reads', () => {
  it('reads a link with its state and the provider it names', async () => {
    const atlas = new FakeAtlas().on('GET', route.streamsLink(P, LINK), ok(link('FAILED')));

    expect(await links.get(atlas.context(), ref())).toEqual({ ref: ref('AWS'), id: LINK, found: true, state: 'FAILED', fields: link('FAILED') });
  });

  it('lists every link, a provider it does not know left out of the ref, a missing state UNKNOWN', async () => {
    const atlas = new FakeAtlas().on('GET', route.streamsLinks(P), page([link('DELETE_FAILED', 'AZURE'), { ...link(undefined, 'CONFLUENT'), _id: 'c'.repeat(24) }]));

    const listed = await links.list(atlas.context(), P);

    expect(listed.map((o) => [o.id, o.ref.provider, o.state, o.found])).toEqual([
      [LINK, 'AZURE', 'DELETE_FAILED', true],
      ['c'.repeat(24), undefined, 'UNKNOWN', true],
    ]);
  });

  it('is gone on STREAM_PRIVATE_LINK_NOT_FOUND once the project reads', async () => {
    const atlas = new FakeAtlas().on('GET', route.streamsLink(P, LINK), atlasError(404, 'STREAM_PRIVATE_LINK_NOT_FOUND')).on('GET', route.project(P), ok({ id: P, name: 'p', orgId: P }));

    expect(await links.get(atlas.context(), ref())).toEqual({ ref: ref(), id: LINK, found: false, state: 'NOT_FOUND', fields: {} });
  });

  it('is not gone on STREAM_PRIVATE_LINK_NOT_FOUND when the project does not read', async () => {
    const atlas = new FakeAtlas().on('GET', route.streamsLink(P, LINK), atlasError(404, 'STREAM_PRIVATE_LINK_NOT_FOUND')).on('GET', route.project(P), atlasError(404, 'GROUP_NOT_FOUND'));

    await expect(links.get(atlas.context(), ref())).rejects.toBeInstanceOf(UnprovenNotFoundError);
  });

  it.each([
    ['no Atlas body', proxy404],
    ["a peer's code", atlasError(404, 'PEER_NOT_FOUND')],
    ['the generic code', atlasError(404, 'RESOURCE_NOT_FOUND')],
  ])('is not gone on a 404 with %s', async (_what, answer) => {
    const atlas = new FakeAtlas().on('GET', route.streamsLink(P, LINK), answer).on('GET', route.project(P), ok({ id: P, name: 'p', orgId: P }));

    await expect(links.get(atlas.context(), ref())).rejects.toBeInstanceOf(UnprovenNotFoundError);
  });

  it('deletes a link by its id', async () => {
    const atlas = new FakeAtlas().on('DELETE', route.streamsLink(P, LINK), ok());

    await links.delete(atlas.context(), ref());

    expect(atlas.deletes).toEqual([route.streamsLink(P, LINK)]);
  });

  it('refuses a ref without its connection id before any request', async () => {
    const atlas = new FakeAtlas();

    await expect(links.get(atlas.context(), { ...ref(), ids: {} })).rejects.toThrow('streamsPrivateLink ref needs ids.connectionId');
    await expect(links.delete(atlas.context(), { ...ref(), ids: {} })).rejects.toThrow(TypeError);
    expect(atlas.requests).toEqual([]);
  });
});
