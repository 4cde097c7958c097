import { isAccessDenied, type Project } from '../atlas';
import type { Mode } from '../config';
import { CredentialsRefusedError, withAtlas } from '../credentials';
import { sendAll, type DeleteJob, type ScanRequest, type SweepEvent } from '../jobs';
import { notifySweep } from '../notify/messages';
import { holdForCap, selectProjects } from '../plan';
import type { ReportError, ScanReport } from '../report';
import { ApiCallCounter, reportError } from '../scan';
import type { JanitorDeps } from './deps';
import { mapLimit } from '../concurrency/map-limit';
import { KeptTally, buildReport, type ReportResult } from './report-builder';
import { effectiveMode, enqueueJobs, scanAndPlan, wrapFactory, type PlanContext, type ProjectScanResult } from './scan-run';

export interface SweepSummary {
  sweepId: string;
  mode: Mode;
  /** Projects the credentials see, all secrets together. */
  projectsSeen: number;
  /** Projects selected and sent for scanning. */
  projectsQueued: number;
  skipped: { projectId: string; name: string; reason: string }[];
  errors: ReportError[];
  apiCalls: { total: number; auth: number };
  durationMs: number;
}

export interface InlineOptions {
  /** Put enforce-mode jobs on the delete queue (default) or only return them. */
  enqueue?: boolean;
  /** Projects scanned at once (default: the Atlas concurrency); requests are bounded by the client anyway. */
  projectConcurrency?: number;
  onProgress?: (scanned: number, total: number) => void;
  /** Publish the sweep summary when a notifier is configured (default true). */
  notify?: boolean;
  /**
   * Called with each project's full result as it completes, before its kept entries are folded into
   * counts and a sample: where the full list goes (the sweep function logs one line per project).
   */
  onProject?: (result: Omit<ProjectScanResult, 'auth'>) => void;
}

/** Projects, each with the secret whose credentials see it. */
interface Target {
  project: Project;
  secretId: string | undefined;
}

interface Targets {
  targets: Target[];
  seen: number;
  skipped: SweepSummary['skipped'];
  errors: ReportError[];
}

/**
 * Lists the projects every configured secret sees and applies the project filter. A project seen
 * through two secrets is scanned once, with the first.
 */
async function findTargets(deps: JanitorDeps, request: SweepEvent, counter: ApiCallCounter): Promise<Targets> {
  const found: Targets = { targets: [], seen: 0, skipped: [], errors: [] };
  const byId = new Map<string, Target>();
  for (const secretId of deps.config.secretIds.length > 0 ? deps.config.secretIds : [undefined]) {
    try {
      const projects = await withAtlas(deps.credentials, secretId, wrapFactory(deps, counter), (atlas) => atlas.listProjects());
      found.seen += projects.length;
      const wanted = request.projectIds ? projects.filter((p) => request.projectIds!.includes(p.id)) : projects;
      const selection = selectProjects(wanted, deps.config.projects);
      found.skipped.push(...selection.skipped);
      // Only what a scan needs: Atlas's project objects carry much more, times 10,000.
      for (const { id, name, orgId } of selection.selected) if (!byId.has(id)) byId.set(id, { project: { id, name, orgId }, secretId });
    } catch (error) {
      found.errors.push({ ...reportError(undefined, undefined, error), id: secretId ?? 'environment' });
    }
  }
  for (const id of request.projectIds ?? []) {
    if (!byId.has(id) && !found.skipped.some((s) => s.projectId === id)) {
      found.errors.push({ projectId: id, message: 'project not visible to any configured credentials' });
    }
  }
  found.targets = [...byId.values()];
  return found;
}

/**
 * Scans the selected projects in this process: one client per secret for all its projects (one Digest
 * nonce or token, one concurrency limit), projects side by side. Returns the report and the jobs.
 */
