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
  const result = await runSweep(runtimeDeps(), request);
  if ('candidates' in result) {
    for (const project of result.projects) logger.info('project scanned', { sweepId: result.sweepId, mode: result.mode, ...project });
  }
  logger.info('sweep finished', { sweepId: result.sweepId, mode: result.mode, errors: result.errors.length, apiCalls: result.apiCalls });
  return result;
})
  .use(injectLambdaContext(logger))
  .use(invocationDeadline());
