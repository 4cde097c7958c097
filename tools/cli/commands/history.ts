import { lazyDocumentClient } from '../../../lib/aws/clients';
import { ID_FORMATS } from '../../../lib/atlas';
import { DynamoLedger, type JobHistory } from '../../../lib/ledger';
import { EXIT, UsageError, defineCommand } from '../args';
import { table } from '../table';
import { printLine } from '../terminal';

/**
 * `atlas-janitor history (--project ID | --sweep ID) --ledger-table NAME`: the run history of the
 * deployed ledger: per job, what was planned, each attempt and the outcome; `--json` adds the evidence.
 */
export const history = defineCommand({
  summary: 'the run history in the ledger: per job, its plan, rule, attempts and outcome',
  usage: '(--project ID | --sweep ID) [--ledger-table NAME] [--json]',
  flags: {
    'project': { type: 'string', arg: 'ID', help: 'jobs of one project (24-hex id)' },
    'sweep': { type: 'string', arg: 'ID', help: 'jobs of one sweep' },
    'ledger-table': { type: 'string', arg: 'NAME', default: 'LEDGER_TABLE', help: 'the DynamoDB ledger table' },
    'json': { type: 'boolean', help: 'print JSON, with the evidence seen before each deletion' },
  },
  env: [
    ['LEDGER_TABLE', 'as --ledger-table'],
    ['AWS_REGION, AWS_PROFILE', 'AWS access to the table'],
    ['AWS_ENDPOINT_URL_DYNAMODB', 'a local DynamoDB (atlas-janitor dev prints it)'],
  ],
  example: 'atlas-janitor history --sweep sweep-20261126T060000-1a2b3c4d --ledger-table atlas-janitor-dev-ledger',
  async run(values) {
    const tableName = values['ledger-table'] ?? process.env['LEDGER_TABLE'];
    if (!tableName) throw new UsageError('--ledger-table is required (or LEDGER_TABLE)');
    if ((values.project === undefined) === (values.sweep === undefined)) throw new UsageError('give one of --project ID or --sweep ID');
    if (values.project !== undefined && !ID_FORMATS.objectId.test(values.project)) throw new UsageError('--project must be a 24-hex project id');
    if (values.sweep !== undefined && !/^[\w.:-]{1,128}$/.test(values.sweep)) throw new UsageError('--sweep must be a sweep id');
    const ledger = new DynamoLedger(lazyDocumentClient({}), tableName);
    const entries = values.project !== undefined ? await ledger.historyByProject(values.project) : await ledger.historyBySweep(values.sweep!);
    entries.sort((a, b) => a.plannedAt.localeCompare(b.plannedAt) || a.jobId.localeCompare(b.jobId));
    printLine(values.json ? JSON.stringify(entries.map(withEvidence), null, 2) : render(entries));
    return EXIT.ok;
  },
});

function withEvidence(entry: JobHistory) {
  return { ...entry, evidence: JSON.parse(entry.evidence) as unknown };
}

function render(entries: JobHistory[]): string {
  if (entries.length === 0) return 'no jobs recorded';
  // Jobs of an approved plan say who approved them; the column shows only when there are such jobs.
  const approvals = entries.some((e) => e.approvedBy !== undefined);
  return table(
    ['planned', 'sweep', 'project', 'kind', 'id', 'rule', ...(approvals ? ['approved by'] : []), 'attempts', 'outcome', 'after'],
    // attempts is a count; `after` lists the outcomes of the attempts before the last, when there were
    // several (a retry, a deferral), so one line shows how the job got to its outcome.
    entries.map((e) => [
      e.plannedAt, e.sweepId, e.projectId, e.kind, e.resourceId, e.rule, ...(approvals ? [e.approvedBy ?? '-'] : []), e.attempts.length,
      `${e.outcome}${e.final ? '' : ' (not final)'}`,
      e.attempts.slice(0, -1).map((a) => a.outcome).join(', ') || '-',
    ]),
  );
}
