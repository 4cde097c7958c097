import type { HeaderLookup } from './http';
import { createHash } from 'node:crypto';
import { digestAuthorization, newCnonce, parseDigestChallenge, type DigestChallenge } from './digest';

/** Atlas credentials: a programmatic API key pair (HTTP Digest) or a Service Account (OAuth 2.0). */
export type AtlasCredentials =
  | { type: 'apiKey'; publicKey: string; privateKey: string }
  | { type: 'serviceAccount'; clientId: string; clientSecret: string };

/** What an authenticator hands the transport for one request. */
export interface AuthTicket {
  /** `Authorization` header value; absent while a Digest challenge is still being obtained. */
  header: string | undefined;
  /**
   * Called once with the answer (undefined when none came). True means: the 401 was about our
   * credentials' freshness (new nonce, expired token), send the request again.
   */
  settle(answer: { status: number; headers: HeaderLookup } | undefined): Promise<boolean>;
}

export interface Authenticator {
  authorize(request: { method: string; uri: string }): Promise<AuthTicket>;
}

/** Digest state shared by every client with the same key, so a new client reuses a warm nonce. */
interface DigestState {
  challenge: DigestChallenge | undefined;
  nc: number;
  priming: Promise<void> | undefined;
}

/**
 * Lambda creates a client per invocation; keeping the nonce per execution environment saves each
 * invocation the challenge round trip. Keyed by base URL, public key and a hash of the private key.
 */
const digestStates = new Map<string, DigestState>();

/**
 * HTTP Digest (RFC 7616, qop=auth). The first request goes out bare to obtain a challenge, and
 * concurrent requests wait for it rather than each paying a 401; after that the nonce is reused with
 * an increasing nonce count, so a steady stream of requests costs no extra round trips.
 */
export class DigestAuthenticator implements Authenticator {
  readonly #username: string;
  readonly #password: string;
  readonly #state: DigestState;

  constructor(publicKey: string, privateKey: string, baseUrl: string) {
    this.#username = publicKey;
    this.#password = privateKey;
    const key = `${baseUrl}\n${publicKey}\n${createHash('sha256').update(privateKey).digest('hex')}`;
    let state = digestStates.get(key);
    if (!state) digestStates.set(key, (state = { challenge: undefined, nc: 0, priming: undefined }));
    this.#state = state;
  }

  async authorize(request: { method: string; uri: string }): Promise<AuthTicket> {
    const state = this.#state;
    while (!state.challenge && state.priming) await state.priming;
    if (!state.challenge) return this.#primingTicket();
    const challenge = state.challenge;
    const header = digestAuthorization({
      username: this.#username,
      password: this.#password,
      method: request.method,
      uri: request.uri,
      challenge,
      nc: ++state.nc,
      cnonce: newCnonce(),
    });
    return {
      header,
      settle: async (answer) => {
        if (answer?.status !== 401) return false;
        const offered = parseDigestChallenge(answer.headers.get('www-authenticate'));
        if (!offered) return false;
        if (offered.stale || state.challenge !== challenge) {
          // Our nonce aged out, or another request already replaced it: try once more with the current one.
          if (offered.stale && state.challenge === challenge) this.#useChallenge(offered);
          return true;
        }
        return false; // same nonce, not stale: the key itself was refused
      },
    };
  }

  #primingTicket(): AuthTicket {
    const state = this.#state;
    let release!: () => void;
    state.priming = new Promise<void>((resolve) => (release = resolve));
    return {
      header: undefined,
      settle: async (answer) => {
        const offered = answer?.status === 401 ? parseDigestChallenge(answer.headers.get('www-authenticate')) : null;
        if (offered) this.#useChallenge(offered);
        state.priming = undefined;
        release();
        return offered !== null;
      },
    };
  }

  #useChallenge(challenge: DigestChallenge): void {
    this.#state.challenge = challenge;
    this.#state.nc = 0;
  }
}

/** A cached bearer token. */
export interface CachedToken {
  token: string;
  /** Epoch ms after which the token is not used any more (already shortened by a safety margin). */
  usableUntil: number;
}

/** Fetches a new token from `/api/oauth/token`; provided by the transport so retries and limits apply. */
export type TokenFetcher = (clientId: string, clientSecret: string) => Promise<{ token: string; expiresInSeconds: number }>;

/**
 * Tokens outlive a Lambda invocation, and the token endpoint allows only about ten requests a minute per
 * client, so they are cached per module (that is, per execution environment), keyed by base URL, client
 * id and a hash of the secret: a rotated secret never reuses the old secret's token.
 */
const tokenCache = new Map<string, CachedToken>();

/** Refresh this long before Atlas's stated expiry, so a token never expires in flight. */
const TOKEN_EXPIRY_MARGIN_MS = 60_000;

/** Forgets cached tokens and Digest nonces (tests; a process that swaps credentials). */
export function clearAuthCaches(): void {
  tokenCache.clear();
  digestStates.clear();
}

export class ServiceAccountAuthenticator implements Authenticator {
  readonly #clientId: string;
  readonly #clientSecret: string;
  readonly #cacheKey: string;
  readonly #fetchToken: TokenFetcher;
  readonly #now: () => number;
  #inFlight: Promise<CachedToken> | undefined;

  constructor(clientId: string, clientSecret: string, baseUrl: string, fetchToken: TokenFetcher, now: () => number) {
    this.#clientId = clientId;
    this.#clientSecret = clientSecret;
    this.#cacheKey = `${baseUrl}\n${clientId}\n${createHash('sha256').update(clientSecret).digest('hex')}`;
    this.#fetchToken = fetchToken;
    this.#now = now;
  }

  async authorize(): Promise<AuthTicket> {
    const current = await this.#token();
    return {
      header: `Bearer ${current.token}`,
      settle: async (answer) => {
        if (answer?.status !== 401) return false;
        // Only the first request to see this token fail drops it; the others just retry with the new one.
        if (tokenCache.get(this.#cacheKey) === current) tokenCache.delete(this.#cacheKey);
        return true;
      },
    };
  }

  async #token(): Promise<CachedToken> {
    const cached = tokenCache.get(this.#cacheKey);
    if (cached && cached.usableUntil > this.#now()) return cached;
    // One token request at a time, however many requests are waiting for it.
    this.#inFlight ??= this.#fetchToken(this.#clientId, this.#clientSecret)
      .then(({ token, expiresInSeconds }) => {
        const lifetime = expiresInSeconds * 1000;
        const margin = Math.min(TOKEN_EXPIRY_MARGIN_MS, lifetime / 10);
        const entry: CachedToken = { token, usableUntil: this.#now() + lifetime - margin };
        tokenCache.set(this.#cacheKey, entry);
        return entry;
      })
      .finally(() => {
        this.#inFlight = undefined;
      });
    return this.#inFlight;
  }
}
