import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { AtlasApiError, AtlasClient } from '../../lib/atlas';
import { APACHE_MISSING, apacheAvailable, startApacheDigest, type ApacheDigestServer } from '../support/apache-digest';

const project = (n: number) => ({ id: n.toString(16).padStart(24, 'a'), name: `p${n}`, orgId: 'b'.repeat(24) });

const available = apacheAvailable();
// Where apache2 is absent the skip says so in the test's name (the closing line lists skipped tests).
const title = available ? 'Digest against Apache mod_auth_digest' : `Digest against Apache mod_auth_digest (skipped: ${APACHE_MISSING})`;

describe.skipIf(!available)(title, () => {
  let apache: ApacheDigestServer;

  beforeAll(async () => {
    apache = await startApacheDigest({
      realm: 'MMS Public API',
      users: { pubkey01: 'priv-9f1c2e7a' },
      files: { 'api/atlas/v2/groups': { results: [project(1), project(2)], totalCount: 2, links: [] } },
    });
  });
  afterAll(() => apache?.stop());

  it('authenticates, then reuses the nonce so six calls (the rate-limits read and five lists) cost one challenge', async () => {
    const atlas = new AtlasClient({ baseUrl: apache.url, credentials: { type: 'apiKey', publicKey: 'pubkey01', privateKey: 'priv-9f1c2e7a' } });
    const logged = apache.statuses().length;

    const lists = await Promise.all(Array.from({ length: 5 }, () => atlas.listProjects()));

    expect(lists.map((l) => l.map((p) => p.name))).toEqual(Array(5).fill(['p1', 'p2']));
    // The client's first request reads the published rate limits; Apache has none (404), so it paces with
    // its fallback buckets. The challenge is paid once, by that first request.
    expect(atlas.stats.requests).toBe(7);
    expect(atlas.stats.authRoundTrips).toBe(1);
    // Apache writes its access log after it answers: the last line may land a moment after the answer.
    await vi.waitFor(() => expect(apache.statuses().slice(logged)).toEqual([401, 404, 200, 200, 200, 200, 200]), { timeout: 2_000 });
  });

  it('surfaces a wrong private key as a 401 after one challenge, without the key in the message', async () => {
    const atlas = new AtlasClient({ baseUrl: apache.url, credentials: { type: 'apiKey', publicKey: 'pubkey01', privateKey: 'not-the-key' } });

    const error = await atlas.listProjects().catch((e: unknown) => e);

    expect(error).toBeInstanceOf(AtlasApiError);
    expect((error as AtlasApiError).status).toBe(401);
    expect((error as AtlasApiError).message).not.toContain('not-the-key');
    // The challenge and the refusal of the client's first request (its read of the published rate
    // limits, which falls back on a refusal), then the call's own refusal: no second challenge.
    expect(atlas.stats.requests).toBe(3);
    expect(atlas.stats.authRoundTrips).toBe(1);
  });
});
