import { AtlasClient, PacerPool, isAccessDenied, type AtlasClientOptions, type ExchangeEvent } from '../atlas';
import { ConfigError } from '../config';
import { CredentialsRefusedError, credentialsCheck, type CredentialsCheck } from './refusal';
import type { AtlasAccess } from './secret';
import type { CredentialStore } from './store';

/** What a caller may set on the clients it asks for (a queued job's patience for rate-limit tokens). */
export type ClientOverrides = Pick<AtlasClientOptions, 'maxTokenWaitMs'>;

/** Builds a client for some credentials; `onExchange` lets a run count its calls. */
export type ClientFactory = (access: AtlasAccess, onExchange?: (event: ExchangeEvent) => void, overrides?: ClientOverrides) => AtlasClient;

export function clientFactory(defaults: Omit<AtlasClientOptions, 'credentials' | 'baseUrl'> & { baseUrl?: string | undefined }): ClientFactory {
  // The factory's clients share their pacers: in a Lambda container (whose deps, and so this factory,
  // live as long as it does) every batch and invocation paces to the same buckets, read once.
  const pacers = defaults.pacers ?? new PacerPool();
  return (access, onExchange, overrides) => {
    if (defaults.apiGeneration === 'v1' && access.credentials.type === 'serviceAccount') {
      // Seed 000: the v1.0 API authenticates with HTTP Digest only; Service Account tokens are a v2 feature.
      throw new ConfigError(
        'ATLAS_API_GENERATION',
        `v1 needs API key credentials (HTTP Digest), but ${access.source} holds a Service Account; use v2 with it, or an API key with v1`,
      );
    }
    return new AtlasClient({
      ...defaults,
      pacers,
      credentials: access.credentials,
      baseUrl: access.baseUrl ?? defaults.baseUrl,
      ...(onExchange ? { onExchange } : {}),
      ...(overrides?.maxTokenWaitMs === undefined ? {} : { maxTokenWaitMs: overrides.maxTokenWaitMs }),
    });
  };
}

/**
 * Runs `work` with a client for the credentials of `secretId`, and `check`, which tells whether a 401/403
 * on one project's resource condemns the credentials (see refusal.ts). A 401/403 that escapes `work` is
 * checked the same way. When the credentials are refused, the secret is fetched again once (it may have
 * been rotated) and, if it changed, `work` runs once more; otherwise CredentialsRefusedError propagates.
 */
export async function withAtlas<T>(
  store: CredentialStore,
  secretId: string | undefined,
  makeClient: (access: AtlasAccess) => AtlasClient,
  work: (atlas: AtlasClient, access: AtlasAccess, check: CredentialsCheck) => Promise<T>,
): Promise<T> {
  const run = async (access: AtlasAccess): Promise<T> => {
    const atlas = makeClient(access);
    const check = credentialsCheck(atlas, access.source);
    try {
      return await work(atlas, access, check);
    } catch (error) {
      if (isAccessDenied(error)) await check(error);
      throw error;
    }
  };
  const access = await store.get(secretId);
  try {
    return await run(access);
  } catch (error) {
    if (!(error instanceof CredentialsRefusedError) || secretId === undefined) throw error;
    const fresh = await store.refresh(secretId);
    if (sameCredentials(fresh, access)) throw error;
    return run(fresh);
  }
}

function sameCredentials(a: AtlasAccess, b: AtlasAccess): boolean {
  return JSON.stringify([a.credentials, a.baseUrl]) === JSON.stringify([b.credentials, b.baseUrl]);
}
