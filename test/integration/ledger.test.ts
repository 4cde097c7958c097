import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { clearAuthCaches } from '../../lib/atlas';
import { loadConfig } from '../../lib/config';
import { CredentialStore, clientFactory } from '../../lib/credentials';
import { DynamoLedger } from '../../lib/ledger';
import { protectionSource } from '../../lib/protections';
import type { ScanReport } from '../../lib/report';
import { inlineSweep, runProjectScan, type JanitorDeps } from '../../lib/run';
import { jobActor, runJobsDirectly } from '../../lib/worker';
import { startLocalDynamo, type LocalDynamo } from '../../tools/local/dynamo';
import { expectedDeletions } from '../../tools/scenarios/generate';
import { startSimulator, type Simulator } from '../../tools/simulator';
import { DEMO } from '../support/demo';
import { DEMO_SCENARIO_PATH } from '../support/sim-http';

const HOUR = 3_600_000;
const T0 = Date.parse('2026-11-23T00:00:00Z');
const STALE = expectedDeletions(JSON.parse(readFileSync(DEMO_SCENARIO_PATH, 'utf8')));

/**
 * Time travel over the whole find → mark → plan → act path: one injected clock drives the janitor and
 * the simulator (its deletes finish after 1 s of that clock); the ledger lives in dynalite.
 */
