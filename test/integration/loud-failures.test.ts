import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { createServer } from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import SCHEDULED_EVENT from '../../events/scheduled-sweep.json';
import { handler as scanHandler } from '../../functions/scan';
import { handler as sweepHandler } from '../../functions/sweep';
import { handler as workerHandler } from '../../functions/worker';
import { deleteJobSchema, type DeleteJob } from '../../lib/jobs';
import { CREDENTIALS_FAILURES_METRIC, metrics } from '../../lib/lambda';
import type { ScanReport } from '../../lib/report';
import { RunFailedError } from '../../lib/run';
import { lambdaContext } from '../../tools/local/lambda-context';
import { DEMO } from '../support/demo';
import { resetPipeline, startDemoPipeline, type Pipeline } from '../support/pipeline';
import { demo, demoKeys } from '../support/sim-http';
import { captureJobReports, workerSource } from '../support/worker-harness';
import { LocalPoller } from '../../tools/local/poller';

/**
 * Issue 15: a 401/403 about one project is that project's error; refused credentials fail the
 * invocation loudly (and count in a metric); a network failure is retried, never dead-lettered at once;
 * an invalid message goes to its queue's DLQ at once, with its reason.
 */

let pipeline: Pipeline;
const sa = demoKeys.serviceAccount;
const saEnv = { MONGODB_ATLAS_PUBLIC_API_KEY: undefined, MONGODB_ATLAS_PRIVATE_API_KEY: undefined, MONGODB_ATLAS_CLIENT_ID: sa.clientId, MONGODB_ATLAS_CLIENT_SECRET: sa.clientSecret };
const workerEnv = { JANITOR_MODE: 'enforce', RETRY_BACKOFF_BASE_SECONDS: '1', DEFER_SECONDS: '1', DELETE_MAX_RECEIVE_COUNT: '5' };
/** The demo projects the demo service account sees. */
const saProjects: string[] = demo.orgs.filter((o: { id: string }) => sa.orgIds.includes(o.id)).flatMap((o: { projects: { id: string }[] }) => o.projects.map((p) => p.id));

const sqsRecord = (id: string, body: string) => ({
  messageId: id, receiptHandle: `rh-${id}`, body,
  attributes: { ApproximateReceiveCount: '1', SentTimestamp: '0', SenderId: 'x', ApproximateFirstReceiveTimestamp: '0', MessageGroupId: 'g' },
  messageAttributes: {}, md5OfBody: '', eventSource: 'aws:sqs', eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:janitor-scan', awsRegion: 'us-east-1',
});

