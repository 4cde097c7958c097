import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { AtlasApiError, AtlasClient } from '../../lib/atlas';
import { CredentialStore, CredentialsError, CredentialsRefusedError, credentialsFromEnvironment, parseSecret, withAtlas } from '../../lib/credentials';

const secretsManager = mockClient(SecretsManagerClient);
const SECRET = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:atlas/prod-AbCdEf';
const apiKey = (privateKey: string) => JSON.stringify({ publicKey: 'abcdefgh', privateKey });

function storeAt(time: { now: number }) {
  return new CredentialStore({ secretsManager: new SecretsManagerClient({}), ttlMs: 60_000, env: {}, now: () => time.now });
}

const unauthorized = () => new AtlasApiError({ status: 401, errorCode: 'UNAUTHORIZED', operation: 'GET /api/atlas/v2/groups' });

describe('CredentialStore', () => {
  beforeEach(() => secretsManager.reset());

  it('reads a secret once per TTL, however many callers ask', async () => {
    secretsManager.on(GetSecretValueCommand).resolves({ SecretString: apiKey('k1') });
    const time = { now: 0 };
    const store = storeAt(time);

    const first = await Promise.all([store.get(SECRET), store.get(SECRET), store.get(SECRET)]);
    time.now = 59_999;
    await store.get(SECRET);

    expect(secretsManager.commandCalls(GetSecretValueCommand)).toHaveLength(1);
    expect(first[0]!.credentials).toEqual({ type: 'apiKey', publicKey: 'abcdefgh', privateKey: 'k1' });
  });

  it('reads the secret again once the TTL has passed', async () => {
    secretsManager.on(GetSecretValueCommand).resolvesOnce({ SecretString: apiKey('k1') }).resolves({ SecretString: apiKey('k2') });
    const time = { now: 0 };
    const store = storeAt(time);

    await store.get(SECRET);
    time.now = 60_000;
    const later = await store.get(SECRET);

    expect(later.credentials).toMatchObject({ privateKey: 'k2' });
    expect(secretsManager.commandCalls(GetSecretValueCommand)).toHaveLength(2);
  });

  it('does not cache a failed read', async () => {
    secretsManager.on(GetSecretValueCommand).rejectsOnce(Object.assign(new Error('throttled'), { name: 'ThrottlingException' })).resolves({ SecretString: apiKey('k1') });
    const store = storeAt({ now: 0 });

    await expect(store.get(SECRET)).rejects.toThrow(/ThrottlingException/);
    await expect(store.get(SECRET)).resolves.toMatchObject({ source: SECRET });
  });
});

describe('withAtlas', () => {
  beforeEach(() => secretsManager.reset());
  /** A client whose credentials check (a request any valid key may make) refuses every key but 'new'. */
  const factory = (access: { credentials: unknown }) =>
    Object.assign(Object.create(AtlasClient.prototype), {
      access,
      verifyCredentials: async () => {
        if ((access.credentials as { privateKey: string }).privateKey !== 'new') throw unauthorized();
      },
    }) as AtlasClient;

  it('fetches a rotated secret again on 401 and retries the work once with it', async () => {
    secretsManager.on(GetSecretValueCommand).resolvesOnce({ SecretString: apiKey('old') }).resolves({ SecretString: apiKey('new') });
    const store = storeAt({ now: 0 });
    const used: string[] = [];

    const result = await withAtlas(store, SECRET, factory as never, async (_atlas, access) => {
      const key = (access.credentials as { privateKey: string }).privateKey;
      used.push(key);
      if (key === 'old') throw unauthorized();
      return 'scanned';
    });

    expect(result).toBe('scanned');
    expect(used).toEqual(['old', 'new']);
    expect(secretsManager.commandCalls(GetSecretValueCommand)).toHaveLength(2);
  });

  it('condemns the credentials when the secret did not change, naming the source and not the key', async () => {
    secretsManager.on(GetSecretValueCommand).resolves({ SecretString: apiKey('same') });
    const store = storeAt({ now: 0 });
    let runs = 0;

    const outcome = withAtlas(store, SECRET, factory as never, async () => {
      runs++;
      throw unauthorized();
    });

    await expect(outcome).rejects.toBeInstanceOf(CredentialsRefusedError);
    await expect(outcome).rejects.toThrow(`${SECRET}: Atlas refused the credentials (401 UNAUTHORIZED to GET /api/atlas/v2/groups)`);
    expect(runs).toBe(1);
    expect(secretsManager.commandCalls(GetSecretValueCommand)).toHaveLength(2);
  });

  it('passes a 401 about one project on as it is, without reading the secret again', async () => {
    secretsManager.on(GetSecretValueCommand).resolves({ SecretString: apiKey('new') });
    const store = storeAt({ now: 0 });
    const permission = new AtlasApiError({ status: 401, errorCode: 'NOT_ORG_GROUP_CREATOR', operation: 'GET /api/atlas/v2/groups/x/peers' });

    const outcome = withAtlas(store, SECRET, factory as never, async () => {
      throw permission;
    });

    await expect(outcome).rejects.toBe(permission);
    expect(secretsManager.commandCalls(GetSecretValueCommand)).toHaveLength(1);
  });

  it('condemns Service Account credentials the token endpoint refused, without another request', async () => {
    secretsManager.on(GetSecretValueCommand).resolves({ SecretString: apiKey('new') });
    const store = storeAt({ now: 0 });
    const tokenRefused = new AtlasApiError({ status: 401, errorCode: 'INVALID_SERVICE_ACCOUNT_CREDENTIALS', operation: 'POST /api/oauth/token' });

    await expect(withAtlas(store, SECRET, factory as never, async () => Promise.reject(tokenRefused))).rejects.toBeInstanceOf(CredentialsRefusedError);
  });
});

