import type { Project } from '../atlas';
import type { Mode } from '../config';
import { withAtlas } from '../credentials';
import { sendAll, type ScanRequest } from '../jobs';
import type { KindName } from '../kinds';
import { selectProjects } from '../plan';
import type { ReportError, ScanReport } from '../report';
import { ApiCallCounter, reportError } from '../scan';
import type { JanitorDeps } from './deps';
import { buildReport } from './report-builder';
import { effectiveMode, runProjectScan, wrapFactory, type ProjectScanResult } from './scan-run';

export interface SweepRequest {
  /** Scan in this invocation and return the whole report (console use), instead of queueing scans. */
  inline?: boolean | undefined;
  /** Only these projects (still subject to the include/exclude configuration). */
  projectIds?: string[] | undefined;
  mode?: Mode | undefined;
  kinds?: KindName[] | undefined;
  requestedBy?: string | undefined;
}

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

/** Projects, each with the secret whose credentials see it. */
interface Target {
  project: Project;
  secretId: string | undefined;
}

/**
 * Lists the projects every configured secret sees, applies the project filter, then either queues one
 * scan request per project (SendMessageBatch in tens; throws if any is left unsent) or, inline, scans
 * them here and returns the report.
 */
export async function runSweep(deps: JanitorDeps, request: SweepRequest): Promise<SweepSummary | ScanReport> {
  const started = deps.now();
  const sweepId = deps.newSweepId();
  const mode = effectiveMode(deps.config.mode, request.mode);
  const counter = new ApiCallCounter();
  const errors: ReportError[] = [];
  const targets = new Map<string, Target>();
  let seen = 0;
  const skipped: SweepSummary['skipped'] = [];
  const sources = deps.config.secretIds.length > 0 ? deps.config.secretIds : [undefined];
  for (const secretId of sources) {
    try {
      const projects = await withAtlas(deps.credentials, secretId, wrapFactory(deps, counter), (atlas) => atlas.listProjects());
      seen += projects.length;
      const wanted = request.projectIds ? projects.filter((p) => request.projectIds!.includes(p.id)) : projects;
      const selection = selectProjects(wanted, deps.config.projects);
      skipped.push(...selection.skipped);
      // A project seen through two secrets is scanned once, with the first.
      for (const project of selection.selected) if (!targets.has(project.id)) targets.set(project.id, { project, secretId });
    } catch (error) {
      errors.push({ ...reportError(undefined, undefined, error), id: secretId ?? 'environment' });
    }
  }
  for (const id of request.projectIds ?? []) {
    if (![...targets.values()].some((t) => t.project.id === id) && !skipped.some((s) => s.projectId === id)) {
      errors.push({ projectId: id, message: 'project not visible to any configured credentials' });
    }
  }

  if (request.inline) {
    const results: ProjectScanResult[] = [];
    for (const target of targets.values()) {
      try {
        results.push(await runProjectScan(deps, scanRequest(target, sweepId, mode, request)));
      } catch (error) {
        errors.push(reportError(target.project.id, undefined, error));
      }
    }
    return buildReport({ sweepId, mode, results, errors, listing: counter, durationMs: deps.now() - started });
  }

  let queued = 0;
  if (targets.size > 0) {
    if (!deps.sqs || !deps.config.scanQueueUrl) throw new Error('a queued sweep needs SCAN_QUEUE_URL and an SQS client');
    queued = await sendAll(
      deps.sqs,
      deps.config.scanQueueUrl,
      [...targets.values()].map((t) => ({ key: t.project.id, body: JSON.stringify(scanRequest(t, sweepId, mode, request)) })),
    );
  }
  return {
    sweepId,
    mode,
    projectsSeen: seen,
    projectsQueued: queued,
    skipped,
    errors,
    apiCalls: { total: counter.total, auth: counter.auth },
    durationMs: deps.now() - started,
  };
}

function scanRequest(target: Target, sweepId: string, mode: Mode, request: SweepRequest): ScanRequest {
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
