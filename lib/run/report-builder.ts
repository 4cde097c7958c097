import type { Mode } from '../config';
import type { ReportError, ScanReport } from '../report';
import type { ApiCallCounter } from '../scan';
import { reportCandidates, type ProjectScanResult } from './scan-run';

export interface ReportInput {
  sweepId: string;
  mode: Mode;
  results: readonly ProjectScanResult[];
  errors: readonly ReportError[];
  /** Calls made outside the project scans (project listing). */
  listing?: ApiCallCounter | undefined;
  durationMs: number;
}

/** Folds per-project scans into one run report. */
export function buildReport(input: ReportInput): ScanReport {
  const { results } = input;
  const projectCalls = results.reduce((sum, r) => sum + r.scan.apiCalls, 0);
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
    apiCalls: {
      total: projectCalls + (input.listing?.total ?? 0),
      auth: results.reduce((sum, r) => sum + r.auth, 0) + (input.listing?.auth ?? 0),
    },
    durationMs: input.durationMs,
  };
}
