import { alreadyAppliedMessage, approvedJobs, buildPlan, parsePlan, PlanRefusedError, type ApplyRequest, type ApplyResult, type PlanApproval, type PlanDocument } from '../approval';
import { withAtlas } from '../credentials';
import type { JobHistory, Ledger } from '../ledger';
import { renderReportHtml, type PageOutcome, type PagePlan, type ReportStore, type ScanReport } from '../report';
import type { JanitorDeps } from './deps';
import { enqueueJobs } from './scan-run';
import { scopeBaseUrl } from './sweep-run';

/**
 * Plans and their approval. A plan is what a plan-mode sweep planned (the one engine: findWork, the same
 * scans, the same budget), with its evidence, written down with a digest; approving it enqueues exactly
 * its jobs, minus the rows left out, once.
 */

/** The plan of a plan-mode sweep's (merged) report: its planned jobs, with the Atlas it read. */
export function planOfReport(report: ScanReport, options: { madeAt: number; ttlMs: number; requestedBy?: string | undefined }): PlanDocument {
  if (report.mode !== 'plan') throw new Error(`sweep ${report.sweepId} ran in ${report.mode} mode: only a plan-mode sweep makes a plan`);
  return buildPlan({
    planId: report.sweepId,
    atlas: report.atlas ?? { baseUrl: 'unknown', organizations: [] },
    madeAt: options.madeAt,
    ttlMs: options.ttlMs,
    requestedBy: options.requestedBy,
    candidates: report.candidates,
    jobs: report.planned ?? [],
    projectNames: new Map(report.projects.filter((p) => p.projectName).map((p) => [p.projectId, p.projectName!])),
  });
}

/** A plan's facts as its page shows them. */
export function pagePlanOf(plan: PlanDocument, approval?: PlanApproval, file?: string): PagePlan {
  return {
    planId: plan.planId,
    digest: plan.digest,
    madeAt: plan.madeAt,
    expiresAt: plan.expiresAt,
    ...(file ? { file } : {}),
    ...(approval ? { approval: { approvedBy: approval.approvedBy, at: approval.at, excluded: approval.excluded, enqueued: approval.jobIds.length } } : {}),
  };
}

/** A row the approval left out, as its page shows it. */
export const LEFT_OUT: PageOutcome = { outcome: 'left out', reason: 'excluded by the approval: not queued' };

/**
 * What the run history says of each job of an applied plan (its outcome and the last attempt's note),
 * and the rows the approval left out.
 */
export function outcomesOf(history: readonly JobHistory[], planId: string, excluded: readonly string[] = []): Map<string, PageOutcome> {
  const outcomes = new Map<string, PageOutcome>(excluded.map((jobId) => [jobId, LEFT_OUT]));
  for (const h of history) {
    if (h.planId !== undefined && h.planId !== planId) continue;
    const last = h.attempts.at(-1);
    outcomes.set(h.jobId, { outcome: h.outcome, ...(last?.note ? { reason: last.note } : {}), ...(last?.errorCode ? { errorCode: last.errorCode } : {}) });
  }
  return outcomes;
}

/** Stores a plan beside its page: the plan first, so a page that offers approval always has its plan. */
export async function storePlanPage(store: ReportStore, report: ScanReport, plan: PlanDocument, generatedAt: number, source: string, extra: { approval?: PlanApproval; outcomes?: ReadonlyMap<string, PageOutcome> } = {}): Promise<void> {
  // Its jobs come from stored project reports: a plan that would not pass an approval's checks is not stored.
  parsePlan(plan, `the plan of ${plan.planId}`);
  await store.putPlan(plan.planId, plan);
  const html = renderReportHtml(report, { generatedAt: new Date(generatedAt).toISOString(), source, kind: 'plan', plan: pagePlanOf(plan, extra.approval), outcomes: extra.outcomes });
  await store.putPage(plan.planId, html, report);
}

