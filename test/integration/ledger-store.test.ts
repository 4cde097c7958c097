import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoLedger, type StaleSighting } from '../../lib/ledger';
import { startLocalDynamo, type LocalDynamo } from '../../tools/local/dynamo';

const PROJECT = 'a'.repeat(24);
const sighting: StaleSighting = { key: 'b'.repeat(64), kind: 'privateEndpoint', provider: 'AWS', id: 'vpce-0123456789abcdef0', rule: 'rejected-aws-endpoint', state: 'REJECTED' };
const entry = (sweepId: string) => ({
  projectId: PROJECT,
  sweepId,
  jobId: sighting.key,
  kind: sighting.kind,
  provider: 'AWS',
  resourceId: sighting.id,
  rule: sighting.rule,
  plannedAt: '2026-11-23T00:00:00.000Z',
  evidence: JSON.stringify({ state: 'REJECTED', fields: { interfaceEndpointId: sighting.id, connectionStatus: 'REJECTED' } }),
});

/** The DynamoDB ledger against dynalite: the writes' conditions and the history's two ways in. */
describe('DynamoLedger (dynalite)', () => {
  let dynamo: LocalDynamo;
  let ledger: DynamoLedger;
  beforeAll(async () => {
    dynamo = await startLocalDynamo();
    await dynamo.createLedgerTable('ledger-store');
    ledger = new DynamoLedger(dynamo.documents, 'ledger-store');
  });
  afterAll(() => dynamo?.stop());

  it('records a plan\'s approval once: of two at the same time one wins, the other gets the winner; a release lets it be applied again', async () => {
    const approval = (approvedBy: string) => ({ planId: 'sweep-plan-ledger', digest: 'c'.repeat(64), approvedBy, at: `2026-12-01T00:00:0${approvedBy.length}.000Z`, excluded: [], jobIds: [sighting.key] });
    const [ana, bob] = await Promise.all([ledger.claimPlan(approval('ana')), ledger.claimPlan(approval('bob'))]);
    expect([ana, bob].filter((x) => x === undefined)).toHaveLength(1);
    const recorded = await ledger.planApproval('sweep-plan-ledger');
    expect(ana ?? bob).toEqual(recorded);
    expect(recorded).toMatchObject({ digest: 'c'.repeat(64), excluded: [], jobIds: [sighting.key] });
    // Only the winner's own claim is taken back.
    const loser = recorded!.approvedBy === 'ana' ? approval('bob') : approval('ana');
    await ledger.releasePlan(loser);
    expect(await ledger.planApproval('sweep-plan-ledger')).toEqual(recorded);
    await ledger.releasePlan(recorded!);
    expect(await ledger.planApproval('sweep-plan-ledger')).toBeUndefined();
    expect(await ledger.claimPlan(approval('carol'))).toBeUndefined();
  });

  it('keeps the first sighting, moves the last, counts each sweep once, and never goes backwards', async () => {
    expect(await ledger.markStale(PROJECT, 'sweep-1', [sighting], 1000)).toMatchObject([{ firstSeenAt: 1000, lastSeenAt: 1000, sweeps: 1 }]);
    expect(await ledger.markStale(PROJECT, 'sweep-1', [sighting], 2000)).toMatchObject([{ firstSeenAt: 1000, lastSeenAt: 2000, sweeps: 1 }]);
    // A scan of another sweep that finishes late: its sweep counts, the clock stays.
    expect(await ledger.markStale(PROJECT, 'sweep-2', [sighting], 1500)).toMatchObject([{ firstSeenAt: 1000, lastSeenAt: 2000, sweeps: 2 }]);
    // A healthy sighting older than the last stale one does not unmark.
    await ledger.unmark(PROJECT, [sighting.key], 1800);
    expect(await ledger.marks(PROJECT)).toHaveLength(1);
    await ledger.unmark(PROJECT, [sighting.key], 2500);
    expect(await ledger.marks(PROJECT)).toEqual([]);
    // A slower scan's stale sighting from before the healthy one cannot bring the old clock back.
    expect(await ledger.markStale(PROJECT, 'sweep-2', [sighting], 2200)).toMatchObject([{ firstSeenAt: 2200, sweeps: 1 }]);
    expect(await ledger.marks(PROJECT)).toEqual([]);
    expect(await ledger.markStale(PROJECT, 'sweep-3', [sighting], 3000)).toMatchObject([{ firstSeenAt: 3000, lastSeenAt: 3000, sweeps: 1 }]);
    // Another rule matching restarts the clock; the same rule keeps it.
    expect(await ledger.markStale(PROJECT, 'sweep-4', [{ ...sighting, rule: 'orphaned-endpoint' }], 4000)).toMatchObject([{ firstSeenAt: 4000, rule: 'orphaned-endpoint', sweeps: 1 }]);
    expect(await ledger.markStale(PROJECT, 'sweep-5', [{ ...sighting, rule: 'orphaned-endpoint' }], 5000)).toMatchObject([{ firstSeenAt: 4000, sweeps: 2 }]);
  });

  it('records a job as planned once, appends each attempt, and finds it by project and by sweep', async () => {
    await ledger.recordPlanned([entry('sweep-9')]);
    await ledger.recordAttempt(entry('sweep-9'), { at: '2026-11-23T00:01:00.000Z', outcome: 'retry', receiveCount: 1, errorCode: 'UNEXPECTED_ERROR', status: 500 }, false);
    // The scan message delivered again must not wipe the attempts.
    await ledger.recordPlanned([entry('sweep-9')]);
    await ledger.recordAttempt(entry('sweep-9'), { at: '2026-11-23T00:03:00.000Z', outcome: 'deleted', receiveCount: 2 }, true);
    const [bySweep] = await ledger.historyBySweep('sweep-9');
    expect(bySweep).toMatchObject({ jobId: sighting.key, rule: 'rejected-aws-endpoint', outcome: 'deleted', final: true });
    expect(bySweep!.attempts.map((a) => a.outcome)).toEqual(['retry', 'deleted']);
    expect(JSON.parse(bySweep!.evidence)).toMatchObject({ fields: { connectionStatus: 'REJECTED' } });
    expect((await ledger.historyByProject(PROJECT)).map((h) => h.sweepId)).toContain('sweep-9');
    expect(await ledger.historyBySweep('sweep-none')).toEqual([]);
  });

  it('answers `atlas-janitor history` by sweep and by project', async () => {
    const root = resolve(__dirname, '../..');
    const cli = (args: string[]) =>
      promisify(execFile)(process.execPath, [resolve(root, 'node_modules/tsx/dist/cli.mjs'), 'tools/cli/main.ts', 'history', '--ledger-table', 'ledger-store', ...args], {
        cwd: root,
        env: { ...process.env, AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local', NODE_NO_WARNINGS: '1' },
      });
    const bySweep = JSON.parse((await cli(['--sweep', 'sweep-9', '--json'])).stdout);
    expect(bySweep).toMatchObject([{ sweepId: 'sweep-9', outcome: 'deleted', evidence: { state: 'REJECTED' } }]);
    const table = (await cli(['--project', PROJECT])).stdout;
    // Two attempts: the count, the final outcome, and what came before it.
    expect(table).toMatch(/ 2 +deleted +retry$/m);
    await expect(cli(['--project', 'not-an-id'])).rejects.toMatchObject({ code: 2, stderr: expect.stringContaining('--project must be a 24-hex project id') });
  }, 60_000);

  it('creates the history entry from the job when the plan was made elsewhere', async () => {
    await ledger.recordAttempt(entry('sweep-other'), { at: '2026-11-23T00:05:00.000Z', outcome: 'drifted', note: 'now AVAILABLE' }, true);
    expect(await ledger.historyBySweep('sweep-other')).toMatchObject([{ resourceId: sighting.id, kind: 'privateEndpoint', outcome: 'drifted', attempts: [{ note: 'now AVAILABLE' }] }]);
  });

  it('keeps the first DELETE refusal of a project per sweep, and only in that sweep', async () => {
    expect(await ledger.deleteRefusal('sweep-r1', PROJECT)).toBeUndefined();
    expect(await ledger.recordDeleteRefusal('sweep-r1', PROJECT, 'first: 401 USER_UNAUTHORIZED', 1000)).toBe(true);
    expect(await ledger.recordDeleteRefusal('sweep-r1', PROJECT, 'second', 2000)).toBe(false);
    expect(await ledger.deleteRefusal('sweep-r1', PROJECT)).toBe('first: 401 USER_UNAUTHORIZED');
    expect(await ledger.deleteRefusal('sweep-r2', PROJECT)).toBeUndefined();
    expect(await ledger.deleteRefusal('sweep-r1', 'c'.repeat(24))).toBeUndefined();
  });
});
