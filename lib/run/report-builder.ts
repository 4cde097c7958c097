import type { Mode } from '../config';
import type { Protection } from '../protections';
import type { ReportCandidate, ReportError, ScanReport } from '../report';
import { jobIdFor } from '../jobs';
import { notifySweep, type PageLink } from '../notify/messages';
import type { Notifier } from '../notify/notifier';
import type { ProjectScanResult } from './scan-run';

export interface ReportInput {
  sweepId: string;
  mode: Mode;
  results: readonly Omit<ProjectScanResult, 'auth'>[];
  errors: readonly ReportError[];
  /** Expired protection registry entries to name in the report. */
  expired: readonly Protection[];
  /** Every call of the run, project listing included. */
  apiCalls: { total: number; auth: number };
  durationMs: number;
}

function expiredProtections(expired: readonly Protection[]): Pick<ScanReport, 'expiredProtections'> {
  if (expired.length === 0) return {};
  return { expiredProtections: expired.map((p) => ({ selector: p.selector, owner: p.owner, reason: p.reason, expiredAt: new Date(p.expiresAt).toISOString() })) };
}

/** Folds per-project scans into one run report, projects in a stable order. */
export function buildReport(input: ReportInput): ScanReport {
  const results = [...input.results].sort((a, b) => (a.scan.projectName ?? a.scan.projectId).localeCompare(b.scan.projectName ?? b.scan.projectId));
  return {
    sweepId: input.sweepId,
    mode: input.mode,
    projects: results.map(({ scan }) => ({
      projectId: scan.projectId,
      ...(scan.projectName ? { projectName: scan.projectName } : {}),
      seen: scan.seen,
      candidates: scan.candidates.length,
      kept: scan.kept.length,
      errors: scan.errors.length,
      apiCalls: scan.apiCalls,
      durationMs: scan.durationMs,
      ...(scan.capExceeded ? { capExceeded: scan.capExceeded } : {}),
    })),
    candidates: results.flatMap(reportCandidates),
    kept: results.flatMap((r) => r.scan.kept),
    errors: [...input.errors, ...results.flatMap((r) => r.scan.errors)],
    enqueued: results.reduce((sum, r) => sum + r.enqueued, 0),
    ...expiredProtections(input.expired),
    apiCalls: input.apiCalls,
    durationMs: input.durationMs,
  };
}

/**
 * A queued sweep has no one place that sees every project, so each scan publishes its own summary, and
 * only when there is news: something planned, or something becoming eligible within 24 hours.
 */
export async function notifyProjectScan(notifier: Notifier, result: ProjectScanResult, now: number, page?: PageLink): Promise<void> {
  const dueSoon = result.scan.kept.some((k) => k.eligibleAt !== undefined && Date.parse(k.eligibleAt) <= now + 86_400_000);
  if (result.jobs.length === 0 && !dueSoon) return;
  await notifySweep(notifier, projectReport(result), now, page);
}

/** One scan's report: what the scan function stores for the sweep's page and sends in its notice. */
export function projectReport(result: ProjectScanResult): ScanReport {
  return buildReport({ sweepId: result.sweepId, mode: result.mode, results: [result], errors: [], expired: result.expiredProtections, apiCalls: { total: result.scan.apiCalls, auth: result.auth }, durationMs: result.scan.durationMs });
}

export function reportCandidates(result: Pick<ProjectScanResult, 'scan'>): ReportCandidate[] {
  return result.scan.candidates.map((c) => ({
    projectId: c.projectId,
    kind: c.kind,
    provider: c.provider,
    id: c.id,
    state: c.state,
    rule: c.rule,
    reason: c.reason,
    jobId: jobIdFor(c.ref),
    ...(c.firstSeenAt ? { firstSeenAt: c.firstSeenAt, eligibleAt: c.eligibleAt } : {}),
  }));
}
