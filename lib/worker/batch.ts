import type { AtlasError } from '../atlas';
import type { SqsSender } from '../aws/clients';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { JanitorConfig } from '../config';
import { notifyDeadLetters, type DeadLetterItem } from '../notify/messages';
import type { Notifier } from '../notify/notifier';
import { historyEntry, type Ledger } from '../ledger';
import { MessageValidationError, messageRefOf, parseDeleteJob, type DeleteJob } from '../jobs';
import { dispose, returnUnprocessed, type Disposition, type MessageRef } from './dispose';
import type { JobOutcome } from './outcome';

export interface JobReport {
  messageId: string;
  jobId: string | undefined;
  projectId: string | undefined;
  kind: string | undefined;
  rule?: string | undefined;
  outcome: JobOutcome['outcome'];
  reason?: string | undefined;
  errorCode?: string | undefined;
  /** HTTP attempts of the last Atlas call that failed, when one did. */
  attempts?: number | undefined;
  receiveCount: number;
  disposition: Disposition;
  durationMs: number;
}

export interface BatchDeps {
  config: JanitorConfig;
  sqs: SqsSender;
  /** Acts on one valid job (the real one: actOnJob with credentials and a client). */
  act: (job: DeleteJob) => Promise<JobOutcome>;
  /** Called once per message, after its disposition. */
  onJob?: (report: JobReport) => void;
  /** Run history: each attempt and the outcome are appended to the job's entry. */
  history?: Ledger | undefined;
  /** Dead-lettered jobs of the batch are published here. */
  notifier?: Notifier | undefined;
  random?: () => number;
  now?: () => number;
}

/**
 * Processes a FIFO batch: records of one message group (one project) in order, groups side by side.
 * When a record is not acknowledged, the rest of its group is returned unprocessed, so order within a
 * project holds (an endpoint service job stays behind its endpoints' jobs).
 *
 * Why not Powertools' SqsFifoPartialProcessor: it runs the whole batch one record after another (no
 * message groups side by side, so one slow project holds up the others), and it can only fail the rest
 * of the batch, which counts a receive against each record; here a record returned unprocessed is sent
 * again as a fresh copy before it would reach the redrive limit (returnUnprocessed), so a job is never
 * dead-lettered for being behind another.
 */
export async function processDeleteBatch(event: SQSEvent, deps: BatchDeps): Promise<SQSBatchResponse> {
  const groups = new Map<string, SQSRecord[]>();
  for (const record of event.Records) {
    const group = record.attributes.MessageGroupId ?? record.messageId;
    groups.set(group, [...(groups.get(group) ?? []), record]);
  }
  const failures: string[] = [];
  // Whatever sent a job to the DLQ (a permanent error, retries exhausted, too many deferrals), it is announced.
  const deadLettered: DeadLetterItem[] = [];
  const tracked: BatchDeps = {
    ...deps,
    onJob: (report) => {
      if (report.disposition.ack && report.disposition.deadLettered) deadLettered.push({ ...report, ...report.disposition.deadLettered });
      deps.onJob?.(report);
    },
  };
  await Promise.all(
    [...groups.entries()].map(async ([group, records]) => {
      for (let i = 0; i < records.length; i++) {
        const disposition = await processRecord(records[i]!, tracked);
        if (!disposition.ack) {
          failures.push(records[i]!.messageId);
          for (const rest of records.slice(i + 1)) if (!(await returnRecord(rest, group, deps, disposition.visibilitySeconds)).ack) failures.push(rest.messageId);
          return;
        }
      }
    }),
  );
  if (deps.notifier) await notifyDeadLetters(deps.notifier, deadLettered);
  // Report in the batch's own order, as Lambda documents it.
  const failed = new Set(failures);
  return { batchItemFailures: event.Records.filter((r) => failed.has(r.messageId)).map((r) => ({ itemIdentifier: r.messageId })) };
}

function messageOf(record: SQSRecord, deps: BatchDeps): MessageRef {
  return messageRefOf(record, deps.config.deleteQueueUrl);
}

