import { createInterface } from 'node:readline/promises';
import { parseArgs } from 'node:util';
import { inlineSweep } from '../../../lib/run';
import { jobActor, runJobsDirectly, type JobOutcome } from '../../../lib/worker';
import { EXIT, UsageError, intFlag } from '../args';
import { ATLAS_FLAG_OPTIONS, localDeps, preflight } from '../local-deps';
import { progressBar } from '../progress';
import { HTML_FLAG_OPTION, writeReportPage } from '../html-page';
import { renderScanReport } from '../render';
import { table } from '../table';
import { projectSelection } from './scan';

const DONE = new Set(['deleted', 'alreadyGone', 'inProgress']);

/**
 * `atlas-janitor sweep --enforce`: plan, confirm, then delete directly with the worker's logic
 * (re-read, delete only what still qualifies), with no AWS involved. Without --enforce it is a scan.
 */
export async function sweep(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    strict: true,
    allowPositionals: false,
    options: {
      ...ATLAS_FLAG_OPTIONS,
      ...HTML_FLAG_OPTION,
      'project': { type: 'string', multiple: true },
      'all': { type: 'boolean' },
      'enforce': { type: 'boolean' },
      'yes': { type: 'boolean' },
      'wait-seconds': { type: 'string' },
    },
  });
  const projectIds = projectSelection(values);
  const waitSeconds = intFlag('wait-seconds', values['wait-seconds']) ?? 10;
  const mode = values.enforce ? 'enforce' : 'dry-run';
  if (values.enforce && !values.yes && !process.stdin.isTTY) throw new UsageError('refusing to delete without --yes when not on a terminal');
  const deps = localDeps(values, { JANITOR_MODE: mode });
  await preflight(deps);
  const bar = progressBar('scanning', !values.json && process.stderr.isTTY === true);
  const { report, jobs } = await inlineSweep(deps, { projectIds, mode, requestedBy: 'cli' }, { enqueue: false, onProgress: bar.update });
  bar.end();
  // Written before any confirmation: the page is the plan to read before saying yes.
  writeReportPage(values.html, report, `atlas-janitor sweep (this machine, ${mode})`);
  if (!values.json) process.stdout.write(`${renderScanReport(report)}\n`);
  if (mode === 'dry-run' || jobs.length === 0) {
    if (values.json) process.stdout.write(`${JSON.stringify({ report, outcomes: [] }, null, 2)}\n`);
    return report.errors.length > 0 ? EXIT.failed : EXIT.ok;
  }
  if (!values.yes && !(await confirm(`Delete ${jobs.length} resource(s) in ${new Set(jobs.map((j) => j.projectId)).size} project(s)? [y/N] `))) {
    process.stderr.write('nothing deleted\n');
    return EXIT.ok;
  }
  const outcomes = await runJobsDirectly(jobs, jobActor(deps), {
    deferWaitMs: waitSeconds * 1000,
    maxDeferrals: 30,
    maxRetries: 3,
    retryWaitMs: 2_000,
  });
  const rows = jobs.map((job) => {
    const o = outcomes.get(job.jobId)!;
    return { projectId: job.projectId, kind: job.kind, id: job.ids['endpointId'] ?? Object.values(job.ids)[0]!, outcome: o.outcome, reason: reasonOf(o) };
  });
  if (values.json) process.stdout.write(`${JSON.stringify({ report, outcomes: rows }, null, 2)}\n`);
  else process.stdout.write(`\n${table(['project', 'kind', 'id', 'outcome', 'reason'], rows.map((r) => [r.projectId, r.kind, r.id, r.outcome, r.reason]))}\n`);
  const failed = rows.filter((r) => !DONE.has(r.outcome) && r.outcome !== 'drifted' && r.outcome !== 'protected');
  return failed.length > 0 || report.errors.length > 0 ? EXIT.failed : EXIT.ok;
}

function reasonOf(outcome: JobOutcome): string {
  return 'reason' in outcome ? outcome.reason : '';
}

async function confirm(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim());
  } finally {
    rl.close();
  }
}
