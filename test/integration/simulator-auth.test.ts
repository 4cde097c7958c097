import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIGEST_REALM, startSimulator, type Simulator } from '../../tools/simulator';
import { digestAuthorization, parseChallenge } from '../support/sim-digest';
import { BearerSession, DEMO_SCENARIO_PATH, DigestSession, demoKeys, demoProject, fetchToken, simFetch, V2_ACCEPT } from '../support/sim-http';

const NONCE_TTL_MS = 60_000;
const key = demoKeys.allOrgs;
const payments = demoProject('payments-prod');
const groupPath = `/api/atlas/v2/groups/${payments.id}`;

let sim: Simulator;
let clock = 1_750_000_000_000;

beforeAll(async () => {
  sim = await startSimulator({ scenario: DEMO_SCENARIO_PATH, nonceTtlMs: NONCE_TTL_MS, tokenTtlSeconds: 600, now: () => clock });
});
afterAll(() => sim.stop());

async function challenge(path = groupPath): Promise<Record<string, string>> {
  const res = await simFetch(sim.url + path, { headers: { Accept: V2_ACCEPT } });
  expect(res.status).toBe(401);
  return parseChallenge(res.headers.get('www-authenticate'));
}

function signed(c: Record<string, string>, nc: number, opts: { password?: string; uri?: string; username?: string } = {}) {
  return {
    Accept: V2_ACCEPT,
    Authorization: digestAuthorization({
      username: opts.username ?? key.publicKey,
      password: opts.password ?? key.privateKey,
      method: 'GET',
      uri: opts.uri ?? groupPath,
      realm: c.realm!,
      nonce: c.nonce!,
      nc,
    }),
  };
}

describe('digest authentication', () => {
  it('challenges an unauthenticated request the way Atlas does', async () => {
    const res = await simFetch(sim.url + groupPath, { headers: { Accept: V2_ACCEPT } });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Digest realm="MMS Public API", domain="", nonce="[^"]+", algorithm=MD5, qop="auth", stale=false$/);
    expect(res.body).toMatchObject({ error: 401, errorCode: 'UNAUTHORIZED', reason: 'Unauthorized' });
    expect(res.headers.get('content-type')).toBe('application/json');
  });

  it('answers 200 for the right key and 401 for a wrong private key or an unknown public key', async () => {
    const c = await challenge();
    expect(c.realm).toBe(DIGEST_REALM);
    const ok = await simFetch(sim.url + groupPath, { headers: signed(c, 1) });
    expect(ok.status).toBe(200);
    expect(ok.body.id).toBe(payments.id);

    const wrong = await simFetch(sim.url + groupPath, { headers: signed(c, 2, { password: 'not-the-key' }) });
    expect(wrong.status).toBe(401);
    expect(wrong.body.errorCode).toBe('UNAUTHORIZED');
    expect(parseChallenge(wrong.headers.get('www-authenticate')).stale).toBe('false');
    const unknownUser = await simFetch(sim.url + groupPath, { headers: signed(c, 3, { username: 'zzzzzzzz' }) });
    expect(unknownUser.status).toBe(401);
  });

  it('reuses one nonce with increasing nc, accepts out-of-order counts, and rejects a replayed nc', async () => {
    const c = await challenge();
    for (const nc of [1, 2, 3, 5, 4]) expect((await simFetch(sim.url + groupPath, { headers: signed(c, nc) })).status).toBe(200);
    const replay = await simFetch(sim.url + groupPath, { headers: signed(c, 3) });
    expect(replay.status).toBe(401);
    expect(replay.body.detail).toMatch(/replay/);
    expect(parseChallenge(replay.headers.get('www-authenticate')).stale).toBe('false');
  });

  it('rejects a digest whose uri is not the request target', async () => {
    const c = await challenge();
    const res = await simFetch(`${sim.url}${groupPath}/peers`, { headers: signed(c, 1, { uri: groupPath }) });
    expect(res.status).toBe(401);
  });

  it('answers stale=true with a fresh nonce for an expired nonce when the hash is right, stale=false when it is not', async () => {
    const c = await challenge();
    clock += NONCE_TTL_MS + 1;
    const stale = await simFetch(sim.url + groupPath, { headers: signed(c, 1) });
    expect(stale.status).toBe(401);
    const fresh = parseChallenge(stale.headers.get('www-authenticate'));
    expect(fresh.stale).toBe('true');
    expect(fresh.nonce).not.toBe(c.nonce);
    expect((await simFetch(sim.url + groupPath, { headers: signed(fresh, 1) })).status).toBe(200);

    const wrongAndExpired = await simFetch(sim.url + groupPath, { headers: signed(c, 2, { password: 'nope' }) });
    expect(parseChallenge(wrongAndExpired.headers.get('www-authenticate')).stale).toBe('false');
  });

  it('answers stale=true for a nonce it never issued when the hash is right (e.g. after a restart)', async () => {
    const res = await simFetch(sim.url + groupPath, { headers: signed({ realm: DIGEST_REALM, nonce: 'from-another-simulator' }, 1) });
    expect(res.status).toBe(401);
    expect(parseChallenge(res.headers.get('www-authenticate')).stale).toBe('true');
  });

  it('interoperates with curl --digest: lists the demo projects', async () => {
    const out = await new Promise<{ code: number | null; stdout: string }>((resolve, reject) => {
      const curl = spawn('curl', ['-sS', '--digest', '-u', `${key.publicKey}:${key.privateKey}`, '-H', `Accept: ${V2_ACCEPT}`, `${sim.url}/api/atlas/v2/groups`]);
      let stdout = '';
      curl.stdout.on('data', (d) => (stdout += d));
      curl.on('error', reject);
      curl.on('close', (code) => resolve({ code, stdout }));
    });
    expect(out.code).toBe(0);
    const names = JSON.parse(out.stdout).results.map((g: { name: string }) => g.name);
    expect(names).toEqual(['payments-prod', 'payments-staging', 'data-lake', 'analytics-prod', 'streams-lab', 'sandbox']);
  });
});

