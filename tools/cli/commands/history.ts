import { parseArgs } from 'node:util';
import { lazyDocumentClient } from '../../../lib/aws/clients';
import { ID_FORMATS } from '../../../lib/atlas';
import { DynamoLedger, type JobHistory } from '../../../lib/ledger';
import { EXIT, UsageError } from '../args';
import { table } from '../table';

/**
 * `atlas-janitor history (--project ID | --sweep ID) --ledger-table NAME`: the run history of the
 * deployed ledger: per job, what was planned, each attempt and the outcome; `--json` adds the evidence.
 */
export async function history(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    strict: true,
    allowPositionals: false,
    options: { 'project': { type: 'string' }, 'sweep': { type: 'string' }, 'ledger-table': { type: 'string' }, 'json': { type: 'boolean' } },
  });
  const tableName = values['ledger-table'] ?? process.env['LEDGER_TABLE'];
  if (!tableName) throw new UsageError('--ledger-table is required (or LEDGER_TABLE)');
  if ((values.project === undefined) === (values.sweep === undefined)) throw new UsageError('give one of --project ID or --sweep ID');
  if (values.project !== undefined && !ID_FORMATS.objectId.test(values.project)) throw new UsageError('--project must be a 24-hex project id');
  if (values.sweep !== undefined && !/^[\w.:-]{1,128}$/.test(values.sweep)) throw new UsageError('--sweep must be a sweep id');
  const ledger = new DynamoLedger(lazyDocumentClient({}), tableName);
  const entries = values.project !== undefined ? await ledger.historyByProject(values.project) : await ledger.historyBySweep(values.sweep!);
  entries.sort((a, b) => a.plannedAt.localeCompare(b.plannedAt) || a.jobId.localeCompare(b.jobId));
  if (values.json) process.stdout.write(`${JSON.stringify(entries.map(withEvidence), null, 2)}\n`);
  else process.stdout.write(`${render(entries)}\n`);
  return EXIT.ok;
}

function withEvidence(entry: JobHistory) {
  return { ...entry, evidence: JSON.parse(entry.evidence) as unknown };
}

function render(entries: JobHistory[]): string {
  if (entries.length === 0) return 'no jobs recorded';
  return table(
    ['planned', 'sweep', 'project', 'kind', 'id', 'rule', 'attempts', 'outcome'],
    entries.map((e) => [e.plannedAt, e.sweepId, e.projectId, e.kind, e.resourceId, e.rule, e.attempts.map((a) => a.outcome).join(' → ') || '-', `${e.outcome}${e.final ? '' : ' (not final)'}`]),
  );
}
