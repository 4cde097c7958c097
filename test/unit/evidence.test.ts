import { describe, expect, it } from 'vitest';
import { AtlasApiError, AtlasClient, clearAuthCaches } from '../../lib/atlas';
import type { HttpCall } from '../../lib/atlas/http';
import { loadConfig } from '../../lib/config';
import { LAST_PEER_SETTING, UNPROVEN_404_ATTEMPTS, UnprovenNotFoundError, describeError, projectParent, readOrGone, whyNotEvidence, type Observation } from '../../lib/kinds';
import { suspectedApiFaults } from '../../lib/plan';
import { FakeAtlas, atlasError, ok, route } from '../support/fake-atlas';
import { observe } from '../support/observations';
import { createReadContext } from '../../lib/scan/read-context';

/** A client whose every request is answered with `status` and `body` (content type as given). */
function answering(status: number, body: string, contentType: string): AtlasClient {
  clearAuthCaches();
  const fetch: HttpCall = async () => ({ status, statusText: 'Not Found', ok: false, headers: new Headers({ 'content-type': contentType }), text: async () => body });
  return new AtlasClient({
    baseUrl: 'https://atlas.invalid',
    credentials: { type: 'serviceAccount', clientId: 'mdb_sa_id_x', clientSecret: 'mdb_sa_sk_x' },
    fetch,
    retry: { maxAttempts: 1 },
  });
}

const atlasBody = (code: string, status = 404) => JSON.stringify({ error: status, errorCode: code, reason: 'Not Found', detail: 'x', parameters: [] });
const PEER = { goneCodes: new Set(['PEER_NOT_FOUND']) };
const notFound = (fields: Partial<ConstructorParameters<typeof AtlasApiError>[0]>) => new AtlasApiError({ status: 404, errorCode: 'PEER_NOT_FOUND', operation: 'GET /x', atlasBody: true, ...fields });
const fail = (e: unknown) => () => Promise.reject(e);
const readable = () => Promise.resolve();
const noPause = () => Promise.resolve();

describe('the client tells an Atlas 404 from a bare one', () => {
  it.each([
    ['a proxy\'s HTML page', '<html><body>404 Not Found</body></html>', 'text/html', false, 'HTTP_404'],
    ['an empty body', '', 'text/plain', false, 'HTTP_404'],
    ['JSON without an errorCode', '{"message":"not here"}', 'application/json', false, 'HTTP_404'],
    ['JSON whose error status disagrees', atlasBody('PEER_NOT_FOUND', 500), 'application/json', false, 'PEER_NOT_FOUND'],
    ['an Atlas error body', atlasBody('PEER_NOT_FOUND'), 'application/json', true, 'PEER_NOT_FOUND'],
  ])('%s', async (_what, body, contentType, fromAtlas, code) => {
    const error = await answering(404, body, contentType).getPeer('a'.repeat(24), 'b'.repeat(24)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AtlasApiError);
    expect(error).toMatchObject({ status: 404, atlasBody: fromAtlas, errorCode: code });
  });
});

