import { isAccessDenied } from '../atlas';
import { PromiseCache } from '../cache/promise-cache';
import { withAtlas } from '../credentials';
import type { DeleteJob } from '../jobs';
import type { JanitorDeps } from '../run';
import { needsProjectName, protectionsFor } from '../protections';
import { createReadContext } from '../scan';
import { actOnJob, mayDelete } from './act';
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
export function jobActor(deps: JanitorDeps, onRoleMissing?: (job: DeleteJob, reason: string) => void): (job: DeleteJob) => Promise<JobOutcome> {
  const projects = new PromiseCache<string, { id: string; name?: string }>(Infinity);
  const refusals = new DeleteRefusals(deps.ledger, deps.now, onRoleMissing);
  return async (job) => {
    if (job.secretId !== undefined && !deps.config.secretIds.includes(job.secretId)) {
      return { outcome: 'deadLetter', reason: 'secretId: is not one of the configured secrets (ATLAS_SECRET_IDS)', errorCode: 'INVALID_JOB' };
    }
    if (mayDelete(job, deps.config)) {
      const refused = await refusals.refusedBefore(job);
      if (refused) return refused;
    }
    try {
      const registry = (await deps.protections?.load()) ?? [];
      return await withAtlas(deps.credentials, job.secretId ?? deps.config.secretIds[0], deps.makeClient, async (atlas) => {
        // A protection by project name is checked against the name Atlas gives now, not one from the job.
        const project = needsProjectName(registry) ? await projects.get(job.projectId, () => atlas.getProject(job.projectId)) : { id: job.projectId };
        return actOnJob(job, createReadContext(atlas, job.apiVersion), deps.config, protectionsFor(registry, project, deps.now()));
      });
    } catch (error) {
      // The credentials are fine (withAtlas checked): this project refuses them, and will until a person acts.
      if (isAccessDenied(error) && error.operation.startsWith('DELETE ')) return refusals.refused(job, error);
      if (isAccessDenied(error)) return { outcome: 'deadLetter', reason: error.message, errorCode: error.errorCode, status: error.status };
      throw error;
    }
  };
}
