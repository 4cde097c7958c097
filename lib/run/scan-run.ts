import type { Mode } from '../config';
import { withAtlas } from '../credentials';
import { jobFor, jobIdFor, sendAll, type DeleteJob, type ScanRequest } from '../jobs';
import type { KindName } from '../kinds';
import type { ReportCandidate } from '../report';
import { ApiCallCounter, scanProject, type ProjectScan } from '../scan';
import type { JanitorDeps } from './deps';

export interface ProjectScanResult {
  scan: ProjectScan;
  mode: Mode;
  sweepId: string;
  jobs: DeleteJob[];
  /** Jobs put on the delete queue (0 in dry-run). */
  enqueued: number;
  auth: number;
}

/**
 * Job order on the FIFO queue (one group per project): endpoints before the services they belong to,
 * so a service's job finds its endpoints already going.
 */
const KIND_ORDER: Record<KindName, number> = { privateEndpoint: 0, networkPeering: 1, streamsPrivateLink: 1, privateEndpointService: 2 };

/** Effective mode: a request may lower the configured mode to dry-run, never raise it. */
export function effectiveMode(configured: Mode, requested: Mode | undefined): Mode {
  return configured === 'enforce' && requested !== 'dry-run' ? 'enforce' : 'dry-run';
}

/**
 * Scans one project and, in enforce mode, puts its delete jobs on the delete queue (FIFO: group =
 * project, deduplication = job id). Throws if any job could not be enqueued, so the scan request is
 * retried rather than lost.
 */
export async function runProjectScan(
  deps: JanitorDeps,
  request: ScanRequest,
): Promise<ProjectScanResult> {
  const { config } = deps;
  const mode = effectiveMode(config.mode, request.mode);
  const sweepId = request.sweepId ?? deps.newSweepId();
  const kinds: KindName[] = request.kinds ?? config.kinds;
  const secretId = request.secretId ?? config.secretIds[0];
  const counter = new ApiCallCounter();
  const scan = await withAtlas(deps.credentials, secretId, wrapFactory(deps, counter), (atlas) =>
    scanProject(atlas, { id: request.projectId, name: request.projectName }, {
      kinds,
      apiGeneration: config.apiGeneration,
      plan: config,
      counter,
      now: deps.now,
    }),
  );
  const jobs = [...scan.candidates].sort((a, b) => KIND_ORDER[a.kind] - KIND_ORDER[b.kind]).map((candidate) =>
    jobFor(candidate, {
      sweepId,
      mode,
      apiVersion: config.apiGeneration,
      secretId,
      requestedBy: request.requestedBy,
      now: new Date(deps.now()),
    }),
  );
  let enqueued = 0;
  if (mode === 'enforce' && jobs.length > 0) {
    if (!deps.sqs || !config.deleteQueueUrl) throw new Error('enforce mode needs DELETE_QUEUE_URL and an SQS client');
    enqueued = await sendAll(
      deps.sqs,
      config.deleteQueueUrl,
      jobs.map((job) => ({ key: job.jobId, body: JSON.stringify(job), groupId: job.projectId, deduplicationId: job.jobId })),
    );
  }
  return { scan, mode, sweepId, jobs, enqueued, auth: counter.auth };
}

/** The client factory with this run's call counter attached. */
export function wrapFactory(deps: JanitorDeps, counter: ApiCallCounter) {
  return (access: Parameters<JanitorDeps['makeClient']>[0]) => deps.makeClient(access, counter.record);
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
  }));
}