describe('readOrGone: gone only on positive evidence', () => {
  it('is gone with an Atlas body, the kind\'s code and the parent read', async () => {
    await expect(readOrGone(PEER, fail(notFound({})), readable, noPause)).resolves.toBeUndefined();
  });

  it.each([
    ['no Atlas body', notFound({ errorCode: 'HTTP_404', atlasBody: false }), /no Atlas error body/],
    ['the right code but no Atlas body', notFound({ atlasBody: false }), /no Atlas error body/],
    ['an unknown code', notFound({ errorCode: 'SOME_NEW_CODE' }), /SOME_NEW_CODE does not name a missing resource/],
    ['GROUP_NOT_FOUND', notFound({ errorCode: 'GROUP_NOT_FOUND' }), /GROUP_NOT_FOUND does not name/],
    ['the generic RESOURCE_NOT_FOUND (also a missing route)', notFound({ errorCode: 'RESOURCE_NOT_FOUND' }), /RESOURCE_NOT_FOUND does not name/],
  ])('%s is a failed read, retryable', async (_what, error, why) => {
    const caught = await readOrGone(PEER, fail(error), readable, noPause).catch((e: unknown) => e);
    expect(caught).toBeInstanceOf(UnprovenNotFoundError);
    expect(caught).toMatchObject({ retryable: true, status: 404, errorCode: error.errorCode, message: expect.stringMatching(why) });
  });

  it('is a failed read when the parent answers 404 too, and the parent\'s other failures keep their meaning', async () => {
    const parentGone = notFound({ errorCode: 'GROUP_NOT_FOUND' });
    await expect(readOrGone(PEER, fail(notFound({})), fail(parentGone), noPause)).rejects.toThrow(/its parent could not be read/);
    const refused = new AtlasApiError({ status: 401, errorCode: 'NOT_ORG_GROUP_CREATOR', operation: 'GET /groups/x', atlasBody: true });
    await expect(readOrGone(PEER, fail(notFound({})), fail(refused), noPause)).rejects.toBe(refused);
  });

  it('never asks for the parent when the read succeeds or the 404 proves nothing', async () => {
    let asked = 0;
    const parent = async () => void asked++;
    await readOrGone(PEER, async () => 'x', parent, noPause);
    await readOrGone(PEER, fail(notFound({ atlasBody: false })), parent, noPause).catch(() => undefined);
    expect(asked).toBe(0);
  });
});

describe('readOrGone: a 404 that proves nothing is read again before it is given up', () => {
  /** A read that answers each of `answers` in turn (an error is thrown), then the last one again. */
  function answers(...sequence: unknown[]) {
    let reads = 0;
    const read = async () => {
      const next = sequence[Math.min(reads++, sequence.length - 1)];
      if (next instanceof Error) throw next;
      return next;
    };
    return { read, reads: () => reads };
  }
  const bare = notFound({ errorCode: 'HTTP_404', atlasBody: false });

  it(`reads ${UNPROVEN_404_ATTEMPTS} times in all, pausing between, then gives up as a failed read`, async () => {
    const r = answers(bare);
    const pauses: number[] = [];

    const caught = await readOrGone(PEER, r.read, readable, async (attempt) => void pauses.push(attempt)).catch((e: unknown) => e);

    expect(caught).toBeInstanceOf(UnprovenNotFoundError);
    expect(r.reads()).toBe(UNPROVEN_404_ATTEMPTS);
    expect(pauses).toEqual(Array.from({ length: UNPROVEN_404_ATTEMPTS - 1 }, (_, i) => i + 1));
  });

  it('returns the resource when the read after a bare 404 finds it', async () => {
    const r = answers(bare, { id: 'p1', statusName: 'FAILED' });
    await expect(readOrGone(PEER, r.read, readable, noPause)).resolves.toEqual({ id: 'p1', statusName: 'FAILED' });
    expect(r.reads()).toBe(2);
  });

  it('is gone only when a later read brings the proof (the kind\'s code, the parent read)', async () => {
    let parentAsked = 0;
    const r = answers(notFound({ errorCode: 'GROUP_NOT_FOUND' }), notFound({}));
    await expect(readOrGone(PEER, r.read, async () => void parentAsked++, noPause)).resolves.toBeUndefined();
    expect([r.reads(), parentAsked]).toEqual([2, 1]);
  });

  it('never reads again after an answer that is not a 404', async () => {
    const refused = new AtlasApiError({ status: 401, errorCode: 'NOT_ORG_GROUP_CREATOR', operation: 'GET /x', atlasBody: true });
    const r = answers(bare, refused);
    await expect(readOrGone(PEER, r.read, readable, noPause)).rejects.toBe(refused);
    expect(r.reads()).toBe(2);
  });

  it('pauses between reads by the client\'s own backoff (a real clock, not a tight loop)', async () => {
    const ctx = createReadContext(new AtlasClient({ baseUrl: 'https://atlas.invalid', credentials: { type: 'serviceAccount', clientId: 'mdb_sa_id_x', clientSecret: 'mdb_sa_sk_x' }, retry: { baseDelayMs: 200 } }), 'v2');
    const r = answers(bare);
    const started = Date.now();
    await readOrGone(PEER, r.read, readable, ctx.pauseBeforeRereading).catch(() => undefined);
    // 100–200 ms, then 200–400 ms.
    expect(Date.now() - started).toBeGreaterThanOrEqual(295);
  });
});

