import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { countPages, invocationDeadline, logger, runtimeDeps } from '../lib/lambda';
import { assemblePages } from '../lib/run';

/**
 * On a schedule: assembles the page of every queued sweep whose scans are done (or whose wait is
 * over), stores it beside the scans' reports and publishes the sweep's summary with its location. A
 * sweep whose page could not be made stays pending for the next run, and this invocation fails.
 */
export const handler = middy(async () => {
  const deps = runtimeDeps();
  if (!deps.reports) throw new Error('the report function needs REPORT_BUCKET');
  const run = await assemblePages({ store: deps.reports, notifier: deps.notifier, now: deps.now, maxWaitMs: deps.config.reports.maxWaitMs, planTtlMs: deps.config.planTtlMs, ledger: deps.ledger });
  countPages(run.assembled.length, run.failed.length);
  for (const page of run.assembled) logger.info('sweep page assembled', { sweepId: page.sweepId, page: page.location.s3Uri, projects: page.projects, missing: page.missing });
  for (const w of run.waiting) logger.info('sweep page waiting for scans', w);
  for (const f of run.failed) logger.error('sweep page not assembled', f);
  for (const p of run.plansUpdated ?? []) logger.info('applied plan page updated', p);
  if (run.failed.length > 0) throw new Error(`${run.failed.length} sweep page(s) could not be assembled: ${run.failed.map((f) => f.sweepId).join(', ')}`);
  return { assembled: run.assembled.map((a) => ({ sweepId: a.sweepId, page: a.location.s3Uri, missing: a.missing.length })), waiting: run.waiting };
})
  .use(injectLambdaContext(logger))
  .use(invocationDeadline());
