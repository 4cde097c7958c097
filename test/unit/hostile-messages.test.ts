import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { handler as scanHandler } from '../../functions/scan';
import { handler as workerHandler } from '../../functions/worker';
import { loadConfig } from '../../lib/config';
import { EMPTY_BODY, MessageValidationError, jobIdFor, parseDeleteJob, receiveCountOf } from '../../lib/jobs';
import { processDeleteBatch, type JobReport } from '../../lib/worker';
import { lambdaContext } from '../../tools/local/lambda-context';

// Messages and events as an attacker or a broken sender would make them: each is refused or
// dead-lettered at once with its reason, never retried as if it might pass, never a TypeError.

const sqsMock = mockClient(SQSClient);
const QUEUE = 'https://sqs.us-east-1.amazonaws.com/123456789012/janitor-delete.fifo';
const DLQ = 'https://sqs.us-east-1.amazonaws.com/123456789012/janitor-delete-dlq.fifo';
const config = loadConfig({ JANITOR_MODE: 'enforce', DELETE_QUEUE_URL: QUEUE, DELETE_DLQ_URL: DLQ });

const peerJob = (kind: string) => {
  const ids = { peerId: 'a'.repeat(24) };
  return { type: 'delete', jobId: jobIdFor({ projectId: 'b'.repeat(24), kind, provider: 'AWS', ids }), projectId: 'b'.repeat(24), kind, provider: 'AWS', ids, rule: 'failed-aws-peer', evidence: { state: 'FAILED', fields: {} }, apiVersion: 'v2', sweepId: 's', mode: 'enforce' };
};

function event(...records: { id: string; body: string; receives?: string }[]): SQSEvent {
  return {
    Records: records.map((r) => ({
      messageId: r.id,
      receiptHandle: `rh-${r.id}`,
      body: r.body,
      attributes: { ApproximateReceiveCount: r.receives ?? '1', SentTimestamp: '0', SenderId: 's', ApproximateFirstReceiveTimestamp: '0', MessageGroupId: 'g' },
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:janitor-delete.fifo',
      awsRegion: 'us-east-1',
    })),
  };
}

async function batch(e: SQSEvent): Promise<{ reports: JobReport[]; acted: number }> {
  const reports: JobReport[] = [];
  let acted = 0;
  await processDeleteBatch(e, {
    config,
    sqs: new SQSClient({}),
    act: async () => {
      acted++;
      return { outcome: 'deleted' };
    },
    onJob: (r) => reports.push(r),
    random: () => 1,
  });
  return { reports, acted };
}

const letters = () => sqsMock.commandCalls(SendMessageCommand).map((c) => c.args[0].input);

beforeEach(() => {
  sqsMock.reset();
  sqsMock.on(SendMessageCommand).resolves({ MessageId: 'm' });
});

describe('delete jobs naming a kind that is not registered', () => {
  for (const kind of ['widget', '__proto__', 'constructor', 'toString']) {
    it(`refuses kind ${JSON.stringify(kind)} as an invalid message naming the field, and dead-letters it at once`, async () => {
      expect(() => parseDeleteJob(JSON.stringify(peerJob(kind)))).toThrow(expect.objectContaining({ name: 'MessageValidationError', field: 'kind' }));

      const { reports, acted } = await batch(event({ id: 'k1', body: JSON.stringify(peerJob(kind)) }));

      expect(acted).toBe(0);
      expect(reports).toEqual([expect.objectContaining({ outcome: 'deadLetter', errorCode: 'INVALID_JOB', reason: expect.stringMatching(/^invalid delete job: kind: must be one of/) })]);
      expect(letters()).toHaveLength(1);
      expect(letters()[0]!.QueueUrl).toBe(DLQ);
    });
  }
});

describe('SQS records a sender should never make', () => {
  it('dead-letters an empty body at once, with a body SQS accepts and the attribute that says it was empty', async () => {
    const { reports } = await batch(event({ id: 'e1', body: '' }));

    expect(reports[0]).toMatchObject({ outcome: 'deadLetter', errorCode: 'INVALID_JOB', disposition: { ack: true } });
    expect(letters()[0]).toMatchObject({ MessageBody: EMPTY_BODY, MessageAttributes: expect.objectContaining({ emptyBody: { DataType: 'String', StringValue: 'true' } }) });
  });

  it('leaves two dead letters for two records that share a messageId (FIFO deduplication would keep one)', async () => {
    await batch(event({ id: 'same', body: '{}' }, { id: 'same', body: '[]' }));

    const dedup = letters().map((l) => l.MessageDeduplicationId);
    expect(dedup).toHaveLength(2);
    expect(new Set(dedup).size).toBe(2);
  });

  it('reads a receive count that is not a whole number from 1 as a first receive, never NaN', async () => {
    for (const bad of ['NaN', 'abc', '-3', '0', '1.5', '1e99', '']) expect(receiveCountOf(bad)).toBe(1);
    expect(receiveCountOf(undefined)).toBe(1);
    expect(receiveCountOf('4')).toBe(4);

    await batch(event({ id: 'n1', body: 'not json', receives: 'NaN' }));

    expect(letters()[0]!.MessageAttributes!['receiveCount']).toEqual({ DataType: 'Number', StringValue: '1' });
  });
});

describe('events that are not SQS events', () => {
  for (const [name, handler] of [['worker', workerHandler], ['scan', scanHandler]] as const) {
    it(`the ${name} function refuses an event without Records naming the field, instead of a TypeError`, async () => {
      const error = await (handler as (e: unknown, c: unknown) => Promise<unknown>)({ hello: 'console' }, lambdaContext(name, 10_000)).catch((e: unknown) => e);

      expect(error).toBeInstanceOf(MessageValidationError);
      expect(error).toMatchObject({ name: 'MessageValidationError', field: 'Records' });
    });

    it(`the ${name} function refuses a record without a messageId, naming it`, async () => {
      const error = await (handler as (e: unknown, c: unknown) => Promise<unknown>)({ Records: [{ body: '{}', receiptHandle: 'r' }] }, lambdaContext(name, 10_000)).catch((e: unknown) => e);

      expect(error).toMatchObject({ name: 'MessageValidationError', field: 'Records.0.messageId' });
    });
  }
});
