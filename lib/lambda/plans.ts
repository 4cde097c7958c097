import { PlanRefusedError, type ApplyRequest } from '../approval';
import type { ScanReport } from '../report';
import { applyStoredPlan, planOfReport, storePlanPage, type JanitorDeps } from '../run';
import { logger } from './logger';

/**
 * What the sweep and scan functions do with a plan: store an inline plan beside its page, and approve a
 * stored one (a console event or an SQS message), each logged once. A refusal is logged with its reason
 * and thrown: the caller fails the invocation or dead-letters the message.
 */

export type ApplyAnswer =
  | { applied: true; planId: string; approvedBy: string; enqueued: number; excluded: string[] }
  | { applied: false; planId: string; message: string; approval: object };

export async function applyAndLog(deps: JanitorDeps, request: ApplyRequest): Promise<ApplyAnswer> {
  try {
    const { result, pageNotUpdated } = await applyStoredPlan(deps, request);
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

/** An inline plan-mode sweep stores its plan beside its page (REPORT_BUCKET) and says where and how to approve it. */
export async function withStoredPlan(deps: JanitorDeps, report: ScanReport): Promise<ScanReport & { plan?: object }> {
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