/** The code and status a failure carries, when it has them (an Atlas API error, a credentials refusal). */
function errorFields(error: unknown): { errorCode?: string | undefined; status?: number | undefined } {
  const e = error as { errorCode?: unknown; status?: unknown } | undefined;
  return { ...(typeof e?.errorCode === 'string' ? { errorCode: e.errorCode } : {}), ...(typeof e?.status === 'number' ? { status: e.status } : {}) };
}

async function returnRecord(record: SQSRecord, group: string, deps: BatchDeps, visibilitySeconds: number | undefined): Promise<Disposition> {
  try {
    return await returnUnprocessed(disposeDeps(deps), messageOf(record, deps), group, visibilitySeconds);
  } catch {
    return { ack: false, note: 'could not send it again, or change its visibility' };
  }
}

function disposeDeps(deps: BatchDeps) {
  return { sqs: deps.sqs, settings: deps.config.worker, random: deps.random ?? Math.random };
}

async function processRecord(record: SQSRecord, deps: BatchDeps): Promise<Disposition> {
  const now = deps.now ?? Date.now;
  const started = now();
  const message = messageOf(record, deps);
  let job: DeleteJob | undefined;
  let outcome: JobOutcome;
  try {
    job = parseDeleteJob(record.body);
    outcome = await deps.act(job);
  } catch (error) {
    outcome =
      error instanceof MessageValidationError
        ? { outcome: 'deadLetter', reason: `invalid delete job: ${error.message}`, errorCode: 'INVALID_JOB' }
        : // Anything unforeseen (credentials unreadable, a bug) is retried; redrive ends it if it persists.
          // An unforeseen error keeps what it carries (a refusal's errorCode and status) for the report and history.
          { outcome: 'retry', reason: error instanceof Error ? error.message : String(error), error: error as AtlasError };
  }
  let disposition: Disposition;
  try {
    disposition = await dispose(disposeDeps(deps), message, job, outcome);
  } catch {
    // The SQS action failed: leave the message; it comes back after its visibility timeout.
    disposition = { ack: false, note: 'could not apply the outcome to the queue' };
  }
  if (job && deps.history) await recordAttempt(deps.history, job, outcome, disposition, message.receiveCount, now());
  deps.onJob?.({
    messageId: record.messageId,
    jobId: job?.jobId,
    projectId: job?.projectId,
    kind: job?.kind,
    rule: job?.rule,
    outcome: outcome.outcome,
    reason: 'reason' in outcome ? outcome.reason : undefined,
    errorCode: outcome.outcome === 'retry' ? errorFields(outcome.error).errorCode : outcome.outcome === 'deadLetter' ? outcome.errorCode : undefined,
    attempts: outcome.outcome === 'retry' ? outcome.error?.attempts : undefined,
    receiveCount: message.receiveCount,
    disposition,
    durationMs: now() - started,
  });
  return disposition;
}

/**
 * Appends the attempt to the job's history. Best effort: the history is for people; a failed write must
 * not hold back a delete that already happened, so it only shows in the disposition's note.
 */
async function recordAttempt(history: Ledger, job: DeleteJob, outcome: JobOutcome, disposition: Disposition, receiveCount: number, at: number): Promise<void> {
  const error = outcome.outcome === 'retry' ? errorFields(outcome.error) : outcome.outcome === 'deadLetter' ? outcome : undefined;
  try {
    await history.recordAttempt(
      historyEntry(job),
      {
        at: new Date(at).toISOString(),
        outcome: outcome.outcome,
        receiveCount,
        ...('reason' in outcome && outcome.reason ? { note: outcome.reason.slice(0, 1024) } : {}),
        ...(error?.errorCode ? { errorCode: error.errorCode } : {}),
        ...(error?.status !== undefined ? { status: error.status } : {}),
      },
      // A deferred job acknowledged here was sent again as a new message: it is not finished.
      disposition.ack && outcome.outcome !== 'defer',
    );
  } catch {
    disposition.note = `${disposition.note ?? ''} (history not written)`.trim();
  }
}
