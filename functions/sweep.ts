import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { claimsToBeApply, parseApplyEvent } from '../lib/approval';
import { parseSweepEvent } from '../lib/jobs';
import { applyAndLog, countFindings, countingAtlasFailures, failWhenAPersonIsNeeded, invocationDeadline, logRejectedInput, logger, needsAPersonIn, runtimeDeps, withStoredPlan } from '../lib/lambda';
import { inlineSweep, queueSweep, type ProjectScanResult } from '../lib/run';

/**
 * Nightly (EventBridge) or by hand. Scheduled: list projects, queue one scan per project. Console:
 * `{ "inline": true, "projectIds": [...] }` scans here and returns the whole report (with `"mode": "plan"`,
 * a plan stored beside its page); `{ "apply": { planId, digest, approvedBy, exclude } }` approves a
 * stored plan. Refused credentials fail the invocation once what could be read is logged
 * (failWhenAPersonIsNeeded); a refused approval fails it with the reason, nothing enqueued.
 */
export const handler = middy(async (event: unknown, context: Context) => {
  // A refused approval fails the invocation with its reason (logged by applyAndLog), nothing enqueued.
  if (claimsToBeApply(event)) return applyAndLog(runtimeDeps(), parseApplyEvent(event));
  const request = parseSweepEvent(event);
  // Atlas's failed answers are counted for the whole invocation, queued or inline.
  const atlasFailures = countingAtlasFailures(runtimeDeps());
  const deps = atlasFailures.deps;
  const result = await (request.inline ? inlineSweep(deps, request, { onProject: logProject }).then(({ report }) => withStoredPlan(deps, report)) : queueSweep(deps, request)).finally(atlasFailures.flush);
  logger.info('sweep finished', { sweepId: result.sweepId, mode: result.mode, errors: result.errors.length, apiCalls: result.apiCalls });
  // The partial report goes in the failure's log line: what the other credentials could read is not lost with the throw.
  const gathered = 'candidates' in result ? { projects: result.projects, candidates: result.candidates, kept: result.kept.length } : { projectsQueued: result.projectsQueued };
  needsAPersonIn(context).addFatal(result.errors, { sweepId: result.sweepId, mode: result.mode, errors: result.errors, ...gathered });
  return result;
})
  .use(injectLambdaContext(logger))
  .use(logRejectedInput('sweep event'))
  .use(failWhenAPersonIsNeeded('sweep'))
  .use(invocationDeadline());

/** Inline, the report keeps counts and a sample of what was kept: the full list is logged, one line per project. */
function logProject({ scan, sweepId, mode }: Omit<ProjectScanResult, 'auth'>): void {
  countFindings(scan);
  logger.info('project scanned', {
    sweepId,
    mode,
    projectId: scan.projectId,
    projectName: scan.projectName,
    seen: scan.seen,
    candidates: scan.candidates.length,
    kept: scan.kept,
    errors: scan.errors.length,
    apiCalls: scan.apiCalls,
    durationMs: scan.durationMs,
  });
}
