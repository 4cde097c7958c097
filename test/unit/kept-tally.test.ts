import { describe, expect, it } from 'vitest';
import type { Kept } from '../../lib/plan';
import { KeptTally } from '../../lib/run/report-builder';

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

  it('folds a result: its entries leave it, their count stays', () => {
    const tally = new KeptTally(10);
    const result = { scan: { kept: [kept(1, 'state'), kept(2, 'cap')] } } as never as Parameters<KeptTally['fold']>[0];
    tally.fold(result);
    expect([result.scan.kept.length, result.keptCount, tally.total]).toEqual([0, 2, 2]);
  });
});
