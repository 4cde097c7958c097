import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  type Message,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { setTimeout as sleep } from 'node:timers/promises';
import { lambdaContext } from './lambda-context';

export type SqsHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse | void>;

/** One SQS event source mapping, as Lambda runs it. */
export interface EventSource {
  name: string;
  queueUrl: string;
  queueArn: string;
  handler: SqsHandler;
  batchSize: number;
  /** The function's timeout, for the context's remaining time. */
  timeoutMs: number;
  /** Parallel pollers (Lambda's maximum concurrency for the mapping). */
  concurrency?: number;
}

export interface PollerStats {
  invocations: number;
  received: number;
  deleted: number;
  /** Records returned as batch item failures (left for their visibility timeout). */
  failedRecords: number;
  /** Invocations that threw (their whole batch is left). */
  failedInvocations: number;
}

/**
 * A local event-source poller with Lambda's SQS semantics: receive up to `batchSize`, invoke with an
 * SQSEvent, delete the records not reported in `batchItemFailures`, leave the others (and every record
 * of a batch whose invocation threw) to reappear after their visibility timeout, so redrive to the DLQ
 * happens as it would in AWS. Like Lambda, it refuses a queue whose visibility timeout is shorter than
 * the function's timeout: such a queue hands a message out again while its first invocation still runs.
 */
export class LocalPoller {
  readonly stats = new Map<string, PollerStats>();
  readonly #sqs: SQSClient;
  readonly #sources: EventSource[];
  readonly #region: string;
  readonly #checked = new Map<string, Promise<void>>();

  constructor(sqs: SQSClient, sources: EventSource[], region = 'us-east-1') {
    this.#sqs = sqs;
    this.#sources = sources;
    this.#region = region;
    for (const s of sources) this.stats.set(s.name, { invocations: 0, received: 0, deleted: 0, failedRecords: 0, failedInvocations: 0 });
  }

  /** Polls every source until all queues are empty with nothing in flight, or the timeout passes. */
  async drain(options: { timeoutMs?: number; idlePollMs?: number } = {}): Promise<void> {
    const deadline = Date.now() + (options.timeoutMs ?? 60_000);
    // Each slot polls on its own, as Lambda's pollers do: a slow invocation (one waiting on Atlas's rate
    // limits) does not hold the other slots back until it ends. A slot stops when every queue is empty
    // with nothing in flight; a message being handled counts as in flight, so none stops early.
    const slot = async (source: EventSource): Promise<void> => {
      while (Date.now() < deadline) {
        if ((await this.pollOnce(source)) > 0) continue;
        if (await this.#allEmpty()) return;
        await sleep(options.idlePollMs ?? 50);
      }
      throw new Error(`queues did not drain within ${options.timeoutMs ?? 60_000} ms`);
    };
    await Promise.all(this.#sources.flatMap((s) => Array.from({ length: s.concurrency ?? 1 }, () => slot(s))));
  }

  /** One receive + invoke + delete round for one source; returns how many messages it received. */
  async pollOnce(source: EventSource): Promise<number> {
    await this.#checkVisibility(source);
    // SQS hands out at most 10 messages a receive; Lambda's poller gathers up to `batchSize` (a standard
    // queue allows more than 10 with a batching window) from as many receives as the queue fills.
    const messages: Message[] = [];
    while (messages.length < source.batchSize) {
      const answer = await this.#sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: source.queueUrl,
          MaxNumberOfMessages: Math.min(10, source.batchSize - messages.length),
          MessageSystemAttributeNames: ['All'],
          MessageAttributeNames: ['All'],
          WaitTimeSeconds: 0,
        }),
      );
      const got = answer.Messages ?? [];
      messages.push(...got);
      // A FIFO source (at most 10 a batch, as Lambda allows) takes one receive, as Lambda's FIFO poller does.
      if (got.length === 0 || source.batchSize <= 10) break;
    }
    if (messages.length === 0) return 0;
    const stats = this.stats.get(source.name)!;
    stats.invocations++;
    stats.received += messages.length;
    const event: SQSEvent = { Records: messages.map((m) => this.#record(m, source)) };
    let failed: Set<string>;
    try {
      const response = await source.handler(event, lambdaContext(source.name, source.timeoutMs));
      failed = new Set((response?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
    } catch {
      stats.failedInvocations++;
      failed = new Set(messages.map((m) => m.MessageId!));
    }
    stats.failedRecords += failed.size;
    const done = messages.filter((m) => !failed.has(m.MessageId!));
    // DeleteMessageBatch takes at most 10 entries.
    for (let i = 0; i < done.length; i += 10) {
      const chunk = done.slice(i, i + 10);
      await this.#sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: source.queueUrl,
          Entries: chunk.map((m, j) => ({ Id: `d${j}`, ReceiptHandle: m.ReceiptHandle! })),
        }),
      );
      stats.deleted += chunk.length;
    }
    return messages.length;
  }

