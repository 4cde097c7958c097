import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { parseSweepEvent } from '../lib/jobs';
import { countCredentialsFailures, countFindings, countingAtlasFailures, invocationDeadline, logger, runtimeDeps } from '../lib/lambda';
import { RunFailedError, fatalErrors, inlineSweep, queueSweep, type ProjectScanResult } from '../lib/run';

/**
 * Nightly (EventBridge) or by hand. Scheduled: list projects, queue one scan per project. Console:
 * `{ "inline": true, "projectIds": [...] }` scans here and returns the whole report. Refused credentials
 * fail the invocation once what could be read is logged: the async retry, the on-failure destination and
 * the Errors alarm see it.
 */
export const handler = middy(async (event: unknown) => {
  let request;
  try {
    request = parseSweepEvent(event);
  } catch (error) {
    logger.error('sweep event rejected', { reason: error instanceof Error ? error.message : String(error) });
    throw error;
  }
  // Inline, the report keeps counts and a sample of what was kept: the full list is logged, one line
  // per project, and counted in Found/Kept, as each project completes (a queued sweep's scan function
  // counts its own). Atlas's failed answers are counted for the whole invocation, queued or inline.
  const atlasFailures = countingAtlasFailures(runtimeDeps());
  const deps = atlasFailures.deps;
  const result = await (request.inline
    ? inlineSweep(deps, request, { onProject: logProject }).then(({ report }) => report)
    : queueSweep(deps, request)
  ).finally(atlasFailures.flush);
  logger.info('sweep finished', { sweepId: result.sweepId, mode: result.mode, errors: result.errors.length, apiCalls: result.apiCalls });
  const fatal = fatalErrors(result.errors);
  if (fatal.length > 0) {
    countCredentialsFailures(fatal.length);
    // The partial report stays: what the other credentials could read is in the log line, not lost with the throw.
    const gathered = 'candidates' in result ? { projects: result.projects, candidates: result.candidates, kept: result.kept.length } : { projectsQueued: result.projectsQueued };
    logger.error('sweep failed: credentials need a person', { sweepId: result.sweepId, mode: result.mode, failures: fatal, errors: result.errors, ...gathered });
    throw new RunFailedError(fatal);
  }
  return result;
})
  .use(injectLambdaContext(logger))
  .use(invocationDeadline());

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
