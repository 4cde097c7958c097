import { notifySweep } from '../notify/messages';
import type { Notifier } from '../notify/notifier';
import { ReportMerger, renderReportHtml, type PageLocation, type ReportStore } from '../report';
import { mapLimit } from '../concurrency/map-limit';
import type { Ledger } from '../ledger';
import { DEFAULT_PLAN_TTL_HOURS } from '../config';
import { parsePlan } from '../approval';
import { outcomesOf, planOfReport, storePlanPage } from './plan-run';

export interface PageDeps {
  store: ReportStore;
  notifier?: Notifier | undefined;
  now: () => number;
  /** How long after its start a sweep's page waits for scans that left no report. */
  maxWaitMs: number;
  /** How long a plan made by a plan-mode sweep may be applied (default PLAN_TTL_HOURS' default). */
  planTtlMs?: number | undefined;
  /** The run history, where an applied plan's page finds its jobs' outcomes. */
  ledger?: Pick<Ledger, 'historyBySweep' | 'planApproval'> | undefined;
}

export interface PageRun {
  assembled: { sweepId: string; location: PageLocation; projects: number; missing: string[] }[];
  waiting: { sweepId: string; stored: number; expected: number }[];
  failed: { sweepId: string; reason: string }[];
  /** Pages of applied plans written again with their jobs' outcomes; `done` once every job has one. */
  plansUpdated?: { planId: string; final: number; jobs: number; done: boolean }[] | undefined;
}

/** Project reports read at once: S3 answers each in tens of milliseconds, 10,000 of them in seconds. */
const READ_CONCURRENCY = 16;

/**
 * The report function's work, on a schedule: every queued sweep whose scans have all stored their
 * reports (or whose wait is over) gets its page, its merged JSON and its summary notice, and leaves
 * the pending list. Idempotent: a run that fails half-way leaves the sweep pending for the next.
 */
export async function assemblePages(deps: PageDeps): Promise<PageRun> {
  const run: PageRun = { assembled: [], waiting: [], failed: [] };
  for (const sweepId of await deps.store.pendingSweeps()) {
    try {
      const manifest = await deps.store.manifest(sweepId);
      const stored = await deps.store.storedProjects(sweepId);
      const present = manifest.projectIds.filter((id) => stored.has(id));
      const missing = manifest.projectIds.filter((id) => !stored.has(id));
      const now = deps.now();
      if (missing.length > 0 && now - Date.parse(manifest.startedAt) < deps.maxWaitMs) {
        run.waiting.push({ sweepId, stored: present.length, expected: manifest.projectIds.length });
        continue;
      }
      const merger = new ReportMerger(manifest);
      await mapLimit(present, READ_CONCURRENCY, async (projectId) => merger.add(await deps.store.projectReport(sweepId, projectId)));
      const report = merger.result(missing, now);
      const location = deps.store.where(sweepId);
      const source = `atlas-janitor stack: ${present.length} of ${manifest.projectIds.length} project reports in s3://${deps.store.bucket}`;
      if (report.mode === 'plan') await storePlanPage(deps.store, report, planOfReport(report, { madeAt: now, ttlMs: deps.planTtlMs ?? DEFAULT_PLAN_TTL_HOURS * 3_600_000 }), now, source);
      else await deps.store.putPage(sweepId, renderReportHtml(report, { generatedAt: new Date(now).toISOString(), source }), report);
      // Its jobs' outcomes (a project whose key may not delete, among them) reach the page as they come.
      if (report.mode === 'enforce' && report.enqueued > 0 && deps.ledger) await deps.store.putApplied(sweepId, { sweepId, enqueued: report.enqueued });
      if (deps.notifier) await notifySweep(deps.notifier, report, now, location);
      await deps.store.finish(sweepId);
      run.assembled.push({ sweepId, location, projects: present.length, missing });
    } catch (error) {
      run.failed.push({ sweepId, reason: error instanceof Error ? `${error.name}: ${error.message}` : String(error) });
    }
  }
  if (deps.ledger) await updateAppliedPlans(deps, deps.ledger, run);
  return run;
}

/**
 * An applied plan's page (or an enforce sweep's), written again with what came of each job, from the run
 * history; it leaves the list once every job has a final outcome, or when the page's wait is over.
 */
async function updateAppliedPlans(deps: PageDeps, ledger: NonNullable<PageDeps['ledger']>, run: PageRun): Promise<void> {
  const updated: NonNullable<PageRun['plansUpdated']> = [];
  for (const planId of await deps.store.appliedPlans()) {
    try {
      const approval = await ledger.planApproval(planId);
      const text = await deps.store.plan(planId);
      if (!approval || text === undefined) {
        const sweep = await updateSweepOutcomes(deps, ledger, planId);
        if (sweep.done) await deps.store.finishApplied(planId);
        if (sweep.jobs > 0) updated.push({ planId, ...sweep });
        continue;
      }
      const plan = parsePlan(text, `the stored plan ${planId}`);
      const history = (await ledger.historyBySweep(planId)).filter((h) => approval.jobIds.includes(h.jobId));
      const outcomes = outcomesOf(history, planId, approval.excluded);
      const final = history.filter((h) => h.final).length;
      const now = deps.now();
      await storePlanPage(deps.store, await deps.store.mergedReport(planId), plan, now, `atlas-janitor stack: plan in s3://${deps.store.bucket}`, { approval, outcomes });
      const done = final >= approval.jobIds.length || now - Date.parse(approval.at) > deps.maxWaitMs;
      if (done) await deps.store.finishApplied(planId);
      updated.push({ planId, final, jobs: approval.jobIds.length, done });
    } catch (error) {
      run.failed.push({ sweepId: planId, reason: error instanceof Error ? `${error.name}: ${error.message}` : String(error) });
    }
  }
  if (updated.length > 0) run.plansUpdated = updated;
}

/** An enforce sweep's page with its jobs' outcomes so far; done once every queued job has a final one, or its wait is over. */
async function updateSweepOutcomes(deps: PageDeps, ledger: NonNullable<PageDeps['ledger']>, sweepId: string): Promise<{ final: number; jobs: number; done: boolean }> {
  const report = await deps.store.mergedReport(sweepId).catch(() => undefined);
  if (!report || report.mode !== 'enforce') return { final: 0, jobs: 0, done: true };
  const history = await ledger.historyBySweep(sweepId);
  const now = deps.now();
  const final = history.filter((h) => h.final).length;
  // The wait counts from when the sweep planned its first job; without any, there is nothing to show.
  const planned = Math.min(...history.map((h) => Date.parse(h.plannedAt)).filter((t) => !Number.isNaN(t)));
  if (!Number.isFinite(planned)) return { final: 0, jobs: report.enqueued, done: true };
  const source = `atlas-janitor stack: sweep in s3://${deps.store.bucket}, outcomes from the run history`;
  await deps.store.putPage(sweepId, renderReportHtml(report, { generatedAt: new Date(now).toISOString(), source, outcomes: outcomesOf(history, sweepId) }), report);
  return { final, jobs: report.enqueued, done: final >= report.enqueued || now - planned > deps.maxWaitMs };
}
