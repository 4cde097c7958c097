import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { PlanRefusedError, claimsToBeApply, parseApplyEvent } from '../lib/approval';
import { parseSweepEvent } from '../lib/jobs';
import { countFindings, countingAtlasFailures, failWhenAPersonIsNeeded, invocationDeadline, logRejectedInput, logger, needsAPersonIn, runtimeDeps } from '../lib/lambda';
import type { ScanReport } from '../lib/report';
import { applyStoredPlan, inlineSweep, planOfReport, queueSweep, storePlanPage, type JanitorDeps, type ProjectScanResult } from '../lib/run';

/**
 * Nightly (EventBridge) or by hand. Scheduled: list projects, queue one scan per project. Console:
 * `{ "inline": true, "projectIds": [...] }` scans here and returns the whole report (with `"mode": "plan"`,
 * a plan stored beside its page); `{ "apply": { planId, digest, approvedBy, exclude } }` approves a
 * stored plan. Refused credentials fail the invocation once what could be read is logged
 * (failWhenAPersonIsNeeded); a refused approval fails it with the reason, nothing enqueued.
 */
export const handler = middy(async (event: unknown, context: Context) => {
  if (claimsToBeApply(event)) return applyEvent(event);
  const request = parseSweepEvent(event);
  // Atlas's failed answers are counted for the whole invocation, queued or inline.
  const atlasFailures = countingAtlasFailures(runtimeDeps());
  const deps = atlasFailures.deps;
  const result = await (request.inline ? inlineSweep(deps, request, { onProject: logProject }).then(({ report }) => withPlan(deps, report)) : queueSweep(deps, request)).finally(atlasFailures.flush);
  logger.info('sweep finished', { sweepId: result.sweepId, mode: result.mode, errors: result.errors.length, apiCalls: result.apiCalls });
  // The partial report goes in the failure's log line: what the other credentials could read is not lost with the throw.
  const gathered = 'candidates' in result ? { projects: result.projects, candidates: result.candidates, kept: result.kept.length } : { projectsQueued: result.projectsQueued };
  needsAPersonIn(context).addFatal(result.errors, { sweepId: result.sweepId, mode: result.mode, errors: result.errors, ...gathered });
  return result;
})
  .use(injectLambdaContext(logger))
  .use(logRejectedInput('sweep event'))
  .use(failWhenAPersonIsNeeded('sweep'))
  .use(invocationDeadline());

/** An inline plan-mode sweep stores its plan beside its page (REPORT_BUCKET) and says where and how to approve it. */
async function withPlan(deps: JanitorDeps, report: ScanReport): Promise<ScanReport & { plan?: object }> {
  if (report.mode !== 'plan') return report;
  const plan = planOfReport(report, { madeAt: deps.now(), ttlMs: deps.config.planTtlMs, requestedBy: 'console' });
  const summary = { planId: plan.planId, digest: plan.digest, expiresAt: plan.expiresAt, items: plan.items.length };
  if (!deps.reports) {
    logger.warn('plan not stored: no REPORT_BUCKET, so it cannot be applied', summary);
    return { ...report, plan: { ...summary, stored: false } };
  }
  await storePlanPage(deps.reports, report, plan, deps.now(), `atlas-janitor stack: inline plan in s3://${deps.reports.bucket}`);
  const page = deps.reports.where(plan.planId);
  logger.info('plan stored', { ...summary, page: page.s3Uri });
  return { ...report, plan: { ...summary, page: page.s3Uri, approve: { apply: { planId: plan.planId, digest: plan.digest, approvedBy: 'YOUR NAME', exclude: [] } } } };
}

/** `{"apply": …}`: approve a stored plan; a refusal fails the invocation with its reason, nothing enqueued. */
async function applyEvent(event: unknown) {
  const request = parseApplyEvent(event);
  try {
    const { result, pageNotUpdated } = await applyStoredPlan(runtimeDeps(), request);
    if (pageNotUpdated) logger.error('plan page not updated with its approval', { planId: request.planId, reason: pageNotUpdated });
    if (result.status === 'alreadyApplied') {
      logger.info('plan already applied', { planId: request.planId, approvedBy: result.approval.approvedBy, at: result.approval.at });
      return { applied: false, planId: request.planId, message: result.message, approval: result.approval };
    }
    logger.info('plan applied', { ...result.approval, enqueued: result.enqueued });
    return { applied: true, planId: request.planId, approvedBy: request.approvedBy, enqueued: result.enqueued, excluded: result.approval.excluded };
  } catch (error) {
    if (error instanceof PlanRefusedError) logger.error('plan refused', { planId: request.planId, refusal: error.refusal, reason: error.message });
    throw error;
  }
}

/** Inline, the report keeps counts and a sample of what was kept: the full list is logged, one line per project. */
function logProject({ scan, sweepId, mode }: Omit<ProjectScanResult, 'auth'>): void {
  countFindings(scan);
  logger.info('project scanned', {
    sweepId,
    mode,
    projectId: scan.projectId,
    projectName: scan.projectName,
    seen: scan.seen,
    candidates: scan.candidates.length,
    kept: scan.kept,
    errors: scan.errors.length,
    apiCalls: scan.apiCalls,
    durationMs: scan.durationMs,
  });
}
