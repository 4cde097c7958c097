import { describe, expect, it } from 'vitest';
import { near } from '../support/near';
import { BucketMap, FALLBACK_LIMITS, ScopeHistory, TokenBucket, endpointSetPageSchema, tokensAfter, type Bucket, type EndpointSet } from '../../lib/atlas/pacing';

const headers = (values: Record<string, string>) => new Headers(values);
const GROUP = '5f1a2b3c4d5e6f7a8b9c0d1e';
const OTHER_GROUP = '6f1a2b3c4d5e6f7a8b9c0d1e';


/** A request through the bucket: its ticket, and how long it must wait before it may be sent. */
function send(bucket: TokenBucket): number {
  return bucket.reserve();
}

describe('TokenBucket', () => {
  it('hands out its whole capacity at once, then one per refill interval counted from the answers, in arrival order', () => {
    let now = 0;
    const bucket = new TokenBucket({ capacity: 3, refillRate: 1, refillDurationSeconds: 1 }, () => now);
    expect([send(bucket), send(bucket), send(bucket)]).toEqual([0, 0, 0]);
    // The fourth and fifth wait for their own tokens: 1 s and 2 s away at the soonest.
    const fourth = bucket.take();
    const fifth = bucket.take();
    expect([bucket.waitFor(fourth), bucket.waitFor(fifth)]).toEqual([1000, 2000]);
    // Nothing answered yet: all three may still be on their way to Atlas, whose bucket starts its clock
    // at the first arrival. However long it rests, the bucket refills nothing until an answer comes.
    now = 60_000;
    expect(bucket.waitFor(fourth)).toBeGreaterThan(0);
    // The answers come back at 60 s: Atlas took the three tokens by then, and refills from there.
    for (let i = 0; i < 3; i++) bucket.settled(i + 1, true);
    expect(bucket.waitFor(fourth)).toEqual(near(1000));
    now = 61_005;
    expect([bucket.waitFor(fourth), bucket.waitFor(fifth)]).toEqual([0, near(995)]);
  });

  it('counts a request still in flight against the capacity, however long the bucket rested', () => {
    let now = 0;
    const bucket = new TokenBucket({ capacity: 2, refillRate: 1, refillDurationSeconds: 2 }, () => now);
    send(bucket);
    send(bucket);
    now = 500;
    bucket.settled(1, true); // the first answer at 0.5 s; the second request is still in flight
    now = 60_000;
    // Atlas may have refilled to 2 and not yet seen the second request: one token, not two.
    expect(bucket.tokens).toBeCloseTo(1);
    expect(bucket.idle).toBe(false);
    bucket.settled(2, true);
    expect(bucket.tokens).toBeCloseTo(1);
    now = 62_005;
    expect(bucket.tokens).toBeCloseTo(2);
    expect(bucket.idle).toBe(true);
  });

  it('refills from the moment of an answer, not of the sending (a slow answer delays the next token)', () => {
    let now = 0;
    const bucket = new TokenBucket({ capacity: 2, refillRate: 1, refillDurationSeconds: 2 }, () => now);
    send(bucket);
    send(bucket);
    now = 300;
    bucket.settled(1, true);
    bucket.settled(2, true);
    const third = bucket.take();
    // 2 s after the answers, not after the sending.
    expect(bucket.waitFor(third)).toEqual(near(2000));
    now = 2000;
    expect(bucket.waitFor(third)).toEqual(near(300));
  });

  it('a ticket further back giving up frees its token only when the bucket reaches it: the one ahead still waits for its own', () => {
    let now = 0;
    const bucket = new TokenBucket({ capacity: 2, refillRate: 1, refillDurationSeconds: 1 }, () => now);
    send(bucket);
    send(bucket);
    bucket.settled(1, true);
    bucket.settled(2, true);
    const third = bucket.take();
    const fourth = bucket.take();
    bucket.settled(fourth, false);
    // Atlas has no token for the third yet: it still waits its refill.
    expect(bucket.waitFor(third)).toEqual(near(1000));
    expect(bucket.dueIn(third)).toEqual(near(1000));
    // The fourth's token goes to the next ticket once the bucket reaches it: one refill after the third's, not two.
    const fifth = bucket.take();
    expect(bucket.waitFor(fifth)).toEqual(near(2000));
  });

  it('a 429 empties the bucket even for a request sent through another bucket before its endpoint moved here', () => {
    const bucket = new TokenBucket({ capacity: 3, refillRate: 1, refillDurationSeconds: 1 }, () => 0);
    expect(bucket.refused(2000, -1)).toBe(2000);
    expect(bucket.tokens).toBe(0);
    // It was no second try: the next refusal is still a first one as far as the backoff goes.
    expect(bucket.refused(1000)).toBe(1000);
  });

  it('says how far a ticket\'s token is, including a 429\'s pause, and that it cannot tell while it waits for earlier answers', () => {
    const bucket = new TokenBucket({ capacity: 1, refillRate: 1, refillDurationSeconds: 1 }, () => 0);
    bucket.refused(60_000);
    expect(bucket.dueIn(bucket.take())).toBe(60_000);
    const history = new ScopeHistory();
    history.open();
    const waiting = new TokenBucket({ capacity: 1, refillRate: 1, refillDurationSeconds: 1 }, () => 0);
    waiting.startFrom([history]);
    expect(waiting.dueIn(waiting.take())).toBeUndefined();
  });

  it('keeps no headroom in a bucket of one token', () => {
    const bucket = new TokenBucket({ capacity: 1, refillRate: 1, refillDurationSeconds: 2 }, () => 0);
    expect([bucket.reserve(), bucket.reserve()]).toEqual([0, 2000]);
  });

  it('refills at refillRate per refillDurationSeconds', () => {
    let now = 0;
    const bucket = new TokenBucket({ capacity: 10, refillRate: 5, refillDurationSeconds: 60 }, () => now);
    for (let i = 0; i < 10; i++) bucket.reserve();
    for (let i = 0; i < 10; i++) bucket.settled(i + 1, true);
    now = 12_000;
    expect(bucket.tokens).toBeCloseTo(1);
    now = 12_005;
    expect(bucket.reserve()).toBe(0);
    expect(bucket.reserve()).toEqual(near(11_995));
  });

  it('a 429 holds for Retry-After, and repeated 429s back off 10 s, 20 s, 40 s', () => {
    let now = 0;
    const bucket = new TokenBucket({ capacity: 100, refillRate: 100, refillDurationSeconds: 1 }, () => now);
    expect(bucket.refused(3000)).toBe(3000);
    expect(bucket.reserve()).toBe(3000);
    expect(bucket.refused(1000)).toBe(10_000);
    expect(bucket.refused(undefined)).toBe(20_000);
    expect(bucket.refused(25_000)).toBe(40_000);
    expect(bucket.pausedFor()).toBe(40_000);
    bucket.succeeded();
    now = 50_000;
    // After a success the run of refusals starts over.
    expect(bucket.refused(2000)).toBe(2000);
  });

  it('lets no more than its capacity go at once when a 429\'s pause ends, however many tickets waited through it', () => {
    let now = 0;
    const bucket = new TokenBucket({ capacity: 3, refillRate: 1, refillDurationSeconds: 1 }, () => now);
    const tickets = Array.from({ length: 10 }, () => bucket.take());
    expect(tickets.filter((t) => bucket.waitFor(t) === 0)).toEqual([1, 2, 3]);
    // Two answered, the third refused.
    bucket.settled(1, true);
    bucket.settled(2, true);
    bucket.settled(3, true);
    bucket.refused(1000);
    now = 60_000;
    // Atlas's bucket refilled to its capacity, no further: the three sent before, and three more.
    expect(tickets.filter((t) => bucket.waitFor(t) === 0)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('does not lengthen the backoff for a request that was already in flight when the first 429 came back', () => {
    const bucket = new TokenBucket({ capacity: 100, refillRate: 100, refillDurationSeconds: 1 }, () => 0);
    const inFlight = bucket.refusals;
    expect(bucket.refused(1000, inFlight)).toBe(1000);
    expect(bucket.refused(1000, inFlight)).toBe(1000);
    // A request sent after that refusal was a second try: the backoff grows.
    expect(bucket.refused(1000, bucket.refusals)).toBe(10_000);
  });

  it('lowers its tokens to RateLimit-Remaining past the requests sent (not those still waiting) but never raises them; ignores missing headers', () => {
    const now = 0;
    const bucket = new TokenBucket({ capacity: 10, refillRate: 1, refillDurationSeconds: 1 }, () => now);
    bucket.observe(headers({}));
    expect(bucket.tokens).toBe(10);
    // One request sent and answered with 3 left at Atlas: others spend this bucket too.
    send(bucket);
    bucket.settled(1, true);
    bucket.observe(headers({ 'RateLimit-Limit': '10', 'RateLimit-Remaining': '3' }));
    expect(bucket.tokens).toBe(3);
    // A ticket still waiting has taken nothing at Atlas: it does not lower the count a header gives.
    const waiting = bucket.take();
    bucket.observe(headers({ 'RateLimit-Remaining': '3' }));
    expect(bucket.waitFor(waiting)).toBe(0);
    bucket.observe(headers({ 'RateLimit-Remaining': '9' }));
    expect(bucket.tokens).toBe(2);
    bucket.observe(headers({ 'RateLimit-Remaining': 'soon' }));
    expect(bucket.tokens).toBe(2);
  });

  it('keeps its own limits whatever RateLimit-Limit says (the pacer adopts another bucket instead: pacer.test.ts)', () => {
    const guessed = new TokenBucket(FALLBACK_LIMITS, () => 0);
    const published = new TokenBucket({ capacity: 50, refillRate: 1, refillDurationSeconds: 1 }, () => 0);
    for (const b of [guessed, published]) b.observe(headers({ 'RateLimit-Limit': '4' }));
    expect([guessed.capacity, published.capacity]).toEqual([FALLBACK_LIMITS.capacity, 50]);
  });
});

describe('tokensAfter: what earlier answers leave of a bucket', () => {
  const perMs = 1 / 2000; // 1 token every 2 s
  const at = (...times: number[]) => times.map((t) => ({ at: t, refused: false }));

  it('counts the requests answered as spent, refilled from each answer, never above the capacity', () => {
    expect(tokensAfter([], false, 2, perMs, 0)).toBe(2);
    expect(tokensAfter(at(0, 0), false, 2, perMs, 0)).toBe(0);
    expect(tokensAfter(at(0, 0), false, 2, perMs, 2000)).toBeCloseTo(1);
    expect(tokensAfter(at(0, 0), false, 2, perMs, 60_000)).toBe(2);
    // One answered long ago, one just now: the bucket refilled to 2 meanwhile, then gave one.
    expect(tokensAfter(at(0, 60_000), false, 2, perMs, 60_000)).toBeCloseTo(1);
  });

  it('assumes the bucket empty at the first answer kept when older ones were dropped', () => {
    expect(tokensAfter(at(10_000), true, 2, perMs, 10_000)).toBe(0);
    expect(tokensAfter(at(10_000), true, 2, perMs, 14_000)).toBeCloseTo(1);
    expect(tokensAfter(at(10_000), false, 2, perMs, 10_000)).toBe(1);
  });

  it('takes a 429 for what Atlas said: the bucket empty then, whoever spent it', () => {
    // One request, refused: counted as a request it would leave 1 token; Atlas said there were none.
    expect(tokensAfter([{ at: 0, refused: true }], false, 2, perMs, 0)).toBe(0);
    expect(tokensAfter([{ at: 0, refused: true }], false, 2, perMs, 2000)).toBeCloseTo(1);
  });
});

/** The buckets a BucketMap builds without a lease store are plain TokenBuckets. */
function plain(bucket: Bucket): TokenBucket {
  if (!(bucket instanceof TokenBucket)) throw new Error('expected a plain TokenBucket');
  return bucket;
}

describe('BucketMap', () => {
  const sets: EndpointSet[] = [
    { id: 'peers', scope: 'GROUP', endpoints: [{ method: 'GET', path: '/api/atlas/v2/groups/{groupId}/peers' }], capacity: 2, refillRate: 1, refillDurationSeconds: 1 },
    { id: 'projects', scope: 'USER', endpoints: [{ method: 'GET', path: '/api/atlas/v2/groups' }], capacity: 100, refillRate: 70, refillDurationSeconds: 60 },
    { id: 'orgs', scope: 'ORGANIZATION', endpoints: [{ method: 'GET', path: '/api/atlas/v2/orgs/{orgId}/groups' }], capacity: 10, refillRate: 5, refillDurationSeconds: 60 },
  ];

  it('maps a request to its set by method and path template, and GROUP sets to one bucket per project', () => {
    const b = new BucketMap(sets, { now: () => 0 });
    expect(b.keyFor('GET', `/api/atlas/v2/groups/${GROUP}/peers`)).toEqual({ setId: 'peers', scopeId: GROUP, published: true });
    expect(b.keyFor('GET', '/api/atlas/v2/groups')).toEqual({ setId: 'projects', scopeId: '*', published: true });
    expect(b.keyFor('GET', `/api/atlas/v2/orgs/${OTHER_GROUP}/groups`)).toEqual({ setId: 'orgs', scopeId: OTHER_GROUP, published: true });
    const one = plain(b.bucket(b.keyFor('GET', `/api/atlas/v2/groups/${GROUP}/peers`)));
    one.reserve();
    one.reserve();
    // The other project's bucket is untouched by the first one's spending.
    expect(plain(b.bucket(b.keyFor('GET', `/api/atlas/v2/groups/${OTHER_GROUP}/peers`))).reserve()).toBe(0);
    expect(one.reserve()).toBe(1000);
    expect(plain(b.bucket(b.keyFor('GET', '/api/atlas/v2/groups'))).reserve()).toBe(0);
  });

  it('gives a path no set names a fallback bucket of its own, per route and project', () => {
    const b = new BucketMap(sets, { now: () => 0 });
    const unknown = b.keyFor('DELETE', `/api/atlas/v2/groups/${GROUP}/peers/${OTHER_GROUP}`);
    expect(unknown).toEqual({ setId: 'unmapped DELETE /api/atlas/v2/groups/{id}/peers/{id}', scopeId: GROUP, published: false });
    expect(b.keyFor('GET', `/api/atlas/v1.0/groups/${GROUP}/peers`).published).toBe(false);
    const bucket = plain(b.bucket(unknown));
    expect(bucket.capacity).toBe(FALLBACK_LIMITS.capacity);
    // Spending the unknown path's bucket leaves the known set's bucket for that project alone.
    for (let i = 0; i < FALLBACK_LIMITS.capacity + 3; i++) bucket.reserve();
    expect(plain(b.bucket(b.keyFor('GET', `/api/atlas/v2/groups/${GROUP}/peers`))).reserve()).toBe(0);
  });

  it('drops idle buckets once there are many, keeps the ones still refilling', () => {
    let now = 0;
    const b = new BucketMap(sets, { now: () => now });
    const peers = (i: number) => plain(b.bucket(b.keyFor('GET', `/api/atlas/v2/groups/${i.toString(16).padStart(24, '0')}/peers`)));
    const answered = (bucket: TokenBucket) => (bucket.reserve(), bucket.settled(bucket.issued, true));
    for (let i = 0; i < 1023; i++) answered(peers(i));
    const busy = peers(5000);
    answered(busy);
    now = 10_000; // every bucket has refilled...
    answered(busy); // ...but this one was just used again
    expect(b.size).toBe(1024);
    peers(5001);
    expect(b.size).toBe(2);
    expect(peers(5000)).toBe(busy);
  });

  it('without published sets every path gets a fallback bucket', () => {
    const b = new BucketMap(undefined, { now: () => 0 });
    expect(b.published).toBe(false);
    expect(b.keyFor('GET', '/api/atlas/v2/groups').published).toBe(false);
  });

  it('divides USER, ORGANIZATION and IP buckets among the invocations that share them, never GROUP ones', () => {
    const b = new BucketMap(sets, { sharedBy: 5, now: () => 0 });
    expect(plain(b.bucket(b.keyFor('GET', '/api/atlas/v2/groups'))).capacity).toBe(20);
    expect(plain(b.bucket(b.keyFor('GET', `/api/atlas/v2/orgs/${GROUP}/groups`))).capacity).toBe(2);
    expect(plain(b.bucket(b.keyFor('GET', `/api/atlas/v2/groups/${GROUP}/peers`))).capacity).toBe(2);
  });
});

describe('the /rateLimits answer', () => {
  it('reads value objects, endpoint objects or strings, and refuses a set without positive numbers', () => {
    const page = endpointSetPageSchema.parse({
      results: [
        {
          endpointSetId: 'a',
          endpointSetName: 'A',
          scope: 'GROUP',
          endpoints: [{ method: 'get', path: '/x/{groupId}' }, 'DELETE /y'],
          capacity: { value: 4, defaultValue: 10 },
          refillRate: { value: 2 },
          refillDurationSeconds: { value: 60 },
        },
      ],
      totalCount: 1,
    });
    expect(page.results[0]).toEqual({ id: 'a', scope: 'GROUP', endpoints: [{ method: 'GET', path: '/x/{groupId}' }, { method: 'DELETE', path: '/y' }], capacity: 4, refillRate: 2, refillDurationSeconds: 60 });
    const bad = { endpointSetId: 'b', scope: 'GROUP', endpoints: [], capacity: { value: 0 }, refillRate: { value: 1 }, refillDurationSeconds: { value: 1 } };
    expect(endpointSetPageSchema.safeParse({ results: [bad] }).success).toBe(false);
    expect(endpointSetPageSchema.safeParse({ results: [{ ...bad, capacity: 1, scope: 'PLANET' }] }).success).toBe(false);
  });
});