describe('parseSecret', () => {
  it('accepts an API key pair or a service account, with an optional base URL', () => {
    expect(parseSecret('s', apiKey('p')).credentials.type).toBe('apiKey');
    const sa = parseSecret('s', JSON.stringify({ clientId: 'mdb_sa_id_1', clientSecret: 'mdb_sa_sk_2', baseUrl: 'http://127.0.0.1:9999' }));
    expect(sa).toEqual({ credentials: { type: 'serviceAccount', clientId: 'mdb_sa_id_1', clientSecret: 'mdb_sa_sk_2' }, baseUrl: 'http://127.0.0.1:9999', source: 's' });
  });

  it.each([
    ['not JSON', 'privateKey=hunter2-secret', /not JSON/],
    ['an array', '["hunter2-secret"]', /JSON object/],
    ['a missing private key', JSON.stringify({ publicKey: 'hunter2-secret' }), /field privateKey/],
    ['an empty client secret', JSON.stringify({ clientId: 'hunter2-secret', clientSecret: '' }), /field clientSecret/],
    ['a bad base URL', JSON.stringify({ publicKey: 'a', privateKey: 'hunter2-secret', baseUrl: 'ftp://x' }), /field baseUrl: must be an http\(s\) URL/],
    ['a base URL with a password', JSON.stringify({ publicKey: 'a', privateKey: 'b', baseUrl: 'https://janitor:hunter2-secret@cloud.mongodb.com' }), /field baseUrl: must not contain user:password@/],
    ['a base URL with a user', JSON.stringify({ clientId: 'a', clientSecret: 'b', baseUrl: 'https://hunter2-secret@cloud.mongodb.com' }), /field baseUrl: must not contain user:password@/],
  ])('rejects %s with an error that names the problem and not the secret', (_name, secret, expected) => {
    let error: unknown;
    try {
      parseSecret(SECRET, secret);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(CredentialsError);
    expect((error as Error).message).toMatch(expected);
    expect((error as Error).message).not.toContain('hunter2-secret');
    expect(JSON.stringify(error)).not.toContain('hunter2-secret');
  });
});

describe('credentialsFromEnvironment', () => {
  it('reads the Atlas CLI variables', () => {
    const access = credentialsFromEnvironment({ MONGODB_ATLAS_PUBLIC_API_KEY: 'pub', MONGODB_ATLAS_PRIVATE_API_KEY: 'priv', MONGODB_ATLAS_OPS_MANAGER_URL: 'http://127.0.0.1:1' });
    expect(access).toEqual({ credentials: { type: 'apiKey', publicKey: 'pub', privateKey: 'priv' }, baseUrl: 'http://127.0.0.1:1', source: 'environment' });
    expect(credentialsFromEnvironment({ MONGODB_ATLAS_CLIENT_ID: 'id', MONGODB_ATLAS_CLIENT_SECRET: 's' }).credentials.type).toBe('serviceAccount');
  });

  it('says which variable is missing', () => {
    expect(() => credentialsFromEnvironment({ MONGODB_ATLAS_PUBLIC_API_KEY: 'pub' })).toThrow(/MONGODB_ATLAS_PRIVATE_API_KEY/);
    expect(() => credentialsFromEnvironment({})).toThrow(/no Atlas credentials/);
  });

  it.each(['https://janitor:hunter2-secret@cloud.mongodb.com', 'cloud.mongodb.com'])('checks MONGODB_ATLAS_OPS_MANAGER_URL as any base URL (%s)', (url) => {
    const env = { MONGODB_ATLAS_PUBLIC_API_KEY: 'pub', MONGODB_ATLAS_PRIVATE_API_KEY: 'priv', MONGODB_ATLAS_OPS_MANAGER_URL: url };
    expect(() => credentialsFromEnvironment(env)).toThrow(CredentialsError);
    expect(() => credentialsFromEnvironment(env)).toThrow(/^environment: MONGODB_ATLAS_OPS_MANAGER_URL: must (not contain user:password@|be an http\(s\) URL)/);
    expect(() => credentialsFromEnvironment(env)).not.toThrow(/hunter2/);
  });
});
