import { AtlasApiError } from '../atlas';
import type { Classification, RuleName } from './types';

/** Runs a read; a 404 becomes `undefined`, everything else propagates. */
export async function readOrGone<T>(read: () => Promise<T>): Promise<T | undefined> {
  try {
    return await read();
  } catch (error) {
    if (error instanceof AtlasApiError && error.status === 404) return undefined;
    throw error;
  }
}

/** The error fields an observation keeps: message and Atlas errorCode, nothing that could hold a secret. */
export function describeError(error: unknown): { message: string; errorCode?: string | undefined } {
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
