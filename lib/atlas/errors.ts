/** Statuses Atlas may answer transiently; everything else in 4xx is final. */
const RETRYABLE_STATUSES = new Set([429, 500, 502, 503, 504]);

/** Base class so callers can branch on `instanceof AtlasError` and `retryable`. */
export abstract class AtlasError extends Error {
  abstract readonly retryable: boolean;
  /** HTTP attempts made before this error was surfaced. */
  attempts = 1;
  /** Why the client stopped retrying; set when the error leaves the transport. */
  giveUpReason: GiveUpReason | undefined;
}

/** `permanent`: not retryable; `attempts`: retries used up; `deadline`: no time left for another try. */
export type GiveUpReason = 'permanent' | 'attempts' | 'deadline';

export interface AtlasApiErrorFields {
  status: number;
  errorCode: string;
  reason?: string | undefined;
  detail?: string | undefined;
  parameters?: unknown[] | undefined;
  /** `METHOD /path` of the request, without query string or credentials. */
  operation: string;
  retryAfterMs?: number | undefined;
  /**
   * True only when the answer carried an Atlas error body (JSON with an `errorCode`). A proxy, a load
   * balancer or a withdrawn route answers with an HTML page or nothing: such an error gets a synthetic
   * `HTTP_<status>` code and `atlasBody: false`, and proves nothing about the resource asked for.
   */
  atlasBody?: boolean | undefined;
}

/** An Atlas answer with a non-2xx status, carrying the fields of its error body. */
export class AtlasApiError extends AtlasError {
  override readonly name = 'AtlasApiError';
  readonly status: number;
  readonly errorCode: string;
  readonly reason: string | undefined;
  readonly detail: string | undefined;
  readonly parameters: unknown[] | undefined;
  readonly operation: string;
  readonly retryAfterMs: number | undefined;
  readonly atlasBody: boolean;

  constructor(fields: AtlasApiErrorFields) {
    super(`Atlas answered ${fields.status} ${fields.errorCode} to ${fields.operation}${fields.detail ? `: ${fields.detail}` : ''}`);
    this.status = fields.status;
    this.errorCode = fields.errorCode;
    this.reason = fields.reason;
    this.detail = fields.detail;
    this.parameters = fields.parameters;
    this.operation = fields.operation;
    this.retryAfterMs = fields.retryAfterMs;
    this.atlasBody = fields.atlasBody ?? false;
  }

  get retryable(): boolean {
    return RETRYABLE_STATUSES.has(this.status);
  }
}

/**
 * Atlas refused the request because of who asked (401 or 403). Whether that condemns the credentials
 * or is about one project depends on what was asked: see lib/credentials/refusal.ts.
 */
export function isAccessDenied(error: unknown): error is AtlasApiError {
  return error instanceof AtlasApiError && (error.status === 401 || error.status === 403);
}

export type NetworkFailure = 'reset' | 'timeout' | 'refused' | 'dns' | 'other';

/** The request never got an HTTP answer: connection reset, refused, timed out, or the name did not resolve. */
export class AtlasNetworkError extends AtlasError {
  override readonly name = 'AtlasNetworkError';
  readonly failure: NetworkFailure;
  readonly operation: string;

  constructor(operation: string, failure: NetworkFailure, cause: unknown) {
    super(`No answer from Atlas to ${operation}: ${describeFailure(failure, cause)}`);
    this.operation = operation;
    this.failure = failure;
  }

  get retryable(): boolean {
    // No answer is not an answer that will never change: a refused connection (a deploy, a load balancer
    // draining), a reset, a timeout or a failed DNS lookup may all pass on the next try, like a 503.
    return true;
  }
}

/**
 * The request's rate-limit token is further away than its caller waits (`maxTokenWaitMs`): nothing was
 * sent. A queued job meeting it goes back to its queue for `waitMs` instead of holding its batch.
 */
export class AtlasTokenWaitError extends AtlasError {
  override readonly name = 'AtlasTokenWaitError';
  readonly retryable = false;
  readonly operation: string;
  readonly waitMs: number;

  /** `waitMs`: how far the token still is; `waitedMs`: how long the request already waited. */
  constructor(operation: string, waitMs: number, waitedMs: number, patienceMs: number) {
    super(`${operation} not sent: Atlas's rate limit calls for waiting ${Math.ceil(waitMs)} ms more for a token${waitedMs > 0 ? ` (after ${Math.round(waitedMs)} ms)` : ''}, longer than this caller waits (${patienceMs} ms)`);
    this.operation = operation;
    this.waitMs = waitMs;
  }
}

/** Atlas answered 2xx with a body that does not have the shape we rely on. */
export class AtlasResponseError extends AtlasError {
  override readonly name: string = 'AtlasResponseError';
  readonly retryable = false;
  readonly operation: string;

  constructor(operation: string, problem: string) {
    super(`Unexpected answer from Atlas to ${operation}: ${problem}`);
    this.operation = operation;
  }
}

/** A value was refused before it could reach a URL (wrong id format, unknown provider). */
export class AtlasRequestError extends AtlasError {
  override readonly name = 'AtlasRequestError';
  readonly retryable = false;
  readonly field: string;

  constructor(field: string, problem: string) {
    super(`${field}: ${problem}`);
    this.field = field;
  }
}

export function classifyNetworkFailure(error: unknown): NetworkFailure {
  const e = error as { name?: string; code?: string; cause?: { code?: string; name?: string } };
  if (e?.name === 'TimeoutError' || e?.cause?.name === 'TimeoutError' || e?.cause?.code === 'UND_ERR_HEADERS_TIMEOUT') {
    return 'timeout';
  }
  const code = e?.cause?.code ?? e?.code;
  if (code === 'ECONNREFUSED') return 'refused';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'dns';
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET' || code === 'EPIPE' || code === 'UND_ERR_CLOSED') return 'reset';
  return 'other';
}

function describeFailure(failure: NetworkFailure, cause: unknown): string {
  if (failure === 'timeout') return 'timed out';
  if (failure === 'refused') return 'connection refused';
  if (failure === 'dns') return 'the host name did not resolve';
  if (failure === 'reset') return 'connection reset';
  const c = cause as { cause?: { code?: string; message?: string }; message?: string };
  return c?.cause?.code ?? c?.cause?.message ?? c?.message ?? 'unknown network error';
}