describe('readOrGone: every other failure keeps its meaning', () => {
  it.each([
    ['a 503', new AtlasApiError({ status: 503, errorCode: 'SERVICE_UNAVAILABLE', operation: 'GET /x', atlasBody: true })],
    ['a 403', new AtlasApiError({ status: 403, errorCode: 'ORG_REQUIRES_ACCESS_LIST', operation: 'GET /x', atlasBody: true })],
    ['a 400 with a gone code', new AtlasApiError({ status: 400, errorCode: 'PEER_NOT_FOUND', operation: 'GET /x', atlasBody: true })],
    ['an error that is not an answer', new TypeError('bad ref')],
  ])('rethrows %s from the read as it is, without asking for the parent', async (_what, error) => {
    let asked = 0;

    await expect(readOrGone(PEER, fail(error), async () => void asked++, noPause)).rejects.toBe(error);
    expect(asked).toBe(0);
  });

  it.each([
    ['a 503', new AtlasApiError({ status: 503, errorCode: 'SERVICE_UNAVAILABLE', operation: 'GET /groups/x', atlasBody: true })],
    ['an error that is not an answer', new TypeError('socket closed')],
  ])('rethrows %s from the parent read as it is', async (_what, error) => {
    await expect(readOrGone(PEER, fail(notFound({})), fail(error), noPause)).rejects.toBe(error);
  });

  it('returns what the read returns, the parent unread', async () => {
    await expect(readOrGone(PEER, async () => ({ id: 'x' }), fail(new Error('not asked')), noPause)).resolves.toEqual({ id: 'x' });
  });

  it('says why a 404 is not evidence, and nothing when it is', () => {
    expect(whyNotEvidence(PEER, notFound({}))).toBeUndefined();
    expect(whyNotEvidence(PEER, notFound({ atlasBody: false }))).toBe('the answer carries no Atlas error body');
    expect(whyNotEvidence(PEER, notFound({ errorCode: 'GROUP_NOT_FOUND' }))).toBe('GROUP_NOT_FOUND does not name a missing resource of this kind');
  });

  it('keeps the code and operation of the 404 it stands for, and says why in its message', () => {
    const answer = notFound({ errorCode: 'HTTP_404', atlasBody: false, operation: 'GET /groups/a/peers/b' });

    const error = new UnprovenNotFoundError(answer, 'because');

    expect(error).toMatchObject({ name: 'UnprovenNotFoundError', retryable: true, status: 404, errorCode: 'HTTP_404', operation: 'GET /groups/a/peers/b' });
    expect(error.message).toBe(`${answer.message} (not evidence that it is gone: because)`);
  });
});

describe('projectParent: a resource whose parent is its project', () => {
  const P = 'a'.repeat(24);

  it('reads the project, once per pass', async () => {
    const atlas = new FakeAtlas().on('GET', route.project(P), ok({ id: P, name: 'p', orgId: P }));
    const parentRead = projectParent(atlas.context(), P);

    await parentRead();
    await parentRead();

    expect(atlas.requests).toEqual([`GET ${route.project(P)}`]);
  });

  it('rejects with what Atlas answered for the project', async () => {
    const atlas = new FakeAtlas().on('GET', route.project(P), atlasError(404, 'GROUP_NOT_FOUND'));

    await expect(projectParent(atlas.context(), P)()).rejects.toMatchObject({ status: 404, errorCode: 'GROUP_NOT_FOUND' });
  });

  it('does not read a project the sweep already read in this pass', async () => {
    const atlas = new FakeAtlas();

    await projectParent(atlas.context('v2', [P]), P)();

    expect(atlas.requests).toEqual([]);
  });
});

