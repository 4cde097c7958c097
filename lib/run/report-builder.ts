import type { Kept } from '../plan';
import type { Protection } from '../protections';
import { keptGroupOf, type ReportCandidate, type ScanReport } from '../report';
import { jobIdFor } from '../jobs';
import { notifySweep, type PageLink } from '../notify/messages';
import type { Notifier } from '../notify/notifier';
import type { ProjectScanResult } from './scan-run';

function expiredProtections(expired: readonly Protection[]): Pick<ScanReport, 'expiredProtections'> {
  if (expired.length === 0) return {};
  return { expiredProtections: expired.map((p) => ({ selector: p.selector, owner: p.owner, reason: p.reason, expiredAt: new Date(p.expiresAt).toISOString() })) };
}

/** Kept entries counted by cause. */
export function keptByCause(kept: readonly Kept[]): ScanReport['keptByCause'] {
  const counts: ScanReport['keptByCause'] = {};
  for (const k of kept) counts[k.cause] = (counts[k.cause] ?? 0) + 1;
  return counts;
}

/**
 * One project's report: what the scan function stores for the sweep's page and sends in its notice, and
 * what a sweep in one process merges. Every kept entry is listed; ReportMerger samples them for a sweep.
 */
export function projectReport(result: ProjectScanResult): ScanReport {
  const { scan } = result;
  return {
    sweepId: result.sweepId,
    mode: result.mode,
    projects: [
      {
        projectId: scan.projectId,
        ...(scan.projectName ? { projectName: scan.projectName } : {}),
        seen: scan.seen,
        candidates: scan.candidates.length,
        kept: scan.kept.length,
        errors: scan.errors.length,
        apiCalls: scan.apiCalls,
        durationMs: scan.durationMs,
        ...(scan.capExceeded ? { capExceeded: scan.capExceeded } : {}),
      },
    ],
    candidates: reportCandidates(result),
    kept: scan.kept,
    keptTotal: scan.kept.length,
    keptByCause: keptByCause(scan.kept),
    keptUnread: scan.kept.filter((k) => keptGroupOf(k) === 'failedRead').length,
    errors: scan.errors,
    enqueued: result.enqueued,
    ...(result.mode === 'plan' ? { planned: result.jobs } : {}),
    ...(scan.capExceeded ? { capExceeded: { found: scan.capExceeded.found, held: scan.capExceeded.found, cap: scan.capExceeded.cap } } : {}),
    ...expiredProtections(result.expiredProtections),
    apiCalls: { total: scan.apiCalls, auth: result.auth },
    durationMs: scan.durationMs,
  };
}

/**
 * A queued sweep's scan publishes its own notice only when there is news about its project: something
 * planned, or something becoming eligible within 24 hours. It is sent as the scan ends, with the link
 * where its sweep's page will be when reports are stored (REPORT_BUCKET); the whole sweep's summary is
 * published once, with the page, by the report function when it assembles that page from every
 * project's stored report (report-pages.ts).
 */
export async function notifyProjectScan(notifier: Notifier, result: ProjectScanResult, now: number, page?: PageLink): Promise<void> {
  const dueSoon = result.scan.kept.some((k) => k.eligibleAt !== undefined && Date.parse(k.eligibleAt) <= now + 86_400_000);
  if (result.jobs.length === 0 && !dueSoon) return;
  await notifySweep(notifier, projectReport(result), now, page);
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
    evidence: c.evidence,
    ...(c.firstSeenAt ? { firstSeenAt: c.firstSeenAt, eligibleAt: c.eligibleAt } : {}),
    ...(c.alsoRemoves ? { alsoRemoves: c.alsoRemoves } : {}),
  }));
}
