import { secretsCommands, type SecretsSender } from '../aws/clients';
import { PromiseCache } from '../cache/promise-cache';
import { CredentialsError, credentialsFromEnvironment, parseSecret, type AtlasAccess } from './secret';

export interface CredentialStoreOptions {
  /** Needed only when secret ids are used. */
  secretsManager?: SecretsSender | undefined;
  ttlMs: number;
  env: Record<string, string | undefined>;
  now?: () => number;
}

/**
 * Atlas credentials by secret id, cached across invocations for `ttlMs` (one GetSecretValue per secret
 * per TTL, however many projects use it). `refresh` drops the cached value, for when Atlas answers 401
 * because the secret was rotated.
 */
export class CredentialStore {
  readonly #options: CredentialStoreOptions;
  readonly #cache: PromiseCache<string, AtlasAccess>;

  constructor(options: CredentialStoreOptions) {
    this.#options = options;
    this.#cache = new PromiseCache(options.ttlMs, options.now ?? Date.now);
  }

  /** `secretId` undefined: the Atlas CLI environment variables. */
  get(secretId: string | undefined): Promise<AtlasAccess> {
    if (secretId === undefined) return Promise.resolve().then(() => credentialsFromEnvironment(this.#options.env));
    return this.#cache.get(secretId, () => this.#fetch(secretId));
  }

  refresh(secretId: string | undefined): Promise<AtlasAccess> {
    if (secretId !== undefined) this.#cache.delete(secretId);
    return this.get(secretId);
  }

  async #fetch(secretId: string): Promise<AtlasAccess> {
    const client = this.#options.secretsManager;
    if (!client) throw new CredentialsError(secretId, 'no Secrets Manager client configured');
    let secretString: string | undefined;
    try {
      const { GetSecretValueCommand } = await secretsCommands();
      const answer = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
      secretString = answer.SecretString;
    } catch (error) {
      const e = error as { name?: string };
      throw new CredentialsError(secretId, `could not read the secret (${e.name ?? 'error'})`);
    }
    return parseSecret(secretId, secretString);
  }
}
