import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { DELETE_ROLE_MISSING_METRIC, metrics } from '../../lib/lambda';
import { clearAuthCaches } from '../../lib/atlas';
import { loadConfig } from '../../lib/config';
import { CredentialStore, clientFactory } from '../../lib/credentials';
import { DELETE_ROLE_MISSING, type DeleteJob } from '../../lib/jobs';
import { DynamoLedger } from '../../lib/ledger';
import { inlineSweep, type JanitorDeps } from '../../lib/run';
import { jobActor, runJobsDirectly, type JobOutcome } from '../../lib/worker';

import { handler as reportHandler } from '../../functions/report';
import { handler as sweepHandler } from '../../functions/sweep';
import type { PlanDocument } from '../../lib/approval';
import { reportKeys } from '../../lib/report';
import { startLocalDynamo, type LocalDynamo } from '../../tools/local/dynamo';
import { lambdaContext } from '../../tools/local/lambda-context';
import { fakeS3 } from '../support/fake-s3';
import { startPipeline, type Pipeline } from '../support/pipeline';
import { pipelinePoller } from '../support/worker-harness';
import { startSimulator, type Simulator } from '../../tools/simulator';
import { DEMO } from '../support/demo';
import { DEMO_SCENARIO_PATH } from '../support/sim-http';

// Who may delete: the simulator gives the demo's key a role per project (as Atlas does), and refuses a
// DELETE the role does not allow with a 401 and an Atlas body. The janitor dead-letters the job with
// the reason a person can act on, sends no further DELETE in that project for the rest of the sweep,
// and calls it out once per project.

type Json = Record<string, any>;
const id = (name: string) => DEMO.project(name).id as string;
const PLATFORM = (JSON.parse(readFileSync(DEMO_SCENARIO_PATH, 'utf8')) as Json).orgs.find((o: Json) => o.name === 'Platform').id as string;
const ANALYTICS = (JSON.parse(readFileSync(DEMO_SCENARIO_PATH, 'utf8')) as Json).orgs.find((o: Json) => o.name === 'Analytics').id as string;

function scenarioWithRoles(roles: Json[]): Json {
  const scenario = JSON.parse(readFileSync(DEMO_SCENARIO_PATH, 'utf8')) as Json;
  scenario.apiKeys[0].roles = roles;
  return scenario;
}

let sim: Simulator;
let dynamo: LocalDynamo;
let tables = 0;

beforeAll(async () => {
  dynamo = await startLocalDynamo();
});
afterAll(async () => {
  await sim?.stop();
  await dynamo?.stop();
});
beforeEach(() => clearAuthCaches());

function deps(env: Record<string, string> = {}, ledger?: DynamoLedger): JanitorDeps {
  const config = loadConfig({ ATLAS_BASE_URL: sim.url, JANITOR_MODE: 'enforce', MAX_DELETIONS_PER_RUN: '10000', GRACE_PERIODS: 'default=0', ...env });
  return {
    config,
    credentials: new CredentialStore({ ttlMs: 60_000, env: { MONGODB_ATLAS_PUBLIC_API_KEY: DEMO.apiKey.publicKey, MONGODB_ATLAS_PRIVATE_API_KEY: DEMO.apiKey.privateKey } }),
    makeClient: clientFactory({ baseUrl: sim.url, concurrency: 4 }),
    ledger,
    now: Date.now,
    newSweepId: () => 'sweep-20261203T000000-roles001',
  };
}

async function planAndAct(d: JanitorDeps, keep: (job: DeleteJob) => boolean = () => true) {
  const { jobs } = await inlineSweep(d, {}, { enqueue: false });
  const firstRefusals: string[] = [];
  const mine = jobs.filter(keep);
  const outcomes = await runJobsDirectly(mine, jobActor(d, { onRoleMissing: (job) => firstRefusals.push(job.projectId) }), { deferWaitMs: 0, maxDeferrals: 2, maxRetries: 1, retryWaitMs: 0, projectConcurrency: 1 });
  return { jobs: mine, outcomes, firstRefusals };
}

const deletesIn = (projectId: string) => sim.log.filter((e) => e.method === 'DELETE' && e.path.includes(`/groups/${projectId}/`));
const outcomesOf = (jobs: readonly DeleteJob[], outcomes: Map<string, JobOutcome>, projectId: string) => jobs.filter((j) => j.projectId === projectId).map((j) => outcomes.get(j.jobId)!);

