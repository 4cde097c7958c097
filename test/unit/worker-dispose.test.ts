import { ChangeMessageVisibilityCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { AtlasApiError } from '../../lib/atlas';
import { loadConfig } from '../../lib/config';
import { jobIdFor, retryVisibilitySeconds, type DeleteJob } from '../../lib/jobs';
import { processDeleteBatch, type JobOutcome, type JobReport } from '../../lib/worker';

const sqsMock = mockClient(SQSClient);
const QUEUE = 'https://sqs.us-east-1.amazonaws.com/123456789012/janitor-delete.fifo';
const DLQ = 'https://sqs.us-east-1.amazonaws.com/123456789012/janitor-delete-dlq.fifo';
const config = loadConfig({ JANITOR_MODE: 'enforce', DELETE_QUEUE_URL: QUEUE, DELETE_DLQ_URL: DLQ, RETRY_BACKOFF_BASE_SECONDS: '30', DEFER_SECONDS: '90', DELETE_MAX_RECEIVE_COUNT: '5' });

function job(peer: string, project = 'a'.repeat(24), extra: Partial<DeleteJob> = {}): DeleteJob {
  const ref = { projectId: project, kind: 'networkPeering' as const, provider: 'AWS' as const, ids: { peerId: peer } };
  return { type: 'delete', jobId: jobIdFor(ref), projectId: project, kind: 'networkPeering', provider: 'AWS', ids: ref.ids, rule: 'failed-aws-peer', evidence: { state: 'FAILED', fields: {} }, apiVersion: 'v2', sweepId: 's', mode: 'enforce', ...extra };
}

function event(...records: { id: string; body: unknown; receives?: number; group?: string }[]): SQSEvent {
  return {
    Records: records.map((r) => ({
      messageId: r.id,
      receiptHandle: `rh-${r.id}`,
      body: typeof r.body === 'string' ? r.body : JSON.stringify(r.body),
      attributes: { ApproximateReceiveCount: String(r.receives ?? 1), SentTimestamp: '0', SenderId: 's', ApproximateFirstReceiveTimestamp: '0', MessageGroupId: r.group ?? 'a'.repeat(24) },
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:janitor-delete.fifo',
      awsRegion: 'us-east-1',
    })),
  };
}

const run = (e: SQSEvent, outcomes: Record<string, JobOutcome>, reports: JobReport[] = []) =>
  processDeleteBatch(e, { config, sqs: new SQSClient({}), act: async (j) => outcomes[j.ids['peerId']!]!, onJob: (r) => reports.push(r), random: () => 1 });

const transient = () => ({ outcome: 'retry' as const, reason: 'Atlas answered 503', error: new AtlasApiError({ status: 503, errorCode: 'SERVICE_UNAVAILABLE', operation: 'DELETE /x' }) });

describe('retryVisibilitySeconds', () => {
  it('doubles with each receive, from the base, capped at 12 hours', () => {
    const base = config.worker.retryBaseSeconds;
    expect([1, 2, 3, 4].map((n) => retryVisibilitySeconds(base, n, () => 1))).toEqual([30, 60, 120, 240]);
    expect(retryVisibilitySeconds(base, 30, () => 1)).toBe(43_200);
    expect(retryVisibilitySeconds(base, 3, () => 0)).toBe(60); // jitter keeps at least half
  });
});

describe('processDeleteBatch dispositions', () => {
  beforeEach(() => {
    sqsMock.reset();
    sqsMock.on(ChangeMessageVisibilityCommand).resolves({});
    sqsMock.on(SendMessageCommand).resolves({ MessageId: 'm' });
  });

  it('raises the visibility timeout of a transient failure from its receive count and reports it failed', async () => {
    const peer = 'b'.repeat(24);

    const response = await run(event({ id: 'm1', body: job(peer), receives: 3 }), { [peer]: transient() });

    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'm1' }]);
    const calls = sqsMock.commandCalls(ChangeMessageVisibilityCommand);
    expect(calls.map((c) => c.args[0].input)).toEqual([{ QueueUrl: QUEUE, ReceiptHandle: 'rh-m1', VisibilityTimeout: 120 }]);
  });

  it('sends a permanent failure to the dead-letter queue with its reason, and acknowledges it', async () => {
    const peer = 'c'.repeat(24);
    const forbidden: JobOutcome = { outcome: 'deadLetter', reason: 'Atlas answered 403 FORBIDDEN to DELETE ...', errorCode: 'FORBIDDEN', status: 403 };

    const response = await run(event({ id: 'm1', body: job(peer) }), { [peer]: forbidden });

    expect(response.batchItemFailures).toEqual([]);
    const sent = sqsMock.commandCalls(SendMessageCommand).map((c) => c.args[0].input);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({
      QueueUrl: DLQ,
      MessageBody: JSON.stringify(job(peer)),
      MessageGroupId: 'a'.repeat(24),
      MessageAttributes: {
        reason: { DataType: 'String', StringValue: forbidden.reason },
        errorCode: { DataType: 'String', StringValue: 'FORBIDDEN' },
        status: { DataType: 'Number', StringValue: '403' },
        jobId: { DataType: 'String', StringValue: job(peer).jobId },
      },
    });
  });

  it('dead-letters a malformed job at once, naming the bad field', async () => {
    const response = await run(event({ id: 'm1', body: { ...job('d'.repeat(24)), ids: { peerId: '../../' } } }), {});

    expect(response.batchItemFailures).toEqual([]);
    const attributes = sqsMock.commandCalls(SendMessageCommand)[0]!.args[0].input.MessageAttributes!;
    expect(attributes['reason']!.StringValue).toMatch(/invalid delete job: ids\.peerId/);
  });

  it('leaves the message on the queue when the dead-letter send fails', async () => {
    sqsMock.on(SendMessageCommand).rejects(new Error('SQS down'));
    const peer = 'c'.repeat(24);

    const response = await run(event({ id: 'm1', body: job(peer) }), { [peer]: { outcome: 'deadLetter', reason: 'x', status: 403 } });

    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'm1' }]);
  });

  it('defers a job by its visibility timeout, and before the redrive limit sends a fresh copy instead', async () => {
    const early = 'e'.repeat(24);
    const late = 'f'.repeat(24);
    const defer: JobOutcome = { outcome: 'defer', reason: '2 endpoint(s) still attached' };

    const response = await run(event({ id: 'm1', body: job(early), receives: 1, group: 'g1' }, { id: 'm2', body: job(late), receives: 4, group: 'g2' }), { [early]: defer, [late]: defer });

    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'm1' }]);
    expect(sqsMock.commandCalls(ChangeMessageVisibilityCommand).map((c) => c.args[0].input.VisibilityTimeout)).toEqual([90]);
    const copy = sqsMock.commandCalls(SendMessageCommand)[0]!.args[0].input;
    expect(copy).toMatchObject({ QueueUrl: QUEUE, MessageDeduplicationId: `${job(late).jobId}-d1` });
    expect(JSON.parse(copy.MessageBody!)).toMatchObject({ jobId: job(late).jobId, deferrals: 1 });
  });

  it('defers a job waiting for a rate-limit token by that wait, not DEFER_SECONDS, and the rest of the batch goes on', async () => {
    const waiting = 'e'.repeat(24);
    const other = 'f'.repeat(24);
    const reports: JobReport[] = [];

    const response = await run(
      event({ id: 'm1', body: job(waiting), group: 'g1' }, { id: 'm2', body: job(other), group: 'g2' }),
      { [waiting]: { outcome: 'defer', reason: 'token 4 s away', delaySeconds: 4 }, [other]: { outcome: 'deleted' } },
      reports,
    );

    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'm1' }]);
    expect(sqsMock.commandCalls(ChangeMessageVisibilityCommand).map((c) => c.args[0].input.VisibilityTimeout)).toEqual([4]);
    expect(reports.map((r) => r.outcome).sort()).toEqual(['defer', 'deleted']);
  });

  it('dead-letters a transient failure itself on its last receive, with the reason', async () => {
    const peer = 'b'.repeat(24);

    const response = await run(event({ id: 'm1', body: job(peer), receives: 5 }), { [peer]: transient() });

    expect(response.batchItemFailures).toEqual([]);
    const sent = sqsMock.commandCalls(SendMessageCommand)[0]!.args[0].input;
    expect(sent.QueueUrl).toBe(DLQ);
    expect(sent.MessageAttributes!['reason']!.StringValue).toMatch(/^retries exhausted after 5 receives: Atlas answered 503/);
    expect(sent.MessageAttributes!['errorCode']!.StringValue).toBe('RETRIES_EXHAUSTED');
  });

  it('sends again, instead of returning, a job held back so often it would reach the DLQ untried', async () => {
    const [a, b] = ['1', '2'].map((x) => x.repeat(24)) as [string, string];

    const response = await run(event({ id: 'a', body: job(a), receives: 2 }, { id: 'b', body: job(b), receives: 4 }), { [a]: transient() });

    expect(response.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(['a']);
    const copy = sqsMock.commandCalls(SendMessageCommand)[0]!.args[0].input;
    expect(copy).toMatchObject({ QueueUrl: QUEUE, MessageBody: JSON.stringify(job(b)), MessageDeduplicationId: 'b-again' });
  });

  it('keeps order within a project: after a failure, the rest of its group is returned unprocessed', async () => {
    const [a, b, c, d] = ['1', '2', '3', '4'].map((x) => x.repeat(24)) as [string, string, string, string];
    const reports: JobReport[] = [];

    const response = await run(
      event({ id: 'a', body: job(a), group: 'p1' }, { id: 'b', body: job(b), group: 'p1' }, { id: 'c', body: job(c), group: 'p1' }, { id: 'd', body: job(d), group: 'p2' }),
      { [a]: { outcome: 'deleted' }, [b]: transient(), [c]: { outcome: 'deleted' }, [d]: { outcome: 'deleted' } },
      reports,
    );

    expect(response.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(['b', 'c']);
    expect(reports.map((r) => r.messageId).sort()).toEqual(['a', 'b', 'd']);
    // The job behind comes back with the failed one (FIFO holds a group while any of it is in flight):
    // the same visibility, not the queue's whole timeout.
    const visibility = sqsMock.commandCalls(ChangeMessageVisibilityCommand).map((c) => [c.args[0].input.ReceiptHandle, c.args[0].input.VisibilityTimeout]);
    expect(visibility).toEqual([
      ['rh-b', retryVisibilitySeconds(config.worker.retryBaseSeconds, 1, () => 1)],
      ['rh-c', retryVisibilitySeconds(config.worker.retryBaseSeconds, 1, () => 1)],
    ]);
  });

  it('returns the jobs behind a job deferred for a token with it, after its wait', async () => {
    const [a, b] = ['1', '2'].map((x) => x.repeat(24)) as [string, string];
    const response = await run(event({ id: 'a', body: job(a), group: 'p1' }, { id: 'b', body: job(b), group: 'p1' }), {
      [a]: { outcome: 'defer', reason: 'token 3 s away', delaySeconds: 3 },
      [b]: { outcome: 'deleted' },
    });
    expect(response.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(['a', 'b']);
    expect(sqsMock.commandCalls(ChangeMessageVisibilityCommand).map((c) => c.args[0].input.VisibilityTimeout)).toEqual([3, 3]);
  });
});
