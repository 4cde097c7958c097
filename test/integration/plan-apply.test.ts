import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { handler as reportHandler } from '../../functions/report';
import { LocalPoller } from '../../tools/local/poller';
import type { SweepSummary } from '../../lib/run';
import { handler as sweepHandler } from '../../functions/sweep';
import { planDigest, type PlanDocument } from '../../lib/approval';
import { clearAuthCaches } from '../../lib/atlas';
import { DynamoLedger } from '../../lib/ledger';
import { reportKeys, type ScanReport } from '../../lib/report';
import { localDynamoClients, type LocalDynamo } from '../../tools/local/dynamo';
import { lambdaContext } from '../../tools/local/lambda-context';
import { DEMO } from '../support/demo';
import { startDemoStack, stopDemoStack } from '../support/demo-stack';
import type { fakeS3 } from '../support/fake-s3';
import type { Pipeline } from '../support/pipeline';
import { captureJobReports, deletedResource, pipelinePoller, scanSource } from '../support/worker-harness';

// Plan → approve → apply on the simulator, through the deployed functions: a plan-mode sweep deletes
// nothing and stores its plan beside its page; an approval enqueues exactly the plan's jobs minus the
// rows left out, once; the worker deletes a planned resource only while Atlas still shows what the plan
// read. Every refusal leaves the delete queue empty.

const BUCKET = 'atlas-janitor-plan-reports';
const DELETE_QUEUE = 'janitor-delete.fifo';

let pipeline: Pipeline;
let dynamo: LocalDynamo;
let s3: ReturnType<typeof fakeS3>;
let capture: ReturnType<typeof captureJobReports>;
let tables = 0;
let table = '';

beforeAll(async () => void ({ pipeline, dynamo, s3 } = await startDemoStack(200)));
afterAll(() => stopDemoStack({ pipeline, dynamo, s3 }));
beforeEach(async () => {
  clearAuthCaches();
  capture = captureJobReports();
  table = `plan-ledger-${++tables}`;
  await dynamo.createLedgerTable(table);
  configure();
  pipeline.clearQueues();
  pipeline.sim.clearLog();
});
afterEach(() => capture.restore());

function configure(env: Record<string, string> = {}): void {
  pipeline.configure({
    JANITOR_MODE: 'plan',
    REPORT_BUCKET: BUCKET,
    LEDGER_TABLE: table,
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
    DELETE_DLQ_URL: pipeline.queues.deleteDlq,
    RETRY_BACKOFF_BASE_SECONDS: '1',
    DEFER_SECONDS: '1',
    ...env,
  });
}

type PlanReport = ScanReport & { plan: { planId: string; digest: string; expiresAt: string; page: string } };

/** A plan of one project, made as the console makes one. */
async function makePlan(projectName: string): Promise<PlanReport> {
  return (await sweepHandler({ inline: true, mode: 'plan', projectIds: [DEMO.project(projectName).id] }, lambdaContext('sweep', 300_000))) as PlanReport;
}

const apply = (request: Record<string, unknown>) => sweepHandler({ apply: request }, lambdaContext('sweep', 60_000)) as Promise<Record<string, unknown>>;
const storedPlan = (planId: string) => JSON.parse(s3.get(BUCKET, reportKeys.plan(planId))!.body) as PlanDocument;
const storePlan = (plan: PlanDocument) => s3.objects.set(`${BUCKET}/${reportKeys.plan(plan.planId)}`, { body: JSON.stringify(plan), contentType: 'application/json' });
const deletes = () => pipeline.sim.log.filter((e) => e.method === 'DELETE').map(deletedResource).sort();
const planned = (plan: PlanDocument) => plan.items.map((i) => `${i.job.kind}:${Object.values(i.job.ids).at(-1)}`).sort();

async function runWorker(): Promise<void> {
  await pipelinePoller(pipeline).drain({ timeoutMs: 30_000 });
}

const scheduledEvent = { 'version': '0', 'id': 'e1', 'detail-type': 'Scheduled Event', 'source': 'aws.events', 'account': '123456789012', 'time': '2026-12-03T02:00:00Z', 'region': 'us-east-1', 'resources': [], 'detail': {} };