describe('roles in the simulator', () => {
  it('reads with any role, lists only the projects a role covers, and refuses a DELETE a read-only role does not allow', async () => {
    await sim?.stop();
    sim = await startSimulator({ scenario: scenarioWithRoles([{ roleName: 'GROUP_READ_ONLY', groupId: id('data-lake') }]) as never });
    const { DigestSession } = await import('../support/sim-http');
    const session = new DigestSession(sim.url, DEMO.apiKey.publicKey, DEMO.apiKey.privateKey);
    const listed = await session.request('/api/atlas/v2/groups');
    expect((listed.body as Json).results.map((p: Json) => p.name)).toEqual(['data-lake']);
    expect((await session.request(`/api/atlas/v2/groups/${id('payments-prod')}`)).status).toBe(403);
    const peer = DEMO.project('data-lake').peers[0].id as string;
    expect((await session.request(`/api/atlas/v2/groups/${id('data-lake')}/peers/${peer}`)).status).toBe(200);
    const refused = await session.request(`/api/atlas/v2/groups/${id('data-lake')}/peers/${peer}`, { method: 'DELETE' });
    expect(refused.status).toBe(401);
    expect(refused.body).toMatchObject({ error: 401, errorCode: 'USER_UNAUTHORIZED' });
    expect(sim.store.find('peer', peer)).toMatchObject({ deleting: false });
    // The v1.0 private endpoint routes need an owner role even to read; v2 reads them with any role.
    const v1 = await session.request(`/api/atlas/v1.0/groups/${id('data-lake')}/privateEndpoint`, { accept: 'application/json' });
    expect([v1.status, v1.body?.errorCode]).toEqual([401, 'USER_UNAUTHORIZED']);
  });

  it('ships a read-only key in the demo: it reads the Analytics projects and may delete nothing there', async () => {
    await sim?.stop();
    sim = await startSimulator({ scenario: DEMO_SCENARIO_PATH });
    const { DigestSession, demoKeys } = await import('../support/sim-http');
    const readOnly = new DigestSession(sim.url, demoKeys.analyticsOnly.publicKey, demoKeys.analyticsOnly.privateKey);
    const peer = DEMO.project('analytics-prod').peers[0].id as string;
    expect((await readOnly.request(`/api/atlas/v2/groups/${id('analytics-prod')}/peers/${peer}`)).status).toBe(200);
    expect((await readOnly.request(`/api/atlas/v2/groups/${id('analytics-prod')}/peers/${peer}`, { method: 'DELETE' })).status).toBe(401);
  });

  it('refuses a scenario whose role names a project outside the key\'s organizations, naming the field', async () => {
    const scenario = scenarioWithRoles([{ roleName: 'GROUP_OWNER', groupId: 'f'.repeat(24) }]);
    await expect(startSimulator({ scenario: scenario as never })).rejects.toThrow(/apiKeys\[0\]\.roles\[0\]\.groupId: unknown project/);
    const orgRoleWithProject = scenarioWithRoles([{ roleName: 'ORG_OWNER', groupId: id('data-lake') }]);
    await expect(startSimulator({ scenario: orgRoleWithProject as never })).rejects.toThrow(/ORG_OWNER names an orgId and no groupId/);
  });
});

