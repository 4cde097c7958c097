import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../lib/config';
import { jobIdFor, type DeleteJob } from '../../lib/jobs';
import type { Attempt, JobHistory, Ledger } from '../../lib/ledger';
import { notifySweep } from '../../lib/notify/messages';
import { snsNotifier, type Notice, type Notifier } from '../../lib/notify/notifier';
import type { ScanReport } from '../../lib/report';
import { processDeleteBatch, type JobOutcome } from '../../lib/worker';

const NOW = Date.parse('2026-11-23T12:00:00Z');
const HOUR = 3_600_000;

function collecting(): Notifier & { notices: Notice[] } {
  const notices: Notice[] = [];
  return { notices, publish: async (n) => void notices.push(n) };
}

function report(planned: number, waiting: { id: string; eligibleAt: string }[]): ScanReport {
  return {
    sweepId: 'sweep-1',
    mode: 'enforce',
    projects: [],
    candidates: Array.from({ length: planned }, (_, i) => ({ projectId: 'a'.repeat(24), kind: 'networkPeering', provider: 'AWS', id: `peer-${i}`, state: 'FAILED', rule: 'failed-aws-peer', reason: 'AWS peer statusName is FAILED', jobId: `job-${i}` })),
    kept: waiting.map((w) => ({ projectId: 'a'.repeat(24), kind: 'privateEndpoint', provider: 'AWS', id: w.id, state: 'REJECTED', cause: 'grace', reason: 'marked', firstSeenAt: new Date(NOW).toISOString(), eligibleAt: w.eligibleAt })),
    keptTotal: waiting.length,
    keptByCause: { grace: waiting.length },
    keptUnread: 0,
    errors: [],
    enqueued: planned,
    expiredProtections: [{ selector: 'resource vpce-1', owner: 'team', reason: 'migration', expiredAt: '2026-11-01T00:00:00.000Z' }],
    apiCalls: { total: 10, auth: 1 },
    durationMs: 5,
  };
}

describe('sweep summary', () => {
  it('gives counts, the first ten planned items, what is due within 24 hours, and expired protections', async () => {
    const notifier = collecting();
    const soon = new Date(NOW + 23 * HOUR).toISOString();
    await notifySweep(notifier, report(12, [{ id: 'vpce-soon', eligibleAt: soon }, { id: 'vpce-later', eligibleAt: new Date(NOW + 25 * HOUR).toISOString() }]), NOW);
    const [notice] = notifier.notices;
    expect(notice!.subject).toBe('atlas-janitor enforce: 12 planned, 1 due in 24h');
    expect(notice!.message).toContain('12 planned, 12 enqueued, 2 marked and waiting, 0 errors');
    expect(notice!.message).toContain('peer-9');
    expect(notice!.message).not.toContain('peer-10');
    expect(notice!.message).toContain('… and 2 more');
    expect(notice!.message).toContain(`vpce-soon in ${'a'.repeat(24)}: at ${soon}`);
    expect(notice!.message).not.toContain('vpce-later');
    expect(notice!.message).toContain('resource vpce-1, owner team: migration; expired 2026-11-01T00:00:00.000Z');
  });

  it('lists every planned delete that also removes something else, even past the first ten, and what side effects kept', async () => {
    const notifier = collecting();
    const r = report(12, []);
    const alsoRemoves = "deleting the project's last AWS peer also removes 1 AWS security group(s) from its IP access list: sg-0123456789abcdef0";
    r.candidates[11]!.alsoRemoves = alsoRemoves;
    r.kept.push({ projectId: 'b'.repeat(24), kind: 'networkPeering', provider: 'AWS', id: 'peer-kept', state: 'FAILED', cause: 'sideEffect', reason: 'not planned: … sg-0badc0ffee1234567 …' });
    await notifySweep(notifier, r, NOW);
    const message = notifier.notices[0]!.message;
    expect(message).toContain(`Planned deletes that also remove something else (1):\n  - networkPeering peer-11 in ${'a'.repeat(24)}: ${alsoRemoves}`);
    expect(message).toContain('Kept for what their delete would also remove (1):');
    expect(message).toContain('peer-kept');
    expect(message).toContain('sg-0badc0ffee1234567');
  });

  it('never fails the sweep when publishing fails: the report says so', async () => {
    const r = report(1, []);
    await notifySweep({ publish: async () => Promise.reject(Object.assign(new Error('x'), { name: 'AuthorizationErrorException' })) }, r, NOW);
    expect(r.errors).toEqual([{ message: 'the sweep summary could not be published: AuthorizationErrorException' }]);
  });

  it('publishes to the SNS topic with a subject SNS accepts', async () => {
    const sns = mockClient(SNSClient);
    sns.on(PublishCommand).resolves({ MessageId: 'm' });
    await snsNotifier(new SNSClient({ region: 'us-east-1' }), 'arn:aws:sns:us-east-1:123456789012:janitor').publish({ subject: 'x'.repeat(150), message: 'body' });
    const input = sns.commandCalls(PublishCommand)[0]!.args[0].input;
    expect(input).toMatchObject({ TopicArn: 'arn:aws:sns:us-east-1:123456789012:janitor', Message: 'body' });
    expect(input.Subject).toHaveLength(100);
    sns.restore();
  });
});

