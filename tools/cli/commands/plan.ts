import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { planOfReport, pagePlanOf } from '../../../lib/run';
import { CommandError, EXIT, UsageError, defineCommand, intFlag, type Flags } from '../args';
import { HTML_FLAG, reportPagePath, writeReportPage } from '../html-page';
import { ATLAS_ENV, ATLAS_FLAGS, sweepFromHere } from '../local-deps';
import { renderScanReport } from '../render';
import { shellQuote } from '../shell';
import { printLine, warnLine } from '../terminal';
import { SELECTION_FLAGS, projectSelection } from './scan';

const PLAN_FLAGS = {
  ...SELECTION_FLAGS,
  'out': { type: 'string', arg: 'FILE', default: 'PLAN_ID.json in this folder', help: 'where to write the plan' },
  'ttl-hours': { type: 'string', arg: 'N', default: 'PLAN_TTL_HOURS, else 72', help: 'how long the plan may be applied' },
  ...ATLAS_FLAGS,
  ...HTML_FLAG,
} as const satisfies Flags;

/**
 * `atlas-janitor plan`: a sweep in plan mode from this machine. Nothing is deleted; the plan (every
 * candidate with its rule, evidence and job, the Atlas read, its life and digest) is written to a file
 * that `atlas-janitor apply` carries out once a person has read it.
 */
export const plan = defineCommand({
  summary: 'plans deletions into a file a person approves with apply (deletes nothing)',
  usage: '(--project ID ... | --all) [--out FILE] [--html FILE] [flags]',
  flags: PLAN_FLAGS,
  env: [...ATLAS_ENV, ['PLAN_TTL_HOURS', 'as --ttl-hours']],
  example: 'atlas-janitor plan --all --out plan.json --html plan.html',
  notes: ["Read the page (--html), then: atlas-janitor apply plan.json --digest DIGEST --approved-by NAME [--exclude ID]..., DIGEST being the page's Digest"],
  async run(values) {
    const projectIds = projectSelection(values);
    const page = reportPagePath(values.html);
    const ttlHours = intFlag('ttl-hours', values['ttl-hours']);
    if (ttlHours !== undefined) {
      if (ttlHours < 1 || ttlHours > 720) throw new UsageError(`--ttl-hours must be from 1 to 720, got ${ttlHours}`);
      process.env['PLAN_TTL_HOURS'] = String(ttlHours);
    }
    const { deps, report } = await sweepFromHere(values, { projectIds, mode: 'plan' });
    const made = planOfReport(report, { madeAt: deps.now(), ttlMs: deps.config.planTtlMs, requestedBy: 'cli' });
    const file = resolve(values.out ?? `${made.planId}.json`);
    // The report first: a plan that cannot be written must not take the report with it.
    const { planned: _planned, ...shown } = report;
    printLine(values.json ? JSON.stringify({ report: shown, plan: { file, planId: made.planId, digest: made.digest, expiresAt: made.expiresAt, items: made.items.length } }, null, 2) : renderScanReport(report));
    try {
      writeFileSync(file, `${JSON.stringify(made, null, 1)}\n`);
    } catch (error) {
      throw new CommandError(EXIT.failed, `--out: could not write ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
    }
    writeReportPage(page, report, 'atlas-janitor plan (this machine)', { kind: 'plan', plan: pagePlanOf(made, undefined, file) });
    warnLine(`plan ${made.planId}: ${made.items.length} deletion(s), digest ${made.digest}, expires ${made.expiresAt}`);
    warnLine(`written to ${file}; nothing deleted or queued. To approve it once you have read its page: atlas-janitor apply ${shellQuote(file)} --digest ${made.digest} --approved-by NAME [--exclude ID]...`);
    return report.errors.length > 0 ? EXIT.failed : EXIT.ok;
  },
});
