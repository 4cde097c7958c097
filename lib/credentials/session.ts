import { AtlasApiError, AtlasClient, type AtlasClientOptions, type ExchangeEvent } from '../atlas';
import type { AtlasAccess } from './secret';
import type { CredentialStore } from './store';

/** Builds a client for some credentials; `onExchange` lets a run count its calls. */
export type ClientFactory = (access: AtlasAccess, onExchange?: (event: ExchangeEvent) => void) => AtlasClient;

export function clientFactory(defaults: Omit<AtlasClientOptions, 'credentials' | 'baseUrl'> & { baseUrl?: string | undefined }): ClientFactory {
  return (access, onExchange) =>
    new AtlasClient({
      ...defaults,
      credentials: access.credentials,
      baseUrl: access.baseUrl ?? defaults.baseUrl,
      ...(onExchange ? { onExchange } : {}),
    });
}

/**
 * Runs `work` with a client for the credentials of `secretId`. When Atlas answers 401, the secret is
 * fetched again once (it may have been rotated) and, if it changed, `work` runs once more.
 */
export async function withAtlas<T>(
  store: CredentialStore,
  secretId: string | undefined,
  makeClient: (access: AtlasAccess) => AtlasClient,
  work: (atlas: AtlasClient, access: AtlasAccess) => Promise<T>,
): Promise<T> {
  const access = await store.get(secretId);
  try {
    return await work(makeClient(access), access);
  } catch (error) {
    if (!(error instanceof AtlasApiError) || error.status !== 401 || secretId === undefined) throw error;
    const fresh = await store.refresh(secretId);
    if (sameCredentials(fresh, access)) throw error;
    return work(makeClient(fresh), fresh);
  }
}

function sameCredentials(a: AtlasAccess, b: AtlasAccess): boolean {
  return JSON.stringify([a.credentials, a.baseUrl]) === JSON.stringify([b.credentials, b.baseUrl]);
}
