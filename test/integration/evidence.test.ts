import { readFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { handler as sweepHandler } from '../../functions/sweep';
import type { DeleteJob } from '../../lib/jobs';
import type { ScanReport } from '../../lib/report';
import { lambdaContext } from '../../tools/local/lambda-context';
import SCHEDULED_EVENT from '../../events/scheduled-sweep.json';
import type { FaultRule } from '../../tools/simulator';
import { DEMO } from '../support/demo';
import { resetPipeline, startDemoPipeline, type Pipeline } from '../support/pipeline';
import { captureJobReports, deletedResource, pipelinePoller, planJobs, work } from '../support/worker-harness';

// Acceptance for "delete only on positive evidence", through the simulator's own answers.

type Json = Record<string, any>;
const payments = DEMO.project('payments-prod');
const paymentsAwsEndpoints: string[] = payments.endpointServices.find((s: Json) => s.cloudProvider === 'AWS').interfaceEndpoints;
/** What the demo's payments-prod AWS service holds: AVAILABLE, REJECTED, PENDING_ACCEPTANCE and one orphan id. */
const REJECTED = 'vpce-e5e8d8a08ed888165';
const ORPHAN = 'vpce-0488d15070de23e36';

let pipeline: Pipeline;
beforeAll(async () => {
  pipeline = await startDemoPipeline({ deleteDelayMs: 200, stuckDeletes: true });
});
afterAll(() => pipeline?.stop());
beforeEach(() => resetPipeline(pipeline));

async function inlineSweep(env: Record<string, string>): Promise<ScanReport> {
  pipeline.configure({ JANITOR_MODE: 'dry-run', INCLUDE_PROJECT_IDS: payments.id, GRACE_PERIODS: 'default=0', ...env });
  return (await sweepHandler({ inline: true }, lambdaContext('sweep', 60_000))) as ScanReport;
}

const planned = (report: ScanReport, kind: string) => report.candidates.filter((c) => c.kind === kind).map((c) => c.id).sort();

describe('a 404 is evidence only with an Atlas body, the kind\'s code and its parent read', () => {
  it('an enforced v1 sweep behind bare 404s on v1.0 interface endpoint GETs deletes no AWS endpoint and reports each failed read', async () => {
    const bare: FaultRule = { match: { operationId: 'v1GetInterfaceEndpoint' }, status: 404, bare: true };
    pipeline.sim.addFault(bare);

    const report = await inlineSweep({ ATLAS_API_GENERATION: 'v1' });

    expect(planned(report, 'privateEndpoint')).toEqual([]);
    const failedReads = report.errors.filter((e) => e.kind === 'privateEndpoint').map((e) => e.id).sort();
    expect(failedReads).toEqual([...paymentsAwsEndpoints].sort());
    expect(report.errors.every((e) => e.errorCode === 'HTTP_404' && /no Atlas error body/.test(e.message))).toBe(true);
    expect(report.kept.filter((k) => k.kind === 'privateEndpoint').map((k) => k.state)).toEqual(['READ_FAILED', 'READ_FAILED', 'READ_FAILED', 'READ_FAILED']);

    // The same in enforce mode, through the queue and the worker: no DELETE reaches an AWS endpoint.
    pipeline.sim.clearLog();
    pipeline.configure({ JANITOR_MODE: 'enforce', ATLAS_API_GENERATION: 'v1', INCLUDE_PROJECT_IDS: payments.id, GRACE_PERIODS: 'default=0', RETRY_BACKOFF_BASE_SECONDS: '1', DEFER_SECONDS: '1' });
    await sweepHandler(SCHEDULED_EVENT, lambdaContext('sweep', 60_000));
    await pipelinePoller(pipeline).drain({ timeoutMs: 30_000 });
    const deleted = pipeline.sim.log.filter((e) => e.method === 'DELETE').map(deletedResource);
    expect(deleted.filter((r) => r.startsWith('privateEndpoint:'))).toEqual([]);
    // The service that lists them is not deleted either (its endpoints stay).
    expect(deleted.filter((r) => r.startsWith('privateEndpointService:'))).toEqual([]);
    // The rest of the project is still cleaned: the FAILED AWS peer went (it is not the last AWS peer).
    expect(deleted).toContain(`networkPeering:${DEMO.payments.failedPeerId}`);
  });

  it.each([
    ['an unknown code', { status: 404, errorCode: 'SOME_NEW_CODE' }],
    ['GROUP_NOT_FOUND', { status: 404, errorCode: 'GROUP_NOT_FOUND' }],
  ])('a 404 with %s on endpoint GETs is a failed read: nothing planned, each reported', async (_name, answer) => {
    pipeline.sim.addFault({ match: { operationId: 'getPrivateEndpoint', projectIds: [payments.id] }, ...answer });

    const report = await inlineSweep({});

    expect(planned(report, 'privateEndpoint')).toEqual([]);
    const failed = report.errors.filter((e) => e.kind === 'privateEndpoint');
    expect(failed.map((e) => e.id).sort()).toEqual([...paymentsAwsEndpoints].sort());
    expect(failed.every((e) => e.errorCode === answer.errorCode && /does not name a missing resource of this kind/.test(e.message))).toBe(true);
  });

  it('without a fault, the one orphan of four (the kind\'s own not-found code) is planned: the breaker leaves a minority alone', async () => {
    const report = await inlineSweep({});

    expect(planned(report, 'privateEndpoint')).toEqual([ORPHAN, REJECTED].sort());
    expect(report.errors).toEqual([]);
  });

  it('the breaker holds every endpoint of the project when most reads say PRIVATE_ENDPOINT_NOT_FOUND, and reports a suspected API fault', async () => {
    // The kind's real not-found code, on endpoints that exist: what a faulty deploy behind Atlas could say.
    pipeline.sim.addFault({ match: { operationId: 'getPrivateEndpoint', projectIds: [payments.id] }, status: 404, errorCode: 'PRIVATE_ENDPOINT_NOT_FOUND' });

    const report = await inlineSweep({});

    expect(planned(report, 'privateEndpoint')).toEqual([]);
    const held = report.kept.filter((k) => k.kind === 'privateEndpoint');
    expect(held.map((k) => k.cause)).toEqual(['suspectedApiFault', 'suspectedApiFault', 'suspectedApiFault', 'suspectedApiFault']);
    expect(report.errors).toEqual([
      expect.objectContaining({ projectId: payments.id, kind: 'privateEndpoint', errorCode: 'SUSPECTED_API_FAULT', message: expect.stringContaining('4 of 4 privateEndpoint reads') }),
    ]);
    // Its service lists endpoints that are not going: it is not planned either.
    expect(planned(report, 'privateEndpointService')).toEqual([]);
  });
});

describe('the worker applies the same evidence rules before its DELETE', () => {
  let capture: ReturnType<typeof captureJobReports>;
  let job: DeleteJob;
  // The FIFO queue drops a job id it saw in the last five minutes: plan once, deliver the job to each case.
  beforeAll(async () => {
    pipeline.sim.clearFaults();
    pipeline.configure({ JANITOR_MODE: 'enforce', GRACE_PERIODS: 'default=0' });
    job = (await planJobs(pipeline, payments.id)).find((j) => j.kind === 'privateEndpoint' && j.ids['endpointId'] === REJECTED)!;
  });
  beforeEach(() => {
    pipeline.configure({ JANITOR_MODE: 'enforce', GRACE_PERIODS: 'default=0', RETRY_BACKOFF_BASE_SECONDS: '1' });
    capture = captureJobReports();
  });
  afterEach(() => capture.restore());

  it.each([
    ['a bare 404', { status: 404, bare: true }, 'HTTP_404'],
    ['an unknown code', { status: 404, errorCode: 'SOME_NEW_CODE' }, 'SOME_NEW_CODE'],
    ['GROUP_NOT_FOUND', { status: 404, errorCode: 'GROUP_NOT_FOUND' }, 'GROUP_NOT_FOUND'],
  ] as const)('%s on the re-read is a retry: no DELETE, not counted as gone', async (_name, answer, code) => {
    expect(job).toBeDefined();
    pipeline.sim.addFault({ match: { operationId: 'getPrivateEndpoint', projectIds: [payments.id] }, ...answer });

    const result = await work(job, `m-${code}`);

    expect(pipeline.sim.log.filter((e) => e.method === 'DELETE')).toEqual([]);
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: `m-${code}` }]);
    expect(capture.reports.at(-1)).toMatchObject({ outcome: 'retry', errorCode: code });
    expect(pipeline.sim.store.find('privateEndpoint', REJECTED)).toBeDefined();
  });

  it('a DELETE answered by a bare 404 is retried, not taken as done', async () => {
    pipeline.sim.addFault({ match: { operationId: 'deletePrivateEndpoint', projectIds: [payments.id] }, status: 404, bare: true });

    const result = await work(job, 'm-delete-bare');

    expect(result.batchItemFailures).toEqual([{ itemIdentifier: 'm-delete-bare' }]);
    expect(capture.reports.at(-1)).toMatchObject({ outcome: 'retry' });
    expect(pipeline.sim.store.find('privateEndpoint', REJECTED)?.deleting).toBeFalsy();
  });

  it('with the fault gone, the same job is deleted: the retries above held it, they did not lose it', async () => {
    const result = await work(job, 'm-clean');

    expect(result.batchItemFailures).toEqual([]);
    expect(capture.reports.at(-1)).toMatchObject({ outcome: 'deleted' });
    expect(pipeline.sim.store.find('privateEndpoint', REJECTED)?.deleting).toBe(true);
  });
});
