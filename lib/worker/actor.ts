import { AtlasTokenWaitError, isAccessDenied } from '../atlas';
import { PromiseCache } from '../cache/promise-cache';
import { withAtlas } from '../credentials';
import type { DeleteJob } from '../jobs';
import type { PlanApprovalRecord } from '../ledger';
import type { JanitorDeps } from '../run';
import { needsProjectName, protectionsFor } from '../protections';
import { createReadContext } from '../scan';
import { actOnJob, deferForToken, mayDelete } from './act';
import { DeleteRefusals } from './delete-refusals';
import type { JobOutcome } from './outcome';

/**
 * Acts on a job with the credentials it names. A 401/403 about the job's project is dead-lettered with
 * its reason; refused credentials (CredentialsRefusedError) propagate, so the job is retried and the
 * invocation fails (functions/worker.ts). A DELETE refused that way means the credentials lack the role
 * to delete there: no further DELETE is sent in that project for the rest of the sweep (DeleteRefusals).
 * One actor serves one batch: a project's name, needed only by name-glob protections, is read once for
 * its jobs (a FIFO batch is mostly one project).
 */
export interface ActorOptions {
  /** Called once per project and sweep when Atlas first refuses a DELETE there for lack of a role. */
  onRoleMissing?: ((job: DeleteJob, reason: string) => void) | undefined;
  /**
   * The longest a job's request waits for its rate-limit token; past it the job is deferred until the
   * token is due (QUEUED_JOB_TOKEN_WAIT_MS for the queued worker). Without it a job waits as long as it must.
   */
  maxTokenWaitMs?: number | undefined;
  /**
   * The jobs approved in this process (the CLI's apply, which holds the approval it just made). Without
   * it, a plan's job is checked against the approval recorded in the ledger.
   */
  approvedHere?: ReadonlySet<string> | undefined;
}

/**
 * A queued job waits at most this long for a rate-limit token. A job that waits holds its batch, and a
 * batch holds one of the worker's few concurrent invocations: the other projects' jobs in it and behind
 * it would wait too. Longer, it goes back to the queue until the token is due (a FIFO queue keeps its
 * project's later jobs behind it).
 */
export const QUEUED_JOB_TOKEN_WAIT_MS = 1000;

export function jobActor(deps: JanitorDeps, options: ActorOptions = {}): (job: DeleteJob) => Promise<JobOutcome> {
  const { maxTokenWaitMs } = options;
  const projects = new PromiseCache<string, { id: string; name?: string }>(Infinity);
  const approvals = new PromiseCache<string, PlanApprovalRecord | undefined>(Infinity);
  const refusals = new DeleteRefusals(deps.ledger, deps.now, options.onRoleMissing);
  /** In plan mode a job deletes only if an approval lists it: a planId alone, which any sender can write, is not one. */
  const notApproved = async (job: DeleteJob): Promise<JobOutcome | undefined> => {
    if (deps.config.mode !== 'plan' || job.planId === undefined) return undefined;
    const planId = job.planId;
    if (options.approvedHere?.has(job.jobId)) return undefined;
    const approval = deps.ledger && !options.approvedHere ? await approvals.get(planId, () => deps.ledger!.planApproval(planId)) : undefined;
    if (approval?.jobIds.includes(job.jobId)) return undefined;
    const why = approval ? `plan ${planId}'s approval (by ${approval.approvedBy}) does not list this job` : deps.ledger || options.approvedHere ? `plan ${planId} has no approval that lists this job` : `no ledger to check plan ${planId}'s approval against`;
    return { outcome: 'deadLetter', reason: `not approved: ${why}; nothing deleted`, errorCode: 'NOT_APPROVED' };
  };
  return async (job) => {
    if (job.secretId !== undefined && !deps.config.secretIds.includes(job.secretId)) {
      return { outcome: 'deadLetter', reason: 'secretId: is not one of the configured secrets (ATLAS_SECRET_IDS)', errorCode: 'INVALID_JOB' };
    }
    if (mayDelete(job, deps.config)) {
      const unapproved = await notApproved(job);
      if (unapproved) return unapproved;
      const refused = await refusals.refusedBefore(job);
      if (refused) return refused;
    }
    try {
      const registry = (await deps.protections?.load()) ?? [];
      return await withAtlas(deps.credentials, job.secretId ?? deps.config.secretIds[0], deps.makeClient, async (checked, access) => {
        // The job's own requests are patient only so long; the credentials check after a 401/403 (on
        // `checked`) waits as long as it must: deferring it would send a refused DELETE again later.
        const atlas = maxTokenWaitMs === undefined ? checked : deps.makeClient(access, undefined, { maxTokenWaitMs });
        // The scan that planned the job had just used the project's buckets (its lists empty a small
        // per-project one): this worker's pacer, which did not see it, starts them empty then.
        if (job.plannedAt !== undefined) atlas.noteProjectSpentUntil(job.projectId, Date.parse(job.plannedAt));
        // A protection by project name is checked against the name Atlas gives now, not one from the job.
        const project = needsProjectName(registry) ? await projects.get(job.projectId, () => atlas.getProject(job.projectId)) : { id: job.projectId };
        return actOnJob(job, createReadContext(atlas, job.apiVersion), deps.config, protectionsFor(registry, project, deps.now()));
      });
    } catch (error) {
      // Reading the project's name met a token too far away (the job's own reads come back as outcomes).
      if (error instanceof AtlasTokenWaitError) return deferForToken(error);
      // The credentials are fine (withAtlas checked): this project refuses them, and will until a person acts.
      if (isAccessDenied(error) && error.operation.startsWith('DELETE ')) return refusals.refused(job, error);
      if (isAccessDenied(error)) return { outcome: 'deadLetter', reason: error.message, errorCode: error.errorCode, status: error.status };
      throw error;
    }
  };
}
