import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { needsAPerson } from '../lib/credentials';
import { MessageValidationError, parseScanRequest, receiveCountOf, redeliverAfter, retryVisibilitySeconds, sendToDeadLetterQueue } from '../lib/jobs';
import { countCredentialsFailures, countReportNotStored, countScan, invocationDeadline, logger, sqsEventShape, runtimeDeps } from '../lib/lambda';
import type { ReportError, ReportStore } from '../lib/report';
import { RunFailedError, notifyProjectScan, projectReport, reportCandidates, runProjectScan, type ProjectScanResult } from '../lib/run';
import { reportError } from '../lib/scan';

const processor = new BatchProcessor(EventType.SQS);

/**
 * One scan request per message; a failed message is a batch item failure and the rest go on. A failed
 * message comes back after a backoff that grows with its receive count (not the queue's whole visibility
 * timeout); after the redrive limit it is in the scan DLQ. An invalid message will never pass: it goes to
 * the scan DLQ at once with its reason, as an invalid delete job does. Refused credentials fail the
 * invocation (after every record was tried), so the Errors alarm sees them.
 */
function scanRecord(failures: ReportError[]) {
  return async (record: SQSRecord): Promise<void> => {
    const deps = runtimeDeps();
    const receives = receiveCountOf(record.attributes?.ApproximateReceiveCount);
    try {
      await scanOne(record);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      if (error instanceof MessageValidationError) {
        logger.error('scan request rejected', { messageId: record.messageId, field: error.field, reason });
        if (deps.sqs && deps.config.scanDeadLetterQueueUrl) {
          await sendToDeadLetterQueue(deps.sqs, deps.config.scanDeadLetterQueueUrl, { body: record.body, messageId: record.messageId, reason, errorCode: 'INVALID_SCAN_REQUEST', receiveCount: receives });
          return;
        }
        throw error; // no SCAN_DLQ_URL: the queue's redrive policy moves it in the end
      }
      if (needsAPerson(error)) failures.push(reportError(undefined, undefined, error));
      logger.warn('scan failed', { messageId: record.messageId, receiveCount: receives, reason });
      if (deps.sqs && deps.config.scanQueueUrl) {
        const seconds = retryVisibilitySeconds(deps.config.worker.retryBaseSeconds, receives, Math.random);
        await redeliverAfter(deps.sqs, deps.config.scanQueueUrl, record.receiptHandle, seconds).catch(() => undefined);
      }
      throw error;
    }
  };
}

async function scanOne(record: SQSRecord): Promise<void> {
  const request = parseScanRequest(record.body);
  const deps = runtimeDeps();
  const result = await runProjectScan(deps, request);
  const { scan } = result;
  countScan(result);
  // Only a sweep's scans have a page to come: a scan request from elsewhere carries no sweep id.
  const reports = request.sweepId !== undefined ? deps.reports : undefined;
  const page = reports ? { ...reports.where(result.sweepId), pending: true } : undefined;
  if (reports) await storeReport(reports, result);
  if (deps.notifier) await notifyProjectScan(deps.notifier, result, deps.now(), page);
  logger.info('project scanned', {
    sweepId: result.sweepId,
    mode: result.mode,
    projectId: scan.projectId,
    excluded: scan.excluded,
    seen: scan.seen,
    candidates: reportCandidates(result),
    kept: scan.kept.length,
    keptByCause: countBy(scan.kept.map((k) => k.cause)),
    errors: scan.errors,
    capExceeded: scan.capExceeded,
    enqueued: result.enqueued,
    apiCalls: scan.apiCalls,
    durationMs: scan.durationMs,
  });
}

function countBy(keys: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const key of keys) counts[key] = (counts[key] ?? 0) + 1;
  return counts;
}

/**
 * Best effort, but loud: the scan is done and its jobs are queued, so a retry would only scan again.
 * A report that is not stored shows on the sweep's page as a project without a report.
 */
async function storeReport(store: ReportStore, result: ProjectScanResult): Promise<void> {
  try {
    await store.putProjectReport(result.scan.projectId, projectReport(result));
  } catch (error) {
    countReportNotStored();
    logger.error('project report not stored', { sweepId: result.sweepId, projectId: result.scan.projectId, reason: error instanceof Error ? `${error.name}: ${error.message}` : String(error) });
  }
}

export const handler = middy(async (event: SQSEvent, context: Context) => {
  const failures: ReportError[] = [];
  const response = await processPartialResponse(event, scanRecord(failures), processor, { context, throwOnFullBatchFailure: false });
  if (failures.length > 0) {
    countCredentialsFailures(failures.length);
    logger.error('scan failed: credentials need a person', { failures });
    throw new RunFailedError(failures);
  }
  return response;
})
  .use(injectLambdaContext(logger))
  .use(sqsEventShape())
  .use(invocationDeadline());
