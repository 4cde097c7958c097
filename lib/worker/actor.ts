import { AtlasApiError } from '../atlas';
import { withAtlas } from '../credentials';
import type { DeleteJob } from '../jobs';
import type { JanitorDeps } from '../run';
import { createScanContext } from '../scan';
import { actOnJob } from './act';
import type { JobOutcome } from './outcome';

/** Acts on a job with the credentials it names; a 401 that survives one secret refresh is dead-lettered. */
export function jobActor(deps: JanitorDeps): (job: DeleteJob) => Promise<JobOutcome> {
  return async (job) => {
    if (job.secretId !== undefined && !deps.config.secretIds.includes(job.secretId)) {
      return { outcome: 'deadLetter', reason: 'secretId: is not one of the configured secrets (ATLAS_SECRET_IDS)', errorCode: 'INVALID_JOB' };
    }
    try {
      return await withAtlas(deps.credentials, job.secretId ?? deps.config.secretIds[0], deps.makeClient, (atlas) =>
        actOnJob(job, createScanContext(atlas, job.apiVersion), deps.config),
      );
    } catch (error) {
      if (error instanceof AtlasApiError && error.status === 401) {
        return { outcome: 'deadLetter', reason: error.message, errorCode: error.errorCode, status: 401 };
      }
      throw error;
    }
  };
}
