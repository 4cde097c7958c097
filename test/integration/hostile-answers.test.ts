import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { clearAuthCaches } from '../../lib/atlas';
import { MAX_ANSWER_BYTES } from '../../lib/atlas/http';
import { MAX_LIST_ITEMS, PAGE_WINDOW } from '../../lib/atlas/pagination';
import { loadConfig } from '../../lib/config';
import { CredentialStore, clientFactory } from '../../lib/credentials';
import type { ScanReport } from '../../lib/report';
import { runSweep, type JanitorDeps } from '../../lib/run';
import { startSimulator, type Simulator } from '../../tools/simulator';
import { DEMO } from '../support/demo';
import { rewritingFetch, type Rewrite } from '../support/rewriting-fetch';
import { DEMO_SCENARIO_PATH } from '../support/sim-http';

// Hostile or broken answers, as a rewriting proxy in front of Atlas would send them: each run must end
// after a bounded number of requests, plan nothing from what it could not read to the end or could not
// trust, report why, and plan everything else exactly as a clean run does.

type Json = Record<string, any>;
const TARGET = DEMO.project('analytics-prod');
const PEERS = `/api/atlas/v2/groups/${TARGET.id}/peers`;
const AWS_SERVICES = `/api/atlas/v2/groups/${TARGET.id}/privateEndpoint/AWS/endpointService`;
const STREAMS = `/api/atlas/v2/groups/${TARGET.id}/streams/privateLinkConnections`;

let sim: Simulator;
let baseline: ScanReport;

function deps(fetch: Rewrite[] | undefined, env: Record<string, string> = {}) {
  const proxy = rewritingFetch(fetch ?? []);
  const config = loadConfig({ ATLAS_BASE_URL: sim.url, MAX_DELETIONS_PER_RUN: '10000', GRACE_PERIODS: 'default=0', ...env });
  const janitor: JanitorDeps = {
    config,
    credentials: new CredentialStore({ ttlMs: 60_000, env: { MONGODB_ATLAS_PUBLIC_API_KEY: DEMO.apiKey.publicKey, MONGODB_ATLAS_PRIVATE_API_KEY: DEMO.apiKey.privateKey } }),
    makeClient: clientFactory({ baseUrl: sim.url, concurrency: 8, fetch: proxy.fetch }),
    now: Date.now,
    newSweepId: () => 'sweep-hostile',
  };
  return { janitor, requests: proxy.requests };
}

async function sweep(rewrites?: Rewrite[], env?: Record<string, string>) {
  const { janitor, requests } = deps(rewrites, env);
  const report = (await runSweep(janitor, { inline: true })) as ScanReport;
  return { report, requests };
}

const planned = (r: ScanReport, where: (c: ScanReport['candidates'][number]) => boolean = () => true) =>
  r.candidates
    .filter(where)
    .map((c) => `${c.projectId} ${c.kind} ${c.id} ${c.rule}`)
    .sort();
const notPeersOfTarget = (c: { projectId: string; kind: string }) => !(c.projectId === TARGET.id && c.kind === 'networkPeering');
const awsPeers = (q: URLSearchParams) => q.get('providerName') === 'AWS';
const failedPeer = (n: number) => ({ id: n.toString(16).padStart(24, 'c'), containerId: 'c'.repeat(24), providerName: 'AWS', statusName: 'FAILED', errorStateName: 'REJECTED', vpcId: 'vpc-1' });

beforeAll(async () => {
  sim = await startSimulator({ scenario: DEMO_SCENARIO_PATH, stuckDeletes: true });
  clearAuthCaches();
  baseline = (await sweep()).report;
});
afterAll(() => sim?.stop());
beforeEach(() => clearAuthCaches());

describe('a clean run of the scenario (the baseline)', () => {
  it('plans stale peers of the target project, so the runs below have something to lose', () => {
    expect(baseline.errors).toEqual([]);
    expect(planned(baseline, (c) => c.projectId === TARGET.id && c.kind === 'networkPeering').length).toBeGreaterThan(0);
    expect(planned(baseline, (c) => c.projectId === TARGET.id && c.kind !== 'networkPeering').length).toBeGreaterThan(0);
  });
});