/** A port nothing listens on: connecting to it is refused (ECONNREFUSED). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

beforeAll(async () => {
  pipeline = await startDemoPipeline({ deleteDelayMs: 60_000 });
});
afterAll(() => pipeline?.stop());
beforeEach(() => resetPipeline(pipeline));
afterEach(() => vi.restoreAllMocks());

describe('401/403 by cause', () => {
  it('scans and reports the other two of three projects when one answers a permission 401, with one token request', async () => {
    expect(saProjects.length).toBeGreaterThanOrEqual(3);
    const [first, refusing, third] = saProjects as [string, string, string];
    pipeline.configure({ JANITOR_MODE: 'dry-run', ...saEnv });
    pipeline.sim.addFault({ match: { projectIds: [refusing] }, status: 401, errorCode: 'NOT_ORG_GROUP_CREATOR' });

    const report = (await sweepHandler({ inline: true, projectIds: [first, refusing, third] }, lambdaContext('sweep', 300_000))) as ScanReport;

    const byProject = new Map(report.projects.map((p) => [p.projectId, p]));
    expect([...byProject.keys()].sort()).toEqual([first, refusing, third].sort());
    expect(byProject.get(first)!.seen).toBeGreaterThan(0);
    expect(byProject.get(third)!.seen).toBeGreaterThan(0);
    expect(byProject.get(refusing)).toMatchObject({ seen: 0 });
    expect(report.errors.length).toBeGreaterThan(0);
    for (const error of report.errors) expect(error).toMatchObject({ projectId: refusing, status: 401, errorCode: 'NOT_ORG_GROUP_CREATOR' });
    expect(report.errors.some((e) => e.fatal)).toBe(false);
    expect(pipeline.sim.log.filter((e) => e.operationId === 'oauthToken')).toHaveLength(1);
  });

  it('treats a 403 on one project the same way, and keeps the other projects\' candidates', async () => {
    const [first, refusing] = saProjects as [string, string];
    pipeline.configure({ JANITOR_MODE: 'dry-run' });
    pipeline.sim.addFault({ match: { projectIds: [refusing], operationId: 'listGroupPeers' }, status: 403, errorCode: 'CANNOT_ACCESS_GROUP' });

    const report = (await sweepHandler({ inline: true, projectIds: [first, refusing] }, lambdaContext('sweep', 300_000))) as ScanReport;

    expect(report.errors).toEqual([expect.objectContaining({ projectId: refusing, kind: 'networkPeering', status: 403 })]);
    expect(report.candidates.some((c) => c.projectId === first)).toBe(true);
    // The peers were not read: none of that project's peers is planned, whatever their state.
    expect(report.candidates.some((c) => c.projectId === refusing && c.kind === 'networkPeering')).toBe(false);
  });
});

describe('refused credentials fail the invocation', () => {
  const metricSpy = () => vi.spyOn(metrics, 'addMetric');
  const refusedKey = { MONGODB_ATLAS_PRIVATE_API_KEY: 'not-the-key' };

  it('fails a queued sweep whose key is refused, counts it, and queues nothing', async () => {
    pipeline.configure({ JANITOR_MODE: 'enforce', ...refusedKey });
    const added = metricSpy();

    const failure = await sweepHandler(SCHEDULED_EVENT, lambdaContext('sweep', 60_000)).catch((e: unknown) => e);

    expect(failure).toBeInstanceOf(RunFailedError);
    expect((failure as RunFailedError).failures).toEqual([expect.objectContaining({ fatal: 'credentials', status: 401, id: 'environment' })]);
    expect((failure as Error).message).not.toContain('not-the-key');
    expect(added).toHaveBeenCalledWith(CREDENTIALS_FAILURES_METRIC, 'Count', 1);
    expect(pipeline.peek('janitor-scan')).toEqual([]);
  });

  it('fails a scan invocation whose key is refused, and leaves the request on its queue for a retry', async () => {
    pipeline.configure({ JANITOR_MODE: 'dry-run', ...refusedKey });
    const added = metricSpy();

    const failure = await scanHandler({ Records: [sqsRecord('refused', JSON.stringify({ type: 'scan', projectId: DEMO.payments.id }))] } as never, lambdaContext('scan', 60_000)).catch((e: unknown) => e);

    expect(failure).toBeInstanceOf(RunFailedError);
    expect(added).toHaveBeenCalledWith(CREDENTIALS_FAILURES_METRIC, 'Count', 1);
    expect(pipeline.peek('janitor-scan-dlq')).toEqual([]);
  });

  it('says so when v1 is configured with Service Account credentials', async () => {
    pipeline.configure({ ATLAS_API_GENERATION: 'v1', ...saEnv });

    const failure = (await sweepHandler({ inline: true }, lambdaContext('sweep', 60_000)).catch((e: unknown) => e)) as RunFailedError;

    expect(failure).toBeInstanceOf(RunFailedError);
    expect(failure.failures[0]).toMatchObject({ fatal: 'configuration' });
    expect(failure.failures[0]!.message).toMatch(/^ATLAS_API_GENERATION: v1 needs API key credentials \(HTTP Digest\), but environment holds a Service Account/);
    expect(pipeline.sim.log.filter((e) => e.requestHeaders.authScheme === 'Bearer')).toEqual([]);
  });
});

describe('the worker: transient means retry', () => {
  async function planJob(projectName: string): Promise<DeleteJob> {
    pipeline.configure(workerEnv);
    await scanHandler({ Records: [sqsRecord(`scan-${projectName}`, JSON.stringify({ type: 'scan', projectId: DEMO.project(projectName).id }))] } as never, lambdaContext('scan', 60_000));
    const job = deleteJobSchema.parse(JSON.parse(pipeline.peek('janitor-delete.fifo')[0]!));
    pipeline.clearQueues();
    return job;
  }

  it('retries a job whose first receive finds the connection refused, and does not dead-letter it', async () => {
    const job = await planJob('payments-prod');
    pipeline.configure({ ...workerEnv, DELETE_DLQ_URL: pipeline.queues.deleteDlq, ATLAS_BASE_URL: `http://127.0.0.1:${await closedPort()}` });
    await pipeline.sqs.send(new SendMessageCommand({ QueueUrl: pipeline.queues.delete, MessageBody: JSON.stringify(job), MessageGroupId: job.projectId, MessageDeduplicationId: `${job.jobId}-refused` }));
    const capture = captureJobReports();

    const worker = workerSource(pipeline, 1);
    try {
      expect(await new LocalPoller(pipeline.sqs, [worker]).pollOnce(worker)).toBe(1);
    } finally {
      capture.restore();
    }

    expect(capture.reports).toEqual([expect.objectContaining({ jobId: job.jobId, outcome: 'retry', ack: false, receiveCount: 1 })]);
    expect(capture.reports[0]!.reason).toMatch(/connection refused/);
    expect(pipeline.peek('janitor-delete-dlq.fifo')).toEqual([]);
    // Still on the delete queue, to come back after its backoff.
    expect(pipeline.peek('janitor-delete.fifo').map((b) => JSON.parse(b).jobId)).toEqual([job.jobId]);
  });

  it('retries, and fails the invocation, when the job\'s credentials are refused', async () => {
    const job = await planJob('payments-staging');
    pipeline.configure({ ...workerEnv, DELETE_DLQ_URL: pipeline.queues.deleteDlq, MONGODB_ATLAS_PRIVATE_API_KEY: 'not-the-key' });
    const capture = captureJobReports();

    const failure = await workerHandler({ Records: [{ ...sqsRecord('job', JSON.stringify(job)), eventSourceARN: pipeline.queues.arns.delete }] } as never, lambdaContext('worker', 60_000)).catch((e: unknown) => e);
    capture.restore();

    expect(failure).toBeInstanceOf(RunFailedError);
    expect(capture.reports).toEqual([expect.objectContaining({ outcome: 'retry' })]);
    expect(pipeline.peek('janitor-delete-dlq.fifo')).toEqual([]);
    expect(pipeline.sim.log.filter((e) => e.method === 'DELETE')).toEqual([]);
  });
});

describe('Atlas failures and findings reach the dashboard from every function', () => {
  /** The run metrics (Powertools single metrics) each function emits, as `Name Dim=value … count`. */
  function recordRunMetrics(): string[] {
    const rows: string[] = [];
    vi.spyOn(metrics, 'singleMetric').mockImplementation(() => {
      const dimensions: string[] = [];
      const single = {
        addDimension: (name: string, value: string) => void dimensions.push(`${name}=${value}`),
        addMetric: (name: string, _unit: string, count: number) => void rows.push([name, ...dimensions, count].join(' ')),
      };
      return single as never;
    });
    return rows;
  }
  const sum = (rows: string[], name: string) => rows.filter((r) => r.startsWith(`${name} `)).reduce((n, r) => n + Number(r.split(' ').at(-1)), 0);

  it('an inline sweep counts its 429s and 500s by status, and Found/Kept per project', async () => {
    pipeline.configure({ JANITOR_MODE: 'dry-run' });
    pipeline.sim.addFault({ match: { operationId: 'listGroupPeers', projectIds: [DEMO.payments.id] }, status: 429, retryAfterSeconds: 1, times: 2 });
    pipeline.sim.addFault({ match: { operationId: 'listGroups' }, status: 500, times: 1 });
    const rows = recordRunMetrics();

    const report = (await sweepHandler({ inline: true }, lambdaContext('sweep', 300_000))) as ScanReport;

    expect(report.errors).toEqual([]);
    // The demo's own reads of gone resources (404s) count too; the injected answers are exactly these.
    expect(rows).toEqual(expect.arrayContaining(['AtlasFailures Status=429 2', 'AtlasFailures Status=500 1']));
    expect(sum(rows, 'Found')).toBe(report.candidates.length);
    expect(sum(rows, 'Found')).toBeGreaterThan(0);
    expect(sum(rows, 'Kept')).toBe(report.keptTotal);
    for (const { kind, rule } of report.candidates) {
      const found = rows.filter((r) => r.startsWith(`Found Kind=${kind} Rule=${rule} `));
      expect(sum(found, 'Found')).toBe(report.candidates.filter((c) => c.kind === kind && c.rule === rule).length);
    }
  });

  it('a queued sweep counts its failed project list', async () => {
    pipeline.configure({ JANITOR_MODE: 'dry-run' });
    pipeline.sim.addFault({ match: { operationId: 'listGroups' }, status: 503, times: 1 });
    const rows = recordRunMetrics();

    await sweepHandler(SCHEDULED_EVENT, lambdaContext('sweep', 60_000));

    expect(rows).toEqual(['AtlasFailures Status=503 1']);
    expect(pipeline.peek('janitor-scan').length).toBeGreaterThan(0);
  });

  it('the worker counts the 429 its DELETE met', async () => {
    pipeline.configure(workerEnv);
    await scanHandler({ Records: [sqsRecord('scan-metrics', JSON.stringify({ type: 'scan', projectId: DEMO.streamsLab.id }))] } as never, lambdaContext('scan', 60_000));
    const job = deleteJobSchema.parse(JSON.parse(pipeline.peek('janitor-delete.fifo')[0]!));
    pipeline.clearQueues();
    pipeline.sim.addFault({ match: { method: 'DELETE' }, status: 429, retryAfterSeconds: 1, times: 1 });
    const rows = recordRunMetrics();
    const capture = captureJobReports();

    await workerHandler({ Records: [{ ...sqsRecord('job-metrics', JSON.stringify(job)), eventSourceARN: pipeline.queues.arns.delete }] } as never, lambdaContext('worker', 60_000)).finally(capture.restore);

    expect(capture.reports).toEqual([expect.objectContaining({ outcome: 'deleted' })]);
    expect(rows.filter((r) => r.startsWith('AtlasFailures '))).toEqual(['AtlasFailures Status=429 1']);
  });
});

