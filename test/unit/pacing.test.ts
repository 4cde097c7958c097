import { describe, expect, it } from 'vitest';
import { near } from '../support/near';
import { AtlasClient, AtlasTokenWaitError } from '../../lib/atlas';
import { Pacer, statedLimits, type EndpointSet, type PacedAnswer } from '../../lib/atlas/pacing';

const A = '5f1a2b3c4d5e6f7a8b9c0d1e';
const B = '6f1a2b3c4d5e6f7a8b9c0d1e';
const peers = (project: string) => `/api/atlas/v2/groups/${project}/peers`;
const streams = (project: string) => `/api/atlas/v2/groups/${project}/streams/privateLinkConnections`;

/** A pacer on a clock that only moves when somebody sleeps; `sleeps` records who waited how long. */
function pacer(sets: EndpointSet[] | undefined) {
  const clock = { now: 1_000_000 };
  const sleeps: number[] = [];
  const p = new Pacer({ now: () => clock.now, sleep: async (ms) => void (sleeps.push(ms), (clock.now += ms)) });
  const read = () => Promise.resolve(sets);
  const never = () => undefined;
  /** How long acquiring a permit for (GET, path) waited. */
  const wait = async (path: string) => {
    const before = clock.now;
    const permit = await p.acquire('GET', path, read, never);
    return { permit, waited: clock.now - before };
  };
  /** Acquires a permit for (GET, path) and settles it with a plain 200 at once; how long it waited. */
  const go = async (path: string) => {
    const { permit, waited } = await wait(path);
    permit.settle(answer(200));
    return waited;
  };
  return { pacer: p, clock, sleeps, wait, go, read };
}


const answer = (status: number, headers: Record<string, string> = {}, body?: unknown): PacedAnswer => ({ status, headers: new Headers(headers), body });
const refusal = (path: string, retryAfterS: number, capacity: number, refillRate: number, per: number) =>
  answer(429, { 'Retry-After': String(retryAfterS) }, {
    error: 429,
    errorCode: 'RATE_LIMITED_TOKEN_BUCKET',
    detail: `Rate limit exceeded for ${path.slice(1)}. Please retry after ${retryAfterS} seconds. Request capacity: ${capacity}. Refill rate: ${refillRate} per ${per} seconds.`,
    parameters: [path.slice(1), retryAfterS, capacity, refillRate, per],
  });

describe('statedLimits: what an answer says about its bucket', () => {
  it('reads a 429 body\'s parameters, else its detail, else only the headers; ignores what is not a positive number', () => {
    const body = { parameters: ['api/atlas/v2/orgs', 55, 10, 5, 60] };
    expect(statedLimits(429, new Headers(), body, 0)).toEqual({ limits: { capacity: 10, refillRate: 5, refillDurationSeconds: 60 }, capacity: 10, retryAfterMs: 55_000 });
    const detail = { detail: 'Rate limit exceeded for api/atlas/v2/orgs. Please retry after 3 seconds. Request capacity: 2. Refill rate: 1 per 2 seconds.' };
    expect(statedLimits(429, new Headers({ 'Retry-After': '4' }), detail, 0)).toEqual({ limits: { capacity: 2, refillRate: 1, refillDurationSeconds: 2 }, capacity: 2, retryAfterMs: 4000 });
    expect(statedLimits(429, new Headers({ 'RateLimit-Limit': '7' }), { parameters: ['x', 1, 0, 1, 1] }, 0)).toEqual({ capacity: 7 });
    expect(statedLimits(200, new Headers({ 'RateLimit-Limit': 'lots' }), body, 0)).toEqual({});
  });
});

