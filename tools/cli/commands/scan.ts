import { parseArgs } from 'node:util';
import { inlineSweep } from '../../../lib/run';
import { EXIT, UsageError } from '../args';
import { ATLAS_FLAG_OPTIONS, localDeps, preflight } from '../local-deps';
import { progressBar } from '../progress';
import { HTML_FLAG_OPTION, writeReportPage } from '../html-page';
import { renderScanReport } from '../render';

/** Validates the project selection flags shared by scan and sweep. */
export function projectSelection(values: { project?: string[] | undefined; all?: boolean | undefined }): string[] | undefined {
  if (values.all && values.project) throw new UsageError('give either --project ID (repeatable) or --all, not both');
  if (!values.all && !values.project) throw new UsageError('say which projects: --project ID (repeatable) or --all');
  for (const id of values.project ?? []) if (!/^[a-f0-9]{24}$/.test(id)) throw new UsageError(`--project: ${JSON.stringify(id)} is not a 24-hex project id`);
  return values.project;
}

/** `atlas-janitor scan`: a dry run against Atlas (or --base-url) from this machine. */
export async function scan(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    strict: true,
    allowPositionals: false,
    options: { ...ATLAS_FLAG_OPTIONS, ...HTML_FLAG_OPTION, project: { type: 'string', multiple: true }, all: { type: 'boolean' } },
  });
  const projectIds = projectSelection(values);
  const deps = localDeps(values, { JANITOR_MODE: 'dry-run' });
  await preflight(deps);
  const bar = progressBar('scanning', !values.json && process.stderr.isTTY === true);
  const { report } = await inlineSweep(deps, { projectIds, mode: 'dry-run', requestedBy: 'cli' }, { enqueue: false, onProgress: bar.update });
  bar.end();
  writeReportPage(values.html, report, 'atlas-janitor scan (this machine)');
  process.stdout.write(values.json ? `${JSON.stringify(report, null, 2)}\n` : `${renderScanReport(report)}\n`);
  return report.errors.length > 0 ? EXIT.failed : EXIT.ok;
}
