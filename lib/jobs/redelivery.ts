import { sqsCommands, type SqsSender } from '../aws/clients';

/** SQS caps a message's visibility timeout at 12 hours. */
export const MAX_VISIBILITY_SECONDS = 43_200;

/**
 * Queue-level backoff for a transient failure: base * 2^(receives-1) seconds, jittered between half and
 * all of it so retries of a burst spread out, capped at SQS's 12 hours.
 */
export function retryVisibilitySeconds(baseSeconds: number, receiveCount: number, random: () => number): number {
  const ceiling = Math.min(MAX_VISIBILITY_SECONDS, baseSeconds * 2 ** Math.max(0, receiveCount - 1));
  return Math.max(1, Math.round(ceiling * (0.5 + random() / 2)));
}

/** Makes a received message visible again after `seconds` (instead of the queue's whole visibility timeout). */
export async function redeliverAfter(sqs: SqsSender, queueUrl: string, receiptHandle: string, seconds: number): Promise<void> {
  const { ChangeMessageVisibilityCommand } = await sqsCommands();
  await sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl: queueUrl, ReceiptHandle: receiptHandle, VisibilityTimeout: seconds }));
}
