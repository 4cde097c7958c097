import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { handler as scanHandler } from '../../functions/scan';
import { handler as sweepHandler } from '../../functions/sweep';
import { clearAuthCaches } from '../../lib/atlas';
import { deleteJobSchema, type DeleteJob } from '../../lib/jobs';
import type { ScanReport } from '../../lib/report';
import { RunFailedError, type SweepSummary } from '../../lib/run';
import { logger } from '../../lib/lambda';
import { lambdaContext } from '../../tools/local/lambda-context';
import { LocalPoller } from '../../tools/local/poller';
import { scanSource } from '../support/worker-harness';
import { expectedDeletions, minimumScanCalls } from '../../tools/scenarios/generate';
import { DEMO } from '../support/demo';
import { startPipeline, type Pipeline } from '../support/pipeline';
import { DEMO_SCENARIO_PATH } from '../support/sim-http';

const demo = JSON.parse(readFileSync(DEMO_SCENARIO_PATH, 'utf8'));
const expected = expectedDeletions(demo);
const scheduledEvent = { 'version': '0', 'id': 'e1', 'detail-type': 'Scheduled Event', 'source': 'aws.events', 'account': '123456789012', 'time': '2026-11-23T02:00:00Z', 'region': 'us-east-1', 'resources': [], 'detail': {} };

let pipeline: Pipeline;

const sqsRecord = (id: string, body: string) => ({
  messageId: id, receiptHandle: id, body,
  attributes: { ApproximateReceiveCount: '1', SentTimestamp: '0', SenderId: 'x', ApproximateFirstReceiveTimestamp: '0' },
  messageAttributes: {}, md5OfBody: '', eventSource: 'aws:sqs', eventSourceARN: 'arn', awsRegion: 'us-east-1',
});

async function queueDepth(sqs: SQSClient, url: string): Promise<number> {
  const { Attributes: a = {} } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }));
  return Number(a.ApproximateNumberOfMessages) + Number(a.ApproximateNumberOfMessagesNotVisible);
}

function scanPoller(): LocalPoller {
  return new LocalPoller(pipeline.sqs, [scanSource(pipeline)]);
}

beforeAll(async () => {
  pipeline = await startPipeline({ simulator: { scenario: DEMO_SCENARIO_PATH, deleteDelayMs: 60_000 }, credentials: DEMO.apiKey });
});
afterAll(() => pipeline?.stop());
beforeEach(() => {
  clearAuthCaches();
  pipeline.sim.clearLog();
});

