import { setTimeout as sleep } from 'node:timers/promises';
import type { DeleteJob } from '../jobs';
import { backoff } from '../concurrency/backoff';
import { MAX_IN_FLIGHT } from '../concurrency/admit';
import { mapLimit } from '../concurrency/map-limit';
import type { JobOutcome } from './outcome';

export interface DirectOptions {
  /** Wait before looking again at a deferred job (endpoint service with endpoints left). */
  deferWaitMs: number;
  maxDeferrals: number;
  /** Rounds for a job whose Atlas calls kept failing transiently (each round already retried in the client). */
  maxRetries: number;
  retryWaitMs: number;
  /**
   * Projects handled side by side (default MAX_IN_FLIGHT, a memory bound); jobs of one project stay in
   * order. Not the request concurrency: a job waiting for its bucket's token holds no sending slot, and
   * the client bounds the requests in flight.
   */
  projectConcurrency?: number;
  wait?: (ms: number) => Promise<void>;
  onOutcome?: (job: DeleteJob, outcome: JobOutcome, round: number) => void;
}

/**
 * Runs delete jobs in this process with the worker's logic and no queue: per project in order
 * (endpoints before their services), waiting on `defer`, repeating `retry` a few rounds.
 */
export async function runJobsDirectly(
  jobs: readonly DeleteJob[],
  act: (job: DeleteJob) => Promise<JobOutcome>,
  options: DirectOptions,
): Promise<Map<string, JobOutcome>> {
  const wait = options.wait ?? ((ms: number) => sleep(ms));
  const byProject = new Map<string, DeleteJob[]>();
  for (const job of jobs) byProject.set(job.projectId, [...(byProject.get(job.projectId) ?? []), job]);
  const outcomes = new Map<string, JobOutcome>();
  await mapLimit([...byProject.values()], options.projectConcurrency ?? MAX_IN_FLIGHT, async (projectJobs) => {
    for (const job of projectJobs) {
      let outcome: JobOutcome;
      for (let round = 1; ; round++) {
        outcome = await act(job);
        options.onOutcome?.(job, outcome, round);
        if (outcome.outcome === 'defer' && round <= options.maxDeferrals) await wait(options.deferWaitMs);
        else if (outcome.outcome === 'retry' && round < options.maxRetries) await wait(backoff(round, { base: options.retryWaitMs }));
        else break;
      }
      outcomes.set(job.jobId, outcome);
    }
  });
  return outcomes;
}