describe('service-account OAuth', () => {
  const sa = demoKeys.serviceAccount;

  it('issues a Bearer token that authenticates API calls within its orgs', async () => {
    const issued = await fetchToken(sim.url, sa.clientId, sa.clientSecret);
    expect(issued.status).toBe(200);
    expect(issued.body).toEqual({ access_token: expect.any(String), token_type: 'Bearer', expires_in: 600 });
    const session = new BearerSession(sim.url, issued.body.access_token);
    const groups = await session.request('/api/atlas/v2/groups');
    expect(groups.status).toBe(200);
    expect(groups.body.results.map((g: { name: string }) => g.name)).toEqual(['payments-prod', 'payments-staging', 'data-lake']);
    const otherOrg = await session.request(`/api/atlas/v2/groups/${demoProject('sandbox').id}`);
    expect(otherOrg.status).toBe(403);
    expect(sim.log.at(-1)).toMatchObject({ principal: sa.clientId, requestHeaders: { authScheme: 'Bearer' } });
  });

  it('answers 401 INVALID_TOKEN once the token has expired, and for an unknown token', async () => {
    const issued = await fetchToken(sim.url, sa.clientId, sa.clientSecret);
    const session = new BearerSession(sim.url, issued.body.access_token);
    clock += 599_000;
    expect((await session.request(groupPath)).status).toBe(200);
    clock += 1_000;
    const expired = await session.request(groupPath);
    expect(expired.status).toBe(401);
    expect(expired.body).toMatchObject({ error: 401, errorCode: 'INVALID_TOKEN', reason: 'Unauthorized' });
    const unknown = await new BearerSession(sim.url, 'made-up').request(groupPath);
    expect(unknown.body.errorCode).toBe('INVALID_TOKEN');
  });

  it('refuses a wrong secret with invalid_client and a wrong grant type with unsupported_grant_type', async () => {
    const wrong = await fetchToken(sim.url, sa.clientId, 'mdb_sa_sk_wrong');
    expect(wrong.status).toBe(401);
    expect(wrong.body.error).toBe('invalid_client');
    const grant = await simFetch(`${sim.url}/api/oauth/token`, {
      method: 'POST',
      headers: { Authorization: `Basic ${Buffer.from(`${sa.clientId}:${sa.clientSecret}`).toString('base64')}` },
      body: 'grant_type=password',
    });
    expect(grant.status).toBe(400);
    expect(grant.body.error).toBe('unsupported_grant_type');
  });

  it('does not accept an API key through Basic auth on API routes', async () => {
    const res = await simFetch(sim.url + groupPath, {
      headers: { Accept: V2_ACCEPT, Authorization: `Basic ${Buffer.from(`${key.publicKey}:${key.privateKey}`).toString('base64')}` },
    });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Digest /);
  });

  it('a digest session keeps working across nonce expiry through stale=true', async () => {
    const session = new DigestSession(sim.url, key.publicKey, key.privateKey);
    expect((await session.request(groupPath)).status).toBe(200);
    clock += NONCE_TTL_MS;
    expect((await session.request(groupPath)).status).toBe(200);
  });
});
