import { closeSync, openSync, readFileSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { userInfo } from 'node:os';
import { resolve } from 'node:path';
import * as z from 'zod';
import { PlanRefusedError, approvedJobs, applyRequestSchema, parsePlan, type PlanApproval, type PlanDocument } from '../../../lib/approval';
import type { DeleteJob } from '../../../lib/jobs';
import { historyEntry, type Ledger } from '../../../lib/ledger';
import type { PageReport } from '../../../lib/report';
import { LEFT_OUT, claimAndRun, currentBaseUrl, pagePlanOf } from '../../../lib/run';
import { jobActor, pageOutcomeOf, runJobsDirectly, type JobOutcome } from '../../../lib/worker';
import { CommandError, EXIT, UsageError, defineCommand, intFlag, type Flags } from '../args';
import { HTML_FLAG, reportPagePath, writeReportPage } from '../html-page';
import { ATLAS_ENV, ATLAS_FLAGS, connectFromHere } from '../local-deps';
import { notDone, outcomeRows, pageOutcomes, printOutcomes } from '../outcomes';
import { recordingInterruption } from '../interrupt';
import { printLine, warnLine } from '../terminal';


const APPLY_FLAGS = {
  'exclude': { type: 'string', multiple: true, arg: 'ID', help: 'leave out this row (its resource id or job id)' },
  'approved-by': { type: 'string', arg: 'NAME', default: 'your user name on this machine', help: 'who approves the plan (recorded with it)' },
  'digest': { type: 'string', arg: 'HEX', default: 'none: required', help: 'the digest you read on the plan\'s page (Digest): refused if the file is not that plan' },
  'wait-seconds': { type: 'string', arg: 'N', default: '10', help: 'how long an endpoint service waits between looks at its endpoints' },
  ...ATLAS_FLAGS,
  ...HTML_FLAG,
} as const satisfies Flags;

/**
 * `atlas-janitor apply PLAN`: approves a plan file and carries out exactly its jobs (minus --exclude),
 * with the worker's logic, from this machine: each resource is re-read and deleted only if Atlas still
 * shows what the plan read. Refused, nothing deleted: a plan changed since it was made, expired, made
 * against another Atlas, or already applied (the ledger's conditional write; without a ledger,
 * PLAN.applied.json beside the file, which a copy of the plan under another name does not have).
 */
export const apply = defineCommand({
  summary: 'approves a plan file and deletes exactly its resources, each only if it still matches the plan',
  usage: 'PLAN --digest HEX [--exclude ID]... [--approved-by NAME] [flags]',
  positional: { name: 'PLAN', help: 'a plan file written by atlas-janitor plan' },
  flags: APPLY_FLAGS,
  env: ATLAS_ENV,
  example: "atlas-janitor apply plan.json --digest DIGEST_ON_THE_PAGE --approved-by 'Ana Lima' --exclude vpce-0123456789abcdef0",
  notes: ["--digest is the plan page's Digest (the plan command prints it too): the command approves the plan you read, not whatever the file holds.", 'Without a ledger (--ledger-table) the approval is recorded in PLAN.applied.json beside the plan file: it stops a second apply of that file, not of a copy under another name; --ledger-table records it once for good.'],
  async run(values, [file]) {
    // The digest is the person's: taken from the file, it would approve whatever the file holds, a
    // forged plan with a recomputed digest among others.
    if (values.digest === undefined) throw new UsageError(MISSING_DIGEST);
    const path = resolve(file!);
    const page = reportPagePath(values.html);
    const waitSeconds = intFlag('wait-seconds', values['wait-seconds']) ?? 10;
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (error) {
      throw new UsageError(`PLAN: cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
    }
    const plan = refusedAsCommandError(() => parsePlan(text, path));
    const parsed = applyRequestSchema.safeParse({ planId: plan.planId, digest: values.digest, approvedBy: values['approved-by'] ?? userInfo().username, exclude: values.exclude ?? [] });
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      const flag = { digest: '--digest', approvedBy: '--approved-by', exclude: '--exclude' }[String(issue.path[0])] ?? String(issue.path[0]);
      throw new UsageError(`${flag}: ${issue.message}`);
    }
    const request = parsed.data;
    const deps = await connectFromHere(values, 'plan');
    const now = deps.now();
    const baseUrl = await currentBaseUrl(deps);
    const { jobs, excluded } = refusedAsCommandError(() => approvedJobs(plan, request, { now, baseUrl }));
    const approval: PlanApproval = { planId: plan.planId, digest: plan.digest, approvedBy: request.approvedBy, at: new Date(now).toISOString(), excluded: excluded.map((e) => e.jobId), jobIds: jobs.map((j) => j.jobId) };
    const marker = `${path}.applied.json`;
    const ledger = deps.ledger ?? fileLedger(marker);
    const source = `atlas-janitor apply (this machine): ${path}`;
    const leftOut = excluded.map((e) => [e.jobId, LEFT_OUT] as const);
    const outcomes = new Map<string, JobOutcome>();
    // Once a job has started, a failure keeps the approval claimed (who approved what was run stays on
    // record, and the plan is not applied twice) and writes down the outcomes known then.
    let started = false;
    const known = new Map<string, JobOutcome>();
    const act = jobActor(deps, { approvedHere: new Set(approval.jobIds) });
    const recordInterruption = (why: string) => {
      if (!started) return;
      if (!deps.ledger) writeFileSync(marker, `${JSON.stringify({ ...approval, outcomes: Object.fromEntries(pageOutcomes(known)), interrupted: why }, null, 1)}\n`);
      writeReportPage(page, reportOfPlan(plan), source, { kind: 'plan', plan: pagePlanOf(plan, approval, path), outcomes: new Map([...leftOut, ...pageOutcomes(known)]), appliedHere: true, interrupted: true });
    };
    let result: Awaited<ReturnType<typeof claimAndRun>>;
    try {
      result = await claimAndRun(
        ledger,
        approval,
        async () => {
          await deps.ledger?.recordPlanned(jobs.map(historyEntry));
          const run = () =>
            runJobsDirectly(
              jobs,
              (job) => {
                started = true;
                return act(job);
              },
              {
                deferWaitMs: waitSeconds * 1000,
                maxDeferrals: 30,
                maxRetries: 3,
                retryWaitMs: 2_000,
                onOutcome: (job, outcome) => void known.set(job.jobId, outcome),
              },
            );
          const done = await recordingInterruption(recordInterruption, run);
          for (const [jobId, outcome] of done) outcomes.set(jobId, outcome);
          return jobs.length;
        },
        { mayRelease: () => !started },
      );
    } catch (error) {
      if (!started) throw error;
      await recordAttempts(deps.ledger, jobs, known, new Date(deps.now()).toISOString()).catch(() => undefined);
      const where = [deps.ledger ? 'the run history (atlas-janitor history)' : marker, ...(page ? [page] : [])].join(' and ');
      throw new CommandError(EXIT.failed, `plan ${plan.planId}: the run of its jobs stopped before it ended (${error instanceof Error ? error.message : String(error)}); some jobs may have run. The approval (${approval.approvedBy} at ${approval.at}) stays recorded, so the plan is not applied again; what is known of each job is in ${where}`);
    }
    if (result.status === 'alreadyApplied') {
      warnLine(`plan ${plan.planId} was already applied (approved by ${result.approval.approvedBy} at ${result.approval.at}): nothing deleted again`);
      return EXIT.ok;
    }
    await recordAttempts(deps.ledger, jobs, outcomes, new Date(deps.now()).toISOString());
    const shown = pageOutcomes(outcomes);
    if (!deps.ledger) writeFileSync(marker, `${JSON.stringify({ ...approval, outcomes: Object.fromEntries(shown) }, null, 1)}\n`);
    const rows = outcomeRows(jobs, outcomes);
    const withLeftOut = new Map([...leftOut, ...shown]);
    writeReportPage(page, reportOfPlan(plan), source, { kind: 'plan', plan: pagePlanOf(plan, approval, path), outcomes: withLeftOut, appliedHere: true });
    const failed = notDone(rows);
    if (values.json) printLine(JSON.stringify({ approval, outcomes: rows }, null, 2));
    else {
      printOutcomes(rows);
      const counts = [...new Set(rows.map((r) => r.outcome))].map((o) => `${rows.filter((r) => r.outcome === o).length} ${o}`).join(', ');
      printLine(`\nplan ${plan.planId} approved by ${approval.approvedBy}: ${rows.length} job(s)${excluded.length > 0 ? `, ${excluded.length} left out` : ''}: ${counts || 'none'}; ${failed.length === 0 ? 'none failed' : `${failed.length} not done (see reason)`}`);
    }
    return failed.length > 0 ? EXIT.failed : EXIT.ok;
  },
});

/** Each job's outcome, as the last attempt of its history in the ledger (when there is one). */
async function recordAttempts(ledger: Pick<Ledger, 'recordAttempt'> | undefined, jobs: readonly DeleteJob[], outcomes: ReadonlyMap<string, JobOutcome>, at: string): Promise<void> {
  for (const job of jobs) {
    const outcome = outcomes.get(job.jobId);
    if (!ledger || !outcome) continue;
    const o = pageOutcomeOf(outcome);
    await ledger.recordAttempt(historyEntry(job), { at, outcome: o.outcome, ...(o.reason ? { note: o.reason.slice(0, 1024) } : {}), ...(o.errorCode ? { errorCode: o.errorCode } : {}) }, true);
  }
}

const MISSING_DIGEST = "--digest: required: the digest of the plan you read, shown as Digest on the plan's page (atlas-janitor plan also prints it); apply carries out a plan only when its file has that digest";

/** A refusal is the command's answer, exit 1, with the reason and that nothing was deleted. */
function refusedAsCommandError<T>(fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    if (error instanceof PlanRefusedError) throw new CommandError(EXIT.failed, `refused: ${error.message}; nothing deleted`);
    throw error;
  }
}

const isoTime = z.iso.datetime({ message: 'must be an ISO 8601 date-time' });

/** The marker beside a plan file (PLAN.applied.json): the approval, then what came of each job. */
const appliedMarkerSchema = z
  .object({
    planId: z.string().min(1).max(256),
    digest: z.string().regex(/^[a-f0-9]{64}$/, 'must be 64 lowercase hexadecimal characters'),
    approvedBy: z.string().min(1).max(256),
    at: isoTime,
    excluded: z.array(z.string().max(1024)).max(10_000),
    jobIds: z.array(z.string().max(1024)).max(10_000),
    outcomes: z.record(z.string(), z.object({ outcome: z.string(), reason: z.string().optional(), errorCode: z.string().optional() }).strict()).optional(),
    /** Set when the run stopped before it ended: why. */
    interrupted: z.string().optional(),
  })
  .strict();

/**
 * The approval a marker records, for the plan being applied. A marker that is not one, or is another
 * plan's, is refused rather than read as "applied" or "not applied": only a person knows which it is.
 */
function readMarker(marker: string, planId: string): PlanApproval {
  const remedy = `if you know plan ${planId} was never applied, remove ${marker} and apply again`;
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(marker, 'utf8'));
  } catch (error) {
    throw new CommandError(EXIT.failed, `refused: ${marker} is not valid JSON (${error instanceof SyntaxError ? error.message : String(error)}), so it cannot say whether this plan was applied; ${remedy}; nothing deleted`);
  }
  const parsed = appliedMarkerSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = issue.code === 'unrecognized_keys' ? [...issue.path.map(String), issue.keys[0]!].join('.') : issue.path.map(String).join('.') || 'marker';
    throw new CommandError(EXIT.failed, `refused: ${marker} is not an approval record: ${field}: ${issue.code === 'unrecognized_keys' ? 'is not a field of one' : issue.message}; ${remedy}; nothing deleted`);
  }
  if (parsed.data.planId !== planId) throw new CommandError(EXIT.failed, `refused: ${marker} records plan ${parsed.data.planId}, not ${planId}; ${remedy}; nothing deleted`);
  const { outcomes: _outcomes, interrupted: _interrupted, ...approval } = parsed.data;
  return approval;
}

/**
 * Without a ledger, the approval is a file created exclusively beside the plan: a second apply of that
 * file finds it. A copy of the plan under another name has no marker: only the ledger guards that.
 */
function fileLedger(marker: string) {
  return {
    async claimPlan(approval: PlanApproval): Promise<PlanApproval | undefined> {
      try {
        const fd = openSync(marker, 'wx');
        writeSync(fd, `${JSON.stringify(approval, null, 1)}\n`);
        closeSync(fd);
        return undefined;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        return readMarker(marker, approval.planId);
      }
    },
    async releasePlan(): Promise<void> {
      unlinkSync(marker);
    },
  };
}

/**
 * The plan as a page shows it: its rows, with the evidence each was planned on. Apply scans nothing, so
 * the scan's totals (seen, kept, API calls, duration) are zeros here that the page does not show: it
 * says "not measured by apply" (`appliedHere`).
 */
function reportOfPlan(plan: PlanDocument): PageReport {
  const projects = new Map<string, { projectId: string; projectName?: string; count: number }>();
  for (const item of plan.items) {
    const p = projects.get(item.job.projectId) ?? { projectId: item.job.projectId, ...(item.projectName ? { projectName: item.projectName } : {}), count: 0 };
    p.count++;
    projects.set(item.job.projectId, p);
  }
  return {
    sweepId: plan.planId,
    mode: 'plan',
    atlas: plan.atlas,
    projects: [...projects.values()].map(({ count, ...p }) => ({ ...p, seen: 0, candidates: count, kept: 0, errors: 0, apiCalls: 0, durationMs: 0 })),
    candidates: plan.items.map((item) => ({ projectId: item.job.projectId, kind: item.job.kind, provider: item.job.provider, id: item.id, state: item.job.evidence.state, rule: item.job.rule, reason: item.reason, jobId: item.job.jobId, evidence: item.job.evidence })),
    errors: [],
    enqueued: 0,
    apiCalls: { total: 0, auth: 0 },
    durationMs: 0,
  };
}

