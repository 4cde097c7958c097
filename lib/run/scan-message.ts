import type { ScanRequest } from '../jobs';
import type { JanitorDeps } from './deps';
import { notifyProjectScan, projectReport } from './report-builder';
import { runProjectScan, type ProjectScanResult } from './scan-run';

/** What became of one scan request off the scan queue; `reportNotStored` says why its report is missing. */
export interface ScanMessageResult {
  result: ProjectScanResult;
  reportNotStored?: string | undefined;
}

/**
 * The scan function's unit of work: one scan request, run as every sweep runs its requests, then its
 * report stored where its sweep's page will look and its notice sent. Storing the report is best effort,
 * but said: the scan is done and its jobs are queued, so a retry would only scan again; a report that is
 * not stored shows on the sweep's page as a project without a report.
 */
export async function scanRequestMessage(deps: JanitorDeps, request: ScanRequest): Promise<ScanMessageResult> {
  const result = await runProjectScan(deps, request);
  // Only a sweep's scans have a page to come: a scan request from elsewhere carries no sweep id.
  const reports = request.sweepId !== undefined ? deps.reports : undefined;
  let reportNotStored: string | undefined;
  if (reports) {
    try {
      await reports.putProjectReport(result.scan.projectId, projectReport(result));
    } catch (error) {
      reportNotStored = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    }
  }
  const page = reports ? { ...reports.where(result.sweepId), pending: true } : undefined;
  if (deps.notifier) await notifyProjectScan(deps.notifier, result, deps.now(), page);
  return { result, reportNotStored };
}
