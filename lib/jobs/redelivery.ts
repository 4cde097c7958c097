import { sqsCommands, type SqsSender } from '../aws/clients';
import { backoff } from '../concurrency/backoff';

/** SQS caps a message's visibility timeout at 12 hours. */
const MAX_VISIBILITY_SECONDS = 43_200;

/**
 * Queue-level backoff for a transient failure: base * 2^(receives-1) seconds, jittered between half and
 * all of it so retries of a burst spread out, capped at SQS's 12 hours.
 */
export function retryVisibilitySeconds(baseSeconds: number, receiveCount: number, random: () => number): number {
  return Math.max(1, Math.round(backoff(Math.max(1, receiveCount), { base: baseSeconds, max: MAX_VISIBILITY_SECONDS, jitter: 'half', random })));
}

/** Makes a received message visible again after `seconds` (instead of the queue's whole visibility timeout). */
export async function redeliverAfter(sqs: SqsSender, queueUrl: string, receiptHandle: string, seconds: number): Promise<void> {
  const { ChangeMessageVisibilityCommand } = await sqsCommands();
  await sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl: queueUrl, ReceiptHandle: receiptHandle, VisibilityTimeout: seconds }));
}

/**
 * A record's receive count, from SQS's `ApproximateReceiveCount` attribute: a whole number from 1. Anything
 * else (missing, `NaN`, `-3`, `1e99`) counts as a first receive rather than reaching a backoff or a
 * dead letter as `NaN`.
 */
export function receiveCountOf(attribute: string | undefined): number {
  const n = Number(attribute);
  return Number.isSafeInteger(n) && n >= 1 ? n : 1;
}