describe('sweep → scan on the demo scenario', () => {
  it('plans, inline, exactly the stale resources with their rules, and enqueues nothing in dry-run', async () => {
    pipeline.configure({ JANITOR_MODE: 'dry-run' });

    const report = (await sweepHandler({ inline: true }, lambdaContext('sweep', 300_000))) as ScanReport;

    expect(report.mode).toBe('dry-run');
    expect(report.errors).toEqual([]);
    expect(report.projects).toHaveLength(6);
    const planned = report.candidates.map((c) => ({ kind: c.kind, id: c.id, rule: c.rule })).sort((a, b) => `${a.kind}:${a.id}`.localeCompare(`${b.kind}:${b.id}`));
    expect(planned).toEqual(expected);
    expect(new Set(report.candidates.map((c) => c.jobId)).size).toBe(expected.length);
    expect(report.enqueued).toBe(0);
    expect(await queueDepth(pipeline.sqs, pipeline.queues.delete)).toBe(0);
    expect(pipeline.sim.log.filter((e) => e.method === 'DELETE')).toEqual([]);
  });

  it('queues one scan per project; dry-run scans put no job on the delete queue', async () => {
    pipeline.configure({ JANITOR_MODE: 'dry-run' });

    const summary = (await sweepHandler(scheduledEvent, lambdaContext('sweep', 300_000))) as SweepSummary;
    const poller = scanPoller();
    await poller.drain({ timeoutMs: 30_000 });

    expect(summary).toMatchObject({ mode: 'dry-run', projectsSeen: 6, projectsQueued: 6, errors: [] });
    expect(poller.stats.get('scan')).toMatchObject({ received: 6, deleted: 6, failedRecords: 0 });
    expect(await queueDepth(pipeline.sqs, pipeline.queues.delete)).toBe(0);
  });

  it('in enforce mode puts exactly one valid delete job per stale resource on the FIFO delete queue', async () => {
    pipeline.configure({ JANITOR_MODE: 'enforce' });

    await sweepHandler(scheduledEvent, lambdaContext('sweep', 300_000));
    await scanPoller().drain({ timeoutMs: 30_000 });

    const jobs: DeleteJob[] = pipeline.peek('janitor-delete.fifo').map((body) => deleteJobSchema.parse(JSON.parse(body)));
    const planned = jobs.map((j) => ({ kind: j.kind, id: j.kind === 'privateEndpoint' ? j.ids['endpointId'] : Object.values(j.ids)[0], rule: j.rule }));
    expect(planned.sort((a, b) => `${a.kind}:${a.id}`.localeCompare(`${b.kind}:${b.id}`))).toEqual(expected);
    expect(jobs.every((j) => j.mode === 'enforce' && j.apiVersion === 'v2')).toBe(true);
    expect(pipeline.sim.log.filter((e) => e.method === 'DELETE')).toEqual([]);
  });

  it('reports for each project exactly the minimum number of Atlas calls docs/report.md states', async () => {
    pipeline.configure({ JANITOR_MODE: 'dry-run' });

    const report = (await sweepHandler({ inline: true }, lambdaContext('sweep', 300_000))) as ScanReport;

    const projects = DEMO.projects;
    for (const summary of report.projects) {
      const project = projects.find((p) => p.id === summary.projectId)!;
      expect({ project: project.name, apiCalls: summary.apiCalls }).toEqual({ project: project.name, apiCalls: minimumScanCalls(project) });
    }
    // Project calls, plus one project list, one organization list and one read of the published rate
    // limits (the deps were built anew for this mode, so their pacers start cold), plus the single Digest
    // challenge of the run.
    const projectCalls = report.projects.reduce((sum, p) => sum + p.apiCalls, 0);
    expect(report.apiCalls).toEqual({ total: projectCalls + 3, auth: 1 });
    expect(pipeline.sim.log).toHaveLength(projectCalls + 4);
    expect(pipeline.sim.log.filter((e) => e.operationId === 'listRateLimits' && e.status === 200)).toHaveLength(1);
  });

  it('keeps protected and excluded resources out of the plan and says why', async () => {
    const protectedPeer = expected.find((e) => e.kind === 'networkPeering')!.id;
    pipeline.configure({ JANITOR_MODE: 'dry-run', PROTECTED_RESOURCE_IDS: protectedPeer, EXCLUDE_PROJECT_NAMES: 'analytics-*' });

    const report = (await sweepHandler({ inline: true }, lambdaContext('sweep', 300_000))) as ScanReport;

    expect(report.candidates.map((c) => c.id)).not.toContain(protectedPeer);
    expect(report.kept.find((k) => k.id === protectedPeer)?.reason).toMatch(/protected by configuration/);
    expect(report.projects.map((p) => p.projectName)).not.toContain('analytics-prod');
    expect(report.projects).toHaveLength(5);
  });

  it('plans no more than the cap in an inline run: projects take their candidates whole until the budget is spent', async () => {
    pipeline.configure({ JANITOR_MODE: 'enforce', MAX_DELETIONS_PER_RUN: '10' });
    pipeline.clearQueues();

    const report = (await sweepHandler({ inline: true }, lambdaContext('sweep', 300_000))) as ScanReport;

    const planned = report.candidates.length;
    const held = report.kept.filter((k) => k.cause === 'cap');
    expect(planned).toBeLessThanOrEqual(10);
    expect(planned + held.length).toBe(16);
    expect(report.capExceeded).toEqual({ found: 16, held: held.length, cap: 10 });
    // Whole projects: a project is planned or held, never split.
    const cappedProjects = new Set(report.projects.filter((p) => p.capExceeded).map((p) => p.projectId));
    expect(new Set(held.map((k) => k.projectId))).toEqual(cappedProjects);
    expect(report.candidates.filter((c) => cappedProjects.has(c.projectId))).toEqual([]);
    for (const k of held) expect(k.reason).toMatch(/^held by the cap/);
    // Sent, each project as it completed (the queue deduplicates jobs an earlier test of this file sent).
    expect(report.enqueued).toBe(planned);
  });

  it('plans nothing for a project whose candidates exceed the cap', async () => {
    pipeline.configure({ JANITOR_MODE: 'dry-run', MAX_DELETIONS_PER_RUN: '2' });

    const report = (await sweepHandler({ inline: true, projectIds: [DEMO.project('payments-staging').id] }, lambdaContext('sweep', 300_000))) as ScanReport;

    expect(report.candidates).toEqual([]);
    expect(report.projects[0]!.capExceeded).toEqual({ found: 5, cap: 2 });
  });
});

