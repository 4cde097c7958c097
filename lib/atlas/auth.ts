import type { HeaderLookup } from './http';
import { createHash } from 'node:crypto';
import { digestAuthorization, newCnonce, parseDigestChallenge, type DigestChallenge } from './digest';
import { AtlasApiError } from './errors';

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
  /** When it was issued (our clock): a token refused while young was refused for what it asked, not its age. */
  fetchedAt: number;
}

/** One client's token, the request that is fetching it (single flight), and when tokens were requested. */
interface TokenState {
  token: CachedToken | undefined;
  inFlight: Promise<CachedToken> | undefined;
  requestedAt: number[];
}

/** Fetches a new token from `/api/oauth/token`; provided by the transport so retries and limits apply. */
export type TokenFetcher = (clientId: string, clientSecret: string) => Promise<{ token: string; expiresInSeconds: number }>;

/**
 * Tokens outlive a Lambda invocation, and the token endpoint allows only about ten requests a minute per
 * client, so they are cached per module (that is, per execution environment), keyed by base URL, client
 * id and a hash of the secret: a rotated secret never reuses the old secret's token.
 */
const tokenStates = new Map<string, TokenState>();

/** Refresh this long before Atlas's stated expiry, so a token never expires in flight. */
const TOKEN_EXPIRY_MARGIN_MS = 60_000;

/**
 * Token requests per client within a minute, whatever the number of failing requests: half the token
 * endpoint's ~10 a minute per client and address, leaving room for the other functions and a retry.
 */
export const TOKEN_REQUEST_LIMIT = { requests: 5, windowMs: 60_000 };

/**
 * A 401 on a token younger than this is not about the token's age: a permission 401 on one project
 * (Atlas's NOT_ORG_GROUP_CREATOR: the key is valid, that project refuses it) must not cost a new token per failing request.
 */
export const TOKEN_MIN_AGE_FOR_REFRESH_MS = 60_000;

/** Requests any valid credentials may make: a 401 on these is about the token, not a permission. */
const IDENTITY_PATHS = new Set(['/api/atlas/v2/groups', '/api/atlas/v2/orgs']);

/** Forgets cached tokens and Digest nonces (tests; a process that swaps credentials). */
export function clearAuthCaches(): void {
  tokenStates.clear();
  digestStates.clear();
}

/**
 * Service Account (OAuth client credentials). Tokens are requested one at a time per client (single
 * flight across every AtlasClient of the execution environment) and at most TOKEN_REQUEST_LIMIT a
 * minute. A 401 drops the token only when a new one can help: on a request any valid token may make, or
 * once the token is old enough to have been revoked; a young token refused on one project's resource is
 * a permission answer and goes back to the caller as it is.
 */
export class ServiceAccountAuthenticator implements Authenticator {
  readonly #clientId: string;
  readonly #clientSecret: string;
  readonly #state: TokenState;
  readonly #fetchToken: TokenFetcher;
  readonly #now: () => number;

  constructor(clientId: string, clientSecret: string, baseUrl: string, fetchToken: TokenFetcher, now: () => number) {
    this.#clientId = clientId;
    this.#clientSecret = clientSecret;
    const key = `${baseUrl}\n${clientId}\n${createHash('sha256').update(clientSecret).digest('hex')}`;
    let state = tokenStates.get(key);
    if (!state) tokenStates.set(key, (state = { token: undefined, inFlight: undefined, requestedAt: [] }));
    this.#state = state;
    this.#fetchToken = fetchToken;
    this.#now = now;
  }

  async authorize(request: { method: string; uri: string }): Promise<AuthTicket> {
    const current = await this.#token();
    return {
      header: `Bearer ${current.token}`,
      settle: async (answer) => {
        if (answer?.status !== 401) return false;
        // Another request already dropped or replaced this token: try once more with the current one.
        if (this.#state.token !== current) return true;
        if (!this.#refreshHelps(request.uri, current)) return false;
        this.#state.token = undefined;
        return true;
      },
    };
  }

  #refreshHelps(uri: string, token: CachedToken): boolean {
    const identity = IDENTITY_PATHS.has(uri.split('?', 1)[0]!);
    return (identity || this.#now() - token.fetchedAt >= TOKEN_MIN_AGE_FOR_REFRESH_MS) && this.#budgetLeft() > 0;
  }

  #budgetLeft(): number {
    const since = this.#now() - TOKEN_REQUEST_LIMIT.windowMs;
    this.#state.requestedAt = this.#state.requestedAt.filter((at) => at > since);
    return TOKEN_REQUEST_LIMIT.requests - this.#state.requestedAt.length;
  }

  async #token(): Promise<CachedToken> {
    const state = this.#state;
    const cached = state.token;
    if (cached && cached.usableUntil > this.#now()) return cached;
    if (state.inFlight) return state.inFlight;
    if (this.#budgetLeft() <= 0) {
      // Asking again would only get the client rate limited at the token endpoint; come back later.
      const retryAfterMs = Math.max(1, state.requestedAt[0]! + TOKEN_REQUEST_LIMIT.windowMs - this.#now());
      throw new AtlasApiError({ status: 429, errorCode: 'TOKEN_REQUEST_LIMIT', reason: 'Too Many Requests', detail: `no more than ${TOKEN_REQUEST_LIMIT.requests} token requests a minute`, operation: 'POST /api/oauth/token', retryAfterMs });
    }
    state.requestedAt.push(this.#now());
    state.inFlight = this.#fetchToken(this.#clientId, this.#clientSecret)
      .then(({ token, expiresInSeconds }) => {
        const lifetime = expiresInSeconds * 1000;
        const margin = Math.min(TOKEN_EXPIRY_MARGIN_MS, lifetime / 10);
        const now = this.#now();
        const entry: CachedToken = { token, usableUntil: now + lifetime - margin, fetchedAt: now };
        state.token = entry;
        return entry;
      })
      .finally(() => {
        state.inFlight = undefined;
      });
    return state.inFlight;
  }
}
