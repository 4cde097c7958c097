import type { SendMessageCommandInput } from '@aws-sdk/client-sqs';
import { sqsCommands, type SqsSender } from '../aws/clients';
import type { WorkerSettings } from '../config';
import { deadLetterNow, redeliverAfter, retryLater, type DeleteJob, type Disposition, type LetterFields, type MessageRef } from '../jobs';
import type { JobOutcome } from './outcome';

/** A service job waiting for its endpoints this many times is given up on (DLQ). */
const MAX_DEFERRALS = 50;


export type { Disposition, MessageRef } from '../jobs';

export interface DisposeDeps {
  sqs: SqsSender;
  settings: WorkerSettings;
  random: () => number;
}

/** Turns an outcome into SQS actions. Never loses a message: when an action fails, the message is left on the queue. */
export async function dispose(deps: DisposeDeps, message: MessageRef, job: DeleteJob | undefined, outcome: JobOutcome): Promise<Disposition> {
  switch (outcome.outcome) {
    case 'retry':
      return retryLater(deps, message, letterOf(job, outcome.reason));
    case 'defer':
      return defer(deps, message, job!, outcome.reason, outcome.delaySeconds);
    case 'deadLetter':
      return deadLetter(deps, message, job, outcome.reason, outcome.errorCode, outcome.status);
    default:
      return { ack: true };
  }
}

async function defer(deps: DisposeDeps, message: MessageRef, job: DeleteJob, reason: string, delaySeconds = deps.settings.deferSeconds): Promise<Disposition> {
  const deferrals = job.deferrals ?? 0;
  if (deferrals >= MAX_DEFERRALS) return deadLetter(deps, message, job, `${reason} after ${deferrals} deferrals`, 'DEFERRED_TOO_LONG');
  // Waiting must not count toward the redrive limit: before the last receive, send a fresh copy instead.
  if (message.receiveCount >= deps.settings.maxReceiveCount - 1) {
    const copy: DeleteJob = { ...job, deferrals: deferrals + 1 };
    await sendMessage(deps, {
      QueueUrl: message.queueUrl,
      MessageBody: JSON.stringify(copy),
      MessageGroupId: job.projectId,
      MessageDeduplicationId: `${job.jobId}-d${deferrals + 1}`,
    });
    return { ack: true, note: `sent again as deferral ${deferrals + 1}` };
  }
  await changeVisibility(deps, message, delaySeconds);
  return { ack: false, visibilitySeconds: delaySeconds, note: reason };
}

/**
 * A message returned unprocessed (behind a failed one of its project) still counts a receive; before it
 * would reach the redrive limit, it is sent again as a fresh copy so it is tried, not dead-lettered blind.
 * It comes back with the one ahead of it (`visibilitySeconds`, that one's): a FIFO queue hands out
 * nothing of a group while any of its messages is in flight, so left at the queue's whole visibility
 * timeout it would hold the one ahead back that long.
 */
export async function returnUnprocessed(deps: DisposeDeps, message: MessageRef, groupId: string, visibilitySeconds?: number): Promise<Disposition> {
  if (message.receiveCount < deps.settings.maxReceiveCount - 1) {
    if (visibilitySeconds === undefined) return { ack: false, note: 'behind a failed job of its project' };
    await changeVisibility(deps, message, visibilitySeconds);
    return { ack: false, visibilitySeconds, note: 'behind a failed job of its project, back with it' };
  }
  await sendMessage(deps, {
    QueueUrl: message.queueUrl,
    MessageBody: message.body,
    MessageGroupId: groupId,
    MessageDeduplicationId: `${message.messageId}-again`,
  });
  return { ack: true, note: 'sent again behind the failed job of its project' };
}

function deadLetter(deps: DisposeDeps, message: MessageRef, job: DeleteJob | undefined, reason: string, errorCode?: string, status?: number): Promise<Disposition> {
  return deadLetterNow(deps, message, { ...letterOf(job, reason), errorCode, status });
}

/** A delete job's dead letter: in its project's group, with its job id and kind as attributes. */
function letterOf(job: DeleteJob | undefined, reason: string): LetterFields {
  return { reason, groupId: job?.projectId, attributes: job ? { jobId: job.jobId, kind: job.kind } : undefined };
}

async function sendMessage(deps: DisposeDeps, input: SendMessageCommandInput): Promise<void> {
  const { SendMessageCommand } = await sqsCommands();
  await deps.sqs.send(new SendMessageCommand(input));
}

function changeVisibility(deps: DisposeDeps, message: MessageRef, seconds: number): Promise<void> {
  return redeliverAfter(deps.sqs, message.queueUrl, message.receiptHandle, seconds);
}
