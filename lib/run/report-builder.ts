import type { Mode } from '../config';
import type { ReportError, ScanReport } from '../report';
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
    apiCalls: input.apiCalls,
    durationMs: input.durationMs,
  };
}
