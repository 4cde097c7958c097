import { EXIT, UsageError, defineCommand, type Flags } from '../args';
import { HTML_FLAG, reportPagePath, writeReportPage } from '../html-page';
import { ATLAS_ENV, ATLAS_FLAGS, sweepFromHere } from '../local-deps';
import { renderScanReport } from '../render';
import { shellQuote } from '../shell';
import { printLine } from '../terminal';

/** The project selection flags shared by scan and sweep. */
export const SELECTION_FLAGS = {
  project: { type: 'string', multiple: true, arg: 'ID', help: 'a 24-hex project id to scan' },
  all: { type: 'boolean', help: 'every project the credentials see (narrowed by INCLUDE_/EXCLUDE_PROJECT_*)' },
} as const satisfies Flags;

/** Validates the project selection flags shared by scan and sweep. */
export function projectSelection(values: { project?: string[] | undefined; all?: boolean | undefined }): string[] | undefined {
  if (values.all && values.project) throw new UsageError('give either --project ID (repeatable) or --all, not both');
  if (!values.all && !values.project) throw new UsageError('say which projects: --project ID (repeatable) or --all');
  for (const id of values.project ?? []) if (!/^[a-f0-9]{24}$/.test(id)) throw new UsageError(`--project: ${JSON.stringify(id)} is not a 24-hex project id`);
  return values.project;
}

/**
 * The flags of this run that a plan of the same projects repeats: the selection, the grace periods and
 * the Atlas read, as a shell reads them back.
 */
export function runFlags(values: { project?: string[] | undefined; all?: boolean | undefined; grace?: string | undefined; 'base-url'?: string | undefined }): string {
  const words = [...(values.all ? ['--all'] : (values.project ?? []).flatMap((id) => ['--project', id])), ...(values.grace !== undefined ? ['--grace', values.grace] : []), ...(values['base-url'] !== undefined ? ['--base-url', values['base-url']] : [])];
  return words.map(shellQuote).join(' ');
}

/** `atlas-janitor scan`: a dry run against Atlas (or --base-url) from this machine. */
export const scan = defineCommand({
  summary: 'dry run against Atlas: plans and reports, deletes nothing',
  usage: '(--project ID ... | --all) [flags]',
  flags: { ...SELECTION_FLAGS, ...ATLAS_FLAGS, ...HTML_FLAG },
  env: ATLAS_ENV,
  example: 'atlas-janitor scan --all --base-url http://127.0.0.1:8089 --grace default=0',
  notes: ['Without a ledger a run has no memory of earlier sweeps: what has a grace period is listed as waiting.'],
  async run(values) {
    const projectIds = projectSelection(values);
    const page = reportPagePath(values.html);
    const { report } = await sweepFromHere(values, { projectIds, mode: 'dry-run' });
    // The report first: a page that cannot be written after all must not take the report with it.
    printLine(values.json ? JSON.stringify(report, null, 2) : renderScanReport(report));
    writeReportPage(page, report, 'atlas-janitor scan (this machine)', { kind: 'scan', runFlags: runFlags(values) });
    return report.errors.length > 0 ? EXIT.failed : EXIT.ok;
  },
});
