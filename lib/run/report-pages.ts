import { notifySweep } from '../notify/messages';
import type { Notifier } from '../notify/notifier';
import { ReportMerger, renderReportHtml, type PageLocation, type ReportStore } from '../report';
import { mapLimit } from '../concurrency/map-limit';

export interface PageDeps {
  store: ReportStore;
  notifier?: Notifier | undefined;
  now: () => number;
  /** How long after its start a sweep's page waits for scans that left no report. */
  maxWaitMs: number;
}

export interface PageRun {
  assembled: { sweepId: string; location: PageLocation; projects: number; missing: string[] }[];
  waiting: { sweepId: string; stored: number; expected: number }[];
  failed: { sweepId: string; reason: string }[];
}

/** Project reports read at once: S3 answers each in tens of milliseconds, 10,000 of them in seconds. */
const READ_CONCURRENCY = 16;

/**
 * The report function's work, on a schedule: every queued sweep whose scans have all stored their
 * reports (or whose wait is over) gets its page, its merged JSON and its summary notice, and leaves
 * the pending list. Idempotent: a run that fails half-way leaves the sweep pending for the next.
 */
export async function assemblePages(deps: PageDeps): Promise<PageRun> {
  const run: PageRun = { assembled: [], waiting: [], failed: [] };
  for (const sweepId of await deps.store.pendingSweeps()) {
    try {
      const manifest = await deps.store.manifest(sweepId);
      const stored = await deps.store.storedProjects(sweepId);
      const present = manifest.projectIds.filter((id) => stored.has(id));
      const missing = manifest.projectIds.filter((id) => !stored.has(id));
      const now = deps.now();
      if (missing.length > 0 && now - Date.parse(manifest.startedAt) < deps.maxWaitMs) {
        run.waiting.push({ sweepId, stored: present.length, expected: manifest.projectIds.length });
        continue;
      }
      const merger = new ReportMerger(manifest);
      await mapLimit(present, READ_CONCURRENCY, async (projectId) => merger.add(await deps.store.projectReport(sweepId, projectId)));
      const report = merger.result(missing, now);
      const location = deps.store.where(sweepId);
      const source = `atlas-janitor stack: ${present.length} of ${manifest.projectIds.length} project reports in s3://${deps.store.bucket}`;
      await deps.store.putPage(sweepId, renderReportHtml(report, { generatedAt: new Date(now).toISOString(), source }), report);
      if (deps.notifier) await notifySweep(deps.notifier, report, now, location);
      await deps.store.finish(sweepId);
      run.assembled.push({ sweepId, location, projects: present.length, missing });
    } catch (error) {
      run.failed.push({ sweepId, reason: error instanceof Error ? `${error.name}: ${error.message}` : String(error) });
    }
  }
  return run;
}
