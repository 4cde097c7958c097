import { sqsCommands, type SqsSender } from '../aws/clients';

export interface DeadLetter {
  /** The message body, unchanged, so it can be sent back once fixed. */
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
  const { SendMessageCommand } = await sqsCommands();
  await sqs.send(
    new SendMessageCommand({
      QueueUrl: queueUrl,
      MessageBody: letter.body,
      MessageAttributes: attributes,
      ...(queueUrl.endsWith('.fifo') ? { MessageGroupId: letter.groupId ?? 'invalid', MessageDeduplicationId: letter.messageId } : {}),
    }),
  );
}
