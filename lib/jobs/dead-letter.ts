import { randomUUID } from 'node:crypto';
import { sqsCommands, type SqsSender } from '../aws/clients';

/** What a dead letter carries for a message whose body was empty (attribute `emptyBody: true`). */
export const EMPTY_BODY = '(empty message body)';

export interface DeadLetter {
  /** The message body, unchanged, so it can be sent back once fixed (EMPTY_BODY for an empty one). */
  body: string;
  messageId: string;
  reason: string;
  errorCode?: string | undefined;
  status?: number | undefined;
  receiveCount: number;
  /** FIFO dead-letter queues: the message group (the project). */
  groupId?: string | undefined;
  /** More string attributes (job id, kind). */
  attributes?: Record<string, string> | undefined;
}

/**
 * Sends a message to a dead-letter queue with its reason as message attributes, so whoever reads the
 * queue sees why without the logs. Both queues' functions use it: what will never pass goes there at once.
 */
export async function sendToDeadLetterQueue(sqs: SqsSender, queueUrl: string, letter: DeadLetter): Promise<void> {
  const attributes: Record<string, { DataType: 'String' | 'Number'; StringValue: string }> = {
    reason: { DataType: 'String', StringValue: letter.reason.slice(0, 1024) },
    ...(letter.errorCode ? { errorCode: { DataType: 'String', StringValue: letter.errorCode } } : {}),
    ...(letter.status !== undefined ? { status: { DataType: 'Number', StringValue: String(letter.status) } } : {}),
    ...Object.fromEntries(Object.entries(letter.attributes ?? {}).map(([k, v]) => [k, { DataType: 'String' as const, StringValue: v }])),
    receiveCount: { DataType: 'Number', StringValue: String(letter.receiveCount) },
  };
  // SQS refuses an empty body, and a letter that cannot be sent would send its message round again.
  if (letter.body === '') attributes['emptyBody'] = { DataType: 'String', StringValue: 'true' };
  const { SendMessageCommand } = await sqsCommands();
  await sqs.send(
    new SendMessageCommand({
      QueueUrl: queueUrl,
      MessageBody: letter.body === '' ? EMPTY_BODY : letter.body,
      MessageAttributes: attributes,
      // One id per letter, kept across the SDK's own retries of this send: two records that share a
      // messageId (a replayed or forged event) are two letters, never deduplicated into one.
      ...(queueUrl.endsWith('.fifo') ? { MessageGroupId: letter.groupId ?? 'invalid', MessageDeduplicationId: randomUUID() } : {}),
    }),
  );
}
