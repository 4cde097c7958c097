import type { AtlasError } from '../atlas';

/**
 * How one delete job ended. `done` outcomes acknowledge the message; `retry` returns it to the queue
 * with a longer visibility timeout; `defer` waits for a precondition; `deadLetter` goes to the DLQ now.
 */
export type JobOutcome =
  /** `reason`, when the delete removed more than the resource (a last AWS peer's security groups). */
  | { outcome: 'deleted'; reason?: string | undefined }
  | { outcome: 'alreadyGone' }
  | { outcome: 'inProgress'; state: string }
  | { outcome: 'drifted'; reason: string }
  | { outcome: 'protected'; reason: string }
  | { outcome: 'dryRun' }
  /** `delaySeconds`: how long until it is looked at again, when not the configured DEFER_SECONDS. */
  | { outcome: 'defer'; reason: string; delaySeconds?: number | undefined }
  | { outcome: 'retry'; reason: string; error: AtlasError }
  | { outcome: 'deadLetter'; reason: string; errorCode?: string | undefined; status?: number | undefined };

export type OutcomeName = JobOutcome['outcome'];

/** What a job's outcome shows on a page: its outcome, its reason, and the error code it ended on. */
export function pageOutcomeOf(outcome: JobOutcome): { outcome: string; reason?: string | undefined; errorCode?: string | undefined } {
  const reason = 'reason' in outcome && outcome.reason ? outcome.reason : undefined;
  const errorCode = outcome.outcome === 'deadLetter' ? outcome.errorCode : undefined;
  return { outcome: outcome.outcome, ...(reason ? { reason } : {}), ...(errorCode ? { errorCode } : {}) };
}
