import { backoff } from '../concurrency/backoff';

/** How the client retries transient failures (429, 5xx, resets, timeouts). */
export interface RetryPolicy {
  /** Attempts in all, the first included. */
  maxAttempts: number;
  /** Base of the exponential backoff; attempt n waits up to base * 2^(n-1). */
  baseDelayMs: number;
  /** Cap on one wait computed from the backoff (a longer `Retry-After` still wins). */
  maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxAttempts: 5, baseDelayMs: 200, maxDelayMs: 20_000 };

/**
 * The wait before the next attempt: full jitter (AWS architecture blog, "Exponential Backoff And Jitter"),
 * but never less than what the server asked for with `Retry-After`.
 */
export function backoffDelay(policy: RetryPolicy, attempt: number, random: () => number, retryAfterMs?: number): number {
  const jittered = backoff(attempt, { base: policy.baseDelayMs, max: policy.maxDelayMs, jitter: 'full', random });
  return retryAfterMs !== undefined ? Math.max(retryAfterMs, jittered) : jittered;
}

/** `Retry-After` as milliseconds: delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return seconds >= 0 ? Math.ceil(seconds * 1000) : undefined;
  // An HTTP date names its day and month; Date.parse would also read "-3" as a year.
  if (!/[A-Za-z]{3}/.test(value)) return undefined;
  const date = Date.parse(value);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

