import { AnswerTooLargeError, MAX_ANSWER_BYTES, nodeHttp, type HeaderLookup, type HttpCall, type HttpInit } from './http';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  DigestAuthenticator,
  ServiceAccountAuthenticator,
  type AtlasCredentials,
  type Authenticator,
  type TokenFetcher,
} from './auth';
import {
  AtlasApiError,
  AtlasError,
  AtlasNetworkError,
  AtlasResponseError,
  AtlasTokenWaitError,
  classifyNetworkFailure,
  type GiveUpReason,
} from './errors';
import {
  ConcurrencyLimiter,
  RATE_LIMITS_MEDIA_TYPE,
  RATE_LIMITS_PATH,
  pacerFor,
  publishedSetReader,
  type BudgetLeaseStore,
  type Pacer,
  type PacerPool,
  type Permit,
  type SetReader,
} from './pacing';
import { DEFAULT_RETRY_POLICY, backoffDelay, parseRetryAfter, type RetryPolicy } from './retry';
import { errorBodySchema, tokenSchema } from './schemas';


export interface TransportOptions {
  baseUrl: string;
  credentials: AtlasCredentials;
  /** Requests in flight at once (default 8). */
  concurrency?: number;
  retry?: Partial<RetryPolicy>;
  /** Per attempt (default 30 s); shortened to what is left before the deadline. */
  timeoutMs?: number;
  /** Absolute epoch ms after which no attempt starts and no wait is begun (a Lambda's remaining time). */
  deadline?: () => number | undefined;
  /**
   * The longest a request waits for its rate-limit tokens, in all (default: as long as the deadline
   * allows). Past it the request is not sent and fails with AtlasTokenWaitError: a queued job then goes
   * back to its queue instead of holding its batch, and the other projects' jobs in it.
   */
  maxTokenWaitMs?: number;
  /** Called after every HTTP exchange: for metrics and logs. Never receives credentials. */
  onExchange?: (event: ExchangeEvent) => void;
  userAgent?: string;
  rateLimits?: RateLimitOptions;
  /**
   * The container's pacers: clients built from the same pool with the same credentials share one (one
   * `/rateLimits` read, one state of the buckets). Without it the client paces on its own.
   */
  pacers?: PacerPool;
  // Seams for tests.
  /** The HTTP call; node:http by default. Tests inject a `fetch`. */
  fetch?: HttpCall | typeof fetch;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  now?: () => number;
}

export interface RateLimitOptions {
  /**
   * Read the endpoint sets from `GET /api/atlas/v2/rateLimits` once per container (default true); when
   * false, or when the read fails, every bucket uses the fallback limits and learns from headers.
   */
  learn?: boolean;
  /**
   * Invocations that may run at once with these credentials (default 1). USER, ORGANIZATION and IP
   * buckets are one bucket at Atlas for all of them, so each client takes this share of their refill.
   */
  sharedBy?: number;
  /**
   * Where invocations sharing those buckets keep their leases (the ledger table in the stack): with it,
   * each takes a max-min fair share of what the busy ones want, and `sharedBy` is used only while the
   * store cannot be reached. See pacing/shared-budget.ts.
   */
  leases?: BudgetLeaseStore | undefined;
  /** This container's id at the lease store, and its own buckets (tests running two containers in one process). */
  holder?: string;
  /** A lease could not be written: the client falls back to 1 / sharedBy until it can. */
  onLeaseError?: (error: unknown) => void;
}

export interface RequestSpec {
  operationId: string;
  method: 'GET' | 'DELETE' | 'POST';
  /** Path with every segment already validated and encoded. */
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  accept: string;
}

export interface Answer {
  status: number;
  headers: HeaderLookup;
  /** Parsed JSON, or undefined for an empty body. */
  body: unknown;
}

/** An HTTP answer with its body already read. */
interface BufferedResponse {
  status: number;
  statusText: string;
  ok: boolean;
  headers: HeaderLookup;
  text: string;
}

