import { AtlasApiError } from '../atlas';
import { UnprovenNotFoundError } from './evidence';
import type { Classification, RuleName } from './types';

/**
 * The error fields an observation keeps: message and Atlas errorCode, nothing that could hold a secret;
 * `unprovenNotFound` marks a 404 that proved nothing (the breaker weighs those).
 */
export function describeError(error: unknown): { message: string; errorCode?: string | undefined; unprovenNotFound?: true | undefined } {
  if (error instanceof UnprovenNotFoundError) return { message: error.message, errorCode: error.errorCode, unprovenNotFound: true };
  if (error instanceof AtlasApiError) return { message: error.message, errorCode: error.errorCode };
  return { message: error instanceof Error ? error.message : String(error) };
}

export function keep(reason: string): Classification {
  return { verdict: 'keep', reason };
}

export function remove(rule: RuleName, reason: string): Classification {
  return { verdict: 'delete', rule, reason };
}

/** The object's own fields as a plain record (evidence). */
export function fieldsOf(value: object): Record<string, unknown> {
  return { ...(value as Record<string, unknown>) };
}