describe('Pacer', () => {
  it('adopts the bucket a 429 describes for that endpoint in every project, and pauses only that project\'s', async () => {
    // /rateLimits publishes nothing: every endpoint starts from the fallback (10 tokens, 1 a second).
    const t = pacer(undefined);
    const first = await t.wait(peers(A));
    // Atlas: this endpoint's bucket holds 1 token and gets 1 back every 2 s; retry after 2 s.
    first.permit.settle(refusal(peers(A), 2, 1, 1, 2));
    // Project A's peers wait for the Retry-After; its streams (another endpoint) do not wait at all.
    expect(await t.go(streams(A))).toBe(0);
    expect(await t.go(peers(A))).toEqual(near(2000));
    // Project B's peers have a bucket of their own, with the limits Atlas stated: 1 token, then one per 2 s.
    expect(await t.go(peers(B))).toBe(0);
    expect(await t.go(peers(B))).toEqual(near(2000));
    // The fallback would have let ten through at once: B was never refused.
  });

  it('learns a capacity from RateLimit-Limit for the endpoint, never from a published set that agrees', async () => {
    const set: EndpointSet = { id: 'lists', scope: 'GROUP', endpoints: [{ method: 'GET', path: '/api/atlas/v2/groups/{groupId}/peers' }], capacity: 5, refillRate: 1, refillDurationSeconds: 1 };
    const t = pacer([set]);
    const one = await t.wait(peers(A));
    one.permit.settle(answer(200, { 'RateLimit-Limit': '5', 'RateLimit-Remaining': '4' }));
    expect(t.pacer.map!.learned.size).toBe(0);
    // Another project's answer says its bucket holds 2: the endpoint is paced to 2 tokens from now on.
    (await t.wait(peers(B))).permit.settle(answer(200, { 'RateLimit-Limit': '2', 'RateLimit-Remaining': '1' }));
    expect(t.pacer.map!.learned.size).toBe(1);
    const fresh = '7f1a2b3c4d5e6f7a8b9c0d1e';
    // 2 tokens: the third request of a fresh project waits for the refill.
    expect(await t.go(peers(fresh))).toBe(0);
    expect(await t.go(peers(fresh))).toBe(0);
    expect(await t.go(peers(fresh))).toEqual(near(1000));
  });

  it('a permit granted before its endpoint moved to a learned bucket is stale; one on another endpoint is not', async () => {
    const t = pacer(undefined);
    const early = await t.wait(peers(A));
    const other = await t.wait(streams(A));
    const teacher = await t.wait(peers(B));
    teacher.permit.settle(refusal(peers(B), 1, 2, 1, 1));
    expect([early.permit.stale, other.permit.stale]).toEqual([true, false]);
  });

  it('a request waiting for a token returns to its ticket after something unrelated was learned (no second ticket)', async () => {
    const t = pacer(undefined);
    // The fallback: 10 tokens, 1 a second.
    for (let i = 0; i < 10; i++) await t.go(peers(A));
    const waiting = t.pacer.acquire('GET', peers(A), t.read, () => undefined);
    (await t.wait(streams(B))).permit.settle(refusal(streams(B), 1, 1, 1, 1));
    (await waiting).settle(answer(200));
    // The eleventh peers request waited one refill; the next one waits for its own token only (1 s more).
    expect(await t.go(peers(A))).toBeLessThanOrEqual(1000);
  });
});

describe('tickets of requests that were never sent', () => {
  const set: EndpointSet = { id: 'lists', scope: 'GROUP', endpoints: [{ method: 'GET', path: '/api/atlas/v2/groups/{groupId}/peers' }], capacity: 1, refillRate: 1, refillDurationSeconds: 1 };
  /** Gives up after 50 looks: a ticket counted in flight for ever would otherwise wait for ever. */
  const patient = () => {
    let looks = 0;
    return () => (++looks > 50 ? new Error('still waiting after 50 looks') : undefined);
  };

  it('a request that gives up waiting (its deadline) gives its ticket back: the next one waits one refill, not two', async () => {
    const t = pacer([set]);
    // The first answer confirms the published capacity: no more probing.
    (await t.wait(peers(A))).permit.settle(answer(200, { 'RateLimit-Limit': '1', 'RateLimit-Remaining': '0' }));
    const inFlight = await t.wait(peers(A));
    expect(inFlight.waited).toEqual(near(1000));
    await expect(t.pacer.acquire('GET', peers(A), t.read, () => new Error('too late'))).rejects.toThrow('too late');
    inFlight.permit.settle(answer(200));
    const before = t.clock.now;
    (await t.pacer.acquire('GET', peers(A), t.read, patient())).settle(answer(200));
    expect(t.clock.now - before).toEqual(near(1000));
  });

  it('a permit dropped unsent (stale) gives its token to the next request at once', async () => {
    const t = pacer([set]);
    (await t.wait(peers(A))).permit.settle(answer(200, { 'RateLimit-Limit': '1', 'RateLimit-Remaining': '0' }));
    const unsent = await t.wait(peers(A));
    expect(unsent.waited).toEqual(near(1000));
    unsent.permit.drop();
    const before = t.clock.now;
    (await t.pacer.acquire('GET', peers(A), t.read, patient())).settle(answer(200));
    expect(t.clock.now - before).toEqual(near(0));
  });
});