describe('several secrets', () => {
  const secrets = mockClient(SecretsManagerClient);
  afterAll(() => secrets.restore());

  it('sweeps the projects every secret sees, each scanned with the credentials that see it', async () => {
    const analyticsKey = demo.apiKeys.find((k: { orgIds: string[] }) => k.orgIds.length === 1);
    secrets.on(GetSecretValueCommand, { SecretId: 'atlas/analytics' }).resolves({ SecretString: JSON.stringify({ publicKey: analyticsKey.publicKey, privateKey: analyticsKey.privateKey }) });
    secrets.on(GetSecretValueCommand, { SecretId: 'atlas/platform' }).resolves({ SecretString: JSON.stringify(DEMO.serviceAccount) });
    pipeline.configure({ JANITOR_MODE: 'dry-run', ATLAS_SECRET_IDS: 'atlas/analytics,atlas/platform', MONGODB_ATLAS_PUBLIC_API_KEY: undefined, MONGODB_ATLAS_PRIVATE_API_KEY: undefined });

    const report = (await sweepHandler({ inline: true }, lambdaContext('sweep', 300_000))) as ScanReport;

    expect(report.errors).toEqual([]);
    expect(report.projects).toHaveLength(6);
    expect(report.candidates.map((c) => ({ kind: c.kind, id: c.id, rule: c.rule })).sort((a, b) => `${a.kind}:${a.id}`.localeCompare(`${b.kind}:${b.id}`))).toEqual(expected);
    const principals = new Set(pipeline.sim.log.map((e) => e.principal).filter(Boolean));
    expect(principals).toEqual(new Set([analyticsKey.publicKey, DEMO.serviceAccount.clientId]));
    expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(2);
  });

  it('reads a rotated secret again when Atlas answers 401 during a scan, and scans with the new key', async () => {
    secrets.reset();
    secrets.on(GetSecretValueCommand, { SecretId: 'atlas/rotating' })
      .resolvesOnce({ SecretString: JSON.stringify({ publicKey: DEMO.apiKey.publicKey, privateKey: 'rotated-away' }) })
      .resolves({ SecretString: JSON.stringify(DEMO.apiKey) });
    pipeline.configure({ JANITOR_MODE: 'dry-run', ATLAS_SECRET_IDS: 'atlas/rotating', MONGODB_ATLAS_PUBLIC_API_KEY: undefined, MONGODB_ATLAS_PRIVATE_API_KEY: undefined });

    const response = await scanHandler({ Records: [sqsRecord('rotated', JSON.stringify({ type: 'scan', projectId: DEMO.payments.id, secretId: 'atlas/rotating' }))] } as never, lambdaContext('scan', 60_000));

    expect(response.batchItemFailures).toEqual([]);
    expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(2);
    expect(pipeline.sim.log.filter((e) => e.status === 200 && e.path.includes(DEMO.payments.id)).length).toBeGreaterThan(5);
  });

  it('reports a malformed secret as an error naming it, without its content, and scans with the others', async () => {
    secrets.reset();
    secrets.on(GetSecretValueCommand, { SecretId: 'atlas/broken' }).resolves({ SecretString: '{"publicKey":"leaky-value-123"}' });
    secrets.on(GetSecretValueCommand, { SecretId: 'atlas/platform' }).resolves({ SecretString: JSON.stringify(DEMO.serviceAccount) });
    pipeline.configure({ JANITOR_MODE: 'dry-run', ATLAS_SECRET_IDS: 'atlas/broken,atlas/platform', MONGODB_ATLAS_PUBLIC_API_KEY: undefined, MONGODB_ATLAS_PRIVATE_API_KEY: undefined });

    const logged = vi.spyOn(logger, 'error');

    // A secret that cannot be used needs a person: the invocation fails, after the report of the others is logged.
    const failure = (await sweepHandler({ inline: true }, lambdaContext('sweep', 300_000)).catch((e: unknown) => e)) as RunFailedError;

    expect(failure).toBeInstanceOf(RunFailedError);
    expect(failure.failures).toEqual([expect.objectContaining({ fatal: 'credentials', id: 'atlas/broken' })]);
    expect(failure.failures[0]!.message).toMatch(/atlas\/broken: field privateKey/);
    const [, line] = logged.mock.calls.find(([message]) => message === 'sweep failed: credentials need a person')!;
    expect((line as { projects: unknown[] }).projects).toHaveLength(3);
    expect(JSON.stringify([failure.message, failure.failures, line])).not.toContain('leaky-value-123');
    logged.mockRestore();
  });
});

