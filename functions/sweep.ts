import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { parseSweepEvent } from '../lib/jobs';
import { invocationDeadline, logger, runtimeDeps } from '../lib/lambda';
import { runSweep } from '../lib/run';

/**
 * Nightly (EventBridge) or by hand. Scheduled: list projects, queue one scan per project. Console:
 * `{ "inline": true, "projectIds": [...] }` scans here and returns the whole report.
 */
export const handler = middy(async (event: unknown) => {
  const request = parseSweepEvent(event);
  // Inline, the report keeps counts and a sample of what was kept: the full list is logged, one line
  // per project, as each project completes.
  const result = await runSweep(runtimeDeps(), request, {
    onProject: ({ scan, sweepId, mode }) =>
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
      }),
  });
  logger.info('sweep finished', { sweepId: result.sweepId, mode: result.mode, errors: result.errors.length, apiCalls: result.apiCalls });
  return result;
})
  .use(injectLambdaContext(logger))
  .use(invocationDeadline());
