import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConcurrencyLimiter } from '../../lib/atlas/pacing';
import { DEFAULT_RETRY_POLICY, backoffDelay, parseRetryAfter } from '../../lib/atlas/retry';

describe('backoffDelay', () => {
  it('stays within the full-jitter window and never below Retry-After', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 12 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        fc.option(fc.integer({ min: 0, max: 120_000 }), { nil: undefined }),
        (attempt, r, retryAfterMs) => {
          const delay = backoffDelay(DEFAULT_RETRY_POLICY, attempt, () => r, retryAfterMs);
          const ceiling = Math.min(DEFAULT_RETRY_POLICY.maxDelayMs, DEFAULT_RETRY_POLICY.baseDelayMs * 2 ** (attempt - 1));
          if (retryAfterMs !== undefined) expect(delay).toBeGreaterThanOrEqual(retryAfterMs);
          else expect(delay).toBeLessThan(ceiling);
          expect(delay).toBeGreaterThanOrEqual(0);
        },
      ),
    );
  });

  it('grows the window exponentially up to the cap', () => {
    const nearlyOne = () => 0.999999;
    expect(backoffDelay(DEFAULT_RETRY_POLICY, 1, nearlyOne)).toBe(199);
    expect(backoffDelay(DEFAULT_RETRY_POLICY, 3, nearlyOne)).toBe(799);
    expect(backoffDelay(DEFAULT_RETRY_POLICY, 20, nearlyOne)).toBe(19_999);
  });
});

describe('parseRetryAfter', () => {
  it('reads delta-seconds and HTTP dates', () => {
    expect(parseRetryAfter('1', 0)).toBe(1000);
    expect(parseRetryAfter('0.5', 0)).toBe(500);
    const now = Date.parse('2026-11-23T10:00:00Z');
    expect(parseRetryAfter('Mon, 23 Nov 2026 10:00:03 GMT', now)).toBe(3000);
  });

  it('ignores absent and unreadable values', () => {
    expect(parseRetryAfter(null, 0)).toBeUndefined();
    expect(parseRetryAfter('', 0)).toBeUndefined();
    expect(parseRetryAfter('soon', 0)).toBeUndefined();
    expect(parseRetryAfter('-3', 0)).toBeUndefined();
  });
});

describe('ConcurrencyLimiter', () => {
  it('never runs more tasks at once than its limit and runs them all', async () => {
    const limiter = new ConcurrencyLimiter(3);
    let running = 0;
    let peak = 0;
    const done = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        limiter.run(async () => {
          running++;
          peak = Math.max(peak, running);
          await new Promise((r) => setImmediate(r));
          running--;
          return i;
        }),
      ),
    );
    expect(peak).toBe(3);
    expect(done).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(limiter.active).toBe(0);
  });

  it('frees its slot when a task fails', async () => {
    const limiter = new ConcurrencyLimiter(1);
    await expect(limiter.run(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(limiter.run(async () => 'next')).resolves.toBe('next');
  });
});