describe('pagination that does not end', () => {
  it('stops when a page that links to another brings nothing new, and plans nothing from that list', async () => {
    // Every page is the first one again, with a next link: a proxy that ignores pageNum.
    const first = new Map<string, Json>();
    const endless: Rewrite = {
      match: ({ path }) => path === PEERS,
      body: (page: any, query) => {
        const provider = query.get('providerName')!;
        if (query.get('pageNum') === '1') first.set(provider, page);
        return { ...first.get(provider), links: [{ rel: 'self', href: 'x' }, { rel: 'next', href: 'x' }] };
      },
    };

    const { report, requests } = await sweep([endless]);

    // Three providers, each: page 1, then page 2 repeats it and the walk stops.
    expect(requests.filter((r) => r.path === PEERS).length).toBeLessThanOrEqual(6);
    expect(report.errors).toContainEqual(expect.objectContaining({ projectId: TARGET.id, kind: 'networkPeering', message: expect.stringMatching(/pagination did not end: page 2 brought nothing new/) }));
    expect(planned(report, (c) => c.projectId === TARGET.id && c.kind === 'networkPeering')).toEqual([]);
    // The project's other kinds, and every other project, are planned as in a clean run.
    expect(planned(report, notPeersOfTarget)).toEqual(planned(baseline, notPeersOfTarget));
  });

  it('stops at the stated page limit when every page brings new items, and plans none of them', async () => {
    let made = 0;
    const growing: Rewrite = {
      match: ({ path, query }) => path === PEERS && awsPeers(query),
      body: () => ({ results: [failedPeer(++made)], links: [{ rel: 'next', href: 'x' }] }),
    };

    const { report, requests } = await sweep([growing]);

    // itemsPerPage 500: MAX_LIST_ITEMS / 500 pages at most.
    const limit = MAX_LIST_ITEMS / 500;
    expect(requests.filter((r) => r.path === PEERS && awsPeers(r.query)).length).toBe(limit);
    expect(report.errors).toContainEqual(expect.objectContaining({ projectId: TARGET.id, kind: 'networkPeering', message: expect.stringMatching(new RegExp(`pagination did not end after ${limit} pages`)) }));
    expect(planned(report, (c) => c.projectId === TARGET.id && c.kind === 'networkPeering')).toEqual([]);
    expect(planned(report, notPeersOfTarget)).toEqual(planned(baseline, notPeersOfTarget));
  });
});

describe('a totalCount that lies', () => {
  for (const totalCount of [10_000_000, 1e15]) {
    it(`fetches at most one window of pages on the word of totalCount ${totalCount}, and plans as a clean run`, async () => {
      const lying: Rewrite = {
        match: ({ path, query }) => path === PEERS && query.get('pageNum') === '1',
        // A full page (the same peers over and over), a huge count and a next link: the shape that fanned out.
        body: (page: any) =>
          page.results.length === 0 ? page : { ...page, results: Array.from({ length: 500 }, (_, i) => page.results[i % page.results.length]), totalCount, links: [{ rel: 'next', href: 'x' }] },
      };

      const { report, requests } = await sweep([lying]);

      // Three provider lists, each at most its first page and one window.
      expect(requests.filter((r) => r.path === PEERS).length).toBeLessThanOrEqual(3 * (1 + PAGE_WINDOW));
      expect(report.errors).toEqual([]);
      expect(planned(report)).toEqual(planned(baseline));
    });
  }
});

