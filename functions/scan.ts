import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { PlanRefusedError, claimsToBeApply, parseApplyEvent } from '../lib/approval';
import { needsAPerson } from '../lib/credentials';
import { MessageValidationError, deadLetterNow, messageRefOf, parseScanRequest, retryLater } from '../lib/jobs';
import { applyAndLog, countReportNotStored, countScan, failWhenAPersonIsNeeded, invocationDeadline, logger, needsAPersonIn, runtimeDeps, sqsEventShape } from '../lib/lambda';
import { keptByCause, reportCandidates, scanRequestMessage, type ScanMessageResult } from '../lib/run';
import { reportError } from '../lib/scan';

const processor = new BatchProcessor(EventType.SQS);

/**
 * One scan request per message; a failed message is a batch item failure and the rest go on. It comes
 * back after a backoff that grows with its receive count; an invalid one goes to the scan DLQ at once
 * with its reason (lib/jobs disposal, as the worker's jobs do). Refused credentials fail the invocation
 * once every record was tried.
 */
const scanRecord = (context: Context) => async (record: SQSRecord): Promise<void> => {
  const deps = runtimeDeps();
  try {
    // An SQS message of the console's apply shape approves a stored plan, once.
    if (claimsToBeApply(bodyOf(record.body))) await applyAndLog(deps, parseApplyEvent(record.body));
    else logScan(await scanRequestMessage(deps, parseScanRequest(record.body)));
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    const message = messageRefOf(record, deps.config.scanQueueUrl);
    const disposal = deps.sqs ? { sqs: deps.sqs, settings: deps.config.scanRetry, random: Math.random } : undefined;
    if (error instanceof PlanRefusedError) {
      // Refused for good (expired, changed, another Atlas, …; logged by applyAndLog): to the DLQ at once with the reason, nothing enqueued.
      if (disposal && (await deadLetterNow(disposal, message, { reason, errorCode: 'PLAN_REFUSED' })).ack) return;
      throw error;
    }
    if (error instanceof MessageValidationError) {
      logger.error('scan request rejected', { messageId: record.messageId, field: error.field, reason });
      if (disposal && (await deadLetterNow(disposal, message, { reason, errorCode: 'INVALID_SCAN_REQUEST' })).ack) return;
      throw error;
    }
    if (needsAPerson(error)) needsAPersonIn(context).add(reportError(undefined, undefined, error));
    logger.warn('scan failed', { messageId: record.messageId, receiveCount: message.receiveCount, reason });
    if (disposal && deps.config.scanQueueUrl) await retryLater(disposal, message, { reason }).catch(() => undefined);
    throw error;
  }
};

/** The body as JSON, or undefined: a body that is not JSON is the scan request parser's to refuse. */
function bodyOf(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}

function logScan({ result, reportNotStored }: ScanMessageResult): void {
  const { scan } = result;
  countScan(result);
  if (reportNotStored) {
    countReportNotStored();
    logger.error('project report not stored', { sweepId: result.sweepId, projectId: scan.projectId, reason: reportNotStored });
  }
  logger.info('project scanned', {
    sweepId: result.sweepId,
    mode: result.mode,
    projectId: scan.projectId,
    excluded: scan.excluded,
    seen: scan.seen,
    candidates: reportCandidates(result),
    kept: scan.kept.length,
    keptByCause: keptByCause(scan.kept),
    errors: scan.errors,
    capExceeded: scan.capExceeded,
    enqueued: result.enqueued,
    apiCalls: scan.apiCalls,
    durationMs: scan.durationMs,
  });
}

export const handler = middy((event: SQSEvent, context: Context) => processPartialResponse(event, scanRecord(context), processor, { context, throwOnFullBatchFailure: false }))
  .use(injectLambdaContext(logger))
  .use(sqsEventShape())
  .use(failWhenAPersonIsNeeded('scan'))
  .use(invocationDeadline());
