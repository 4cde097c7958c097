import type { Mode } from '../config';
import type { ExpiredProtection, ReportError, ScanReport } from '../report';
import { reportCandidates, type ProjectScanResult } from './scan-run';

export interface ReportInput {
  sweepId: string;
  mode: Mode;
  results: readonly Omit<ProjectScanResult, 'auth'>[];
  errors: readonly ReportError[];
  /** Every call of the run, project listing included. */
  apiCalls: { total: number; auth: number };
  durationMs: number;
}

/** Expired registry entries met in the run, each once. */
function expiredProtections(results: ReportInput['results']): Pick<ScanReport, 'expiredProtections'> {
  const bySelector = new Map<string, ExpiredProtection>();
  for (const p of results.flatMap((r) => r.expiredProtections)) {
    bySelector.set(`${p.selector}|${p.owner}`, { selector: p.selector, owner: p.owner, reason: p.reason, expiredAt: new Date(p.expiresAt).toISOString() });
  }
  return bySelector.size > 0 ? { expiredProtections: [...bySelector.values()] } : {};
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
    ...expiredProtections(results),
    apiCalls: input.apiCalls,
    durationMs: input.durationMs,
  };
}
