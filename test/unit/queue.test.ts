import { SendMessageBatchCommand, SQSClient, type SendMessageBatchCommandInput } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { EnqueueError, sendAll, type OutgoingMessage } from '../../lib/jobs';

const sqsMock = mockClient(SQSClient);
const QUEUE = 'https://sqs.eu-west-1.amazonaws.com/123456789012/janitor-delete.fifo';
const messages = (n: number): OutgoingMessage[] =>
  Array.from({ length: n }, (_, i) => ({ key: `job-${i}`, body: JSON.stringify({ n: i }), groupId: 'g', deduplicationId: `d${i}` }));
const noWait = { sleep: async () => {} };
const sentBodies = () =>
  sqsMock.commandCalls(SendMessageBatchCommand).flatMap((c) => (c.args[0].input as SendMessageBatchCommandInput).Entries!.map((e) => e.MessageBody));

describe('sendAll', () => {
  beforeEach(() => sqsMock.reset());

  it('sends in batches of ten with FIFO group and deduplication ids', async () => {
    sqsMock.on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [] });

    const sent = await sendAll(new SQSClient({}), QUEUE, messages(25), noWait);

    const calls = sqsMock.commandCalls(SendMessageBatchCommand);
    expect(sent).toBe(25);
    expect(calls.map((c) => c.args[0].input.Entries!.length)).toEqual([10, 10, 5]);
    expect(calls[0]!.args[0].input.Entries![3]).toMatchObject({ MessageGroupId: 'g', MessageDeduplicationId: 'd3' });
    expect(new Set(sentBodies()).size).toBe(25);
  });

  it('retries only the entries SQS failed on its side', async () => {
    sqsMock
      .on(SendMessageBatchCommand)
      .resolvesOnce({ Failed: [{ Id: 'm2', Code: 'InternalError', SenderFault: false }, { Id: 'm7', Code: 'ServiceUnavailable', SenderFault: false }], Successful: [] })
      .resolves({ Failed: [], Successful: [] });

    await sendAll(new SQSClient({}), QUEUE, messages(10), noWait);

    const calls = sqsMock.commandCalls(SendMessageBatchCommand);
    expect(calls).toHaveLength(2);
    expect(calls[1]!.args[0].input.Entries!.map((e) => e.MessageBody)).toEqual([JSON.stringify({ n: 2 }), JSON.stringify({ n: 7 })]);
  });

  it('retries a whole batch when the call itself is throttled', async () => {
    sqsMock
      .on(SendMessageBatchCommand)
      .rejectsOnce(Object.assign(new Error('slow down'), { name: 'ThrottlingException', $fault: 'client' }))
      .resolves({ Failed: [], Successful: [] });

    await expect(sendAll(new SQSClient({}), QUEUE, messages(3), noWait)).resolves.toBe(3);
    expect(sqsMock.commandCalls(SendMessageBatchCommand)).toHaveLength(2);
  });

  it('throws naming every message it could not send, never dropping one silently', async () => {
    // Message 0 is refused as malformed, message 1 keeps hitting a service error.
    const n = (body: string | undefined) => (JSON.parse(body!) as { n: number }).n;
    sqsMock.on(SendMessageBatchCommand).callsFake((input: SendMessageBatchCommandInput) => ({
      Successful: [],
      Failed: input.Entries!.filter((e) => n(e.MessageBody) < 2).map((e) => ({
        Id: e.Id,
        Code: n(e.MessageBody) === 0 ? 'InvalidMessageContents' : 'InternalError',
        SenderFault: n(e.MessageBody) === 0,
      })),
    }));

    const error = await sendAll(new SQSClient({}), QUEUE, messages(4), { ...noWait, maxAttempts: 3 }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(EnqueueError);
    expect((error as EnqueueError).failures.map((f) => [f.key, f.code]).sort()).toEqual([
      ['job-0', 'InvalidMessageContents'],
      ['job-1', 'InternalError'],
    ]);
    // The sender fault is not retried; the service fault is retried until the attempts run out.
    expect(sqsMock.commandCalls(SendMessageBatchCommand).map((c) => c.args[0].input.Entries!.length)).toEqual([4, 1, 1]);
  });
});
