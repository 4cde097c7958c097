import { roleRefusalNotice, roleRefusedProjects, type DeleteJob } from '../../lib/jobs';
import { displayIdOf } from '../../lib/kinds';
import type { PageOutcome } from '../../lib/report';
import { pageOutcomeOf, type JobOutcome } from '../../lib/worker';
import { table } from './table';
import { printLine } from './terminal';

/** Outcomes that leave nothing to do: the resource is gone or going. */
export const DONE = new Set(['deleted', 'alreadyGone', 'inProgress']);

export interface OutcomeRow {
  projectId: string;
  kind: string;
  id: string;
  outcome: string;
  reason: string;
  errorCode?: string | undefined;
}

/** One row per job, in the jobs' order, as the CLI prints them and `--json` gives them. */
export function outcomeRows(jobs: readonly DeleteJob[], outcomes: ReadonlyMap<string, JobOutcome>): OutcomeRow[] {
  return jobs.map((job) => {
    const o = pageOutcomeOf(outcomes.get(job.jobId)!);
    return { projectId: job.projectId, kind: job.kind, id: displayIdOf(job.kind, job.ids), outcome: o.outcome, reason: o.reason ?? '', ...(o.errorCode ? { errorCode: o.errorCode } : {}) };
  });
}

/** What the page shows of each job run. */
export function pageOutcomes(outcomes: ReadonlyMap<string, JobOutcome>): Map<string, PageOutcome> {
  return new Map([...outcomes].map(([jobId, o]) => [jobId, pageOutcomeOf(o)]));
}

/** Rows that did not end done, drifted or protected: the run's failures. */
export function notDone(rows: readonly OutcomeRow[]): OutcomeRow[] {
  return rows.filter((r) => !DONE.has(r.outcome) && r.outcome !== 'drifted' && r.outcome !== 'protected');
}

/** The outcome table, then once per project whose credentials may not delete there, what to do. */
export function printOutcomes(rows: readonly OutcomeRow[]): void {
  printLine(table(['project', 'kind', 'id', 'outcome', 'reason'], rows.map((r) => [r.projectId, r.kind, r.id, r.outcome, r.reason])));
  for (const [projectId, jobs] of roleRefusedProjects(rows)) printLine(`\n${roleRefusalNotice(projectId, jobs)}`);
}
