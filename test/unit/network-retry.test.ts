import { describe, expect, it } from 'vitest';
import { AtlasClient, AtlasNetworkError, clearAuthCaches } from '../../lib/atlas';
import type { HttpCall } from '../../lib/atlas/http';

/** A transport seam that fails the first `failures` calls with a network error code, then answers a page. */
function flaky(code: string, failures: number): { call: HttpCall; calls: () => number } {
  let calls = 0;
  const call: HttpCall = async () => {
    calls++;
    if (calls <= failures) throw Object.assign(new TypeError('request failed'), { cause: { code } });
    const body = JSON.stringify({ links: [], results: [], totalCount: 0 });
    return { status: 200, statusText: 'OK', ok: true, headers: new Headers({ 'content-type': 'application/vnd.atlas.2023-01-01+json' }), text: async () => body };
  };
  return { call, calls: () => calls };
}

const client = (fetch: HttpCall, maxAttempts = 4) => {
  clearAuthCaches();
  return new AtlasClient({
    baseUrl: 'https://atlas.invalid',
    credentials: { type: 'apiKey', publicKey: 'abcdefgh', privateKey: 'secret' },
    fetch,
    retry: { maxAttempts, baseDelayMs: 1 },
    sleep: async () => undefined,
  });
};

describe('network failures are transient', () => {
  it.each([
    ['a refused connection', 'ECONNREFUSED', 'refused'],
    ['a reset connection', 'ECONNRESET', 'reset'],
    ['a failed DNS lookup', 'ENOTFOUND', 'dns'],
    ['a DNS lookup that timed out', 'EAI_AGAIN', 'dns'],
  ])('retries %s in the invocation, like a 503', async (_what, code, failure) => {
    const seam = flaky(code, 2);
    // The Digest priming request is the first to go out: it fails twice, then the page comes back 200.
    await expect(client(seam.call).listOrganizations()).resolves.toEqual([]);
    expect(seam.calls()).toBe(3);
    const error = await client(flaky(code, 99).call, 2).listOrganizations().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AtlasNetworkError);
    expect(error).toMatchObject({ failure, retryable: true, attempts: 2, giveUpReason: 'attempts' });
  });
});
