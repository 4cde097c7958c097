import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { SQSEvent } from 'aws-lambda';
import { countDeleted, countOutcome, invocationDeadline, logger, metrics, runtimeDeps } from '../lib/lambda';
import { jobActor, processDeleteBatch } from '../lib/worker';

/**
 * The only function that deletes. FIFO delete queue, batches of up to 10, partial batch responses:
 * each job is re-read, deleted only if it still qualifies, and logged with its outcome.
 */
export const handler = middy(async (event: SQSEvent) => {
  const deps = runtimeDeps();
  if (!deps.sqs) throw new Error('the worker needs an SQS client');
  return processDeleteBatch(event, {
    config: deps.config,
    sqs: deps.sqs,
    act: jobActor(deps),
    history: deps.ledger,
    notifier: deps.notifier,
    onJob: (report) => {
      countOutcome(report.outcome);
      if (report.outcome === 'deleted') countDeleted(report.kind, report.rule);
      const line = { ...report, ack: report.disposition.ack, disposition: report.disposition.note };
      if (report.outcome === 'deadLetter' || report.outcome === 'retry') logger.warn('delete job', line);
      else logger.info('delete job', line);
    },
  });
})
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics))
  .use(invocationDeadline());
