import type { SendMessageBatchRequestEntry } from '@aws-sdk/client-sqs';
import { sqsCommands, type SqsSender } from '../aws/clients';
import { backoff } from '../concurrency/backoff';
import { mapLimit } from '../concurrency/map-limit';
import { setTimeout as sleep } from 'node:timers/promises';

/** One message to send; `key` identifies it in results (a job id, a project id). */
export interface OutgoingMessage {
  key: string;
  body: string;
  /** FIFO queues: ordering group. */
  groupId?: string | undefined;
  /** FIFO queues: deduplication id (five-minute window). */
  deduplicationId?: string | undefined;
}

export interface SendFailure {
  key: string;
  code: string;
  message: string;
  /** SQS's verdict: the entry itself is wrong (true) or the service failed (false). */
  senderFault: boolean;
}

export interface SendOptions {
  /** Rounds for entries that failed on the service side (default 4). */
  maxAttempts?: number;
  baseDelayMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

/** SendMessageBatch takes at most ten entries and 256 KiB in all. */
const MAX_BATCH_ENTRIES = 10;
const MAX_BATCH_BYTES = 256 * 1024;

/** Some entries could not be sent; the caller must not acknowledge the work that produced them. */
export class EnqueueError extends Error {
  override readonly name = 'EnqueueError';
  readonly failures: SendFailure[];

  constructor(queueUrl: string, failures: SendFailure[]) {
    const sample = failures.slice(0, 3).map((f) => `${f.key} (${f.code})`).join(', ');
    super(`${failures.length} message(s) could not be sent to ${queueUrl}: ${sample}${failures.length > 3 ? ', ...' : ''}`);
    this.failures = failures;
  }
}

/**
 * Sends every message with SendMessageBatch in groups of ten, retrying the entries SQS failed on its
 * side with backoff. Resolves only when all were sent; otherwise throws EnqueueError naming each
 * message left unsent (nothing is dropped silently).
 */
export async function sendAll(sqs: SqsSender, queueUrl: string, messages: readonly OutgoingMessage[], options: SendOptions = {}): Promise<number> {
  const maxAttempts = options.maxAttempts ?? 4;
  const baseDelayMs = options.baseDelayMs ?? 100;
  const wait = options.sleep ?? ((ms: number) => sleep(ms));
  const final: SendFailure[] = [];
  let pending = [...messages];
  for (let attempt = 1; pending.length > 0; attempt++) {
    const failures = await sendBatches(sqs, queueUrl, pending);
    const byKey = new Map(pending.map((m) => [m.key, m]));
    const retryable = failures.filter((f) => !f.senderFault);
    final.push(...failures.filter((f) => f.senderFault));
    if (attempt >= maxAttempts) {
      final.push(...retryable);
      break;
    }
    pending = retryable.map((f) => byKey.get(f.key)!);
    if (pending.length > 0) await wait(backoff(attempt, { base: baseDelayMs }));
  }
  if (final.length > 0) throw new EnqueueError(queueUrl, final);
  return messages.length;
}

/**
 * Batches in flight at once for standard queues: enough to keep SQS busy, few enough that 10,000
 * messages do not hold 1,000 requests (and their buffers) in memory together.
 */
const BATCHES_IN_FLIGHT = 10;

/** FIFO messages keep their order only if batches go one after another; others go side by side. */
async function sendBatches(sqs: SqsSender, queueUrl: string, messages: readonly OutgoingMessage[]): Promise<SendFailure[]> {
  const all = batches(messages);
  if (!messages.some((m) => m.groupId)) return (await mapLimit(all, BATCHES_IN_FLIGHT, (batch) => sendBatch(sqs, queueUrl, batch))).flat();
  const failures: SendFailure[] = [];
  for (const batch of all) failures.push(...(await sendBatch(sqs, queueUrl, batch)));
  return failures;
}

function batches(messages: readonly OutgoingMessage[]): OutgoingMessage[][] {
  const result: OutgoingMessage[][] = [];
  let current: OutgoingMessage[] = [];
  let bytes = 0;
  for (const message of messages) {
    const size = Buffer.byteLength(message.body);
    if (current.length === MAX_BATCH_ENTRIES || (current.length > 0 && bytes + size > MAX_BATCH_BYTES)) {
      result.push(current);
      current = [];
      bytes = 0;
    }
    current.push(message);
    bytes += size;
  }
  if (current.length > 0) result.push(current);
  return result;
}

async function sendBatch(sqs: SqsSender, queueUrl: string, batch: OutgoingMessage[]): Promise<SendFailure[]> {
  // Entry ids only need to be unique within one call; keys may hold characters SQS refuses in ids.
  const entries: SendMessageBatchRequestEntry[] = batch.map((m, i) => ({
    Id: `m${i}`,
    MessageBody: m.body,
    ...(m.groupId ? { MessageGroupId: m.groupId } : {}),
    ...(m.deduplicationId ? { MessageDeduplicationId: m.deduplicationId } : {}),
  }));
  try {
    const { SendMessageBatchCommand } = await sqsCommands();
    const answer = await sqs.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries }));
    return (answer.Failed ?? []).map((f) => ({
      key: batch[Number((f.Id ?? '').slice(1))]?.key ?? String(f.Id),
      code: f.Code ?? 'Unknown',
      message: f.Message ?? '',
      senderFault: f.SenderFault ?? false,
    }));
  } catch (error) {
    // The whole call failed (throttled, network): every entry is retryable.
    const e = error as { name?: string; message?: string; $fault?: string };
    const senderFault = e.$fault === 'client' && e.name !== 'ThrottlingException' && e.name !== 'RequestThrottled';
    return batch.map((m) => ({ key: m.key, code: e.name ?? 'Error', message: e.message ?? String(error), senderFault }));
  }
}