export interface ExchangeEvent {
  operationId: string;
  method: string;
  path: string;
  /** Undefined when no answer came (reset, timeout). */
  status: number | undefined;
  attempt: number;
  durationMs: number;
  /** `auth`: a token request, or a 401 that only carried a new Digest nonce; `call`: everything else. */
  purpose: 'call' | 'auth';
}

/** Counts of what went over the wire, for reports (`apiCalls`) and benchmarks. */
export interface TransportStats {
  /** HTTP requests sent, every retry, Digest challenge and token request included. */
  requests: number;
  /** Requests per operationId. */
  byOperation: Record<string, number>;
  retries: number;
  /** 401 answers that only carried a new Digest nonce or asked for a new token. */
  authRoundTrips: number;
  tokenRequests: number;
  /** 429 answers: what the client's buckets failed to prevent. */
  rateLimited: number;
  /** Whether this client paces to the sets `/rateLimits` published (false: fallback limits). */
  publishedLimits: boolean | undefined;
}

const DEFAULT_TIMEOUT_MS = 30_000;
/** Resend at most this many times per attempt because of an auth refresh, so a bad key fails fast. */
const MAX_AUTH_REFRESHES = 2;
/**
 * Attempts per token request. With TOKEN_REQUEST_LIMIT tokens a minute this keeps the requests the token
 * endpoint sees within its own limit (about ten a minute), whatever fails.
 */
const TOKEN_ATTEMPTS = 2;

/**
 * Sends Atlas requests: authentication, the sending slots, retries with backoff bounded by attempts and
 * deadline, and Atlas error bodies turned into typed errors. Pacing is the pacer's (lib/atlas/pacing):
 * each attempt takes a permit for its request, is sent, and settles the permit with the answer.
 */
export class Transport {
  readonly stats: TransportStats = { requests: 0, byOperation: {}, retries: 0, authRoundTrips: 0, tokenRequests: 0, rateLimited: 0, publishedLimits: undefined };
  readonly #baseUrl: string;
  readonly #auth: Authenticator;
  readonly #limiter: ConcurrencyLimiter;
  readonly #pacer: Pacer;
  readonly #retry: RetryPolicy;
  readonly #timeoutMs: number;
  readonly #deadline: () => number | undefined;
  readonly #maxTokenWaitMs: number | undefined;
  readonly #onExchange: ((event: ExchangeEvent) => void) | undefined;
  readonly #userAgent: string;
  readonly #fetch: HttpCall;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #random: () => number;
  readonly #now: () => number;

  constructor(options: TransportOptions) {
    this.#baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.#limiter = new ConcurrencyLimiter(options.concurrency ?? 8);
    this.#now = options.now ?? Date.now;
    this.#sleep = options.sleep ?? ((ms) => sleep(ms));
    const { learn, sharedBy, leases, holder, onLeaseError } = options.rateLimits ?? {};
    this.#pacer = pacerFor({ baseUrl: this.#baseUrl, credentials: options.credentials, learn, sharedBy, leases, holder, onLeaseError, pacers: options.pacers, now: this.#now, sleep: this.#sleep });
    this.#retry = { ...DEFAULT_RETRY_POLICY, ...options.retry };
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.#deadline = options.deadline ?? (() => undefined);
    this.#maxTokenWaitMs = options.maxTokenWaitMs;
    this.#onExchange = options.onExchange;
    this.#userAgent = options.userAgent ?? 'atlas-janitor';
    this.#fetch = (options.fetch as HttpCall | undefined) ?? nodeHttp;
    this.#random = options.random ?? Math.random;
    this.#auth = makeAuthenticator(options.credentials, this.#baseUrl, this.#fetchToken, this.#now);
  }

  /** Projects as Atlas listed them: their organizations place their requests in ORGANIZATION buckets. */
  noteProjects(projects: readonly { id: string; orgId: string }[]): void {
    this.#pacer.noteProjects(projects);
  }