export async function inlineSweep(
  deps: JanitorDeps,
  request: SweepEvent,
  options: InlineOptions = {},
): Promise<{ report: ScanReport; jobs: DeleteJob[] }> {
  const started = deps.now();
  const sweepId = deps.newSweepId();
  const mode = effectiveMode(deps.config.mode, request.mode);
  const counter = new ApiCallCounter();
  const { targets, errors } = await findTargets(deps, request, counter);
  const results: ReportResult[] = [];
  const tally = new KeptTally();
  const runCap = new RunCap(deps.config.maxDeletionsPerRun, tally);
  const registry = (await deps.protections?.load()) ?? [];
  let scanned = 0;
  options.onProgress?.(0, targets.length);
  for (const secretId of new Set(targets.map((t) => t.secretId))) {
    const group = targets.filter((t) => t.secretId === secretId);
    // Jobs are enqueued below, once the run-wide cap has been checked.
    const context: PlanContext = { mode, sweepId, kinds: request.kinds ?? deps.config.kinds, secretId, requestedBy: request.requestedBy, enqueue: false, registry };
    // Projects finished before the credentials were found refused stay in the report (a partial report).
    let done: ReportResult[] = [];
    try {
      await withAtlas(deps.credentials, secretId, wrapFactory(deps, counter), async (atlas, _access, checkCredentials) => {
        // withAtlas runs this again after reading a rotated secret: only the last attempt's results count.
        const attempt: ReportResult[] = [];
        done = attempt;
        await mapLimit(group, options.projectConcurrency ?? deps.config.concurrency, async (target) => {
          try {
            const result: ReportResult = await scanAndPlan(deps, atlas, counter, target.project, { ...context, checkCredentials });
            options.onProject?.(result);
            // Only counts and a sample stay in memory: at 10,000 projects the kept entries alone are
            // tens of thousands of objects with their reasons, and a capped run's candidates and jobs
            // (with their evidence) go as soon as the cap is known to be exceeded.
            tally.fold(result);
            runCap.admit(result, [results, attempt]);
            attempt.push(result);
          } catch (error) {
            // A 401/403 about this project is its error; refused credentials end the group (withAtlas reads the secret again once).
            if (isAccessDenied(error)) await checkCredentials(error);
            if (error instanceof CredentialsRefusedError) throw error;
            errors.push(reportError(target.project.id, undefined, error));
          } finally {
            options.onProgress?.(++scanned, targets.length);
          }
        });
      });
    } catch (error) {
      errors.push({ ...reportError(undefined, undefined, error), id: secretId ?? 'environment' });
    }
    results.push(...done);
  }
  const capped = runCap.exceeded;
  const jobs = capped ? [] : results.flatMap((r) => r.jobs);
  const enqueued = (options.enqueue ?? true) && mode === 'enforce' ? await enqueueJobs(deps, jobs) : 0;
  // A sweep of the whole estate reports every expired registry entry, seen or not, so none lingers unnoticed.
  const expired = registry.filter((p) => p.expiresAt <= deps.now());
  const built = buildReport({ sweepId, mode, results, errors, expired, tally, apiCalls: { total: counter.total, auth: counter.auth }, durationMs: deps.now() - started });
  const report: ScanReport = { ...built, enqueued, ...(capped ? { capExceeded: capped } : {}) };
  if (deps.notifier && (options.notify ?? true)) await notifySweep(deps.notifier, report, deps.now());
  return { report, jobs };
}

/**
 * The cap on deletions applies to the whole run: when the projects together have more candidates than
 * it allows, nothing is planned anywhere, and each candidate is kept with the reason. Applied as projects
 * complete, so a capped run does not hold every candidate until the end. A group rerun after a 401 counts
 * its first attempt's candidates again: that can only cap sooner, never plan more.
 */
class RunCap {
  #found = 0;
  #exceeded = false;
  readonly #cap: number;
  readonly #tally: KeptTally;

  constructor(cap: number, tally: KeptTally) {
    this.#cap = cap;
    this.#tally = tally;
  }

  /** Counts a completed project's candidates; once over the cap, holds it and every earlier one. */
  admit(result: ReportResult, earlier: readonly (readonly ReportResult[])[]): void {
    this.#found += result.scan.candidates.length;
    if (!this.#exceeded && this.#found > this.#cap) {
      this.#exceeded = true;
      for (const list of earlier) for (const r of list) this.#hold(r);
    }
    if (this.#exceeded) this.#hold(result);
  }

  get exceeded(): { found: number; cap: number } | undefined {
    return this.#exceeded ? { found: this.#found, cap: this.#cap } : undefined;
  }

  #hold(r: ReportResult): void {
    if (r.scan.candidates.length === 0) return;
    holdForCap(r.scan, `not planned: the candidates of this run exceed the cap of ${this.#cap} deletions per run`);
    this.#tally.fold(r);
    r.jobs = [];
  }
}

/**
 * The sweep function's work: either queue one scan request per selected project (SendMessageBatch in
 * tens; throws if any is left unsent), or, inline, scan them here and return the report.
 */
export async function runSweep(deps: JanitorDeps, request: SweepEvent, inline: InlineOptions = {}): Promise<SweepSummary | ScanReport> {
  if (request.inline) return (await inlineSweep(deps, request, inline)).report;
  const started = deps.now();
  const sweepId = deps.newSweepId();
  const mode = effectiveMode(deps.config.mode, request.mode);
  const counter = new ApiCallCounter();
  const { targets, seen, skipped, errors } = await findTargets(deps, request, counter);
  let queued = 0;
  if (targets.length > 0) {
    if (!deps.sqs || !deps.config.scanQueueUrl) throw new Error('a queued sweep needs SCAN_QUEUE_URL and an SQS client');
    // Before any scan is queued: a sweep that cannot say which reports to wait for fails whole, and its retry starts clean.
    await deps.reports?.putManifest({
      sweepId,
      mode,
      startedAt: new Date(started).toISOString(),
      projectIds: targets.map((t) => t.project.id),
      projectsSeen: seen,
      skipped,
      errors,
      apiCalls: { total: counter.total, auth: counter.auth },
    });
    queued = await sendAll(
      deps.sqs,
      deps.config.scanQueueUrl,
      targets.map((t) => ({ key: t.project.id, body: JSON.stringify(scanRequest(t, sweepId, mode, request)) })),
    );
  }
  return { sweepId, mode, projectsSeen: seen, projectsQueued: queued, skipped, errors, apiCalls: { total: counter.total, auth: counter.auth }, durationMs: deps.now() - started };
}

function scanRequest(target: Target, sweepId: string, mode: Mode, request: SweepEvent): ScanRequest {
  return {
    type: 'scan',
    projectId: target.project.id,
    projectName: target.project.name,
    mode,
    sweepId,
    ...(target.secretId ? { secretId: target.secretId } : {}),
    ...(request.kinds ? { kinds: request.kinds } : {}),
    ...(request.requestedBy ? { requestedBy: request.requestedBy } : {}),
  };
}
