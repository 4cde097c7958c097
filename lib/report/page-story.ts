import type { ScanReport } from './report';

/** The parts of a report what the page says depends on. */
type StoryReport = Pick<ScanReport, 'mode' | 'candidates' | 'enqueued'>;

/**
 * What a page says happened, and what a person can do next. The banner never says "queued" or
 * "deleted" for anything that was not: a page written before a confirmation says it awaits one, and is
 * written again with the outcome.
 */

/** An approvable plan's facts, for its page: its id, digest and life, and, once applied, the approval. */
export interface PagePlan {
  planId: string;
  digest: string;
  madeAt: string;
  expiresAt: string;
  /** Where the plan file is (a CLI plan), for the apply command. */
  file?: string | undefined;
  approval?: { approvedBy: string; at: string; excluded: readonly string[]; enqueued?: number | undefined } | undefined;
}

/** What became of one job, once known. */
export interface PageOutcome {
  outcome: string;
  reason?: string | undefined;
  /** The job's error code, when it ended on one (DELETE_ROLE_MISSING: the key may not delete there). */
  errorCode?: string | undefined;
}

export type RunKind = 'scan' | 'sweep' | 'plan';

export interface PageStory {
  /** scan (a dry run read from here), sweep, or plan. */
  kind?: RunKind | undefined;
  /** A CLI enforce run: the page written before the confirmation, or after a no. */
  confirmation?: 'awaiting' | 'declined' | undefined;
  /** Job id → what came of it. */
  outcomes?: ReadonlyMap<string, PageOutcome> | undefined;
  plan?: PagePlan | undefined;
  /**
   * The approved plan's jobs were run from this machine (`atlas-janitor apply`), not queued; the page's
   * report is the plan's rows only, so the run's scan totals (resources seen, kept, API calls, duration)
   * were not measured.
   */
  appliedHere?: boolean | undefined;
  /**
   * Deletions run from this machine stopped before every job had an outcome (an error, a signal): the
   * outcomes are those known then, and some jobs may have run.
   */
  interrupted?: boolean | undefined;
  /**
   * The flags that chose this run's projects, grace periods and Atlas, as a shell reads them back
   * (`--project ID --grace default=0`): known when the CLI wrote the page, so its next command repeats them.
   */
  runFlags?: string | undefined;
}

const INTERRUPTED = "see the command's output; some jobs may have run";

export function runKind(report: Pick<ScanReport, 'mode'>, story: PageStory): RunKind {
  return story.kind ?? (report.mode === 'plan' ? 'plan' : 'sweep');
}

/** Counts of outcomes in words: `3 deleted, 1 drifted`. */
export function outcomeCounts(outcomes: ReadonlyMap<string, PageOutcome>): string {
  const counts = new Map<string, number>();
  for (const o of outcomes.values()) counts.set(o.outcome, (counts.get(o.outcome) ?? 0) + 1);
  return [...counts].map(([outcome, n]) => `${n} ${outcome}`).join(', ');
}

export interface Banner {
  cls: 'dry' | 'plan' | 'enforce';
  text: string;
}