describe('mark, wait, then delete (dynalite, simulator, injected clock)', () => {
  let dynamo: LocalDynamo;
  let sim: Simulator;
  let clock = T0;
  let table = '';
  let tables = 0;
  let sweeps = 0;

  beforeAll(async () => {
    dynamo = await startLocalDynamo();
  });
  afterAll(async () => {
    await dynamo?.stop();
  });
  beforeEach(async () => {
    clearAuthCaches();
    clock = T0;
    await sim?.stop();
    sim = await startSimulator({ scenario: DEMO_SCENARIO_PATH, deleteDelayMs: 1000, now: () => clock });
    table = `ledger-${++tables}`;
    await dynamo.createLedgerTable(table);
  });
  afterAll(async () => {
    await sim?.stop();
  });

  function deps(env: Record<string, string> = {}): JanitorDeps {
    const config = loadConfig({ ATLAS_BASE_URL: sim.url, JANITOR_MODE: 'enforce', LEDGER_TABLE: table, GRACE_PERIODS: 'default=24h', MAX_DELETIONS_PER_RUN: '100', ...env });
    const now = () => clock;
    return {
      config,
      credentials: new CredentialStore({ ttlMs: 60_000, env: { MONGODB_ATLAS_PUBLIC_API_KEY: DEMO.apiKey.publicKey, MONGODB_ATLAS_PRIVATE_API_KEY: DEMO.apiKey.privateKey } }),
      makeClient: clientFactory({ baseUrl: sim.url, concurrency: 8 }),
      ledger: new DynamoLedger(dynamo.documents, table),
      protections: protectionSource(config, { now }),
      now,
      newSweepId: () => `sweep-${++sweeps}`,
    };
  }

  /** An inline sweep whose jobs are acted on at once with the worker's logic; waiting moves the clock. */
  async function sweepAndAct(d: JanitorDeps): Promise<ScanReport> {
    const { report, jobs } = await inlineSweep(d, {}, { enqueue: false });
    await runJobsDirectly(jobs, jobActor(d), { deferWaitMs: 0, maxDeferrals: 20, maxRetries: 3, retryWaitMs: 0, wait: async () => void (clock += 1000) });
    clock += 2000;
    return report;
  }

  const deletes = () => sim.log.filter((e) => e.method === 'DELETE');
  const waitingFor = (report: ScanReport) => report.kept.filter((k) => k.cause === 'grace');
  const keyOf = (x: { kind: string; id: string }) => `${x.kind}:${x.id}`;

  it('never deletes before the grace period, then deletes each stale resource once', async () => {
    const d = deps();
    const first = await sweepAndAct(d);
    expect(first.candidates).toEqual([]);
    const waiting = waitingFor(first);
    for (const key of STALE.map(keyOf)) expect(waiting.map(keyOf)).toContain(key);
    for (const k of waiting.filter((w) => STALE.some((s) => keyOf(s) === keyOf(w)))) {
      expect(k.eligibleAt).toBe(new Date(Date.parse(k.firstSeenAt!) + 24 * HOUR).toISOString());
    }

    clock = T0 + 24 * HOUR - 60_000;
    const almost = await sweepAndAct(d);
    expect(almost.candidates).toEqual([]);
    expect(deletes()).toEqual([]);

    clock = T0 + 24 * HOUR + 60_000;
    const due = await sweepAndAct(d);
    expect(due.candidates.map(keyOf).sort()).toEqual(STALE.map(keyOf).sort());
    for (const c of due.candidates) expect(Date.parse(c.eligibleAt!)).toBeLessThanOrEqual(clock);
    const afterDue = deletes().length;
    expect(afterDue).toBeGreaterThan(0);

    clock += 2 * HOUR;
    const later = await sweepAndAct(d);
    expect(later.candidates).toEqual([]);
    expect(deletes()).toHaveLength(afterDue);
    // Once each: no resource got two DELETEs.
    const targets = deletes().map((e) => e.path);
    expect(new Set(targets).size).toBe(targets.length);
    const left = new Set(sim.store.inventory().map((i) => i.id));
    for (const s of STALE) expect(left.has(s.id)).toBe(false);
  }, 60_000);

  it('starts the clock again for a resource that recovers and relapses', async () => {
    const d = deps({ JANITOR_MODE: 'dry-run' });
    const rejected = sim.store.inventory().find((i) => i.kind === 'privateEndpoint' && i.state === 'REJECTED')!;
    const isIt = (x: { id: string }) => x.id === rejected.id;

    const first = await sweepAndAct(d);
    expect(waitingFor(first).find(isIt)?.eligibleAt).toBe(new Date(T0 + 24 * HOUR).toISOString());

    clock = T0 + 12 * HOUR;
    sim.store.update('privateEndpoint', rejected.id, { connectionStatus: 'AVAILABLE' });
    const recovered = await sweepAndAct(d);
    expect(recovered.kept.find(isIt)).toMatchObject({ cause: 'state' });
    expect((await new DynamoLedger(dynamo.documents, table).marks(rejected.projectId)).some(isIt)).toBe(false);

    clock = T0 + 13 * HOUR;
    sim.store.update('privateEndpoint', rejected.id, { connectionStatus: 'REJECTED' });
    const relapsed = await sweepAndAct(d);
    expect(waitingFor(relapsed).find(isIt)).toMatchObject({ firstSeenAt: new Date(T0 + 13 * HOUR).toISOString(), eligibleAt: new Date(T0 + 37 * HOUR).toISOString() });

    clock = T0 + 25 * HOUR;
    const oldClockDue = await sweepAndAct(d);
    expect(oldClockDue.candidates.some(isIt)).toBe(false);
    expect(oldClockDue.candidates.length).toBeGreaterThan(0);

    clock = T0 + 37 * HOUR;
    const due = await sweepAndAct(d);
    expect(due.candidates.some(isIt)).toBe(true);
  }, 60_000);

  it('keeps one ledger entry per resource when scans of one project run at once, counting each sweep once', async () => {
    const d = deps({ JANITOR_MODE: 'dry-run' });
    const projectId = DEMO.payments.id;
    const staleHere = sim.store.inventory().filter((i) => i.projectId === projectId && i.janitor?.expect === 'delete');
    expect(staleHere.length).toBeGreaterThan(1);
    // Two deliveries of one scan request (same sweep) and a scan of a second sweep that read a moment
    // earlier but writes at the same time: whatever order the writes land in, one entry each.
    const earlier = { ...d, now: () => T0 - 1000 };
    await Promise.all([
      runProjectScan(d, { type: 'scan', projectId, sweepId: 'sweep-a' }),
      runProjectScan(d, { type: 'scan', projectId, sweepId: 'sweep-a' }),
      runProjectScan(earlier, { type: 'scan', projectId, sweepId: 'sweep-b' }),
    ]);
    const items = (await dynamo.documents.send(new QueryCommand({ TableName: table, KeyConditionExpression: 'pk = :p', ExpressionAttributeValues: { ':p': `P#${projectId}` } }))).Items ?? [];
    const marks = items.filter((i) => String(i['sk']).startsWith('M#'));
    const markedIds = marks.map((m) => String(m['resourceId']));
    expect(new Set(markedIds).size).toBe(markedIds.length);
    for (const s of staleHere) expect(markedIds).toContain(s.id);
    for (const m of marks) {
      expect([...(m['sweepIds'] as Set<string>)].sort()).toEqual(['sweep-a', 'sweep-b']);
      expect([T0 - 1000, T0]).toContain(m['firstSeenAt']);
      expect(m['lastSeenAt']).toBe(T0);
    }
  }, 60_000);

  it('does not delete at once when a protection ends: the clock starts when the hold does', async () => {
    const peer = STALE.find((s) => s.kind === 'networkPeering')!;
    const isIt = (x: { id: string }) => x.id === peer.id;
    await sweepAndAct(deps({ JANITOR_MODE: 'dry-run' }));
    const file = join(mkdtempSync(join(tmpdir(), 'protections-')), 'protections.json');
    writeFileSync(file, JSON.stringify({ protections: [{ resourceId: peer.id, owner: 'team', reason: 'hold', expires: '2026-11-25T00:00:00Z' }] }));
    clock = T0 + 2 * HOUR;
    const held = await sweepAndAct(deps({ JANITOR_MODE: 'dry-run', PROTECTIONS_FILE: file }));
    expect(held.kept.find(isIt)).toMatchObject({ cause: 'protected' });
    clock = T0 + 9 * 24 * HOUR;
    const lifted = await sweepAndAct(deps({ PROTECTIONS_FILE: file }));
    expect(lifted.candidates.some(isIt)).toBe(false);
    // Marked again from the first sweep after the hold, not from the sighting nine days before.
    expect(Date.parse(waitingFor(lifted).find(isIt)!.firstSeenAt!)).toBeGreaterThanOrEqual(T0 + 9 * 24 * HOUR);
    expect(deletes().some((e) => e.path.endsWith(peer.id))).toBe(false);
  }, 60_000);

  it('keeps the marks of kinds a sweep did not look at, or could not list', async () => {
    const d = deps({ JANITOR_MODE: 'dry-run' });
    await sweepAndAct(d);
    const ledger = new DynamoLedger(dynamo.documents, table);
    const markCount = async () => (await Promise.all(DEMO.projects.map((p) => ledger.marks(p.id)))).flat().length;
    const before = await markCount();
    expect(before).toBeGreaterThanOrEqual(STALE.length);
    clock = T0 + HOUR;
    await inlineSweep(d, { kinds: ['networkPeering'] }, { enqueue: false });
    expect(await markCount()).toBe(before);
    clock = T0 + 2 * HOUR;
    sim.addFault({ match: { operationId: 'listPrivateLinkConnections' }, status: 500 });
    const partial = await inlineSweep(d, {}, { enqueue: false });
    sim.clearFaults();
    expect(partial.report.errors.some((e) => e.kind === 'streamsPrivateLink')).toBe(true);
    expect(await markCount()).toBe(before);
    clock = T0 + 25 * HOUR;
    const due = await inlineSweep(d, {}, { enqueue: false });
    expect(due.report.candidates.map(keyOf).sort()).toEqual(STALE.map(keyOf).sort());
  }, 60_000);

  it('starts the clock again when another rule matches (a pending peer that failed)', async () => {
    const d = deps({ JANITOR_MODE: 'dry-run' });
    const pending = sim.store.inventory().find((i) => i.kind === 'peer' && i.state === 'PENDING_ACCEPTANCE')!;
    const isIt = (x: { id: string }) => x.id === pending.id;
    const first = await sweepAndAct(d);
    expect(waitingFor(first).find(isIt)).toMatchObject({ reason: expect.stringContaining('pending-peer waits 7d') });
    clock = T0 + 6 * 24 * HOUR;
    sim.store.update('peer', pending.id, { statusName: 'FAILED', errorStateName: 'EXPIRED' });
    const failed = await sweepAndAct(d);
    expect(failed.candidates.some(isIt)).toBe(false);
    expect(waitingFor(failed).find(isIt)).toMatchObject({ firstSeenAt: new Date(T0 + 6 * 24 * HOUR).toISOString(), reason: expect.stringContaining('failed-aws-peer waits 24h') });
  }, 60_000);

  it('shares the cap on deletions across the separate scans of a queued sweep', async () => {
    const staleIn = (projectId: string) => sim.store.inventory().filter((i) => i.projectId === projectId && i.janitor?.expect === 'delete').length;
    const [a, b] = DEMO.projects.map((p) => p.id as string).filter((id) => staleIn(id) > 0);
    const cap = staleIn(a!) + staleIn(b!) - 1;
    const sent: string[] = [];
    // The queue itself is not under test: a sender that accepts every entry.
    const sqs = { send: async (command: { input: { Entries: { Id: string; MessageBody: string }[] } }) => {
      sent.push(...command.input.Entries.map((e) => e.MessageBody));
      return { Successful: command.input.Entries.map((e) => ({ Id: e.Id })), Failed: [] };
    } } as unknown as JanitorDeps['sqs'];
    const d = { ...deps({ GRACE_PERIODS: 'default=0', MAX_DELETIONS_PER_RUN: String(cap), DELETE_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/janitor-delete.fifo' }), sqs };
    const first = await runProjectScan(d, { type: 'scan', projectId: a!, sweepId: 'sweep-shared' });
    const second = await runProjectScan(d, { type: 'scan', projectId: b!, sweepId: 'sweep-shared' });
    expect(first.enqueued).toBe(staleIn(a!));
    expect(second.enqueued).toBe(0);
    expect(second.scan.kept.filter((k) => k.cause === 'cap')).toHaveLength(staleIn(b!));
    expect(second.scan.kept.find((k) => k.cause === 'cap')?.reason).toBe(`held by the cap: the run's ${cap} deletions (MAX_DELETIONS_PER_RUN) are taken by its other projects`);
    expect(sent).toHaveLength(staleIn(a!));
    // Another sweep has its own budget.
    expect((await runProjectScan(d, { type: 'scan', projectId: b!, sweepId: 'sweep-next' })).enqueued).toBe(staleIn(b!));
  }, 60_000);

  it('stops protecting at expiry and reports the expired entry', async () => {
    const [expired, active] = STALE.filter((s) => s.kind === 'networkPeering' || s.kind === 'streamsPrivateLink');
    const file = join(mkdtempSync(join(tmpdir(), 'protections-')), 'protections.json');
    writeFileSync(
      file,
      JSON.stringify({
        protections: [
          { resourceId: expired!.id, owner: 'team-old', reason: 'kept for a migration', expires: '2026-11-22' },
          { resourceId: active!.id, owner: 'team-now', reason: 'under investigation', expires: '2026-12-31' },
        ],
      }),
    );
    const report = (await inlineSweep(deps({ JANITOR_MODE: 'dry-run', GRACE_PERIODS: 'default=0', PROTECTIONS_FILE: file }), {}, { enqueue: false })).report;
    const planned = report.candidates.find((c) => c.id === expired!.id);
    expect(planned?.reason).toMatch(/its protection has expired \(resource .*, owner team-old: kept for a migration; until 2026-11-23T00:00:00.000Z\)/);
    expect(report.kept.find((k) => k.id === active!.id)).toMatchObject({ cause: 'protected', reason: expect.stringContaining('owner team-now: under investigation') });
    expect(report.candidates.some((c) => c.id === active!.id)).toBe(false);
    expect(report.expiredProtections).toEqual([{ selector: `resource ${expired!.id}`, owner: 'team-old', reason: 'kept for a migration', expiredAt: '2026-11-23T00:00:00.000Z' }]);
  }, 60_000);
});
