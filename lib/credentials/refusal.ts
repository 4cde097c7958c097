import { AtlasApiError, isAccessDenied, type AtlasClient } from '../atlas';
import { ConfigError } from '../config';
import { CredentialsError } from './secret';

/**
 * Atlas refused the credentials themselves: a request any valid key could make was refused, or the
 * token endpoint refused the client id and secret. Nothing under these credentials can be read until a
 * person fixes them, so the invocation fails (see functions/) rather than reporting empty projects. The
 * message names the credentials' source and Atlas's code, never a secret.
 */
export class CredentialsRefusedError extends Error {
  override readonly name = 'CredentialsRefusedError';
  readonly source: string;
  readonly status: number;
  readonly errorCode: string;

  constructor(source: string, refusal: AtlasApiError) {
    super(`${source}: Atlas refused the credentials (${refusal.status} ${refusal.errorCode} to ${refusal.operation})`);
    this.source = source;
    this.status = refusal.status;
    this.errorCode = refusal.errorCode;
  }
}

/** The token endpoint's own refusal (transport.ts): about the client id and secret, never about a project. */
const TOKEN_REFUSED = 'INVALID_SERVICE_ACCOUNT_CREDENTIALS';

/**
 * Decides, once per client, whether a 401/403 seen on some project's resource condemns the credentials:
 * resolves when they are fine (the 401/403 was that project's), throws CredentialsRefusedError when a
 * request any valid key could make is refused too. Other failures of the check (network) propagate as
 * they are: they prove nothing either way.
 */
export type CredentialsCheck = (denied: AtlasApiError) => Promise<void>;

export function credentialsCheck(atlas: AtlasClient, source: string): CredentialsCheck {
  let verdict: Promise<void> | undefined;
  return async (denied) => {
    if (denied.errorCode === TOKEN_REFUSED) throw new CredentialsRefusedError(source, denied);
    verdict ??= atlas.verifyCredentials().catch((error: unknown) => {
      if (isAccessDenied(error)) throw new CredentialsRefusedError(source, error);
      verdict = undefined; // a transient failure: the next denial asks again
      throw error;
    });
    return verdict;
  };
}

/**
 * Failures no retry will fix and a person must: Atlas refused the credentials, the secret cannot be read
 * or parsed (CredentialsError), or the configuration cannot work with them (v1 with a Service Account). They fail the invocation, after the report of what
 * could be read is logged, so Lambda's error metric, its alarm and the on-failure destination see them.
 */
export function needsAPerson(error: unknown): error is CredentialsRefusedError | CredentialsError | ConfigError {
  return error instanceof CredentialsRefusedError || error instanceof CredentialsError || error instanceof ConfigError;
}

/** What kind of person-needing failure a report error records. */
export function fatalKind(error: unknown): 'credentials' | 'configuration' | undefined {
  if (error instanceof CredentialsRefusedError || error instanceof CredentialsError) return 'credentials';
  if (error instanceof ConfigError) return 'configuration';
  return undefined;
}