describe('the janitor when its credentials lack the role to delete', () => {
  it('dead-letters every job of a read-only project after one refused DELETE, says so once, and deletes where it may', async () => {
    await sim?.stop();
    sim = await startSimulator({
      scenario: scenarioWithRoles([
        { roleName: 'GROUP_OWNER', groupId: id('payments-prod') },
        { roleName: 'GROUP_READ_ONLY', groupId: id('data-lake') },
        { roleName: 'ORG_READ_ONLY', orgId: ANALYTICS },
      ]) as never,
    });

    const deletingBefore = sim.store.inventory().filter((i) => i.deleting).map((i) => i.id);
    const { jobs, outcomes, firstRefusals } = await planAndAct(deps());

    // payments-staging: no role there, so not listed, not read, nothing planned.
    expect(jobs.some((j) => j.projectId === id('payments-staging'))).toBe(false);
    expect(outcomesOf(jobs, outcomes, id('payments-prod')).map((o) => o.outcome)).toEqual(['deleted', 'deleted', 'deleted']);
    for (const project of ['data-lake', 'analytics-prod', 'streams-lab']) {
      const refused = outcomesOf(jobs, outcomes, id(project));
      expect(refused.length).toBeGreaterThan(1);
      for (const o of refused) {
        expect(o).toMatchObject({ outcome: 'deadLetter', errorCode: DELETE_ROLE_MISSING });
        expect((o as { reason: string }).reason).toContain(`the credentials lack the role to delete in project ${id(project)}`);
      }
      // One DELETE asked, one refusal; the project's other jobs never reached Atlas.
      expect(deletesIn(id(project)).map((e) => e.status)).toEqual([401]);
    }
    expect(firstRefusals.sort()).toEqual([id('data-lake'), id('analytics-prod'), id('streams-lab')].sort());
    const deletingNow = sim.store.inventory().filter((i) => i.deleting && i.projectId !== id('payments-prod')).map((i) => i.id);
    expect(deletingNow).toEqual(deletingBefore.filter((d) => deletingNow.includes(d)));
    expect(deletingNow.filter((d) => !deletingBefore.includes(d))).toEqual([]);
  }, 60_000);

  it('lets a Project Stream Processing Owner delete streams links and nothing else', async () => {
    await sim?.stop();
    sim = await startSimulator({ scenario: scenarioWithRoles([{ roleName: 'GROUP_STREAM_PROCESSING_OWNER', groupId: id('streams-lab') }, { roleName: 'ORG_READ_ONLY', orgId: PLATFORM }]) as never });

    const streams = await planAndAct(deps(), (job) => job.kind === 'streamsPrivateLink');
    expect([...streams.outcomes.values()].map((o) => o.outcome)).toEqual(['deleted', 'deleted']);
    expect(streams.firstRefusals).toEqual([]);

    clearAuthCaches();
    const endpoints = await planAndAct(deps(), (job) => job.projectId === id('streams-lab') && job.kind === 'privateEndpoint');
    expect([...endpoints.outcomes.values()]).toMatchObject([{ outcome: 'deadLetter', errorCode: DELETE_ROLE_MISSING }]);
  }, 60_000);

  it('remembers the refusal in the ledger, so another worker invocation of the sweep sends no DELETE there', async () => {
    await sim?.stop();
    sim = await startSimulator({ scenario: scenarioWithRoles([{ roleName: 'ORG_READ_ONLY', orgId: PLATFORM }]) as never });
    const table = `roles-${++tables}`;
    await dynamo.createLedgerTable(table);
    const ledger = new DynamoLedger(dynamo.documents, table);
    const d = deps({}, ledger);
    const { jobs } = await inlineSweep(d, {}, { enqueue: false });
    const [first, second] = jobs.filter((j) => j.projectId === id('payments-prod'));
    const counted: string[] = [];

    // Two actors: two batches, as two invocations of the worker would run them.
    const one = await jobActor(d, { onRoleMissing: (job) => counted.push(job.jobId) })(first!);
    const two = await jobActor(d, { onRoleMissing: (job) => counted.push(job.jobId) })(second!);

    expect(one).toMatchObject({ outcome: 'deadLetter', errorCode: DELETE_ROLE_MISSING, status: 401 });
    expect(two).toMatchObject({ outcome: 'deadLetter', errorCode: DELETE_ROLE_MISSING });
    expect((two as { reason: string }).reason).toMatch(/no DELETE sent \(an earlier DELETE of this sweep there was refused: Atlas answered 401 USER_UNAUTHORIZED/);
    expect(deletesIn(id('payments-prod'))).toHaveLength(1);
    expect(counted).toEqual([first!.jobId]);
    expect(await ledger.deleteRefusal(first!.sweepId, id('payments-prod'))).toMatch(/^Atlas answered 401 USER_UNAUTHORIZED to DELETE /);
    // Another sweep is asked again: a role may have been granted since.
    expect(await ledger.deleteRefusal('sweep-20261204T000000-roles002', id('payments-prod'))).toBeUndefined();
  }, 60_000);
});

describe('a plan applied with a key that may read but not delete (deployed)', () => {
  const BUCKET = 'atlas-janitor-roles-reports';
  let pipeline: Pipeline;
  let s3: ReturnType<typeof fakeS3>;

  beforeAll(async () => {
    pipeline = await startPipeline({ simulator: { scenario: scenarioWithRoles([{ roleName: 'GROUP_READ_ONLY', groupId: id('payments-staging') }]) as never, deleteDelayMs: 200 }, credentials: DEMO.apiKey });
    s3 = fakeS3();
  });
  afterAll(async () => {
    s3?.mock.restore();
    await pipeline?.stop();
  });

  it('dead-letters every job with the role reason after one refused DELETE, sends no other there, and the page says so once', async () => {
    const table = `roles-plan-${++tables}`;
    await dynamo.createLedgerTable(table);
    pipeline.configure({ JANITOR_MODE: 'plan', REPORT_BUCKET: BUCKET, LEDGER_TABLE: table, AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint, DELETE_DLQ_URL: pipeline.queues.deleteDlq, RETRY_BACKOFF_BASE_SECONDS: '1', DEFER_SECONDS: '1' });
    const staging = id('payments-staging');
    const report = (await sweepHandler({ inline: true, mode: 'plan', projectIds: [staging] }, lambdaContext('sweep', 300_000))) as { plan: { planId: string; digest: string } };
    const planned = (JSON.parse(s3.get(BUCKET, reportKeys.plan(report.plan.planId))!.body) as PlanDocument).items;
    expect(planned.length).toBeGreaterThan(2);
    pipeline.sim.clearLog();

    expect(await sweepHandler({ apply: { planId: report.plan.planId, digest: report.plan.digest, approvedBy: 'ana' } }, lambdaContext('sweep', 60_000))).toMatchObject({ applied: true, enqueued: planned.length });
    const counted = vi.spyOn(metrics, 'addMetric');
    await pipelinePoller(pipeline).drain({ timeoutMs: 30_000 });
    // The alarm's metric: once for the project, not once per job.
    expect(counted.mock.calls.filter(([name]) => name === DELETE_ROLE_MISSING_METRIC)).toEqual([[DELETE_ROLE_MISSING_METRIC, 'Count', 1]]);
    counted.mockRestore();

    expect(pipeline.sim.log.filter((e) => e.method === 'DELETE').map((e) => e.status)).toEqual([401]);
    const dlq = pipeline.inspect('janitor-delete-dlq.fifo');
    expect(dlq).toHaveLength(planned.length);
    for (const letter of dlq) {
      expect(letter.attributes['errorCode']).toBe(DELETE_ROLE_MISSING);
      expect(letter.attributes['reason']).toContain(`the credentials lack the role to delete in project ${staging}`);
    }
    await reportHandler({}, lambdaContext('report', 60_000));
    const page = s3.get(BUCKET, reportKeys.page(report.plan.planId))!.body;
    expect(page.match(/class="warn role-refused"/g)).toHaveLength(1);
    expect(page).toContain(`the credentials lack the role to delete in project payments-staging (${staging}): Atlas refused a DELETE there, so no other was sent in this run and ${planned.length} job(s) ended dead-lettered.`);
    expect(pipeline.sim.store.inventory().filter((i) => i.projectId === staging && i.deleting && planned.some((p) => p.id === i.id))).toEqual([]);
  }, 90_000);

  it('the nightly enforce sweep\'s page says it once for the project, with every job\'s outcome, once the worker has run', async () => {
    const table = `roles-nightly-${++tables}`;
    await dynamo.createLedgerTable(table);
    pipeline.clearQueues();
    pipeline.configure({ JANITOR_MODE: 'enforce', GRACE_PERIODS: 'default=0', REPORT_BUCKET: BUCKET, LEDGER_TABLE: table, AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint, DELETE_DLQ_URL: pipeline.queues.deleteDlq, RETRY_BACKOFF_BASE_SECONDS: '1', DEFER_SECONDS: '1' });
    const scheduled = { 'version': '0', 'id': 'e2', 'detail-type': 'Scheduled Event', 'source': 'aws.events', 'account': '123456789012', 'time': '2026-12-03T02:00:00Z', 'region': 'us-east-1', 'resources': [], 'detail': {} };
    const summary = (await sweepHandler(scheduled, lambdaContext('sweep', 300_000))) as { sweepId: string };
    await pipelinePoller(pipeline).drain({ timeoutMs: 30_000 });

    await reportHandler({}, lambdaContext('report', 60_000));
    const page = s3.get(BUCKET, reportKeys.page(summary.sweepId))!.body;
    const staging = id('payments-staging');
    expect(page.match(/class="warn role-refused"/g)).toHaveLength(1);
    expect(page).toMatch(new RegExp(`the credentials lack the role to delete in project payments-staging \\(${staging}\\): Atlas refused a DELETE there, so no other was sent in this run and \\d+ job\\(s\\) ended dead-lettered`));
    expect(page).not.toContain('not run');
    // Every job final: the page leaves the list of pages that wait for outcomes.
    expect(s3.keys(BUCKET)).not.toContain(reportKeys.applied(summary.sweepId));
  }, 90_000);
});