  /**
   * Lambda's CreateEventSourceMapping fails when the queue's visibility timeout is less than the function's
   * timeout. Checked once per source, before its first receive.
   */
  #checkVisibility(source: EventSource): Promise<void> {
    let check = this.#checked.get(source.name);
    if (!check) {
      check = this.#sqs.send(new GetQueueAttributesCommand({ QueueUrl: source.queueUrl, AttributeNames: ['VisibilityTimeout'] })).then(({ Attributes: a = {} }) => {
        const visibilitySeconds = Number(a.VisibilityTimeout ?? 30);
        if (visibilitySeconds * 1000 < source.timeoutMs) {
          throw new Error(
            `${source.name}: the queue's visibility timeout (${visibilitySeconds} s) is less than the function's timeout (${source.timeoutMs / 1000} s); ` +
              'Lambda refuses that mapping, since a message would be handed out again while its invocation still runs',
          );
        }
      });
      this.#checked.set(source.name, check);
    }
    return check;
  }

  async #allEmpty(): Promise<boolean> {
    const counts = await Promise.all(
      this.#sources.map(async (s) => {
        const { Attributes: a = {} } = await this.#sqs.send(
          new GetQueueAttributesCommand({
            QueueUrl: s.queueUrl,
            AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed'],
          }),
        );
        return Number(a.ApproximateNumberOfMessages ?? 0) + Number(a.ApproximateNumberOfMessagesNotVisible ?? 0) + Number(a.ApproximateNumberOfMessagesDelayed ?? 0);
      }),
    );
    return counts.every((n) => n === 0);
  }

  #record(m: Message, source: EventSource): SQSRecord {
    const attributes = m.Attributes ?? {};
    return {
      messageId: m.MessageId!,
      receiptHandle: m.ReceiptHandle!,
      body: m.Body ?? '',
      attributes: {
        ApproximateReceiveCount: attributes.ApproximateReceiveCount ?? '1',
        SentTimestamp: attributes.SentTimestamp ?? String(Date.now()),
        SenderId: attributes.SenderId ?? 'local',
        ApproximateFirstReceiveTimestamp: attributes.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
        ...(attributes.MessageGroupId ? { MessageGroupId: attributes.MessageGroupId } : {}),
        ...(attributes.MessageDeduplicationId ? { MessageDeduplicationId: attributes.MessageDeduplicationId } : {}),
        ...(attributes.SequenceNumber ? { SequenceNumber: attributes.SequenceNumber } : {}),
      },
      messageAttributes: Object.fromEntries(
        Object.entries(m.MessageAttributes ?? {}).map(([k, v]) => [k, { dataType: v.DataType ?? 'String', stringValue: v.StringValue, stringListValues: [], binaryListValues: [] }]),
      ),
      md5OfBody: m.MD5OfBody ?? '',
      eventSource: 'aws:sqs',
      eventSourceARN: source.queueArn,
      awsRegion: this.#region,
    };
  }
}
