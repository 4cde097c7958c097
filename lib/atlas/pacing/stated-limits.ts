import type { HeaderLookup } from '../http';
import { parseRetryAfter } from '../retry';
import { positive, type Limits } from './endpoint-sets';

/** What one answer says about the bucket that answered it. */
export interface StatedLimits {
  /** The whole bucket, from a 429's body (`parameters`, else `detail`). */
  limits?: Limits;
  /** The capacity alone, from `RateLimit-Limit` (when the body says nothing). */
  capacity?: number;
  /** How long to hold the bucket: `Retry-After`, else the body's retry-after. */
  retryAfterMs?: number;
}

// "Rate limit exceeded for api/atlas/v2/orgs. Please retry after 55 seconds. Request capacity: 10. Refill rate: 5 per 60 seconds."
const DETAIL = /retry after (\d+(?:\.\d+)?) seconds?.*?capacity: (\d+(?:\.\d+)?)\.?\s*Refill rate: (\d+(?:\.\d+)?) per (\d+(?:\.\d+)?) seconds?/i;

const asNumber = (v: unknown): number => (typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : Number.NaN);

function fromParameters(parameters: unknown): { limits: Limits; retryAfterS: number } | undefined {
  // parameters: [path, retry-after seconds, capacity, refill rate, refill duration seconds]
  if (!Array.isArray(parameters) || parameters.length < 5 || typeof parameters[0] !== 'string') return undefined;
  const [retryAfterS, capacity, refillRate, refillDurationSeconds] = parameters.slice(1, 5).map(asNumber) as [number, number, number, number];
  if (![capacity, refillRate, refillDurationSeconds].every(positive) || !(retryAfterS >= 0)) return undefined;
  return { limits: { capacity, refillRate, refillDurationSeconds }, retryAfterS };
}

function fromDetail(detail: unknown): { limits: Limits; retryAfterS: number } | undefined {
  if (typeof detail !== 'string') return undefined;
  const match = DETAIL.exec(detail);
  if (!match) return undefined;
  const [retryAfterS, capacity, refillRate, refillDurationSeconds] = match.slice(1, 5).map(Number) as [number, number, number, number];
  if (![capacity, refillRate, refillDurationSeconds].every(positive)) return undefined;
  return { limits: { capacity, refillRate, refillDurationSeconds }, retryAfterS };
}

/**
 * Reads a bucket's description from an answer: a 429 body names its capacity and refill (Atlas's
 * `parameters`: path, retry-after, capacity, refill rate, refill period; the same in `detail`), and
 * `RateLimit-Limit` names the capacity of the bucket that answered. Anything that does not read as
 * positive numbers is ignored: an answer from outside is never trusted further than it checks.
 */
export function statedLimits(status: number, headers: HeaderLookup, body: unknown, now: number): StatedLimits {
  const out: StatedLimits = {};
  const headerLimit = asNumber(headers.get('ratelimit-limit'));
  if (positive(headerLimit)) out.capacity = headerLimit;
  const retryAfterMs = parseRetryAfter(headers.get('retry-after'), now);
  if (retryAfterMs !== undefined) out.retryAfterMs = retryAfterMs;
  if (status !== 429 || typeof body !== 'object' || body === null) return out;
  const fields = body as { parameters?: unknown; detail?: unknown };
  const stated = fromParameters(fields.parameters) ?? fromDetail(fields.detail);
  if (stated) {
    out.limits = stated.limits;
    out.capacity = stated.limits.capacity;
    out.retryAfterMs ??= Math.ceil(stated.retryAfterS * 1000);
  }
  return out;
}
