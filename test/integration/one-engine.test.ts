import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { handler as reportHandler } from '../../functions/report';
import { handler as sweepHandler } from '../../functions/sweep';
import { clearAuthCaches } from '../../lib/atlas';
import { reportKeys, type ScanReport } from '../../lib/report';
import type { SweepSummary } from '../../lib/run';
import type { LocalDynamo } from '../../tools/local/dynamo';
import { lambdaContext } from '../../tools/local/lambda-context';
import { LocalPoller } from '../../tools/local/poller';
import { scanSource } from '../support/worker-harness';
import { DEMO } from '../support/demo';
import { startDemoStack, stopDemoStack } from '../support/demo-stack';
import type { fakeS3 } from '../support/fake-s3';
import type { Pipeline } from '../support/pipeline';

// A sweep is one engine whichever executor runs its scan requests: the console's inline sweep (in this
// process) and the nightly queued sweep (scan queue, scan function, report function) plan the same
// resources for the same reasons, keep the same ones for the same causes, and spend the deletion
// budget by the same rule.

const BUCKET = 'atlas-janitor-engine-reports';
const scheduledEvent = { 'version': '0', 'id': 'e1', 'detail-type': 'Scheduled Event', 'source': 'aws.events', 'account': '123456789012', 'time': '2026-11-23T02:00:00Z', 'region': 'us-east-1', 'resources': [], 'detail': {} };

let pipeline: Pipeline;
let dynamo: LocalDynamo;
let s3: ReturnType<typeof fakeS3>;
let tables = 0;

beforeAll(async () => void ({ pipeline, dynamo, s3 } = await startDemoStack(60_000)));
afterAll(() => stopDemoStack({ pipeline, dynamo, s3 }));
beforeEach(() => clearAuthCaches());

/** A fresh ledger table per run: the runs must not see each other's marks or budgets. */
async function configure(env: Record<string, string>): Promise<void> {
  const table = `engine-ledger-${++tables}`;
  await dynamo.createLedgerTable(table);
  pipeline.configure({ REPORT_BUCKET: BUCKET, LEDGER_TABLE: table, AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint, ...env });
  pipeline.clearQueues();
}

async function inlineRun(env: Record<string, string>): Promise<ScanReport> {
  await configure(env);
  return (await sweepHandler({ inline: true }, lambdaContext('sweep', 300_000))) as ScanReport;
}

async function queuedRun(env: Record<string, string>): Promise<ScanReport> {
  await configure(env);
  const summary = (await sweepHandler(scheduledEvent, lambdaContext('sweep', 300_000))) as SweepSummary;
  const poller = new LocalPoller(pipeline.sqs, [scanSource(pipeline)]);
  await poller.drain({ timeoutMs: 30_000 });
  await reportHandler({}, lambdaContext('report', 300_000));
  return JSON.parse(s3.get(BUCKET, reportKeys.merged(summary.sweepId))!.body) as ScanReport;
}

/** What a run decided, without what differs between any two runs (ids of the run, times, call counts). */
function decisions(report: ScanReport) {
  const byKey = <T extends { projectId: string; kind: string; id: string }>(items: T[]) => [...items].sort((a, b) => `${a.projectId}${a.kind}${a.id}`.localeCompare(`${b.projectId}${b.kind}${b.id}`));
  return {
    candidates: byKey(report.candidates).map(({ projectId, kind, provider, id, state, rule, reason, jobId }) => ({ projectId, kind, provider, id, state, rule, reason, jobId })),
    // A grace entry's reason names when this run's ledger first saw it stale.
    kept: byKey(report.kept).map(({ projectId, kind, id, state, cause, rule, reason }) => ({ projectId, kind, id, state, cause, rule, reason: reason.replace(/\d{4}-\d\d-\d\dT[\d:.]+Z/g, '<time>') })),
    keptByCause: report.keptByCause,
    keptTotal: report.keptTotal,
    projects: report.projects.map(({ projectId, seen, candidates, kept, errors, capExceeded }) => ({ projectId, seen, candidates, kept, errors, capExceeded })),
    errors: report.errors,
  };
}

describe('one engine: inline and queued sweeps of one estate', () => {
  it('refuses, naming mode, an event that asks for more than the stack\'s mode, inline or queued, before reading Atlas', async () => {
    await configure({ JANITOR_MODE: 'dry-run' });
    pipeline.sim.clearLog();
    await expect(sweepHandler({ inline: true, mode: 'plan' }, lambdaContext('sweep', 300_000))).rejects.toThrow("mode: plan needs the stack's JANITOR_MODE to be plan or enforce; it is dry-run");
    await expect(sweepHandler({ mode: 'enforce' }, lambdaContext('sweep', 300_000))).rejects.toThrow("mode: enforce needs the stack's JANITOR_MODE to be enforce; it is dry-run");
    expect(pipeline.sim.log).toEqual([]);
    // Lowering still works: a plan stack runs a dry run when asked.
    await configure({ JANITOR_MODE: 'plan', GRACE_PERIODS: 'default=0' });
    expect(((await sweepHandler({ inline: true, mode: 'dry-run', projectIds: [DEMO.payments.id] }, lambdaContext('sweep', 300_000))) as ScanReport).mode).toBe('dry-run');
  });

  it('plan exactly the same resources with the same reasons, and keep the same ones for the same causes', async () => {
    const env = { JANITOR_MODE: 'dry-run', GRACE_PERIODS: 'default=0', PROTECTED_RESOURCE_IDS: DEMO.payments.failedPeerId };

    const inline = await inlineRun(env);
    const queued = await queuedRun(env);

    expect(inline.candidates.length).toBeGreaterThan(10);
    expect(inline.kept.some((k) => k.cause === 'protected')).toBe(true);
    expect(decisions(queued)).toEqual(decisions(inline));
  }, 90_000);

  it('spend the deletion budget by the same rule: whole projects, never more than the cap, the rest held by the cap', async () => {
    const cap = 5;
    const env = { JANITOR_MODE: 'dry-run', GRACE_PERIODS: 'default=0', MAX_DELETIONS_PER_RUN: String(cap) };
    const uncapped = decisions(await inlineRun({ JANITOR_MODE: 'dry-run', GRACE_PERIODS: 'default=0' }));
    const perProject = new Map(uncapped.projects.map((p) => [p.projectId, p.candidates]));

    for (const report of [await inlineRun(env), await queuedRun(env)]) {
      const held = report.kept.filter((k) => k.cause === 'cap');
      const capped = report.projects.filter((p) => p.capExceeded);
      expect(report.candidates.length).toBeLessThanOrEqual(cap);
      expect(report.candidates.length + held.length).toBe(uncapped.candidates.length);
      expect(report.capExceeded).toEqual({ found: uncapped.candidates.length, held: held.length, cap });
      // A project is planned whole or held whole, and held only when it did not fit.
      for (const p of report.projects) {
        const planned = report.candidates.filter((c) => c.projectId === p.projectId).length;
        expect(p.capExceeded ? [0, p.capExceeded.found] : [planned, undefined]).toEqual(p.capExceeded ? [planned, perProject.get(p.projectId)] : [perProject.get(p.projectId), undefined]);
      }
      for (const p of capped) expect(cap - report.candidates.length).toBeLessThan(p.capExceeded!.found);
      for (const k of held) expect(k.reason).toMatch(/^held by the cap/);
    }
  }, 120_000);
});
