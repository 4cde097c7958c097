import { AtlasApiError, AtlasError, AtlasTokenWaitError, isAccessDenied } from '../atlas';
import type { JanitorConfig } from '../config';
import { refOf, type DeleteJob } from '../jobs';
import { UnprovenNotFoundError, beingDeleted, kindOf, whyNotEvidence, type Observation, type ReadContext } from '../kinds';
import { findStale } from '../plan';
import { NO_PROTECTIONS, type ProjectProtections } from '../protections';
import type { JobOutcome } from './outcome';

/**
 * Acts on one delete job: re-reads the resource, deletes it only if it still qualifies under the job's
 * rule and today's protections, and classifies every answer into an outcome. The only code path that
 * sends a DELETE to Atlas.
 */
export async function actOnJob(job: DeleteJob, ctx: ReadContext, config: JanitorConfig, registry: ProjectProtections = NO_PROTECTIONS): Promise<JobOutcome> {
  if (!mayDelete(job, config)) return { outcome: 'dryRun' };
  const kind = kindOf(job.kind);
  const ref = refOf(job);
  try {
    const before = await kind.get(ctx, ref);
    const verdict = judge(before, job, config, registry);
    if (verdict) return verdict;
    // Looked at again now, not trusted from the plan: another peer may have gone since.
    const effect = await kind.sideEffectOf?.(ctx, ref.projectId, [ref]);
    const alsoRemoves = effect?.affects.includes(before.id) ? effect : undefined;
    if (alsoRemoves && !config.allowedSideEffects.has(alsoRemoves.setting)) {
      return { outcome: 'protected', reason: `${alsoRemoves.description}; set ${alsoRemoves.setting}=true to allow it` };
    }
    try {
      await kind.delete(ctx, ref);
      return alsoRemoves ? { outcome: 'deleted', reason: `allowed by ${alsoRemoves.setting}: ${alsoRemoves.description}` } : { outcome: 'deleted' };
    } catch (error) {
      return await afterRefusedDelete(error, job, ctx);
    }
  } catch (error) {
    return failure(error);
  }
}

/** Whether this job may send a DELETE at all: in plan mode only the jobs of an approved plan do; in dry-run none. */
export function mayDelete(job: DeleteJob, config: JanitorConfig): boolean {
  const enforcing = config.mode === 'enforce' || (config.mode === 'plan' && job.planId !== undefined);
  return job.mode === 'enforce' && enforcing;
}

/** What the fresh read says: done, skipped, deferred, or undefined when the delete should go ahead. */
function judge(current: Observation, job: DeleteJob, config: JanitorConfig, registry: ProjectProtections): JobOutcome | undefined {
  if (!current.found) return { outcome: 'alreadyGone' };
  if (beingDeleted(current)) return { outcome: 'inProgress', state: current.state };
  // An approved plan's job deletes only what the person approved: the resource as its evidence shows it.
  const changed = job.planId !== undefined ? changedSincePlan(current, job) : undefined;
  if (changed) return { outcome: 'drifted', reason: `changed since plan ${job.planId}: ${changed}` };
  // Classification and protections as a scan would apply them now; the grace period was met at planning.
  const findings = findStale([current], config, registry);
  const candidate = findings.stale[0];
  if (!candidate) {
    const kept = findings.kept[0]!;
    return kept.cause === 'state' ? { outcome: 'drifted', reason: `now ${current.state}: ${kept.reason}` } : { outcome: 'protected', reason: kept.reason };
  }
  if (candidate.rule !== job.rule) return { outcome: 'drifted', reason: `now matches ${candidate.rule}, not ${job.rule}` };
  const left = kindOf(job.kind).dependentsOf?.(current) ?? [];
  if (left.length > 0) return { outcome: 'defer', reason: `${left.length} endpoint(s) still attached` };
  return undefined;
}

/** What differs between a fresh read and a planned job's evidence (state, parent's state), or undefined. */
export function changedSincePlan(current: Observation, job: Pick<DeleteJob, 'evidence'>): string | undefined {
  const changes: string[] = [];
  const planned = job.evidence;
  if (current.state !== planned.state) changes.push(`state ${planned.state} → ${current.state}`);
  if (planned.parent || current.parent) {
    const was = planned.parent ? `${planned.parent.id} ${planned.parent.status}` : 'none';
    const now = current.parent ? `${current.parent.id} ${current.parent.status}` : 'none';
    if (was !== now) changes.push(`parent ${was} → ${now}`);
  }
  return changes.length > 0 ? changes.join('; ') : undefined;
}

/**
 * A DELETE Atlas refused: a 404 that proves the resource gone (its kind's code, its parent read just
 * before by the re-read) and "already deleting" are done; a service with endpoints waits. A 404 that
 * proves nothing is retried: the DELETE may never have reached Atlas.
 */
async function afterRefusedDelete(error: unknown, job: DeleteJob, ctx: ReadContext): Promise<JobOutcome> {
  if (!(error instanceof AtlasApiError)) return failure(error);
  const kind = kindOf(job.kind);
  if (error.status === 404) {
    const why = whyNotEvidence(kind, error);
    return why ? failure(new UnprovenNotFoundError(error, why)) : { outcome: 'alreadyGone' };
  }
  if (kind.alreadyDeletingCodes.has(error.errorCode)) return { outcome: 'inProgress', state: error.errorCode };
  if (kind.hasDependentsCodes.has(error.errorCode)) return { outcome: 'defer', reason: 'Atlas refused: endpoints still attached' };
  if (error.status === 400 || error.status === 409) {
    // An unknown refusal may still mean "already going": look before calling it permanent.
    const after = await kind.get(ctx, refOf(job));
    if (!after.found) return { outcome: 'alreadyGone' };
    if (beingDeleted(after)) return { outcome: 'inProgress', state: after.state };
  }
  return failure(error);
}

/** SQS's longest visibility timeout (12 hours). */
const MAX_VISIBILITY_SECONDS = 43_200;

/**
 * A token further away than the job waits: that request was not sent; the job comes back when the token
 * is due (it reads again first, as always), and the rest of its batch (other projects' jobs) goes on.
 */
export function deferForToken(error: AtlasTokenWaitError): JobOutcome {
  return { outcome: 'defer', reason: error.message, delaySeconds: Math.min(MAX_VISIBILITY_SECONDS, Math.max(1, Math.ceil(error.waitMs / 1000))) };
}

function failure(error: unknown): JobOutcome {
  // A 401/403 goes up to the caller, which tells a project's refusal from refused credentials.
  if (isAccessDenied(error)) throw error;
  if (error instanceof AtlasTokenWaitError) return deferForToken(error);
  if (error instanceof AtlasError && error.retryable) return { outcome: 'retry', reason: error.message, error };
  if (error instanceof AtlasApiError) {
    return { outcome: 'deadLetter', reason: error.message, errorCode: error.errorCode, status: error.status };
  }
  if (error instanceof AtlasError) return { outcome: 'deadLetter', reason: error.message };
  throw error;
}
