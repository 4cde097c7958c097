import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { MessageValidationError, parseScanRequest, redeliverAfter, retryVisibilitySeconds } from '../lib/jobs';
import { countReportNotStored, countScan, invocationDeadline, logger, runtimeDeps } from '../lib/lambda';
import type { ReportStore } from '../lib/report';
import { notifyProjectScan, projectReport, reportCandidates, runProjectScan, type ProjectScanResult } from '../lib/run';

const processor = new BatchProcessor(EventType.SQS);

/**
 * One scan request per message; a bad or failed message is a batch item failure and the rest go on.
 * A failed message comes back after a backoff that grows with its receive count (not the queue's whole
 * visibility timeout); after the redrive limit it is in the scan DLQ.
 */
async function scanRecord(record: SQSRecord): Promise<void> {
  const deps = runtimeDeps();
  try {
    await scanOne(record);
  } catch (error) {
    const receives = Number(record.attributes.ApproximateReceiveCount ?? '1');
    if (!(error instanceof MessageValidationError)) {
      logger.warn('scan failed', { messageId: record.messageId, receiveCount: receives, reason: error instanceof Error ? error.message : String(error) });
    }
    if (deps.sqs && deps.config.scanQueueUrl) {
      const seconds = retryVisibilitySeconds(deps.config.worker.retryBaseSeconds, receives, Math.random);
      await redeliverAfter(deps.sqs, deps.config.scanQueueUrl, record.receiptHandle, seconds).catch(() => undefined);
    }
    throw error;
  }
}

async function scanOne(record: SQSRecord): Promise<void> {
  let request;
  try {
    request = parseScanRequest(record.body);
  } catch (error) {
    if (error instanceof MessageValidationError) {
      logger.error('scan request rejected', { messageId: record.messageId, field: error.field, reason: error.message });
    }
    throw error;
  }
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
    errors: scan.errors,
    capExceeded: scan.capExceeded,
    enqueued: result.enqueued,
    apiCalls: scan.apiCalls,
    durationMs: scan.durationMs,
  });
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

export const handler = middy((event: SQSEvent, context: Context) =>
  processPartialResponse(event, scanRecord, processor, { context, throwOnFullBatchFailure: false }),
)
  .use(injectLambdaContext(logger))
  .use(invocationDeadline());
