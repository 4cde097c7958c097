import { describe, expect, it } from 'vitest';
import type { Kept } from '../../lib/plan';
import { KeptTally, buildReport, projectReport } from '../../lib/run/report-builder';

const kept = (i: number, cause: Kept['cause']): Kept => ({ projectId: 'a'.repeat(24), kind: 'networkPeering', provider: 'AWS', id: `peer-${i}`, state: 'AVAILABLE', cause, reason: 'why' });

describe('KeptTally', () => {
  it('counts every entry per cause but holds a bounded sample, grace entries displacing others', () => {
    const tally = new KeptTally(3);
    tally.add([kept(1, 'state'), kept(2, 'state'), kept(3, 'protected'), kept(4, 'state'), kept(5, 'grace'), kept(6, 'grace')]);
    expect(tally.total).toBe(6);
    expect(tally.byCause).toEqual({ state: 3, protected: 1, grace: 2 });
    expect(tally.sample).toHaveLength(3);
    expect(tally.sample.filter((k) => k.cause === 'grace').map((k) => k.id)).toEqual(['peer-5', 'peer-6']);
  });

  it('counts the state entries that could not be read apart from the healthy ones, sampled or not', () => {
    const tally = new KeptTally(1);
    tally.add([kept(1, 'state'), { ...kept(2, 'state'), state: 'READ_FAILED' }, { ...kept(3, 'state'), state: 'INVALID_ID' }, { ...kept(4, 'protected'), state: 'READ_FAILED' }]);
    expect([tally.byCause.state, tally.unread, tally.sample.length]).toEqual([3, 2, 1]);
    const report = buildReport({ sweepId: 's', mode: 'dry-run', results: [], tally, errors: [], expired: [], apiCalls: { total: 0, auth: 0 }, durationMs: 0 });
    expect(report.keptUnread).toBe(2);
  });

  it('fills keptUnread of a project\'s own report from its entries', () => {
    const scan = { projectId: 'a'.repeat(24), seen: 2, candidates: [], kept: [kept(1, 'state'), { ...kept(2, 'state'), state: 'READ_FAILED' }], errors: [], apiCalls: 7, durationMs: 1 };
    const report = projectReport({ scan, mode: 'dry-run', sweepId: 's', jobs: [], enqueued: 0, expiredProtections: [], auth: 0 } as never);
    expect([report.keptByCause, report.keptUnread]).toEqual([{ state: 2 }, 1]);
  });

  it('lets failed reads displace healthy entries from a full sample, and grace entries displace both', () => {
    const unread = (i: number): Kept => ({ ...kept(i, 'state'), state: 'READ_FAILED' });
    const tally = new KeptTally(3);
    tally.add([kept(1, 'grace'), kept(2, 'state'), kept(3, 'protected'), unread(4), unread(5), unread(6), kept(7, 'grace')]);
    expect(tally.sample.map((k) => k.id)).toEqual(['peer-1', 'peer-7', 'peer-5']);
    expect(tally.unread).toBe(3);
  });

  it('folds a result: its entries leave it, their count stays', () => {
    const tally = new KeptTally(10);
    const result = { scan: { kept: [kept(1, 'state'), kept(2, 'cap')] } } as never as Parameters<KeptTally['fold']>[0];
    tally.fold(result);
    expect([result.scan.kept.length, result.keptCount, tally.total]).toEqual([0, 2, 2]);
  });
});