export function bannerOf(report: StoryReport, story: PageStory, when: (iso: string) => string): Banner {
  const n = report.candidates.length;
  if (report.mode === 'dry-run') return { cls: 'dry', text: 'DRY RUN — nothing was deleted. The resources below are what an enforce run would delete.' };
  if (report.mode === 'plan') {
    const approval = story.plan?.approval;
    if (approval && story.appliedHere) {
      const ran = [...(story.outcomes ?? new Map<string, PageOutcome>())].filter(([jobId]) => !approval.excluded.includes(jobId));
      const excluded = approval.excluded.length > 0 ? `; ${approval.excluded.length} left out` : '';
      if (story.interrupted) {
        return { cls: 'enforce', text: `APPROVED, INTERRUPTED — plan approved by ${approval.approvedBy} at ${when(approval.at)}: the run of its ${approval.enqueued ?? n - approval.excluded.length} job(s) from this machine stopped before it ended: ${INTERRUPTED}. Known then: ${outcomeCounts(new Map(ran)) || 'no outcome'}${excluded}. The approval stays recorded: the plan is not applied again.` };
      }
      return { cls: 'enforce', text: `APPROVED — plan approved by ${approval.approvedBy} at ${when(approval.at)}: ${approval.enqueued ?? n - approval.excluded.length} job(s) run from this machine: ${outcomeCounts(new Map(ran)) || 'no outcome recorded'}${excluded}. Each resource was deleted only if Atlas still showed what the plan read.` };
    }
    if (approval) {
      const excluded = approval.excluded.length > 0 ? `, ${approval.excluded.length} left out` : '';
      const done = story.outcomes && story.outcomes.size > 0 ? ` So far: ${outcomeCounts(story.outcomes)}.` : '';
      return { cls: 'enforce', text: `APPROVED — plan approved by ${approval.approvedBy} at ${when(approval.at)}: ${approval.enqueued ?? n - approval.excluded.length} job(s) queued for deletion${excluded}. Each resource is deleted only if Atlas still shows what the plan read.${done}` };
    }
    const until = story.plan ? ` until ${when(story.plan.expiresAt)}` : '';
    return { cls: 'plan', text: `PLAN — nothing was deleted or queued. ${n} resource(s) below await approval${until}; how to approve is at the end of this page.` };
  }
  if (story.interrupted) {
    const known = story.outcomes && story.outcomes.size > 0 ? ` Known then: ${outcomeCounts(story.outcomes)}.` : '';
    return { cls: 'enforce', text: `INTERRUPTED — answered yes, the deletions were started and stopped before they ended: ${INTERRUPTED}.${known}` };
  }
  if (story.confirmation === 'awaiting') return { cls: 'plan', text: `AWAITING CONFIRMATION — nothing has been deleted or queued yet. The ${n} resource(s) below are deleted only if the command is answered yes.` };
  if (story.confirmation === 'declined') return { cls: 'dry', text: 'NOT CONFIRMED — nothing was deleted or queued: the command was answered no.' };
  if (story.outcomes && story.outcomes.size > 0) return { cls: 'enforce', text: `ENFORCE — ${story.outcomes.size} job(s) run: ${outcomeCounts(story.outcomes)}.` };
  if (report.enqueued > 0) return { cls: 'enforce', text: `ENFORCE — ${report.enqueued} job(s) queued for deletion; each resource is re-read and deleted only if it still qualifies.` };
  return { cls: 'dry', text: n === 0 ? 'ENFORCE — nothing was planned, so nothing was deleted or queued.' : `ENFORCE — ${n} resource(s) planned; none was queued or deleted by this run.` };
}

/** The heading of the candidates' section. */
export function candidatesHeading(report: StoryReport, story: PageStory): string {
  if (report.mode === 'dry-run') return 'What would be deleted';
  if (story.interrupted) return 'Planned; the run deleting them was interrupted';
  if (report.mode === 'plan') return story.plan?.approval ? 'Approved for deletion' : 'Planned for deletion, awaiting approval';
  if (story.confirmation === 'awaiting') return 'To be deleted if confirmed';
  if (story.confirmation === 'declined') return 'Planned, not deleted';
  if (story.outcomes && story.outcomes.size > 0) return 'What was tried';
  return report.enqueued > 0 ? 'Queued for deletion' : 'Planned';
}

