import type { AtlasClient } from '../atlas';
import { planDeduplicationId } from '../approval';
import type { JanitorConfig, Mode } from '../config';
import { withAtlas, type CredentialsCheck } from '../credentials';
import { MessageValidationError, jobFor, jobIdFor, sendAll, type DeleteJob, type ScanRequest } from '../jobs';
import { selectProjects } from '../plan';
import { deleteRank, type KindName } from '../kinds';
import { historyEntry } from '../ledger';
import { needsProjectName, protectionsFor, type Protection } from '../protections';
import { ApiCallCounter, scanProject, type ProjectScan } from '../scan';
import { ledgerBudget, memoryBudget, spendBudget, type DeletionBudget } from './budget';
import type { JanitorDeps } from './deps';

export interface ProjectScanResult {
  scan: ProjectScan;
  mode: Mode;
  sweepId: string;
  jobs: DeleteJob[];
  /** Jobs put on the delete queue (0 in dry-run, or when the caller acts on them itself). */
  enqueued: number;
  /** Registry entries that would cover this project or its resources but have expired. */
  expiredProtections: Protection[];
  auth: number;
  /** Atlas answers of this scan that were not a success, by status (429s among them). */
  atlasFailures?: Record<string, number> | undefined;
}

/** Modes from the one that does least: a plan deletes nothing until a person approves it. */
const MODE_RANK: Record<Mode, number> = { 'dry-run': 0, 'plan': 1, 'enforce': 2 };

/**
 * Effective mode: a request may lower the configured mode (enforce → plan → dry-run), never raise it. One
 * that asks for more is refused, naming `mode`: lowered in silence, `{"mode": "plan"}` on a dry-run stack
 * would come back as another dry run, no plan, and nothing to say why.
 */
export function effectiveMode(configured: Mode, requested: Mode | undefined): Mode {
  if (requested === undefined) return configured;
  if (MODE_RANK[requested] > MODE_RANK[configured]) {
    const needs = (Object.keys(MODE_RANK) as Mode[]).filter((m) => MODE_RANK[m] >= MODE_RANK[requested]).join(' or ');
    throw new MessageValidationError('mode', `${requested} needs the stack's JANITOR_MODE to be ${needs}; it is ${configured} (a request may lower the mode, never raise it)`);
  }
  return requested;
}

export interface PlanContext {
  mode: Mode;
  sweepId: string;
  kinds: readonly KindName[];
  secretId: string | undefined;
  requestedBy?: string | undefined;
  /** Put enforce-mode jobs on the delete queue (the Lambda path) or only return them (the CLI). */
  enqueue: boolean;
  /** The protection registry, read once per run. */
  registry: readonly Protection[];
  /** Tells a 401/403 about one project from refused credentials (one check per client). */
  checkCredentials?: CredentialsCheck | undefined;
  /** The run's deletion budget: the project's candidates are planned only if it takes them all. */
  budget: DeletionBudget;
}

/**
 * Scans one project with a given client and turns its candidates into delete jobs, enqueued in enforce
 * mode (FIFO: group = project, deduplication = job id). Throws if any job could not be enqueued, so the
 * scan request is retried rather than lost.
 */
export async function scanAndPlan(
  deps: JanitorDeps,
  atlas: AtlasClient,
  counter: ApiCallCounter,
  project: { id: string; name?: string | undefined },
  context: PlanContext,
): Promise<Omit<ProjectScanResult, 'auth'>> {
  const { config } = deps;
  const registry = protectionsFor(context.registry, project, deps.now());
  const scan = await scanProject(atlas, project, {
    kinds: context.kinds,
    apiGeneration: config.apiGeneration,
    plan: config,
    counter,
    now: deps.now,
    ledger: deps.ledger ? { ledger: deps.ledger, sweepId: context.sweepId } : undefined,
    registry,
    checkCredentials: context.checkCredentials,
  });
  const jobs = [...scan.candidates]
    // Job order on the FIFO queue (one group per project): endpoints before the services they belong
    // to, so a service's job finds its endpoints already going.
    .sort((a, b) => deleteRank(a.kind) - deleteRank(b.kind))
    .map((candidate) =>
      jobFor(candidate, {
        sweepId: context.sweepId,
        mode: context.mode,
        apiVersion: config.apiGeneration,
        secretId: context.secretId,
        requestedBy: context.requestedBy,
        now: new Date(deps.now()),
      }),
    );
  const toEnqueue = (await spendBudget(scan, context.budget)) ? jobs : [];
  const enqueued = context.enqueue && context.mode === 'enforce' ? await enqueueJobs(deps, toEnqueue) : 0;
  // Expired entries this project's report names: those of the project, and those of resources it has.
  const seenIds = new Set([...scan.candidates, ...scan.kept].map((x) => x.id.toLowerCase()));
  const expiredProtections = registry.expired.filter((p) => p.resourceId === undefined || seenIds.has(p.resourceId));
  return { scan, mode: context.mode, sweepId: context.sweepId, jobs: toEnqueue, enqueued, expiredProtections };
}

/**
 * Puts delete jobs on the delete queue (FIFO: group = project, deduplication = job id), their history
 * written first so the worker's attempts land on it.
 */