describe('a bucket learned for a scope that already spent', () => {
  it('waits for the answers of the endpoint\'s requests still in flight in that scope, then starts from what they left', async () => {
    const clock = { now: 1_000_000 };
    const due: { at: number; run: () => void }[] = [];
    const sleep = async (ms: number) => {
      clock.now += ms;
      for (const d of due.splice(0)) if (clock.now >= d.at) d.run(); else due.push(d);
    };
    const p = new Pacer({ now: () => clock.now, sleep });
    const read = () => Promise.resolve(undefined);
    const never = () => undefined;
    // /rateLimits publishes nothing. Project A's first peers list confirms the fallback's 10 tokens
    // (no more probing); its second is on its way.
    (await p.acquire('GET', peers(A), read, never)).settle(answer(200, { 'RateLimit-Limit': '10' }));
    const inFlight = await p.acquire('GET', peers(A), read, never);
    // Project B's peers list is refused: the endpoint's bucket holds 2 and gets 1 back every 2 s.
    (await p.acquire('GET', peers(B), read, never)).settle(refusal(peers(B), 1, 2, 1, 2));
    const learnedAt = clock.now;
    // A's second list may still take A's last token at Atlas: it is answered 3 s on.
    due.push({ at: learnedAt + 3000, run: () => inFlight.settle(answer(200)) });
    const next = await p.acquire('GET', peers(A), read, never);
    // Not sent before that answer: a bucket that started empty when the endpoint was learned would have
    // let it go 2 s after, while the list in flight could still arrive first and take the token.
    expect(clock.now - learnedAt).toBeGreaterThanOrEqual(3000);
    // Then no longer than what the two answers left calls for: 2 spent, refilled 1 every 2 s from the first.
    expect(clock.now - learnedAt).toBeLessThan(3100);
    next.settle(answer(200));
  });

  it('does not count what the scope sent to its other endpoints: as far as anyone said, those are other sets', async () => {
    const t = pacer(undefined);
    // Project A's streams lists went through their own fallback bucket (the first confirms its 10 tokens).
    (await t.wait(streams(A))).permit.settle(answer(200, { 'RateLimit-Limit': '10' }));
    await t.go(streams(A));
    // B's peers list is refused: peers take from a bucket of 2, 1 back every 2 s.
    (await t.wait(peers(B))).permit.settle(refusal(peers(B), 1, 2, 1, 2));
    // A's peers bucket starts full: its first two lists go at once.
    expect([await t.go(peers(A)), await t.go(peers(A))]).toEqual([0, 0]);
  });
});

describe('probing an endpoint no answer has described', () => {
  it('sends its first requests one at a time until an answer describes its bucket, then lets the rest go together', async () => {
    const t = pacer(undefined);
    const granted: string[] = [];
    const first = await t.wait(peers(A));
    const later = [B, '7f1a2b3c4d5e6f7a8b9c0d1e'].map((p) => t.pacer.acquire('GET', peers(p), t.read, () => undefined).then((permit) => (granted.push(p), permit)));
    await new Promise((resolve) => setImmediate(resolve));
    expect(granted).toEqual([]);
    // The answer names the bucket whole (a 429 body): probing is over, both go.
    first.permit.settle(refusal(peers(A), 1, 3, 1, 1));
    await Promise.all(later);
    expect(granted).toHaveLength(2);
  });
});

