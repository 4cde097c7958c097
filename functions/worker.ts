import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { SQSEvent } from 'aws-lambda';
import { needsAPerson } from '../lib/credentials';
import { countCredentialsFailures, countDeleted, countOutcome, countingAtlasFailures, invocationDeadline, logger, sqsEventShape, metrics, runtimeDeps } from '../lib/lambda';
import type { ReportError } from '../lib/report';
import { RunFailedError } from '../lib/run';
import { reportError } from '../lib/scan';
import { jobActor, processDeleteBatch } from '../lib/worker';

/**
 * The only function that deletes. FIFO delete queue, batches of up to 10, partial batch responses:
 * each job is re-read, deleted only if it still qualifies, and logged with its outcome. A job whose
 * credentials Atlas refuses is retried, and the invocation fails once the batch is done, so the Errors
 * alarm sees it.
 */
export const handler = middy(async (event: SQSEvent) => {
  const atlasFailures = countingAtlasFailures(runtimeDeps());
  const deps = atlasFailures.deps;
  const actor = jobActor(deps);
  const failures: ReportError[] = [];
  const response = await processDeleteBatch(event, {
    config: deps.config,
    sqs: deps.sqs,
    act: async (job) => {
      try {
        return await actor(job);
      } catch (error) {
        if (needsAPerson(error)) failures.push(reportError(job.projectId, job.kind, error));
        throw error;
      }
    },
    history: deps.ledger,
    notifier: deps.notifier,
    onJob: (report) => {
      countOutcome(report.outcome);
      if (report.outcome === 'deleted') countDeleted(report.kind, report.rule);
      const line = { ...report, ack: report.disposition.ack, disposition: report.disposition.note };
      if (report.outcome === 'deadLetter' || report.outcome === 'retry') logger.warn('delete job', line);
      else logger.info('delete job', line);
    },
  }).finally(atlasFailures.flush);
  if (failures.length > 0) {
    countCredentialsFailures(failures.length);
    logger.error('worker failed: credentials need a person', { failures });
    throw new RunFailedError(failures);
  }
  return response;
})
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics))
  .use(sqsEventShape())
  .use(invocationDeadline());