describe('plan → approve → apply, deployed', () => {
  it('the nightly sweep in plan mode queues scans, not deletions, and the report function stores its plan beside its page', async () => {
    const summary = (await sweepHandler(scheduledEvent, lambdaContext('sweep', 300_000))) as SweepSummary;
    expect(summary.mode).toBe('plan');
    await new LocalPoller(pipeline.sqs, [scanSource(pipeline)]).drain({ timeoutMs: 30_000 });
    expect(pipeline.peek(DELETE_QUEUE)).toEqual([]);
    await reportHandler({}, lambdaContext('report', 300_000));

    const plan = storedPlan(summary.sweepId);
    const merged = JSON.parse(s3.get(BUCKET, reportKeys.merged(summary.sweepId))!.body) as ScanReport;
    expect(plan.items.map((i) => i.job.jobId).sort()).toEqual(merged.candidates.map((c) => c.jobId).sort());
    expect(plan.items).toHaveLength(16);
    expect(plan.atlas.organizations.map((o) => o.name).sort()).toEqual(['Analytics', 'Platform']);
    const page = s3.get(BUCKET, reportKeys.page(summary.sweepId))!.body;
    expect(page).toMatch(/id="mode-banner">PLAN — nothing was deleted or queued. 16 resource\(s\)/);
    expect(page).toContain(JSON.stringify({ apply: { planId: plan.planId, digest: plan.digest, approvedBy: 'YOUR NAME', exclude: [] } }).replace(/"/g, '&quot;'));
    expect(deletes()).toEqual([]);
  }, 90_000);

  it('a plan deletes and queues nothing; applying it deletes exactly the planned resources, and history and page say who approved what and what came of it', async () => {
    const report = await makePlan('payments-prod');
    const plan = storedPlan(report.plan.planId);
    expect(plan.items.length).toBeGreaterThan(1);
    expect(plan.digest).toBe(report.plan.digest);
    expect(plan.atlas.baseUrl).toBe(pipeline.sim.url.toLowerCase());
    expect(plan.atlas.organizations.map((o) => o.name)).toEqual(['Platform']);
    expect(Date.parse(plan.expiresAt) - Date.parse(plan.madeAt)).toBe(72 * 3_600_000);
    expect(deletes()).toEqual([]);
    expect(pipeline.peek(DELETE_QUEUE)).toEqual([]);
    const before = s3.get(BUCKET, reportKeys.page(plan.planId))!.body;
    expect(before).toMatch(/id="mode-banner">PLAN — nothing was deleted or queued/);
    expect(before).toContain(plan.digest);

    const result = await apply({ planId: plan.planId, digest: plan.digest, approvedBy: 'ana@example.com' });
    expect(result).toMatchObject({ applied: true, enqueued: plan.items.length, excluded: [] });
    await runWorker();

    expect(deletes()).toEqual(planned(plan));
    const history = await new DynamoLedger(localDynamoClients(dynamo.endpoint).documents, table).historyBySweep(plan.planId);
    expect(history.map((h) => [h.jobId, h.approvedBy, h.planId, h.final]).sort()).toEqual(plan.items.map((i) => [i.job.jobId, 'ana@example.com', plan.planId, true]).sort());
    expect(new Set(history.map((h) => h.outcome))).toEqual(new Set(['deleted']));

    expect(await reportHandler({}, lambdaContext('report', 60_000))).toMatchObject({ assembled: [] });
    const after = s3.get(BUCKET, reportKeys.page(plan.planId))!.body;
    expect(after).toMatch(/id="mode-banner">APPROVED — plan approved by ana@example.com at [^:]+:\d\d UTC: \d+ job\(s\) queued for deletion/);
    expect(after.match(/<strong>deleted<\/strong>/g)).toHaveLength(plan.items.length);
    expect(s3.keys(BUCKET)).not.toContain(reportKeys.applied(plan.planId));
  }, 90_000);

  it('leaves out what the approval excludes, and refuses to leave out an endpoint whose service would then wait for it', async () => {
    const report = await makePlan('payments-staging');
    const plan = storedPlan(report.plan.planId);
    expect(plan.items.length).toBeGreaterThan(1);
    const endpoint = plan.items.find((i) => i.job.evidence.parent && plan.items.some((s) => s.id === i.job.evidence.parent!.id));
    expect(endpoint).toBeDefined();
    await expect(apply({ planId: plan.planId, digest: plan.digest, approvedBy: 'ana', exclude: [endpoint!.id] })).rejects.toThrow(`exclude: ${endpoint!.id} stays, and its endpoint service ${endpoint!.job.evidence.parent!.id}, planned too, would wait for it; leave that out as well`);
    expect(pipeline.peek(DELETE_QUEUE)).toEqual([]);
    const left = plan.items.find((i) => !plan.items.some((e) => e.job.evidence.parent?.id === i.id && e !== i))!;
    const rest = plan.items.filter((i) => i !== left);

    expect(await apply({ planId: plan.planId, digest: plan.digest, approvedBy: 'ana', exclude: [left.id] })).toMatchObject({ applied: true, enqueued: rest.length, excluded: [left.job.jobId] });
    await runWorker();

    // Every other item done (a service may go with its last endpoint: already gone); the one left out untouched.
    const done = capture.reports.filter((r) => r.outcome === 'deleted' || r.outcome === 'alreadyGone').map((r) => r.jobId);
    expect(done.sort()).toEqual(rest.map((i) => i.job.jobId).sort());
    expect(deletes()).not.toContain(`${left.job.kind}:${left.id}`);
    expect(capture.reports.map((r) => r.jobId)).not.toContain(left.job.jobId);
    await reportHandler({}, lambdaContext('report', 60_000));
    const page = s3.get(BUCKET, reportKeys.page(plan.planId))!.body;
    expect(page).toMatch(/APPROVED — plan approved by ana at [^:]+:\d\d UTC: \d+ job\(s\) queued for deletion, 1 left out/);
    expect(page.match(/<strong>left out<\/strong>/g)).toHaveLength(1);
    const simKind = { networkPeering: 'peer', streamsPrivateLink: 'streamsPrivateLink', privateEndpoint: 'privateEndpoint', privateEndpointService: 'endpointService' } as const;
    expect(pipeline.sim.store.find(simKind[left.job.kind as keyof typeof simKind], left.id)).toMatchObject({ deleting: false });
  }, 90_000);

  it('ends drifted, untouched, a resource whose state changed between plan and apply, and says what changed', async () => {
    const report = await makePlan('data-lake');
    const plan = storedPlan(report.plan.planId);
    const peer = plan.items.find((i) => i.job.kind === 'networkPeering')!;
    expect(peer).toBeDefined();
    pipeline.sim.store.update('peer', peer.id, { status: 'AVAILABLE' });

    await apply({ planId: plan.planId, digest: plan.digest, approvedBy: 'ana' });
    await runWorker();

    const drifted = capture.reports.find((r) => r.jobId === peer.job.jobId)!;
    expect(drifted).toMatchObject({ outcome: 'drifted' });
    expect(drifted.reason).toBe(`changed since plan ${plan.planId}: state ${peer.job.evidence.state} → AVAILABLE`);
    expect(deletes()).not.toContain(`networkPeering:${peer.id}`);
    expect(pipeline.sim.store.find('peer', peer.id)).toMatchObject({ state: 'AVAILABLE', deleting: false });
  }, 90_000);

  it('refuses an expired, a changed, a misdigested and a foreign plan (and any plan in dry-run) with the reason, and enqueues nothing', async () => {
    const report = await makePlan('analytics-prod');
    const plan = storedPlan(report.plan.planId);
    const request = { planId: plan.planId, digest: plan.digest, approvedBy: 'ana' };
    const resigned = (change: Partial<PlanDocument>) => {
      const changed = { ...plan, ...change };
      return { ...changed, digest: planDigest(changed) };
    };

    const expired = resigned({ madeAt: '2026-01-01T00:00:00.000Z', expiresAt: '2026-01-04T00:00:00.000Z' });
    storePlan(expired);
    await expect(apply({ ...request, digest: expired.digest })).rejects.toThrow(`plan ${plan.planId} expired at 2026-01-04T00:00:00.000Z`);

    storePlan({ ...plan, items: plan.items.slice(1) });
    await expect(apply(request)).rejects.toThrow(/was changed after it was made/);

    storePlan(plan);
    await expect(apply({ ...request, digest: 'f'.repeat(64) })).rejects.toThrow(/^digest: ffffffffffff… is not the digest of plan/);

    configure({ JANITOR_MODE: 'dry-run' });
    await expect(apply(request)).rejects.toThrow(/^JANITOR_MODE is dry-run: its worker deletes nothing/);
    configure({ ATLAS_BASE_URL: 'https://cloud.mongodb.com' });
    await expect(apply(request)).rejects.toThrow(`plan ${plan.planId} was made against ${pipeline.sim.url.toLowerCase()}; this janitor reads https://cloud.mongodb.com`);
    configure();

    await expect(apply({ ...request, exclude: ['vpce-notinthisplan00'] })).rejects.toThrow(/exclude: "vpce-notinthisplan00" is no item of plan/);
    await expect(sweepHandler({ apply: { ...request, approvedBy: '' } }, lambdaContext('sweep', 60_000))).rejects.toThrow(/^apply.approvedBy: must name who approves/);

    expect(pipeline.peek(DELETE_QUEUE)).toEqual([]);
    expect(deletes()).toEqual([]);
    // None of the refusals used the plan up: it is still approvable.
    expect(await apply(request)).toMatchObject({ applied: true, enqueued: plan.items.length });
    pipeline.clearQueues();
  }, 90_000);

  it('applies a plan once: a second approval (console or SQS) is a no-op that says so', async () => {
    const report = await makePlan('streams-lab');
    const plan = storedPlan(report.plan.planId);
    const request = { planId: plan.planId, digest: plan.digest, approvedBy: 'ana' };
    expect(await apply(request)).toMatchObject({ applied: true });
    const queued = pipeline.peek(DELETE_QUEUE).length;
    expect(queued).toBe(plan.items.length);

    const again = await apply({ ...request, approvedBy: 'bob' });
    expect(again).toMatchObject({ applied: false, message: expect.stringMatching(new RegExp(`^plan ${plan.planId} was already applied \\(approved by ana at .+\\): nothing enqueued again$`)) });
    await pipeline.sqs.send(new SendMessageCommand({ QueueUrl: pipeline.queues.scan, MessageBody: JSON.stringify({ apply: { ...request, approvedBy: 'carol' } }) }));
    await pipelinePoller(pipeline).drain({ timeoutMs: 30_000 });
    // One job per plan item, each done once (a service may go with its last endpoint: already gone).
    const done = capture.reports.filter((r) => r.outcome === 'deleted' || r.outcome === 'alreadyGone');
    expect(done.map((r) => r.jobId).sort()).toEqual(plan.items.map((i) => i.job.jobId).sort());
    expect(pipeline.inspect('janitor-scan-dlq')).toEqual([]);
  }, 90_000);

  it('applies a plan from an SQS message on the scan queue, and dead-letters a refused one with its reason', async () => {
    // analytics-prod: the refusal test above approved its plan but dropped the queued jobs, so its stale
    // resources are all still there to plan again.
    const report = await makePlan('analytics-prod');
    const plan = storedPlan(report.plan.planId);
    expect(plan.items.length).toBeGreaterThan(1);
    await pipeline.sqs.send(new SendMessageCommand({ QueueUrl: pipeline.queues.scan, MessageBody: JSON.stringify({ apply: { planId: plan.planId, digest: 'e'.repeat(64), approvedBy: 'ana' } }) }));
    await pipelinePoller(pipeline).drain({ timeoutMs: 30_000 });
    const dlq = pipeline.inspect('janitor-scan-dlq');
    expect(dlq).toHaveLength(1);
    expect(dlq[0]!.attributes['errorCode']).toBe('PLAN_REFUSED');
    expect(dlq[0]!.attributes['reason']).toMatch(/is not the digest of plan/);
    expect(pipeline.peek(DELETE_QUEUE)).toEqual([]);
    pipeline.clearQueues();

    await pipeline.sqs.send(new SendMessageCommand({ QueueUrl: pipeline.queues.scan, MessageBody: JSON.stringify({ apply: { planId: plan.planId, digest: plan.digest, approvedBy: 'ana' } }) }));
    await pipelinePoller(pipeline).drain({ timeoutMs: 30_000 });
    expect(deletes()).toEqual(planned(plan));
    expect(deletes()).toHaveLength(plan.items.length);
  }, 90_000);
});
