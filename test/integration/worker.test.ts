import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { clearAuthCaches } from '../../lib/atlas';
import { DEMO } from '../support/demo';
import { startPipeline, type Pipeline } from '../support/pipeline';
import { DEMO_SCENARIO_PATH } from '../support/sim-http';
import { captureJobReports, deletedResource, pipelinePoller, planJobs as planProjectJobs, work } from '../support/worker-harness';

const workerEnv = { JANITOR_MODE: 'enforce', RETRY_BACKOFF_BASE_SECONDS: '1', DEFER_SECONDS: '1', DELETE_MAX_RECEIVE_COUNT: '5' };

let pipeline: Pipeline;
let capture: ReturnType<typeof captureJobReports>;

beforeAll(async () => {
  pipeline = await startPipeline({ simulator: { scenario: DEMO_SCENARIO_PATH, deleteDelayMs: 300, seed: 11 }, credentials: DEMO.apiKey });
});
afterAll(() => pipeline?.stop());
beforeEach(() => {
  clearAuthCaches();
  capture = captureJobReports();
});
afterEach(() => capture.restore());

const planJobs = (projectId: string) => planProjectJobs(pipeline, projectId);

describe('idempotence and drift', () => {
  it('sends exactly one DELETE for a job delivered three times', async () => {
    pipeline.configure(workerEnv);
    const job = (await planJobs(DEMO.project('payments-prod').id)).find((j) => j.rule === 'rejected-aws-endpoint')!;
    pipeline.sim.clearLog();

    await work(job, 'first');
    await work(job, 'second');
    await work(job, 'third');

    const deletes = pipeline.sim.log.filter((e) => e.method === 'DELETE');
    expect(deletes.map(deletedResource)).toEqual([`privateEndpoint:${job.ids['endpointId']}`]);
    expect(capture.reports.map((r) => r.outcome)).toEqual(['deleted', 'inProgress', 'inProgress']);
  });

  it('skips as drifted a resource that became AVAILABLE between plan and act, and leaves it', async () => {
    pipeline.configure(workerEnv);
    const job = (await planJobs(DEMO.project('data-lake').id)).find((j) => j.kind === 'networkPeering')!;
    pipeline.sim.store.update('peer', job.ids['peerId']!, { status: 'AVAILABLE' });
    pipeline.sim.clearLog();

    const response = await work(job, 'drift');

    expect(response.batchItemFailures).toEqual([]);
    expect(capture.reports[0]).toMatchObject({ outcome: 'drifted', ack: true });
    expect(capture.reports[0]!.reason).toMatch(/now AVAILABLE/);
    expect(pipeline.sim.log.filter((e) => e.method === 'DELETE')).toEqual([]);
    expect(pipeline.sim.store.find('peer', job.ids['peerId']!)).toMatchObject({ state: 'AVAILABLE', deleting: false });
  });

  it('skips as protected a resource protected after it was planned (any case), and leaves it', async () => {
    pipeline.configure(workerEnv);
    const job = (await planJobs(DEMO.project('streams-lab').id)).find((j) => j.kind === 'streamsPrivateLink')!;
    pipeline.configure({ ...workerEnv, PROTECTED_RESOURCE_IDS: job.ids['connectionId']!.toUpperCase() });
    pipeline.sim.clearLog();

    await work(job, 'protected');

    expect(capture.reports[0]).toMatchObject({ outcome: 'protected', ack: true });
    expect(pipeline.sim.log.filter((e) => e.method === 'DELETE')).toEqual([]);
  });

  it('only logs and acknowledges a dry-run job', async () => {
    pipeline.configure(workerEnv);
    const job = (await planJobs(DEMO.project('analytics-prod').id))[0]!;
    pipeline.sim.clearLog();

    await work({ ...job, mode: 'dry-run' }, 'dry');

    expect(capture.reports[0]).toMatchObject({ outcome: 'dryRun', ack: true });
    expect(pipeline.sim.log).toEqual([]);
  });
});

describe('permanent failures', () => {
  it('sends a job whose DELETE Atlas answers 403 to the dead-letter queue on its first receipt: the credentials lack the role', async () => {
    pipeline.configure({ ...workerEnv, DELETE_DLQ_URL: pipeline.queues.deleteDlq });
    // A project no other test planned: the FIFO queue drops a job id it saw in the last five minutes.
    const job = (await planJobs(DEMO.project('payments-staging').id)).find((j) => j.kind === 'networkPeering')!;
    pipeline.sim.addFault({ match: { method: 'DELETE', pathIncludes: job.ids['peerId'] }, status: 403 });
    await pipeline.sqs.send(new (await import('@aws-sdk/client-sqs')).SendMessageCommand({ QueueUrl: pipeline.queues.delete, MessageBody: JSON.stringify(job), MessageGroupId: job.projectId, MessageDeduplicationId: `${job.jobId}-again` }));

    const poller = pipelinePoller(pipeline);
    await poller.drain({ timeoutMs: 20_000 });
    pipeline.sim.clearFaults();

    expect(poller.stats.get('worker')).toMatchObject({ received: 1, deleted: 1, failedRecords: 0 });
    const dlq = pipeline.inspect('janitor-delete-dlq.fifo');
    expect(dlq).toHaveLength(1);
    expect(JSON.parse(dlq[0]!.body)).toMatchObject({ jobId: job.jobId });
    expect(dlq[0]!.attributes['errorCode']).toBe('DELETE_ROLE_MISSING');
    expect(dlq[0]!.attributes['status']).toBe('403');
    expect(dlq[0]!.attributes['receiveCount']).toBe('1');
    expect(dlq[0]!.attributes['reason']).toMatch(new RegExp(`the credentials lack the role to delete in project ${job.projectId} \\(Atlas answered 403 FORBIDDEN to DELETE `));
    pipeline.clearQueues();
  });
});
