import { describe, expect, it } from 'vitest';
import { BucketMap, FALLBACK_LIMITS, TokenBucket, endpointSetPageSchema, type Bucket, type EndpointSet } from '../../lib/atlas/pacing';

const headers = (values: Record<string, string>) => new Headers(values);
const GROUP = '5f1a2b3c4d5e6f7a8b9c0d1e';
const OTHER_GROUP = '6f1a2b3c4d5e6f7a8b9c0d1e';

describe('TokenBucket', () => {
  it('hands out its capacity less one token of headroom at once, then one per refill interval, in arrival order', () => {
    let now = 0;
    const bucket = new TokenBucket({ capacity: 3, refillRate: 1, refillDurationSeconds: 1 }, () => now);
    expect([bucket.reserve(), bucket.reserve()]).toEqual([0, 0]);
    // The third and fourth wait for their own tokens: 1 s and 2 s away.
    expect([bucket.reserve(), bucket.reserve()]).toEqual([1000, 2000]);
    now = 2000;
    expect(bucket.tokens).toBeCloseTo(0);
    now = 60_000;
    // Refill stops at the capacity (less the headroom) however long the bucket rested.
    expect(bucket.tokens).toBe(2);
  });

  it('keeps no headroom in a bucket of one token', () => {
    const bucket = new TokenBucket({ capacity: 1, refillRate: 1, refillDurationSeconds: 2 }, () => 0);
    expect([bucket.reserve(), bucket.reserve()]).toEqual([0, 2000]);
  });

  it('refills at refillRate per refillDurationSeconds', () => {
    let now = 0;
    const bucket = new TokenBucket({ capacity: 11, refillRate: 5, refillDurationSeconds: 60 }, () => now);
    for (let i = 0; i < 10; i++) bucket.reserve();
    now = 12_000;
    expect(bucket.tokens).toBeCloseTo(1);
    expect(bucket.reserve()).toBe(0);
    expect(bucket.reserve()).toBe(12_000);
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
    expect(tickets.filter((t) => bucket.waitFor(t) === 0)).toEqual([1, 2]);
    bucket.refused(1000);
    now = 60_000;
    // Atlas's bucket refilled to its capacity, no further: the two sent before, and two more (3, less the headroom).
    expect(tickets.filter((t) => bucket.waitFor(t) === 0)).toEqual([1, 2, 3, 4]);
  });

  it('does not lengthen the backoff for a request that was already in flight when the first 429 came back', () => {
    const bucket = new TokenBucket({ capacity: 100, refillRate: 100, refillDurationSeconds: 1 }, () => 0);
    const inFlight = bucket.refusals;
    expect(bucket.refused(1000, inFlight)).toBe(1000);
    expect(bucket.refused(1000, inFlight)).toBe(1000);
    // A request sent after that refusal was a second try: the backoff grows.
    expect(bucket.refused(1000, bucket.refusals)).toBe(10_000);
  });

  it('lowers its tokens to RateLimit-Remaining (less the headroom) but never raises them; ignores missing headers', () => {
    const now = 0;
    const bucket = new TokenBucket({ capacity: 10, refillRate: 1, refillDurationSeconds: 1 }, () => now);
    bucket.observe(headers({}));
    expect(bucket.tokens).toBe(9);
    bucket.observe(headers({ 'RateLimit-Limit': '10', 'RateLimit-Remaining': '3' }));
    expect(bucket.tokens).toBe(2);
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
    for (let i = 0; i < 1023; i++) peers(i).reserve();
    const busy = peers(5000);
    busy.reserve();
    now = 10_000; // every bucket has refilled...
    busy.reserve(); // ...but this one was just used again
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