describe('scan requests from other systems', () => {
  beforeEach(() => pipeline.clearQueues());

  it('does not scan a project the configuration excludes, by id, whatever the message says', async () => {
    pipeline.configure({ JANITOR_MODE: 'enforce', EXCLUDE_PROJECT_IDS: DEMO.payments.id });

    const response = await scanHandler({ Records: [sqsRecord('excluded', JSON.stringify({ type: 'scan', projectId: DEMO.payments.id, projectName: 'not-excluded' }))] } as never, lambdaContext('scan', 60_000));

    expect(response.batchItemFailures).toEqual([]);
    expect(pipeline.sim.log.filter((e) => e.path.includes(DEMO.payments.id))).toEqual([]);
    expect(pipeline.peek('janitor-delete.fifo')).toEqual([]);
  });

  it('checks name globs against the name Atlas gives, not the one in the message', async () => {
    pipeline.configure({ JANITOR_MODE: 'enforce', EXCLUDE_PROJECT_NAMES: 'payments-*' });

    await scanHandler({ Records: [sqsRecord('renamed', JSON.stringify({ type: 'scan', projectId: DEMO.payments.id, projectName: 'sandbox' }))] } as never, lambdaContext('scan', 60_000));

    expect(pipeline.sim.log.filter((e) => e.status !== 401 && e.path.includes(DEMO.payments.id)).map((e) => e.operationId)).toEqual(['getGroup']);
    expect(pipeline.peek('janitor-delete.fifo')).toEqual([]);
  });

  it('refuses a secret id the configuration does not list, straight to the scan DLQ', async () => {
    pipeline.configure({ JANITOR_MODE: 'dry-run' });

    const response = await scanHandler({ Records: [sqsRecord('foreign-secret', JSON.stringify({ type: 'scan', projectId: DEMO.payments.id, secretId: 'arn:aws:secretsmanager:us-east-1:111111111111:secret:someone-else' }))] } as never, lambdaContext('scan', 60_000));

    expect(response.batchItemFailures).toEqual([]);
    expect(pipeline.inspect('janitor-scan-dlq').map((m) => m.attributes['reason'])).toEqual(['secretId: is not one of the configured secrets (ATLAS_SECRET_IDS)']);
    expect(pipeline.sim.log).toEqual([]);
  });
});

describe('bad input', () => {
  it('rejects a malformed console event naming the field', async () => {
    pipeline.configure({});
    await expect(sweepHandler({ inline: true, projectIds: ['not-an-id'] }, lambdaContext('sweep', 60_000))).rejects.toThrow(/projectIds\.0: must be 24 lowercase hexadecimal/);
    await expect(sweepHandler({ inline: 'yes' }, lambdaContext('sweep', 60_000))).rejects.toThrow(/^inline:/);
  });

  it('sends bad scan messages to the scan DLQ at once and still scans the good ones', async () => {
    pipeline.configure({ JANITOR_MODE: 'dry-run' });
    pipeline.clearQueues();
    const record = sqsRecord;

    const response = await scanHandler(
      {
        Records: [
          record('bad-json', '{not json'),
          record('bad-id', JSON.stringify({ type: 'scan', projectId: 'XYZ' })),
          record('unknown-field', JSON.stringify({ type: 'scan', projectId: DEMO.payments.id, deleteEverything: true })),
          record('good', JSON.stringify({ type: 'scan', projectId: DEMO.payments.id })),
        ],
      },
      lambdaContext('scan', 60_000),
    );

    expect(response.batchItemFailures).toEqual([]);
    expect(pipeline.inspect('janitor-scan-dlq').map((m) => m.attributes['reason']).sort()).toEqual([
      'body: is not valid JSON',
      'deleteEverything: is not a field of this message',
      'projectId: must be 24 lowercase hexadecimal characters',
    ]);
    expect(pipeline.sim.log.some((e) => e.path.includes(DEMO.payments.id))).toBe(true);
  });

  it('refuses to start with a malformed configuration, naming the variable', async () => {
    pipeline.configure({ JANITOR_MODE: 'delete-all' });
    await expect(sweepHandler({ inline: true }, lambdaContext('sweep', 60_000))).rejects.toThrow(/^JANITOR_MODE: must be dry-run, plan or enforce/);
    pipeline.configure({ MAX_DELETIONS_PER_RUN: 'lots' });
    await expect(sweepHandler({ inline: true }, lambdaContext('sweep', 60_000))).rejects.toThrow(/^MAX_DELETIONS_PER_RUN: must be a whole number/);
  });
});
