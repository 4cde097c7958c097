import { describe, expect, it } from 'vitest';
import type { Observation } from '../../lib/kinds';
import { BREAKER_MIN_GONE, describeFault, suspectedApiFaults } from '../../lib/plan';
import { observe } from '../support/observations';

// The breaker's inputs: which reads count as reads, which as "not found", and where they are counted.

const P = 'a'.repeat(24);
const SID = 'b'.repeat(24);

/** One endpoint of project P, read as `state`. */
function endpoint(n: number, state: string, extra: Partial<Observation> = {}): Observation {
  const id = `vpce-${String(n).padStart(17, '0')}`;
  return observe.endpoint('AWS', state, { id, ref: { projectId: P, kind: 'privateEndpoint', provider: 'AWS', ids: { endpointServiceId: SID, endpointId: id } }, ...extra });
}
const many = (count: number, state: string, from = 0, extra: Partial<Observation> = {}) => Array.from({ length: count }, (_, i) => endpoint(from + i, state, extra));

describe('suspectedApiFaults: what it counts', () => {
  it('does not count endpoints never read (an id of the wrong format) as reads', () => {
    const faults = suspectedApiFaults([...many(BREAKER_MIN_GONE, 'NOT_FOUND'), ...many(BREAKER_MIN_GONE, 'INVALID_ID', 100)]);

    expect(faults).toEqual([{ projectId: P, kind: 'privateEndpoint', gone: BREAKER_MIN_GONE, reads: BREAKER_MIN_GONE, unproven: 0 }]);
  });

  it('counts a read that found nothing as gone, whatever state it names', () => {
    const faults = suspectedApiFaults(many(BREAKER_MIN_GONE, 'AVAILABLE', 0, { found: false }));

    expect(faults).toEqual([{ projectId: P, kind: 'privateEndpoint', gone: BREAKER_MIN_GONE, reads: BREAKER_MIN_GONE, unproven: 0 }]);
  });

  it('counts an orphan its service still lists (found, NOT_FOUND) as gone', () => {
    expect(suspectedApiFaults(many(BREAKER_MIN_GONE, 'NOT_FOUND', 0, { found: true }))).toHaveLength(1);
  });

  it('counts a failed read as a read but not as gone', () => {
    const failed = many(2, 'READ_FAILED', 100, { error: { message: 'Atlas answered 500' } });

    expect(suspectedApiFaults([...many(BREAKER_MIN_GONE, 'NOT_FOUND'), ...failed])).toEqual([{ projectId: P, kind: 'privateEndpoint', gone: 3, reads: 5, unproven: 0 }]);
  });

  it('keeps projects apart and kinds apart', () => {
    const otherProject = many(2, 'NOT_FOUND', 50).map((o) => ({ ...o, ref: { ...o.ref, projectId: 'f'.repeat(24) } }));
    const peersGone = Array.from({ length: 2 }, () => ({ ...observe.awsPeer('FAILED'), found: false, state: 'NOT_FOUND' }));

    expect(suspectedApiFaults([...many(2, 'NOT_FOUND'), ...otherProject, ...peersGone])).toEqual([]);
  });
});

describe('describeFault', () => {
  const fault = { projectId: P, kind: 'privateEndpoint', gone: 3, reads: 4, unproven: 0 };

  it('says how many reads came back not found, and that the whole kind of the project is held', () => {
    expect(describeFault(fault)).toBe(
      `suspected API fault: 3 of 4 privateEndpoint reads in project ${P} came back not found in one pass; every privateEndpoint of the project is kept and none planned until a later sweep reads them normally`,
    );
  });

  it('adds the 404s that proved nothing when there were some', () => {
    expect(describeFault({ ...fault, unproven: 2 })).toContain('came back not found in one pass (and 2 more answered 404s that prove nothing); every');
  });
});
