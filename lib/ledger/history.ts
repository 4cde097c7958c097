import type { DeleteJob } from '../jobs';
import { displayIdOf } from '../kinds';
import type { JobHistory } from './ledger';

/** A job as the run history keeps it: who, what, which rule, and the object as last seen. */
export function historyEntry(job: DeleteJob): Omit<JobHistory, 'attempts' | 'outcome' | 'final'> {
  return {
    projectId: job.projectId,
    sweepId: job.sweepId,
    jobId: job.jobId,
    kind: job.kind,
    provider: job.provider,
    resourceId: displayIdOf(job.kind, job.ids),
    rule: job.rule,
    plannedAt: job.plannedAt ?? new Date().toISOString(),
    evidence: JSON.stringify(job.evidence),
    ...(job.planId ? { planId: job.planId, ...(job.requestedBy ? { approvedBy: job.requestedBy } : {}) } : {}),
  };
}