describe('a request waiting for a token holds no sending slot', () => {
  it('with one slot, reads on other buckets all go while a request waits on its own empty bucket', async () => {
    const sets = [
      { endpointSetId: 'peers', scope: 'GROUP', endpoints: ['GET /api/atlas/v2/groups/{groupId}/peers'], capacity: 1, refillRate: 1, refillDurationSeconds: 1 },
      { endpointSetId: 'projects', scope: 'USER', endpoints: ['GET /api/atlas/v2/groups/{groupId}'], capacity: 1000, refillRate: 1000, refillDurationSeconds: 1 },
    ];
    const sent: string[] = [];
    const page = (body: unknown) => ({ status: 200, statusText: 'OK', ok: true, headers: new Headers(), text: () => Promise.resolve(JSON.stringify(body)) });
    const fetch = async (url: string) => {
      const path = new URL(url).pathname;
      sent.push(path);
      if (path.endsWith('/rateLimits')) return page({ results: sets, totalCount: sets.length });
      if (path.endsWith('/peers')) return page({ results: [], totalCount: 0 });
      return page({ id: path.split('/').at(-1), name: 'p', orgId: A, created: '2024-01-01T00:00:00Z' });
    };
    const atlas = new AtlasClient({ baseUrl: 'http://atlas.test', credentials: { type: 'apiKey', publicKey: 'pubkey01', privateKey: 'private' }, concurrency: 1, fetch });
    const order: string[] = [];
    const slow = ['AWS', 'AZURE'].map((p) => atlas.listPeers(A, p as 'AWS').then(() => order.push(`peers ${p}`)));
    const fast = Array.from({ length: 5 }, (_, i) => atlas.getProject(`${i}f1a2b3c4d5e6f7a8b9c0d1e`).then(() => order.push('project')));
    await Promise.all([...slow, ...fast]);
    // The second peers list waited about a second for its token, and all five reads went meanwhile.
    expect(order.at(-1)).toBe('peers AZURE');
    expect(order.filter((o) => o === 'project')).toHaveLength(5);
  });
});

describe('a caller\'s patience for tokens (maxTokenWaitMs)', () => {
  it('does not send a request whose token is further away than the caller waits: it fails saying how far', async () => {
    const sets = [{ endpointSetId: 'peers', scope: 'GROUP', endpoints: ['GET /api/atlas/v2/groups/{groupId}/peers'], capacity: 1, refillRate: 1, refillDurationSeconds: 5 }];
    const sent: string[] = [];
    const page = (body: unknown) => ({ status: 200, statusText: 'OK', ok: true, headers: new Headers(), text: () => Promise.resolve(JSON.stringify(body)) });
    const fetch = async (url: string) => {
      const path = new URL(url).pathname;
      sent.push(path);
      return page(path.endsWith('/rateLimits') ? { results: sets, totalCount: sets.length } : { results: [], totalCount: 0 });
    };
    const atlas = new AtlasClient({ baseUrl: 'http://atlas.test', credentials: { type: 'apiKey', publicKey: 'pubkey01', privateKey: 'private' }, fetch, maxTokenWaitMs: 1000 });
    await atlas.listPeers(A, 'AWS');
    const error = await atlas.listPeers(A, 'AZURE').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AtlasTokenWaitError);
    // The token is a refill away (5 s, counted from the first answer), far past the second of patience.
    expect((error as AtlasTokenWaitError).waitMs).toBeGreaterThan(4900);
    expect((error as AtlasTokenWaitError).message).toMatch(/^GET \/api\/atlas\/v2\/groups\/\w+\/peers not sent: .*waiting \d+ ms more for a token, longer than this caller waits \(1000 ms\)/);
    expect(sent.filter((p) => p.endsWith('/peers'))).toHaveLength(1);
    // Another project's bucket is not this one: its list goes at once.
    await atlas.listPeers(B, 'AWS');
    expect(sent.filter((p) => p.endsWith('/peers'))).toHaveLength(2);
  });
});

describe('a project another client just used (noteSpentUntil)', () => {
  const set: EndpointSet = { id: 'lists', scope: 'GROUP', endpoints: [{ method: 'GET', path: '/api/atlas/v2/groups/{groupId}/peers' }], capacity: 2, refillRate: 1, refillDurationSeconds: 2 };

  it('starts that project\'s bucket empty at that moment, refilled since; other projects and old notes start full', async () => {
    const t = pacer([set]);
    // The first answer confirms the published capacity (no more probing).
    (await t.wait(peers(B))).permit.settle(answer(200, { 'RateLimit-Limit': '2', 'RateLimit-Remaining': '1' }));
    t.pacer.noteSpentUntil(A, t.clock.now - 500);
    // Half a token came back in the 0.5 s since: the first request waits for the rest (1.5 s).
    expect(await t.go(peers(A))).toEqual(near(1500));
    const old = '7f1a2b3c4d5e6f7a8b9c0d1e';
    t.pacer.noteSpentUntil(old, t.clock.now - 60_000);
    expect([await t.go(peers(old)), await t.go(peers(old))]).toEqual([0, 0]);
  });
});