/** A path as a POSIX shell reads it back unchanged: bare when safe, else single-quoted. */
function shellWord(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

/** The example owner and reason a protection entry needs, as a person fills them in. */
const PROTECT_EXAMPLE = (id: string) => JSON.stringify({ protections: [{ resourceId: id, owner: 'YOUR TEAM', reason: 'WHY IT STAYS', expires: 'YYYY-MM-DD' }] });

export interface NextStep {
  title: string;
  /** Paragraph text before the code. */
  text: string;
  code?: string | undefined;
}

/**
 * The end of the page: the exact command or console event that goes on from here, and how to protect a
 * row. For a plan: how to approve it (all, or with rows left out).
 */
export function nextSteps(report: StoryReport, story: PageStory): NextStep[] {
  const first = report.candidates[0];
  const exampleId = first?.id ?? 'RESOURCE_ID';
  const protect: NextStep = {
    title: 'To protect a row',
    text: 'Add its resource id to the protection registry (PROTECTIONS_FILE or PROTECTIONS_PARAMETER; docs/operate.md) or to PROTECTED_RESOURCE_IDS: no run plans it again while the entry lasts, and the worker checks the registry again before each delete.',
    code: PROTECT_EXAMPLE(exampleId),
  };
  const steps: NextStep[] = [];
  if (report.mode === 'plan' && story.plan && !story.plan.approval) {
    const { planId, digest, expiresAt, file } = story.plan;
    const what = `Apply it before ${expiresAt}; after that it is refused. Exactly these jobs are carried out, and each resource is deleted only if what Atlas shows then still matches what this page shows (else it ends drifted, untouched).`;
    if (file !== undefined) {
      // A plan made on a machine is a file there: only that machine's apply command can read it (the
      // deployed stack reads plans from its report bucket, where this one is not).
      const command = `atlas-janitor apply ${shellWord(file)} --digest ${digest} --approved-by 'YOUR NAME'`;
      steps.push(
        { title: 'To approve this plan', text: `${what} From the command line, with the plan file this page was made with (the digest is this page's: a file changed since is refused):`, code: command },
        { title: 'To leave rows out', text: 'Name each by its job id or resource id, one --exclude per row:', code: `${command} --exclude ${exampleId}` },
      );
    } else {
      const event = JSON.stringify({ apply: { planId, digest, approvedBy: 'YOUR NAME', exclude: [] } });
      steps.push(
        { title: 'To approve this plan', text: `${what} The plan is stored in the stack's report bucket beside this page: send this as the sweep function's console test event, or as a message of the same shape on the scan queue:`, code: event },
        { title: 'To leave rows out', text: 'Name each by its job id or resource id in "exclude":', code: JSON.stringify({ apply: { planId, digest, approvedBy: 'YOUR NAME', exclude: [exampleId] } }) },
      );
    }
  } else if (report.mode === 'plan') {
    const text = story.appliedHere
      ? 'Each row shows what came of its job, run from this machine. The approval is recorded in the ledger when apply was given --ledger-table, which refuses the plan again for good; else in PLAN.applied.json beside the plan file, which stops a second apply of that file only (a copy under another name is not stopped).'
      : 'It cannot be applied again. Each row shows what came of its job once the worker has run it; the run history (atlas-janitor history) has every attempt.';
    steps.push({ title: 'This plan is applied', text });
  } else if (report.mode === 'dry-run') {
    const cli = story.runFlags
      ? { text: 'From the command line, with this run\'s projects and grace periods:', code: `atlas-janitor plan ${story.runFlags} --out plan.json --html plan.html` }
      : { text: 'From the command line, repeating the flags of this run (its --project IDs or --all, its --grace) in place of --all:', code: 'atlas-janitor plan --all --out plan.json --html plan.html' };
    steps.push({ title: 'To delete what is listed', text: `Make a plan, read it, and approve it: nothing is deleted before that. ${cli.text}`, code: cli.code });
    steps.push({ title: 'Or in the deployed stack', text: 'A plan needs the stack deployed in plan or enforce mode (JANITOR_MODE): one in dry-run refuses this event, naming mode. In such a stack, the sweep function\'s console test event makes a plan of every project, stored beside its page in the report bucket:', code: JSON.stringify({ inline: true, mode: 'plan' }) });
  } else if (story.confirmation === 'awaiting') {
    steps.push({ title: 'To go on', text: 'Answer y at the prompt to delete the rows above (each is re-read first); any other answer deletes nothing and this page is written again to say so.' });
  }
  if (report.candidates.length > 0 || report.mode !== 'enforce') steps.push(protect);
  return steps;
}
