import type { Mode } from '../config';
import type { Protection } from '../protections';
import type { ReportError, ScanReport } from '../report';
import { reportCandidates, type ProjectScanResult } from './scan-run';

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