describe('worker: history and dead-letter notices', () => {
  const sqs = mockClient(SQSClient);
  beforeEach(() => {
    sqs.reset();
    sqs.on(SendMessageCommand).resolves({ MessageId: 'm' });
  });
  const QUEUE = 'https://sqs.us-east-1.amazonaws.com/123456789012/janitor-delete.fifo';
  const config = loadConfig({ JANITOR_MODE: 'enforce', DELETE_QUEUE_URL: QUEUE, DELETE_DLQ_URL: `${QUEUE.replace('delete', 'delete-dlq')}` });
  const job = (peer: string): DeleteJob => {
    const ref = { projectId: 'a'.repeat(24), kind: 'networkPeering' as const, provider: 'AWS' as const, ids: { peerId: peer } };
    return { type: 'delete', jobId: jobIdFor(ref), projectId: ref.projectId, kind: 'networkPeering', provider: 'AWS', ids: ref.ids, rule: 'failed-aws-peer', evidence: { state: 'FAILED', fields: { statusName: 'FAILED' } }, apiVersion: 'v2', sweepId: 'sweep-7', mode: 'enforce', plannedAt: new Date(NOW).toISOString() };
  };
  const event = (...bodies: DeleteJob[]): SQSEvent => eventAt(1, ...bodies);
  const eventAt = (receives: number, ...bodies: DeleteJob[]): SQSEvent => ({
    Records: bodies.map((b, i) => ({
      messageId: `m${i}`,
      receiptHandle: `rh${i}`,
      body: JSON.stringify(b),
      attributes: { ApproximateReceiveCount: String(receives), SentTimestamp: '0', SenderId: 's', ApproximateFirstReceiveTimestamp: '0', MessageGroupId: `g${i}` },
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:janitor-delete.fifo',
      awsRegion: 'us-east-1',
    })),
  });

  it('appends each attempt to the history and publishes the dead-lettered jobs of the batch', async () => {
    const attempts: { entry: Omit<JobHistory, 'attempts' | 'outcome' | 'final'>; attempt: Attempt; final: boolean }[] = [];
    const history = { recordAttempt: async (entry, attempt, final) => void attempts.push({ entry, attempt, final }) } as Pick<Ledger, 'recordAttempt'> as Ledger;
    const notifier = collecting();
    const outcomes: Record<string, JobOutcome> = {
      ['b'.repeat(24)]: { outcome: 'deleted' },
      ['c'.repeat(24)]: { outcome: 'deadLetter', reason: 'Atlas answered 403 FORBIDDEN', errorCode: 'FORBIDDEN', status: 403 },
    };
    await processDeleteBatch(event(job('b'.repeat(24)), job('c'.repeat(24))), { config, sqs: new SQSClient({ region: 'us-east-1' }), act: async (j) => outcomes[j.ids['peerId']!]!, history, notifier, now: () => NOW });
    expect(attempts.map((a) => [a.entry.resourceId, a.attempt.outcome, a.final])).toEqual([
      ['b'.repeat(24), 'deleted', true],
      ['c'.repeat(24), 'deadLetter', true],
    ]);
    expect(attempts[1]!.attempt).toMatchObject({ errorCode: 'FORBIDDEN', status: 403, receiveCount: 1, note: 'Atlas answered 403 FORBIDDEN' });
    expect(JSON.parse(attempts[0]!.entry.evidence)).toEqual({ state: 'FAILED', fields: { statusName: 'FAILED' } });
    expect(notifier.notices).toHaveLength(1);
    expect(notifier.notices[0]!.subject).toBe('atlas-janitor: 1 delete job(s) dead-lettered');
    expect(notifier.notices[0]!.message).toContain(`networkPeering job ${job('c'.repeat(24)).jobId} in ${'a'.repeat(24)}: Atlas answered 403 FORBIDDEN [FORBIDDEN]`);
  });

  it('announces a job the worker dead-letters itself once its retries are exhausted', async () => {
    const notifier = collecting();
    const transient: JobOutcome = { outcome: 'retry', reason: 'Atlas answered 503', error: Object.assign(new Error('503'), { retryable: true }) as never };
    await processDeleteBatch(eventAt(config.worker.maxReceiveCount, job('d'.repeat(24))), { config, sqs: new SQSClient({ region: 'us-east-1' }), act: async () => transient, notifier });
    expect(notifier.notices).toHaveLength(1);
    expect(notifier.notices[0]!.message).toContain('retries exhausted after 5 receives: Atlas answered 503 [RETRIES_EXHAUSTED]');
  });

  it('publishes nothing when nothing was dead-lettered, and a failed history write does not hold a delete back', async () => {
    const history = { recordAttempt: async () => Promise.reject(new Error('throttled')) } as unknown as Ledger;
    const notifier = collecting();
    const response = await processDeleteBatch(event(job('b'.repeat(24))), { config, sqs: new SQSClient({ region: 'us-east-1' }), act: async () => ({ outcome: 'deleted' }), history, notifier });
    expect(response.batchItemFailures).toEqual([]);
    expect(notifier.notices).toEqual([]);
  });
});
