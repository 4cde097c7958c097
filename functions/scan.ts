import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { MessageValidationError, parseScanRequest } from '../lib/jobs';
import { invocationDeadline, logger, runtimeDeps } from '../lib/lambda';
import { reportCandidates, runProjectScan } from '../lib/run';

const processor = new BatchProcessor(EventType.SQS);

/** One scan request per message; a bad or failed message is a batch item failure and the rest go on. */
async function scanRecord(record: SQSRecord): Promise<void> {
  let request;
  try {
    request = parseScanRequest(record.body);
  } catch (error) {
    if (error instanceof MessageValidationError) {
      logger.error('scan request rejected', { messageId: record.messageId, field: error.field, reason: error.message });
    }
    throw error;
  }
  const result = await runProjectScan(runtimeDeps(), request);
  const { scan } = result;
  logger.info('project scanned', {
    sweepId: result.sweepId,
    mode: result.mode,
    projectId: scan.projectId,
    seen: scan.seen,
    candidates: reportCandidates(result),
    kept: scan.kept.length,
    errors: scan.errors,
    capExceeded: scan.capExceeded,
    enqueued: result.enqueued,
    apiCalls: scan.apiCalls,
    durationMs: scan.durationMs,
  });
}

export const handler = middy((event: SQSEvent, context: Context) =>
  processPartialResponse(event, scanRecord, processor, { context, throwOnFullBatchFailure: false }),
)
  .use(injectLambdaContext(logger))
  .use(invocationDeadline());
