import { CreateQueueCommand, GetQueueAttributesCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { startFauxqs } from 'fauxqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalPoller, type EventSource } from '../../tools/local/poller';

let fauxqs: Awaited<ReturnType<typeof startFauxqs>>;
let sqs: SQSClient;

beforeAll(async () => {
  fauxqs = await startFauxqs({ port: 0, logger: false });
  sqs = new SQSClient({ region: 'us-east-1', endpoint: fauxqs.address, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
});
afterAll(async () => {
  sqs?.destroy();
  await fauxqs?.stop();
});

async function queueWithVisibility(name: string, seconds: number): Promise<{ url: string; arn: string }> {
  const url = (await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: { VisibilityTimeout: String(seconds) } }))).QueueUrl!;
  const arn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
  await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: '{}' }));
  return { url, arn };
}

describe('the local poller', () => {
  it("refuses a queue whose visibility timeout is shorter than the function's timeout, before receiving anything", async () => {
    const queue = await queueWithVisibility('short-visibility', 2);
    const calls: number[] = [];
    const source: EventSource = { name: 'worker', queueUrl: queue.url, queueArn: queue.arn, handler: async (e) => void calls.push(e.Records.length), batchSize: 10, timeoutMs: 10_000 };

    await expect(new LocalPoller(sqs, [source]).pollOnce(source)).rejects.toThrow(/worker: the queue's visibility timeout \(2 s\) is less than the function's timeout \(10 s\)/);
    expect(calls).toEqual([]);
  });

  it('runs a mapping whose visibility timeout covers the function timeout', async () => {
    const queue = await queueWithVisibility('long-visibility', 10);
    const calls: number[] = [];
    const source: EventSource = { name: 'worker', queueUrl: queue.url, queueArn: queue.arn, handler: async (e) => void calls.push(e.Records.length), batchSize: 10, timeoutMs: 10_000 };

    await new LocalPoller(sqs, [source]).drain({ timeoutMs: 5_000 });
    expect(calls).toEqual([1]);
  });
});
