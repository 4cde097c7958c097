import { createInterface } from 'node:readline/promises';
import { jobActor, runJobsDirectly, type JobOutcome } from '../../../lib/worker';
import { EXIT, UsageError, defineCommand, intFlag, type FlagValues, type Flags } from '../args';
import { HTML_FLAG, reportPagePath, writeReportPage } from '../html-page';
import { ATLAS_ENV, ATLAS_FLAGS, sweepFromHere } from '../local-deps';
import { renderNothingPlanned, renderScanReport } from '../render';
import { notDone, outcomeRows, pageOutcomes, printOutcomes } from '../outcomes';
import { SELECTION_FLAGS, projectSelection, runFlags } from './scan';
import { recordingInterruption } from '../interrupt';
import { printLine, warnLine } from '../terminal';

const DEFER_WAIT_SECONDS = 10;

const SWEEP_FLAGS = {
  ...SELECTION_FLAGS,
  'enforce': { type: 'boolean', help: 'delete what is planned (without it: a scan)' },
  'yes': { type: 'boolean', help: 'do not ask for confirmation (required off a terminal)' },
  'wait-seconds': { type: 'string', arg: 'N', default: String(DEFER_WAIT_SECONDS), help: 'how long an endpoint service waits between looks at its endpoints' },
  ...ATLAS_FLAGS,
  ...HTML_FLAG,
} as const satisfies Flags;

/**
 * `atlas-janitor sweep --enforce`: plan, confirm, then delete directly with the worker's logic
 * (re-read, delete only what still qualifies), with no AWS involved. Without --enforce it is a scan.
 */
export const sweep = defineCommand({
  summary: 'plans and, with --enforce, deletes directly with the worker\'s logic (no AWS needed)',
  usage: '(--project ID ... | --all) [--enforce [--yes]] [flags]',
  flags: SWEEP_FLAGS,
  env: ATLAS_ENV,
  example: 'atlas-janitor sweep --project 5f1d2c3b4a5968778695a4b3 --enforce --grace default=0',
  notes: ['Each resource is re-read and deleted only if it still qualifies; endpoint services wait for their endpoints.'],
  run: runSweep,
});

async function runSweep(values: FlagValues<typeof SWEEP_FLAGS>): Promise<number> {
  const projectIds = projectSelection(values);
  const waitSeconds = intFlag('wait-seconds', values['wait-seconds']) ?? DEFER_WAIT_SECONDS;
  const mode = values.enforce ? 'enforce' : 'dry-run';
  if (values.enforce && !values.yes && !process.stdin.isTTY) throw new UsageError('refusing to delete without --yes when not on a terminal');
  const page = reportPagePath(values.html);
  const { deps, report, jobs } = await sweepFromHere(values, { projectIds, mode });
  if (!values.json) printLine(renderScanReport(report));
  // Written before any confirmation: the page is the plan to read before saying yes, and says that it
  // awaits one. When it cannot be written after all, the command stops here (after the report), before
  // anything is deleted. It is written again with what came of the answer.
  const source = `atlas-janitor sweep (this machine, ${mode})`;
  const awaiting = mode === 'enforce' && jobs.length > 0;
  try {
    writeReportPage(page, report, source, awaiting ? { confirmation: 'awaiting' } : { runFlags: runFlags(values) });
  } catch (error) {
    if (values.json) printLine(JSON.stringify({ report, outcomes: [] }, null, 2));
    throw error;
  }
  if (mode === 'enforce' && jobs.length === 0 && !values.json) printLine(`\n${renderNothingPlanned(report)}`);
  if (mode === 'dry-run' || jobs.length === 0) {
    if (values.json) process.stdout.write(`${JSON.stringify({ report, outcomes: [] }, null, 2)}\n`);
    return report.errors.length > 0 ? EXIT.failed : EXIT.ok;
  }
  if (!values.yes && !(await confirm(`Delete ${jobs.length} resource(s) in ${new Set(jobs.map((j) => j.projectId)).size} project(s)? [y/N] `))) {
    writeReportPage(page, report, source, { confirmation: 'declined' });
    warnLine('nothing deleted or queued');
    return EXIT.ok;
  }
  // The last outcome seen of each job: what the page can say if the run stops before it ends.
  const known = new Map<string, JobOutcome>();
  const outcomes = await recordingInterruption(
    () => writeReportPage(page, report, source, { interrupted: true, outcomes: pageOutcomes(known) }),
    () =>
      runJobsDirectly(jobs, jobActor(deps), {
        deferWaitMs: waitSeconds * 1000,
        maxDeferrals: 30,
        maxRetries: 3,
        retryWaitMs: 2_000,
        onOutcome: (job, outcome) => void known.set(job.jobId, outcome),
      }),
  );
  const rows = outcomeRows(jobs, outcomes);
  const failed = notDone(rows);
  writeReportPage(page, report, source, { outcomes: pageOutcomes(outcomes) });
  const totals = outcomeTotals(rows.map((r) => r.outcome));
  if (values.json) process.stdout.write(`${JSON.stringify({ report, outcomes: rows, totals }, null, 2)}\n`);
  else {
    printLine('');
    printOutcomes(rows);
    const counts = Object.entries(totals).map(([outcome, n]) => `${n} ${outcome}`).join(', ');
    printLine(`\n${rows.length} job(s): ${counts}; ${failed.length === 0 ? 'none failed' : `${failed.length} not done (see reason)`}`);
  }
  return failed.length > 0 || report.errors.length > 0 ? EXIT.failed : EXIT.ok;
}

/** How many jobs ended in each outcome, in the order they first occur. */
function outcomeTotals(outcomes: readonly string[]): Record<string, number> {
  const totals: Record<string, number> = {};
  for (const outcome of outcomes) totals[outcome] = (totals[outcome] ?? 0) + 1;
  return totals;
}

async function confirm(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim());
  } finally {
    rl.close();
  }
}