describe('invalid messages go to their DLQ at once, with the reason logged', () => {
  it('dead-letters invalid scan requests and a foreign secret id on first receipt, naming the field, and scans the good one', async () => {
    pipeline.configure({ JANITOR_MODE: 'dry-run' });
    const { logger } = await import('../../lib/lambda');
    const errors = vi.spyOn(logger, 'error');

    const response = await scanHandler(
      {
        Records: [
          sqsRecord('bad-json', '{not json'),
          sqsRecord('unknown-field', JSON.stringify({ type: 'scan', projectId: DEMO.payments.id, deleteEverything: true })),
          sqsRecord('foreign-secret', JSON.stringify({ type: 'scan', projectId: DEMO.payments.id, secretId: 'arn:aws:secretsmanager:us-east-1:111111111111:secret:someone-else' })),
          sqsRecord('good', JSON.stringify({ type: 'scan', projectId: DEMO.payments.id })),
        ],
      } as never,
      lambdaContext('scan', 60_000),
    );

    expect(response.batchItemFailures).toEqual([]);
    const dlq = pipeline.inspect('janitor-scan-dlq');
    const reasons = dlq.map((m) => m.attributes['reason']).sort();
    expect(reasons).toEqual([
      'body: is not valid JSON',
      'deleteEverything: is not a field of this message',
      'secretId: is not one of the configured secrets (ATLAS_SECRET_IDS)',
    ]);
    expect(dlq.every((m) => m.attributes['errorCode'] === 'INVALID_SCAN_REQUEST')).toBe(true);
    const logged = errors.mock.calls.filter(([message]) => message === 'scan request rejected').map(([, fields]) => (fields as { field: string }).field);
    expect(logged.sort()).toEqual(['body', 'deleteEverything', 'secretId']);
    expect(pipeline.sim.log.some((e) => e.path.includes(DEMO.payments.id))).toBe(true);
  });
});
