import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context, SQSEvent } from 'aws-lambda';
import { needsAPerson } from '../lib/credentials';
import { countDeleteRoleMissing, countDeleted, countOutcome, countingAtlasFailures, failWhenAPersonIsNeeded, invocationDeadline, logger, metrics, needsAPersonIn, runtimeDeps, sqsEventShape } from '../lib/lambda';
import { reportError } from '../lib/scan';
import { QUEUED_JOB_TOKEN_WAIT_MS, jobActor, processDeleteBatch, type JobReport } from '../lib/worker';

/**
 * The only function that deletes. FIFO delete queue, batches of up to 10, partial batch responses:
 * each job is re-read, deleted only if it still qualifies, and logged with its outcome. A job whose
 * credentials Atlas refuses is retried, and the invocation fails once the batch is done.
 */
export const handler = middy(async (event: SQSEvent, context: Context) => {
  const atlasFailures = countingAtlasFailures(runtimeDeps());
  const deps = atlasFailures.deps;
  const actor = jobActor(deps, {
    maxTokenWaitMs: QUEUED_JOB_TOKEN_WAIT_MS,
    onRoleMissing: (job, reason) => {
      countDeleteRoleMissing();
      logger.error('the credentials lack the role to delete in this project: no further DELETE there in this sweep', { projectId: job.projectId, sweepId: job.sweepId, reason });
    },
  });
  return processDeleteBatch(event, {
    config: deps.config,
    sqs: deps.sqs,
    act: (job) =>
      actor(job).catch((error: unknown) => {
        if (needsAPerson(error)) needsAPersonIn(context).add(reportError(job.projectId, job.kind, error));
        throw error;
      }),
    history: deps.ledger,
    notifier: deps.notifier,
    onJob: logJob,
  }).finally(atlasFailures.flush);
})
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics))
  .use(sqsEventShape())
  .use(failWhenAPersonIsNeeded('worker'))
  .use(invocationDeadline());

function logJob(report: JobReport): void {
  countOutcome(report.outcome);
  if (report.outcome === 'deleted') countDeleted(report.kind, report.rule);
  const line = { ...report, ack: report.disposition.ack, disposition: report.disposition.note };
  if (report.outcome === 'deadLetter' || report.outcome === 'retry') logger.warn('delete job', line);
  else logger.info('delete job', line);
}
