import { isAccessDenied } from '../atlas';
import { CredentialsRefusedError, withAtlas } from '../credentials';
import { sendAll, type DeleteJob, type ScanRequest } from '../jobs';
import { notifySweep } from '../notify/messages';
import { ReportMerger, type ReportError, type ScanReport, type SweepManifest } from '../report';
import { reportError, type ApiCallCounter } from '../scan';
import { admitWhileRoom } from '../concurrency/admit';
import { memoryBudget } from './budget';
import type { Protection } from '../protections';
import type { JanitorDeps } from './deps';
import { projectReport } from './report-builder';
import { scanOneRequest, wrapFactory, type ProjectScanResult } from './scan-run';

/** A sweep once its projects are found: one scan request per project, and what the finding saw. */
export interface SweepWork {
  manifest: SweepManifest;
  requests: ScanRequest[];
  /** The protection registry the finding read: an in-process run plans with it, not a second read. */
  registry: readonly Protection[];
  /** The calls the finding made; an in-process run goes on counting with it. */
  counter: ApiCallCounter;
  startedAt: number;
}

/**
 * Runs a sweep's scan requests. Every executor runs each request through the same steps (`scanOneRequest`:
 * filter, scan, plan, the run's deletion budget, jobs), and every project's result becomes the same
 * per-project report, merged by ReportMerger into the sweep's report and page.
 */
export interface ScanExecutor<Outcome> {
  run(work: SweepWork): Promise<Outcome>;
}

/**
 * The nightly path: the manifest is stored, then each request goes on the scan queue; the scan function
 * runs them (the budget shared through the ledger) and the report function merges their reports.
 */
export class QueueExecutor implements ScanExecutor<{ queued: number }> {
  constructor(private readonly deps: JanitorDeps) {}

  async run(work: SweepWork): Promise<{ queued: number }> {
    if (work.requests.length === 0) return { queued: 0 };
    const { sqs, config, reports } = this.deps;
    if (!sqs || !config.scanQueueUrl) throw new Error('a queued sweep needs SCAN_QUEUE_URL and an SQS client');
    // Before any scan is queued: a sweep that cannot say which reports to wait for fails whole, and its retry starts clean.
    await reports?.putManifest(work.manifest);
    const queued = await sendAll(sqs, config.scanQueueUrl, work.requests.map((r) => ({ key: r.projectId, body: JSON.stringify(r) })));
    return { queued };
  }
}

export interface InProcessOptions {
  /** Put enforce-mode jobs on the delete queue (default) or only return them. */
  enqueue?: boolean;
  /**
   * Most projects scanned at once (default MAX_IN_FLIGHT, a memory bound). A project starts when the
   * client's sending slots have room, so projects waiting for their buckets' tokens do not hold others back.
   */
  projectConcurrency?: number;
  onProgress?: (scanned: number, total: number) => void;
  /** Called as each project's scan starts (benchmarks count the projects in flight). */
  onStart?: (projectId: string) => void;
  /** Publish the sweep summary when a notifier is configured (default true). */
  notify?: boolean;
  /** Called with each project's full result as it completes, before it is merged (kept entries sampled). */
  onProject?: (result: Omit<ProjectScanResult, 'auth'>) => void;
}

/**
 * The CLI's and the console's path: the requests run in this process, one client per secret for all its
 * projects (one Digest nonce or token, one concurrency limit), the budget in memory. Each result is
 * merged as it completes, so memory holds counts and a sample of kept entries, not every one.
 */
export class InProcessExecutor implements ScanExecutor<{ report: ScanReport; jobs: DeleteJob[] }> {
  constructor(
    private readonly deps: JanitorDeps,
    private readonly options: InProcessOptions = {},
  ) {}

  async run(work: SweepWork): Promise<{ report: ScanReport; jobs: DeleteJob[] }> {
    const { deps, options } = this;
    const merger = new ReportMerger(work.manifest);
    const budget = memoryBudget(deps.config.maxDeletionsPerRun);
    const registry = work.registry;
    const errors: ReportError[] = [];
    const jobs: DeleteJob[] = [];
    let scanned = 0;
    options.onProgress?.(0, work.requests.length);
    const scannedIds = new Set<string>();
    for (const secretId of new Set(work.requests.map((r) => r.secretId))) {
      const group = work.requests.filter((r) => r.secretId === secretId);
      try {
        await withAtlas(deps.credentials, secretId, wrapFactory(deps, work.counter), async (atlas, _access, checkCredentials) => {
          // withAtlas runs this again after reading a rotated secret: projects already merged stay as they are.
          const session = { atlas, checkCredentials, counter: work.counter, budget, registry, selected: true };
          const unscanned = group.filter((r) => !scannedIds.has(r.projectId));
          await admitWhileRoom(unscanned, () => atlas.whenRoom(), async (request) => {
            options.onStart?.(request.projectId);
            try {
              const result = await scanOneRequest(deps, request, session, options.enqueue ?? true);
              options.onProject?.(result);
              merger.add(projectReport({ ...result, auth: 0 }));
              scannedIds.add(request.projectId);
              for (const job of result.jobs) jobs.push(job);
            } catch (error) {
              // A 401/403 about this project is its error; refused credentials end the group (withAtlas reads the secret again once).
              if (isAccessDenied(error)) await checkCredentials(error);
              if (error instanceof CredentialsRefusedError) throw error;
              errors.push(reportError(request.projectId, undefined, error));
            } finally {
              options.onProgress?.(++scanned, work.requests.length);
            }
          }, options.projectConcurrency);
        });
      } catch (error) {
        // Projects finished before the credentials were found refused stay in the report (a partial report).
        errors.push({ ...reportError(undefined, undefined, error), id: secretId ?? 'environment' });
      }
    }
    const merged = merger.result([], deps.now());
    // The counter saw every call of the run (finding, rate limits, auth) and the per-project reports only theirs.
    const report: ScanReport = { ...merged, errors: [...merged.errors, ...errors], apiCalls: { total: work.counter.total, auth: work.counter.auth } };
    if (deps.notifier && (options.notify ?? true)) await notifySweep(deps.notifier, report, deps.now());
    return { report, jobs };
  }
}
