import type { SqsSender } from '../aws/clients';
import type { QueueRetrySettings } from '../config';
import { sendToDeadLetterQueue } from './dead-letter';
import { receiveCountOf, redeliverAfter, retryVisibilitySeconds } from './redelivery';
import type { SQSRecord } from 'aws-lambda';

/** A received SQS message, as both consumers (the scan function and the worker) handle it. */
export interface MessageRef {
  queueUrl: string;
  messageId: string;
  receiptHandle: string;
  receiveCount: number;
  body: string;
}

/** What became of the message: acknowledged (delete it) or left as a batch item failure. */
export type Disposition =
  | { ack: true; note?: string; deadLettered?: { reason: string; errorCode?: string | undefined } }
  | { ack: false; visibilitySeconds?: number; note?: string };

export interface DisposalDeps {
  sqs: SqsSender;
  settings: QueueRetrySettings;
  random: () => number;
}

/** What a dead letter carries besides the message: its reason and where it belongs. */
export interface LetterFields {
  reason: string;
  errorCode?: string | undefined;
  status?: number | undefined;
  /** FIFO dead-letter queues: the message group (the project). */
  groupId?: string | undefined;
  attributes?: Record<string, string> | undefined;
}

/**
 * Sends the message to the dead-letter queue now, with its reason as attributes, and acknowledges it.
 * Without a DLQ configured it is left on the queue, whose redrive policy moves it in the end.
 */
export async function deadLetterNow(deps: DisposalDeps, message: MessageRef, letter: LetterFields): Promise<Disposition> {
  const url = deps.settings.deadLetterQueueUrl;
  if (!url) return { ack: false, note: 'no dead-letter queue URL configured: left for redrive' };
  await sendToDeadLetterQueue(deps.sqs, url, { body: message.body, messageId: message.messageId, receiveCount: message.receiveCount, ...letter });
  return { ack: true, note: 'dead-lettered', deadLettered: { reason: letter.reason, errorCode: letter.errorCode } };
}

/**
 * A failure that may pass later: the message comes back after a backoff that grows with its receive
 * count (not the queue's whole visibility timeout). On its last receive it would reach the DLQ without
 * a word, so it is sent there now, with the reason.
 */
export async function retryLater(deps: DisposalDeps, message: MessageRef, letter: LetterFields): Promise<Disposition> {
  if (message.receiveCount >= deps.settings.maxReceiveCount) {
    return deadLetterNow(deps, message, { ...letter, reason: `retries exhausted after ${message.receiveCount} receives: ${letter.reason}`, errorCode: 'RETRIES_EXHAUSTED' });
  }
  const seconds = retryVisibilitySeconds(deps.settings.retryBaseSeconds, message.receiveCount, deps.random);
  await redeliverAfter(deps.sqs, message.queueUrl, message.receiptHandle, seconds);
  return { ack: false, visibilitySeconds: seconds };
}

/** A record as a message to dispose of: on the configured queue, else the one its event source names. */
export function messageRefOf(record: SQSRecord, queueUrl: string | undefined): MessageRef {
  return {
    queueUrl: queueUrl ?? queueUrlFromArn(record.eventSourceARN),
    messageId: record.messageId,
    receiptHandle: record.receiptHandle,
    receiveCount: receiveCountOf(record.attributes?.ApproximateReceiveCount),
    body: record.body,
  };
}

/** arn:aws:sqs:REGION:ACCOUNT:NAME → https://sqs.REGION.amazonaws.com/ACCOUNT/NAME */
function queueUrlFromArn(arn: string): string {
  const [, , , region, account, name] = arn.split(':');
  return `https://sqs.${region}.amazonaws.com/${account}/${name}`;
}