  noteProjectSpentUntil(projectId: string, at: number): void {
    this.#pacer.noteSpentUntil(projectId, at);
  }

  /** Resolves once the sending slots have room for more work: fewer requests wait for one than there are. */
  whenRoom(): Promise<void> {
    return this.#limiter.whenRoom();
  }

  /** Sends one request, retrying transient failures; resolves with a 2xx answer or throws an AtlasError. */
  async send(spec: RequestSpec): Promise<Answer> {
    const uri = spec.path + queryString(spec.query);
    const operation = `${spec.method} ${spec.path}`;
    // Waits for tokens add up over the request's tries: its patience is for the request, not each try.
    let waitedMs = 0;
    const patience = this.#maxTokenWaitMs;
    const tooLate = (waitMs: number, dueMs: number | undefined) => {
      if (this.#exceedsDeadline(waitMs)) return new AtlasNetworkError(operation, 'timeout', undefined);
      // Against how far the token is, not this one sleep (a shared bucket looks again every 250 ms). A
      // wait of unknown length (a share not granted yet, earlier answers awaited) is short: not counted.
      if (patience !== undefined && dueMs !== undefined && waitedMs + dueMs > patience) return new AtlasTokenWaitError(operation, dueMs, waitedMs, patience);
      if (dueMs !== undefined) waitedMs += waitMs;
      return undefined;
    };
    return this.#withRetries(async (attempt) => {
      for (;;) {
        // The token is awaited before a sending slot is taken: a request waiting on its own bucket holds
        // no slot that a request on another bucket could use.
        const permit = await this.#pacer.acquire(spec.method, spec.path, this.#readRateLimits, tooLate);
        this.stats.publishedLimits = this.#pacer.published;
        // An answer that came back while this one waited for its slot may have moved its endpoint to
        // another bucket (a 429 describing one the client did not know): then it asks that bucket.
        let answer: Answer | undefined;
        try {
          answer = await this.#limiter.run(() => (permit.stale ? Promise.resolve(undefined) : this.#attempt(spec, uri, operation, attempt, permit)));
        } finally {
          // Not sent, or failed before an answer was read (signing, say): the permit is given back, so
          // its bucket does not count the request as in flight forever. After a settle this does nothing.
          if (!answer) permit.drop();
        }
        if (answer) return answer;
      }
    }, true);
  }

  /** The pages of `/rateLimits`, one attempt each, for the pacer (lib/atlas/pacing/published-sets.ts). */
  readonly #readRateLimits: SetReader = publishedSetReader(async (uri) => {
    const spec = { operationId: 'listRateLimits', method: 'GET' as const, path: RATE_LIMITS_PATH, accept: RATE_LIMITS_MEDIA_TYPE };
    return (await this.#limiter.run(() => this.#attempt(spec, uri, `GET ${RATE_LIMITS_PATH}`, 1, undefined))).body;
  });

  async #withRetries<T>(attemptOnce: (attempt: number) => Promise<T>, paced: boolean, maxAttempts = this.#retry.maxAttempts): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      let error: AtlasError;
      try {
        return await attemptOnce(attempt);
      } catch (caught) {
        if (!(caught instanceof AtlasError)) throw caught;
        error = caught;
      }
      error.attempts = attempt;
      const reason = this.#giveUpReason(error, attempt, maxAttempts);
      if (reason) {
        error.giveUpReason = reason;
        throw error;
      }
      const retryAfterMs = error instanceof AtlasApiError ? error.retryAfterMs : undefined;
      // A paced request's 429 paused its bucket, and the next attempt waits on that bucket.
      const delay = paced && error instanceof AtlasApiError && error.status === 429 ? 0 : backoffDelay(this.#retry, attempt, this.#random, retryAfterMs);
      if (this.#exceedsDeadline(delay)) {
        error.giveUpReason = 'deadline';
        throw error;
      }
      this.stats.retries++;
      await this.#sleep(delay);
    }
  }

  #giveUpReason(error: AtlasError, attempt: number, maxAttempts: number): GiveUpReason | undefined {
    if (!error.retryable) return 'permanent';
    if (attempt >= maxAttempts) return 'attempts';
    return undefined;
  }

  #exceedsDeadline(waitMs: number): boolean {
    const deadline = this.#deadline();
    return deadline !== undefined && this.#now() + waitMs >= deadline;
  }

  async #attempt(spec: RequestSpec, uri: string, operation: string, attempt: number, permit: Permit | undefined): Promise<Answer> {
    for (let refreshes = 0; ; refreshes++) {
      const ticket = await this.#auth.authorize({ method: spec.method, uri });
      const headers: Record<string, string> = { 'Accept': spec.accept, 'User-Agent': this.#userAgent };
      if (ticket.header) headers['Authorization'] = ticket.header;
      const started = this.#now();
      let response: BufferedResponse;
      try {
        response = await this.#exchange(spec.operationId, uri, operation, { method: spec.method, headers });
      } catch (error) {
        await ticket.settle(undefined);
        permit?.settle(undefined);
        this.#emit(spec, attempt, started, undefined, 'call');
        throw error;
      }
      const resend = (await ticket.settle(response)) && refreshes < MAX_AUTH_REFRESHES;
      this.#emit(spec, attempt, started, response.status, resend ? 'auth' : 'call');
      if (resend) {
        this.stats.authRoundTrips++;
        continue;
      }
      if (response.status === 429) this.stats.rateLimited++;
      // A 429's body describes the bucket that refused: the pacer reads it.
      permit?.settle({ status: response.status, headers: response.headers, body: response.status === 429 ? jsonOrUndefined(response.text) : undefined });
      return this.#readAnswer(response, operation);
    }
  }

  /**
   * One HTTP request, body included; the only place `fetch` is called. The timeout covers the body too,
   * and its timer is cleared as soon as the body is in: AbortSignal.timeout would keep every request's
   * signal, and what its listeners reference, alive for the whole timeout (hundreds of MB in a sweep).
   */
  async #exchange(operationId: string, uri: string, operation: string, init: Omit<HttpInit, 'signal'>): Promise<BufferedResponse> {
    const deadline = this.#deadline();
    const timeout = Math.min(this.#timeoutMs, deadline === undefined ? Infinity : deadline - this.#now());
    if (timeout <= 0) throw new AtlasNetworkError(operation, 'timeout', undefined);
    this.stats.requests++;
    this.stats.byOperation[operationId] = (this.stats.byOperation[operationId] ?? 0) + 1;
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new DOMException('request timed out', 'TimeoutError')), timeout);
    try {
      const response = await this.#fetch(this.#baseUrl + uri, { ...init, signal: controller.signal, redirect: 'error' });
      const text = await response.text();
      // nodeHttp cuts such an answer off as it arrives; an injected fetch is held to the same bound.
      if (text.length > MAX_ANSWER_BYTES) throw new AnswerTooLargeError();
      return { status: response.status, statusText: response.statusText, ok: response.ok, headers: response.headers, text };
    } catch (error) {
      if (error instanceof AnswerTooLargeError) throw new AtlasResponseError(operation, error.message);
      throw new AtlasNetworkError(operation, classifyNetworkFailure(controller.signal.aborted ? controller.signal.reason : error), error);
    } finally {
      clearTimeout(timer);
    }
  }

  #emit(spec: Pick<RequestSpec, 'operationId' | 'method' | 'path'>, attempt: number, started: number, status: number | undefined, purpose: ExchangeEvent['purpose']): void {
    this.#onExchange?.({
      operationId: spec.operationId,
      method: spec.method,
      path: spec.path,
      status,
      attempt,
      durationMs: this.#now() - started,
      purpose,
    });
  }

  #readAnswer(response: BufferedResponse, operation: string): Answer {
    let body: unknown;
    if (response.text.trim() !== '') {
      try {
        body = JSON.parse(response.text);
      } catch {
        if (response.ok) throw new AtlasResponseError(operation, `body is not JSON (status ${response.status})`);
        body = undefined;
      }
    }
    if (response.ok) return { status: response.status, headers: response.headers, body };
    throw this.#apiError(response, body, operation);
  }

  #apiError(response: BufferedResponse, body: unknown, operation: string): AtlasApiError {
    const parsed = errorBodySchema.safeParse(body);
    const fields = parsed.success ? parsed.data : {};
    // An Atlas error body names its code and, when it gives one, the same status as the answer's.
    const atlasBody = parsed.success && fields.errorCode !== undefined && (fields.error === undefined || fields.error === response.status);
    const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'), this.#now());
    return new AtlasApiError({
      status: response.status,
      errorCode: fields.errorCode ?? `HTTP_${response.status}`,
      reason: fields.reason ?? response.statusText,
      detail: fields.detail ?? undefined,
      parameters: fields.parameters ?? undefined,
      operation,
      retryAfterMs,
      atlasBody,
    });
  }

  /**
   * Service Account token request: same retries as API calls, Basic auth instead of ours. It skips the
   * concurrency limiter because the request waiting for the token already holds a slot.
   */
  readonly #fetchToken: TokenFetcher = (clientId, clientSecret) => {
    const spec = { operationId: 'oauthToken', method: 'POST' as const, path: '/api/oauth/token' };
    const operation = `POST ${spec.path}`;
    const basic = Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`).toString('base64');
    return this.#withRetries(async (attempt) => {
      this.stats.tokenRequests++;
      const started = this.#now();
      let response: BufferedResponse | undefined;
      try {
        response = await this.#exchange(spec.operationId, spec.path, operation, {
          method: 'POST',
          headers: {
            'Accept': 'application/json',
            'Content-Type': 'application/x-www-form-urlencoded',
            'User-Agent': this.#userAgent,
            'Authorization': `Basic ${basic}`,
          },
          body: 'grant_type=client_credentials',
        });
      } finally {
        this.#emit(spec, attempt, started, response?.status, 'auth');
      }
      return this.#readTokenAnswer(response, operation);
    }, false, Math.min(TOKEN_ATTEMPTS, this.#retry.maxAttempts));
  };

  #readTokenAnswer(response: BufferedResponse, operation: string): { token: string; expiresInSeconds: number } {
    if (response.status === 400 || response.status === 401) {
      // OAuth errors use their own body shape; say what failed without echoing anything we sent.
      throw new AtlasApiError({ status: 401, errorCode: 'INVALID_SERVICE_ACCOUNT_CREDENTIALS', reason: 'Unauthorized', detail: 'the token endpoint refused the client id and secret', operation });
    }
    const answer = this.#readAnswer(response, operation);
    const parsed = tokenSchema.safeParse(answer.body);
    if (!parsed.success || parsed.data.token_type.toLowerCase() !== 'bearer') {
      throw new AtlasResponseError(operation, 'token answer lacks access_token, a Bearer token_type or expires_in');
    }
    return { token: parsed.data.access_token, expiresInSeconds: parsed.data.expires_in };
  }
}

function jsonOrUndefined(text: string): unknown {
  try {
    return text.trim() === '' ? undefined : JSON.parse(text);
  } catch {
    return undefined;
  }
}

function makeAuthenticator(credentials: AtlasCredentials, baseUrl: string, fetchToken: TokenFetcher, now: () => number): Authenticator {
  if (credentials.type === 'apiKey') return new DigestAuthenticator(credentials.publicKey, credentials.privateKey, baseUrl);
  return new ServiceAccountAuthenticator(credentials.clientId, credentials.clientSecret, baseUrl, fetchToken, now);
}

function queryString(query: RequestSpec['query']): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value !== undefined) params.set(key, String(value));
  const text = params.toString();
  return text ? `?${text}` : '';
}
