import { AtlasApiError } from '../atlas';
import { UnprovenNotFoundError } from './evidence';
import type { Classification, RuleName } from './types';

/** The error fields an observation keeps: message and Atlas errorCode, nothing that could hold a secret. */
export function describeError(error: unknown): { message: string; errorCode?: string | undefined } {
  if (error instanceof AtlasApiError || error instanceof UnprovenNotFoundError) return { message: error.message, errorCode: error.errorCode };
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