/** The base URL this janitor reads now, as a plan records it: one client per configured secret, no Atlas call. */
export async function currentBaseUrl(deps: Pick<JanitorDeps, 'config' | 'credentials' | 'makeClient'>): Promise<string> {
  const urls: string[] = [];
  for (const secretId of deps.config.secretIds.length > 0 ? deps.config.secretIds : [undefined]) {
    urls.push(await withAtlas(deps.credentials, secretId, (access) => deps.makeClient(access), (atlas) => Promise.resolve(atlas.baseUrl)));
  }
  return scopeBaseUrl(urls);
}

/**
 * Claims the approval in the ledger, runs (enqueues, or carries out) its jobs, and takes the claim back
 * when that fails, unless `mayRelease` says otherwise: once a job has run, who approved it must stay on
 * record, and the plan must not be applied a second time.
 */
export async function claimAndRun(ledger: Pick<Ledger, 'claimPlan' | 'releasePlan'>, approval: PlanApproval, run: () => Promise<number>, options: { mayRelease?: () => boolean } = {}): Promise<ApplyResult> {
  const earlier = await ledger.claimPlan(approval);
  if (earlier) return { status: 'alreadyApplied', approval: earlier, message: alreadyAppliedMessage(earlier) };
  let enqueued: number;
  try {
    enqueued = await run();
  } catch (error) {
    if (options.mayRelease?.() ?? true) await ledger.releasePlan(approval).catch(() => undefined);
    throw error;
  }
  return { status: 'applied', approval, enqueued };
}

export interface AppliedPlan {
  result: ApplyResult;
  /** Set when the plan's page could not be written again with its approval (the jobs are enqueued). */
  pageNotUpdated?: string | undefined;
}

/**
 * Approves a stored plan (a console event or an SQS message): reads it from the report bucket, checks it
 * (PlanRefusedError: nothing enqueued), records the approval once in the ledger and enqueues exactly its
 * jobs minus the exclusions; then its page says who approved it, and the report function adds outcomes.
 */
export async function applyStoredPlan(deps: JanitorDeps, request: ApplyRequest): Promise<AppliedPlan> {
  if (deps.config.mode === 'dry-run') {
    throw new PlanRefusedError('notApplicable', 'JANITOR_MODE is dry-run: its worker deletes nothing, so no plan is applied here (deploy with plan or enforce)');
  }
  const { reports, ledger } = deps;
  if (!reports) throw new PlanRefusedError('notApplicable', 'applying a plan needs REPORT_BUCKET, where plans are stored');
  if (!ledger) throw new PlanRefusedError('notApplicable', 'applying a plan needs LEDGER_TABLE, where its approval is recorded once');
  const text = await reports.plan(request.planId);
  if (text === undefined) throw new PlanRefusedError('wrongPlan', `planId: there is no plan ${request.planId} in s3://${reports.bucket}`);
  const plan = parsePlan(text, `the stored plan ${request.planId}`);
  const now = deps.now();
  const { jobs, excluded } = approvedJobs(plan, request, { now, baseUrl: await currentBaseUrl(deps) });
  const approval: PlanApproval = { planId: plan.planId, digest: plan.digest, approvedBy: request.approvedBy, at: new Date(now).toISOString(), excluded: excluded.map((e) => e.jobId), jobIds: jobs.map((j) => j.jobId) };
  const result = await claimAndRun(ledger, approval, () => enqueueJobs(deps, jobs));
  if (result.status !== 'applied') return { result };
  try {
    await reports.putApplied(plan.planId, approval);
    await storePlanPage(reports, await reports.mergedReport(plan.planId), plan, now, `atlas-janitor stack: plan in s3://${reports.bucket}`, { approval, outcomes: outcomesOf([], plan.planId, approval.excluded) });
    return { result };
  } catch (error) {
    return { result, pageNotUpdated: error instanceof Error ? `${error.name}: ${error.message}` : String(error) };
  }
}
