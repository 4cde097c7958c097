import { CreateQueueCommand, DeleteQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { startFauxqs } from 'fauxqs';
import type { QueueDefinition } from '../demo/stack';

export interface LocalQueue {
  name: string;
  url: string;
  arn: string;
}

export interface LocalSqs {
  /** For AWS_ENDPOINT_URL_SQS. */
  endpoint: string;
  sqs: SQSClient;
  /** The server itself, to look into its queues. */
  fauxqs: Awaited<ReturnType<typeof startFauxqs>>;
  /**
   * What a night does to FIFO deduplication: SQS keeps a deduplication id for five minutes, fauxqs for
   * as long as a queue lives. Sweeps run back to back here must not have a job dropped as a duplicate of
   * the same resource's job a sweep before: each empty FIFO queue that is not a dead-letter queue is made
   * again, with the same name, URL and attributes. Throws if one still holds messages.
   */
  forgetDeduplication(definitions: readonly QueueDefinition[], created: ReadonlyMap<string, LocalQueue>): Promise<void>;
  /** Creates the queues as serverless.yml defines them; by logical id. */
  createQueues(definitions: readonly QueueDefinition[]): Promise<Map<string, LocalQueue>>;
  stop(): Promise<void>;
}

/** fauxqs in this process, on a free port. */
export async function startLocalSqs(): Promise<LocalSqs> {
  // fauxqs is ESM-only; a dynamic import works from the CommonJS that tsx makes of this file.
  const { startFauxqs } = await import('fauxqs');
  const fauxqs = await startFauxqs({ port: 0, logger: false });
  const sqs = new SQSClient({ region: 'us-east-1', endpoint: fauxqs.address, useQueueUrlAsEndpoint: false, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  return {
    endpoint: fauxqs.address,
    sqs,
    fauxqs,
    createQueues: (definitions) => createQueues(sqs, definitions),
    async forgetDeduplication(definitions, created) {
      for (const q of definitions.filter((d) => d.fifo && d.redrive)) {
        const queue = created.get(q.logicalId)!;
        const { ready, delayed, inflight } = fauxqs.inspectQueue(queue.name)!.messages as { ready: unknown[]; delayed: unknown[]; inflight: unknown[] };
        if (ready.length + delayed.length + inflight.length > 0) throw new Error(`${queue.name} still holds messages: drain it first`);
        await sqs.send(new DeleteQueueCommand({ QueueUrl: queue.url }));
        await createQueue(sqs, q, created);
      }
    },
    async stop() {
      sqs.destroy();
      await fauxqs.stop();
    },
  };
}

async function createQueues(sqs: SQSClient, definitions: readonly QueueDefinition[]): Promise<Map<string, LocalQueue>> {
  const created = new Map<string, LocalQueue>();
  // Dead-letter queues first: the others name them in their redrive policy.
  const ordered = [...definitions].sort((a, b) => Number(!!a.redrive) - Number(!!b.redrive));
  for (const q of ordered) created.set(q.logicalId, await createQueue(sqs, q, created));
  return created;
}

async function createQueue(sqs: SQSClient, q: QueueDefinition, created: ReadonlyMap<string, LocalQueue>): Promise<LocalQueue> {
  const attributes: Record<string, string> = {};
  if (q.fifo) attributes['FifoQueue'] = 'true';
  if (q.visibilityTimeoutSeconds !== undefined) attributes['VisibilityTimeout'] = String(q.visibilityTimeoutSeconds);
  if (q.redrive) {
    attributes['RedrivePolicy'] = JSON.stringify({ deadLetterTargetArn: created.get(q.redrive.deadLetterLogicalId)!.arn, maxReceiveCount: q.redrive.maxReceiveCount });
  }
  const url = (await sqs.send(new CreateQueueCommand({ QueueName: q.name, Attributes: attributes }))).QueueUrl!;
  const arn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
  return { name: q.name, url, arn };
}
