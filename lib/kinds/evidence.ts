import { AtlasApiError, AtlasError } from '../atlas';
import type { ResourceKind, ReadContext } from './types';

// When a 404 proves a resource gone: only an Atlas error body whose code
// names a missing resource of that kind, with the resource's parent read in the same pass. Anything else
// (no Atlas body, an unknown code, GROUP_NOT_FOUND) says nothing about the resource: it is a failed read.

/**
 * A 404 that does not prove the resource gone. Retryable: a withdrawn route or a proxy in the way may
 * answer properly next time, and a resource whose read failed is kept and read again then.
 */
export class UnprovenNotFoundError extends AtlasError {
  override readonly name = 'UnprovenNotFoundError';
  readonly retryable = true;
  readonly status = 404;
  readonly errorCode: string;
  readonly operation: string;

  constructor(answer: AtlasApiError, why: string) {
    super(`${answer.message} (not evidence that it is gone: ${why})`);
    this.errorCode = answer.errorCode;
    this.operation = answer.operation;
  }
}

/** Why a 404 is not evidence for `kind`, or undefined when it is (the parent still to be confirmed). */
export function whyNotEvidence(kind: Pick<ResourceKind, 'goneCodes'>, answer: AtlasApiError): string | undefined {
  if (!answer.atlasBody) return 'the answer carries no Atlas error body';
  if (!kind.goneCodes.has(answer.errorCode)) return `${answer.errorCode} does not name a missing resource of this kind`;
  return undefined;
}

/**
 * Reads of one resource before a 404 that proves nothing is given up as a failed read. Such a 404 (a proxy's
 * bare page, an unknown code, GROUP_NOT_FOUND for a project just read) is usually a passing fault: read
 * again at once, a resource that is there answers, and one that is gone answers with its kind's code. Left
 * to the next night, it would keep a stale resource another day (or turn a job into a dead letter).
 */
export const UNPROVEN_404_ATTEMPTS = 3;


/**
 * Runs a read of one resource of `kind`; `undefined` when Atlas proved it gone. `parentRead` confirms the
 * parent was read in this pass (memoised by the scan context) and rejects when it could not be. A 404 that
 * proves nothing is read again after `pause` (UNPROVEN_404_ATTEMPTS reads in all), then becomes an UnprovenNotFoundError;
 * other errors propagate as they are.
 */
export async function readOrGone<T>(kind: Pick<ResourceKind, 'goneCodes'>, read: () => Promise<T>, parentRead: () => Promise<void>, pause: ReadContext['pauseBeforeRereading']): Promise<T | undefined> {
  for (let attempt = 1; ; attempt++) {
    let answer: AtlasApiError;
    try {
      return await read();
    } catch (error) {
      if (!(error instanceof AtlasApiError) || error.status !== 404) throw error;
      answer = error;
    }
    const why = whyNotEvidence(kind, answer);
    if (why) {
      if (attempt >= UNPROVEN_404_ATTEMPTS) throw new UnprovenNotFoundError(answer, why);
      await pause(attempt);
      continue;
    }
    try {
      await parentRead();
    } catch (parentError) {
      // A parent that is itself missing (or hidden by a proxy) proves nothing about the child; any other
      // failure (a 503, a refused key) keeps its own meaning for the caller.
      if (!(parentError instanceof AtlasApiError) || parentError.status !== 404) throw parentError;
      throw new UnprovenNotFoundError(answer, `its parent could not be read: ${parentError.message}`);
    }
    return undefined;
  }
}

/** A resource whose parent is the project: the project must be readable in the same pass. */
export function projectParent(ctx: ReadContext, projectId: string): () => Promise<void> {
  return () => ctx.projectRead(projectId);
}
