import type { AtlasApiError } from '../atlas';
import type { DeleteJob } from '../jobs';
import type { Ledger } from '../ledger';
import { DELETE_ROLE_MISSING, lackTheRole } from '../jobs';
import type { JobOutcome } from './outcome';


/**
 * Projects where Atlas refused a DELETE for lack of a role, per sweep. The first refusal is final for the
 * rest of the sweep: the key's role will not change by asking again, and every further DELETE would only
 * make Atlas say no for the same reason. Remembered in the process (one batch, or a CLI run) and, when
 * there is one, in the ledger, so the worker's other invocations of the sweep see it too.
 */
export class DeleteRefusals {
  readonly #seen = new Map<string, string>();
  readonly #asked = new Set<string>();

  constructor(
    private readonly ledger: Pick<Ledger, 'recordDeleteRefusal' | 'deleteRefusal'> | undefined,
    private readonly now: () => number,
    /** Called once per project and sweep, for the refusal that counts (the metric, the log line). */
    private readonly onFirstRefusal: (job: DeleteJob, reason: string) => void = () => undefined,
  ) {}

  /** The outcome for a job of a project already refused in its sweep: dead-lettered, no DELETE sent. */
  async refusedBefore(job: DeleteJob): Promise<JobOutcome | undefined> {
    const key = `${job.sweepId}\n${job.projectId}`;
    let reason = this.#seen.get(key);
    // The ledger is asked once per project and actor: a FIFO group is one project, and SQS hands a group to
    // one batch at a time, so within this batch only this actor can record a refusal for it.
    if (reason === undefined && this.ledger && !this.#asked.has(key)) {
      this.#asked.add(key);
      reason = await this.ledger.deleteRefusal(job.sweepId, job.projectId);
      if (reason !== undefined) this.#seen.set(key, reason);
    }
    if (reason === undefined) return undefined;
    return { outcome: 'deadLetter', reason: `${lackTheRole(job.projectId)}: no DELETE sent (an earlier DELETE of this sweep there was refused: ${reason})`, errorCode: DELETE_ROLE_MISSING };
  }

  /** Records Atlas's refusal of this job's DELETE and says what becomes of the job. */
  async refused(job: DeleteJob, refusal: AtlasApiError): Promise<JobOutcome> {
    const key = `${job.sweepId}\n${job.projectId}`;
    const why = `Atlas answered ${refusal.status} ${refusal.errorCode} to ${refusal.operation}`;
    const first = !this.#seen.has(key) && (this.ledger ? await this.ledger.recordDeleteRefusal(job.sweepId, job.projectId, why, this.now()) : true);
    this.#seen.set(key, why);
    if (first) this.onFirstRefusal(job, why);
    return { outcome: 'deadLetter', reason: `${lackTheRole(job.projectId)} (${why})`, errorCode: DELETE_ROLE_MISSING, status: refusal.status };
  }
}