export async function enqueueJobs(deps: JanitorDeps, jobs: readonly DeleteJob[]): Promise<number> {
  if (jobs.length === 0) return 0;
  if (!deps.sqs || !deps.config.deleteQueueUrl) throw new Error('enforce mode needs DELETE_QUEUE_URL and an SQS client');
  await deps.ledger?.recordPlanned(jobs.map(historyEntry));
  return sendAll(
    deps.sqs,
    deps.config.deleteQueueUrl,
    // A plan's job is deduplicated per plan: another run's job for the same resource must not swallow an approval.
    jobs.map((job) => ({ key: job.jobId, body: JSON.stringify(job), groupId: job.projectId, deduplicationId: job.planId ? planDeduplicationId(job.planId, job.jobId) : job.jobId })),
  );
}


/** A secret named by a message must be one the configuration lists: senders do not choose what we read. */
function checkSecretId(config: JanitorConfig, secretId: string | undefined): void {
  if (secretId !== undefined && !config.secretIds.includes(secretId)) {
    throw new MessageValidationError('secretId', 'is not one of the configured secrets (ATLAS_SECRET_IDS)');
  }
}

/**
 * Why the project filter refuses a project, or undefined. Ids are checked as given; name globs against
 * the name Atlas gives (one read, only when name globs are configured), never a name from a message.
 */
async function exclusion(config: JanitorConfig, atlas: AtlasClient, projectId: string, registry: readonly Protection[]): Promise<{ reason?: string; name?: string }> {
  const filter = config.projects;
  const byName = filter.includeNames.length > 0 || filter.excludeNames.length > 0 || needsProjectName(registry);
  const project = byName ? await atlas.getProject(projectId) : { id: projectId, name: '', orgId: '' };
  const skipped = selectProjects([project], byName ? filter : { ...filter, includeNames: [], excludeNames: [] }).skipped[0];
  return { reason: skipped?.reason, ...(byName ? { name: project.name } : {}) };
}

/**
 * What a scan request runs with: a client for its secret, the run's call counter and deletion budget.
 * The scan function makes one per message; a sweep in one process shares one per secret.
 */
export interface ScanSession {
  atlas: AtlasClient;
  checkCredentials: CredentialsCheck;
  counter: ApiCallCounter;
  budget: DeletionBudget;
  registry: readonly Protection[];
  /** The sweep selected the project from a list it read in this process: the filter was applied there. */
  selected?: boolean | undefined;
}

/**
 * One scan request: the unit of work of every sweep, whichever executor runs it. Applies the project
 * filter (unless the sweep in this process already did), scans, plans and takes the candidates from the
 * run's budget; jobs are enqueued in enforce mode when `enqueue`.
 */
export async function scanOneRequest(deps: JanitorDeps, request: ScanRequest, session: ScanSession, enqueue: boolean): Promise<Omit<ProjectScanResult, 'auth'>> {
  const context: PlanContext = {
    mode: effectiveMode(deps.config.mode, request.mode),
    sweepId: request.sweepId ?? deps.newSweepId(),
    kinds: request.kinds ?? deps.config.kinds,
    secretId: request.secretId ?? deps.config.secretIds[0],
    requestedBy: request.requestedBy,
    enqueue,
    registry: session.registry,
    checkCredentials: session.checkCredentials,
    budget: session.budget,
  };
  // Pacing only: this project's requests in its organization's ORGANIZATION buckets.
  if (request.orgId) session.atlas.noteProjects([{ id: request.projectId, orgId: request.orgId }]);
  const refused = session.selected ? {} : await exclusion(deps.config, session.atlas, request.projectId, context.registry);
  const project = { id: request.projectId, name: refused.name ?? request.projectName };
  if (refused.reason) return excludedScan(project, refused.reason, context);
  return scanAndPlan(deps, session.atlas, session.counter, project, context);
}

/**
 * A scan request from the scan queue, with its own client and call counter. The budget is the sweep's,
 * shared through the ledger; a request outside a sweep (or without a ledger) is a run of its own.
 */
export async function runProjectScan(deps: JanitorDeps, request: ScanRequest): Promise<ProjectScanResult> {
  const counter = new ApiCallCounter();
  checkSecretId(deps.config, request.secretId);
  const secretId = request.secretId ?? deps.config.secretIds[0];
  const cap = deps.config.maxDeletionsPerRun;
  const budget = deps.ledger && request.sweepId ? ledgerBudget(deps.ledger, request.sweepId, cap, deps.now) : memoryBudget(cap);
  const registry = (await deps.protections?.load()) ?? [];
  const result = await withAtlas(deps.credentials, secretId, wrapFactory(deps, counter), (atlas, _access, checkCredentials) =>
    scanOneRequest(deps, request, { atlas, checkCredentials, counter, budget, registry }, true),
  );
  return { ...result, auth: counter.auth, atlasFailures: counter.failures };
}

function excludedScan(project: { id: string; name?: string | undefined }, reason: string, context: PlanContext): Omit<ProjectScanResult, 'auth'> {
  return {
    scan: { projectId: project.id, projectName: project.name, excluded: reason, seen: 0, candidates: [], kept: [], errors: [], apiCalls: 0, durationMs: 0 },
    mode: context.mode,
    sweepId: context.sweepId,
    jobs: [],
    enqueued: 0,
    expiredProtections: [],
  };
}

/** The client factory with this run's call counter attached. */
export function wrapFactory(deps: JanitorDeps, counter: ApiCallCounter) {
  return (access: Parameters<JanitorDeps['makeClient']>[0]) => deps.makeClient(access, counter.record);
}
