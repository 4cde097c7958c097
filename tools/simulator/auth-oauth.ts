import { randomBytes } from 'node:crypto';
import { AtlasApiError } from './errors';

/** Service-account OAuth: client-credentials tokens and their Bearer check. */

export interface TokenResponse {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
}

/** OAuth-style error (RFC 6749 §5.2), as the token endpoint answers; not an Atlas error body. */
export interface OAuthError {
  status: number;
  body: { error: string; error_description: string };
}

export class OAuthTokens {
  private readonly tokens = new Map<string, { clientId: string; expiresAt: number }>();

  constructor(
    private readonly secrets: ReadonlyMap<string, string>,
    private readonly ttlSeconds: number,
    private readonly now: () => number,
  ) {}

  /** Handle `POST /api/oauth/token`; returns the client id that authenticated when there is one. */
  issue(authorization: string | undefined, formBody: string): { clientId: string | null; token?: TokenResponse; error?: OAuthError } {
    const basic = /^Basic\s+(.+)$/i.exec(authorization ?? '');
    const decoded = basic ? Buffer.from(basic[1]!, 'base64').toString('utf8') : '';
    const sep = decoded.indexOf(':');
    const clientId = sep > 0 ? decoded.slice(0, sep) : '';
    const secret = sep > 0 ? decoded.slice(sep + 1) : '';
    if (!basic || this.secrets.get(clientId) !== secret) {
      return { clientId: null, error: { status: 401, body: { error: 'invalid_client', error_description: 'Invalid client credentials.' } } };
    }
    const grantType = new URLSearchParams(formBody).get('grant_type');
    if (grantType !== 'client_credentials') {
      return {
        clientId,
        error: { status: 400, body: { error: 'unsupported_grant_type', error_description: 'grant_type must be client_credentials.' } },
      };
    }
    const accessToken = randomBytes(32).toString('base64url');
    const now = this.now();
    for (const [t, v] of this.tokens) if (v.expiresAt <= now) this.tokens.delete(t);
    this.tokens.set(accessToken, { clientId, expiresAt: now + this.ttlSeconds * 1000 });
    return { clientId, token: { access_token: accessToken, token_type: 'Bearer', expires_in: this.ttlSeconds } };
  }

  /** The client id a Bearer token belongs to; throws INVALID_TOKEN when unknown or expired. */
  verify(token: string): string {
    const entry = this.tokens.get(token);
    if (!entry) throw new AtlasApiError('INVALID_TOKEN', 'The access token is not valid.');
    if (entry.expiresAt <= this.now()) throw new AtlasApiError('INVALID_TOKEN', 'The access token has expired.');
    return entry.clientId;
  }
}