describe('answers too large to hold', () => {
  for (const [items, problem] of [
    [20_000, /page 1 holds 20000 items, more than the 500 asked for/],
    [300_000, /the answer is larger than \d+ bytes; it was cut off/],
  ] as const) {
    it(`refuses a page of ${items} items when it asked for 500, naming the kind, and plans none of them`, async () => {
      const huge: Rewrite = {
        match: ({ path, query }) => path === PEERS && awsPeers(query),
        body: () => ({ results: Array.from({ length: items }, (_, i) => failedPeer(i)), totalCount: items }),
      };

      const { report } = await sweep([huge]);

      expect(report.errors).toContainEqual(expect.objectContaining({ projectId: TARGET.id, kind: 'networkPeering', message: expect.stringMatching(problem) }));
      expect(planned(report, (c) => c.projectId === TARGET.id && c.kind === 'networkPeering')).toEqual([]);
      expect(planned(report, notPeersOfTarget)).toEqual(planned(baseline, notPeersOfTarget));
    });
  }

  it(`cuts off an answer larger than ${MAX_ANSWER_BYTES} bytes and reports it for its kind`, async () => {
    const padding = 'x'.repeat(MAX_ANSWER_BYTES);
    const bloated: Rewrite = {
      match: ({ path }) => path === STREAMS,
      body: (page: any) => ({ ...page, padding }),
    };

    const { report } = await sweep([bloated]);

    expect(report.errors).toContainEqual(expect.objectContaining({ projectId: TARGET.id, kind: 'streamsPrivateLink', message: expect.stringMatching(/larger than \d+ bytes; it was cut off/) }));
    expect(planned(report, (c) => c.projectId === TARGET.id && c.kind === 'streamsPrivateLink')).toEqual([]);
  });
});

describe('malformed ids read from Atlas', () => {
  const badIds = ['../../../orgs', '..%2F..%2Forgs', 'a\u0000b', 'f'.repeat(5_000)];
  const rewrites: Rewrite[] = [
    {
      match: ({ path, query }) => path === PEERS && awsPeers(query),
      body: (page: any) => ({ ...page, results: [...page.results, ...badIds.map((id) => ({ ...failedPeer(0), id }))] }),
    },
    {
      match: ({ path }) => path === AWS_SERVICES,
      body: (services: any) => [
        ...services,
        { id: '../services', cloudProvider: 'AWS', status: 'FAILED', interfaceEndpoints: [] },
        // A healthy service with a valid id, listing endpoint ids no URL may carry.
        { id: 'ab'.repeat(12), cloudProvider: 'AWS', status: 'AVAILABLE', interfaceEndpoints: ['vpce-../../../orgs', 'vpce-0123456789abcdef0\u001b[2J'] },
      ],
    },
    {
      match: ({ path }) => path === STREAMS,
      body: (page: any) => ({ ...page, results: [...page.results, { _id: '..%2F..%2Fstreams', provider: 'AWS', state: 'FAILED' }] }),
    },
  ];

  it('plans none of them, reports each as INVALID_ID, and never lets them count toward the cap', async () => {
    // The cap is exactly what a clean run plans: malformed candidates would push the run over it.
    const { report, requests } = await sweep(rewrites, { MAX_DELETIONS_PER_RUN: String(baseline.candidates.length) });

    expect(report.capExceeded).toBeUndefined();
    expect(planned(report)).toEqual(planned(baseline));
    const invalid = report.errors.filter((e) => e.projectId === TARGET.id && e.errorCode === 'INVALID_ID');
    expect(invalid.map((e) => e.kind).sort()).toEqual([...Array(4).fill('networkPeering'), ...Array(2).fill('privateEndpoint'), 'privateEndpointService', 'streamsPrivateLink'].sort());
    expect(invalid.find((e) => e.message.includes('\\u0000'))).toBeDefined();
    // A shown id is cut to a readable length, whatever Atlas sent.
    expect(Math.max(...report.errors.map((e) => e.message.length))).toBeLessThan(300);
    // None of them reached a URL.
    expect(requests.filter((r) => decodeURIComponent(r.path).includes('..') || r.path.includes('%00') || r.path.includes('fffffffffffffffffffffffff'))).toEqual([]);
  });
});