describe('describeError: what an observation keeps of a failed read', () => {
  it('marks a 404 that proved nothing, keeps an Atlas code, and keeps only the message of anything else', () => {
    const answer = notFound({ errorCode: 'HTTP_404', atlasBody: false });

    expect(describeError(new UnprovenNotFoundError(answer, 'x'))).toEqual({ message: expect.stringContaining('not evidence'), errorCode: 'HTTP_404', unprovenNotFound: true });
    expect(describeError(notFound({ status: 500, errorCode: 'UNEXPECTED_ERROR' }))).toEqual({ message: expect.any(String), errorCode: 'UNEXPECTED_ERROR' });
    expect(describeError(new Error('boom'))).toEqual({ message: 'boom' });
    expect(describeError('text')).toEqual({ message: 'text' });
  });
});

describe('the breaker', () => {
  const reads = (gone: number, live: number, projectId = 'a'.repeat(24)): Observation[] => [
    ...Array.from({ length: gone }, (_, i) => observe.endpoint('AWS', 'NOT_FOUND', { id: `vpce-gone${i}`, ref: { projectId, kind: 'privateEndpoint', provider: 'AWS', ids: { endpointServiceId: 'b'.repeat(24), endpointId: `vpce-gone${i}` } } })),
    ...Array.from({ length: live }, (_, i) => observe.endpoint('AWS', 'AVAILABLE', { id: `vpce-live${i}`, ref: { projectId, kind: 'privateEndpoint', provider: 'AWS', ids: { endpointServiceId: 'b'.repeat(24), endpointId: `vpce-live${i}` } } })),
  ];

  it.each([
    [2, 0, false], // most, but fewer than three
    [3, 3, false], // three, but not more than half
    [3, 2, true],
    [4, 0, true],
    [10, 9, true],
  ])('%i gone of %i more: trips = %s', (gone, live, trips) => {
    expect(suspectedApiFaults(reads(gone, live)).length > 0).toBe(trips);
  });

  it('counts per project and kind', () => {
    const faults = suspectedApiFaults([...reads(3, 0, 'a'.repeat(24)), ...reads(1, 5, 'f'.repeat(24)), observe.awsPeer('FAILED')]);
    expect(faults).toEqual([{ projectId: 'a'.repeat(24), kind: 'privateEndpoint', gone: 3, reads: 3, unproven: 0 }]);
  });

  it('trips on a single "gone" read beside a 404 that proved nothing in the same project and kind', () => {
    const projectId = 'a'.repeat(24);
    const unproven = observe.endpoint('AWS', 'READ_FAILED', {
      id: 'vpce-bare0',
      ref: { projectId, kind: 'privateEndpoint', provider: 'AWS', ids: { endpointServiceId: 'b'.repeat(24), endpointId: 'vpce-bare0' } },
      error: { message: 'GET … answered 404 (not evidence that it is gone: the answer carries no Atlas error body)', errorCode: 'HTTP_404', unprovenNotFound: true },
    });
    const otherFailure = { ...unproven, error: { message: 'GET … answered 500', errorCode: 'UNEXPECTED_ERROR' } };
    expect(suspectedApiFaults([...reads(1, 3, projectId), unproven])).toEqual([{ projectId, kind: 'privateEndpoint', gone: 1, reads: 5, unproven: 1 }]);
    // A 500 is a failed read, not a 404 that lies: one "gone" beside it stays evidence.
    expect(suspectedApiFaults([...reads(1, 3, projectId), otherFailure])).toEqual([]);
    // Nothing said gone: nothing to hold.
    expect(suspectedApiFaults([...reads(0, 3, projectId), unproven])).toEqual([]);
  });
});

describe(`${LAST_PEER_SETTING}`, () => {
  it('is off unless set to true, and refuses anything but true or false', () => {
    expect(loadConfig({}).allowedSideEffects.size).toBe(0);
    expect(loadConfig({ [LAST_PEER_SETTING]: '' }).allowedSideEffects.size).toBe(0);
    expect(loadConfig({ [LAST_PEER_SETTING]: 'true' }).allowedSideEffects).toEqual(new Set([LAST_PEER_SETTING]));
    expect(() => loadConfig({ [LAST_PEER_SETTING]: 'yes' })).toThrow(new RegExp(`${LAST_PEER_SETTING}.*must be true or false`));
  });
});
