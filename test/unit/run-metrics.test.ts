import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Kept } from '../../lib/plan';
import type { JanitorDeps } from '../../lib/run';

// Metrics are switched off for the other tests (vitest.config.mts); these read the EMF lines themselves.
process.env['POWERTOOLS_METRICS_DISABLED'] = 'false';
let lambda: typeof import('../../lib/lambda');
beforeAll(async () => {
  lambda = await import('../../lib/lambda');
});

function emitted(run: () => void): Record<string, any>[] {
  const lines: string[] = [];
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    lines.push(String(chunk));
    return true;
  });
  try {
    run();
  } finally {
    spy.mockRestore();
  }
  return lines.flatMap((l) => l.split('\n')).filter((l) => l.includes('"_aws"')).map((l) => JSON.parse(l));
}

const kept = (kind: Kept['kind'], cause: Kept['cause']): Kept => ({ projectId: 'a'.repeat(24), kind, provider: 'AWS', id: 'x', state: 'AVAILABLE', cause, reason: '' });

describe('run metrics', () => {
  afterEach(() => vi.restoreAllMocks());

  it('counts a scan per kind and rule, kept per kind and cause, and Atlas failures per status, one line per dimension set', () => {
    const candidate = { kind: 'privateEndpoint', rule: 'rejected-aws-endpoint' };
    const lines = emitted(() =>
      lambda.countScan({
        scan: { candidates: [candidate, candidate, { kind: 'networkPeering', rule: 'failed-aws-peer' }], kept: [kept('networkPeering', 'grace'), kept('networkPeering', 'grace'), kept('privateEndpoint', 'state')] } as never,
        atlasFailures: { '429': 3, '500': 1 },
      }),
    );
    const rows = lines.map((l) => {
      const [dims] = l['_aws'].CloudWatchMetrics[0].Dimensions;
      const name = l['_aws'].CloudWatchMetrics[0].Metrics[0].Name;
      expect(l['_aws'].CloudWatchMetrics[0].Namespace).toBe('AtlasJanitor');
      return [name, ...dims.filter((d: string) => d !== 'service').map((d: string) => `${d}=${l[d]}`), l[name]];
    });
    expect(rows).toEqual([
      ['Found', 'Kind=privateEndpoint', 'Rule=rejected-aws-endpoint', 2],
      ['Found', 'Kind=networkPeering', 'Rule=failed-aws-peer', 1],
      ['Kept', 'Kind=networkPeering', 'Cause=grace', 2],
      ['Kept', 'Kind=privateEndpoint', 'Cause=state', 1],
      ['AtlasFailures', 'Status=429', 3],
      ['AtlasFailures', 'Status=500', 1],
    ]);
  });

  it('counts every Atlas exchange of the wrapped deps\' clients that was not a success, by status, once flushed (auth challenges apart)', () => {
    const seen: unknown[] = [];
    const exchanges = [
      { purpose: 'auth', status: 401 },
      { purpose: 'call', status: 429 },
      { purpose: 'call', status: 429 },
      { purpose: 'call', status: 200 },
      { purpose: 'call', status: 404 },
      { purpose: 'call', status: undefined },
    ];
    const makeClient = (_access: unknown, onExchange?: (event: never) => void) => {
      for (const e of exchanges) onExchange?.({ method: 'GET', path: '/api/atlas/v2/groups', ...e } as never);
      return {} as never;
    };
    const counting = lambda.countingAtlasFailures({ makeClient } as unknown as JanitorDeps);

    expect(emitted(() => counting.deps.makeClient({} as never, (event) => seen.push(event)))).toEqual([]);
    expect(seen).toHaveLength(exchanges.length);
    const lines = emitted(counting.flush);
    expect(lines.map((l) => [l.Status, l.AtlasFailures])).toEqual([['404', 1], ['429', 2], ['network', 1]]);
  });

  it('counts deletions per kind and rule, and nothing for an empty count', () => {
    const [line] = emitted(() => lambda.countDeleted('networkPeering', 'failed-aws-peer'));
    expect(line).toMatchObject({ Kind: 'networkPeering', Rule: 'failed-aws-peer', DeletedByRule: 1, service: 'atlas-janitor' });
    expect(emitted(() => lambda.countPages(0, 0))).toEqual([]);
  });
});
