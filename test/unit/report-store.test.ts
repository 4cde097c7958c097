import { afterEach, describe, expect, it } from 'vitest';
import { lazyS3Client } from '../../lib/aws/clients';
import type { Notice } from '../../lib/notify/notifier';
import type { Kept } from '../../lib/plan';
import { KEPT_SAMPLE_PER_GROUP, ReportMerger, ReportStore, ReportStoreError, keptGroups, type ScanReport, type SweepManifest } from '../../lib/report';
import { assemblePages } from '../../lib/run';
import { fakeS3 } from '../support/fake-s3';

const BUCKET = 'janitor-reports';
const SWEEP = 'sweep-20261126T020000-abcd1234';
const P = ['a', 'b', 'c'].map((c) => c.repeat(24));
const START = Date.parse('2026-11-26T02:00:00Z');
const MINUTE = 60_000;

let s3: ReturnType<typeof fakeS3>;
afterEach(() => s3?.mock.restore());

function manifest(overrides: Partial<SweepManifest> = {}): SweepManifest {
  return { sweepId: SWEEP, mode: 'dry-run', startedAt: new Date(START).toISOString(), projectIds: P, projectsSeen: 4, skipped: [], errors: [], apiCalls: { total: 1, auth: 1 }, ...overrides };
}

function projectReport(projectId: string, kept: Kept[] = [], candidates = 1): ScanReport {
  return {
    sweepId: SWEEP,
    mode: 'dry-run',
    projects: [{ projectId, projectName: `project-${projectId[0]}`, seen: candidates + kept.length, candidates, kept: kept.length, errors: 0, apiCalls: 7, durationMs: 100 }],
    candidates: Array.from({ length: candidates }, (_, i) => ({ projectId, kind: 'networkPeering' as const, provider: 'AWS' as const, id: `${projectId.slice(0, 20)}000${i}`, state: 'FAILED', rule: 'failed-aws-peer' as const, reason: 'statusName FAILED', jobId: `job-${projectId[0]}-${i}` })),
    kept,
    keptTotal: kept.length,
    keptByCause: Object.fromEntries([...new Set(kept.map((k) => k.cause))].map((c) => [c, kept.filter((k) => k.cause === c).length])),
    keptUnread: kept.filter((k) => k.cause === 'state' && k.state === 'READ_FAILED').length,
    errors: [],
    enqueued: 0,
    apiCalls: { total: 7, auth: 0 },
    durationMs: 100,
  };
}

function setup(pageSize?: number) {
  s3 = fakeS3(pageSize);
  const store = new ReportStore(lazyS3Client({ region: 'eu-west-1' }), BUCKET, 'eu-west-1');
  const notices: Notice[] = [];
  const notifier = { publish: async (n: Notice) => void notices.push(n) };
  return { store, notices, notifier };
}

describe('report store', () => {
  it('keeps each report under its sweep, and names the page by S3 URI and console link', async () => {
    const { store } = setup();
    await store.putManifest(manifest());
    await store.putProjectReport(P[0]!, projectReport(P[0]!));
    expect(s3.keys(BUCKET)).toEqual([`pending/${SWEEP}.json`, `reports/${SWEEP}/projects/${P[0]}.json`]);
    expect(store.where(SWEEP)).toEqual({
      s3Uri: `s3://${BUCKET}/reports/${SWEEP}/index.html`,
      consoleUrl: `https://s3.console.aws.amazon.com/s3/object/${BUCKET}?region=eu-west-1&prefix=reports%2F${SWEEP}%2Findex.html`,
    });
  });

  it('refuses ids that could leave their prefix, and malformed manifests', async () => {
    const { store } = setup();
    await expect(store.putProjectReport(P[0]!, { ...projectReport(P[0]!), sweepId: '../pending/x' })).rejects.toThrow(ReportStoreError);
    await expect(store.putProjectReport('../../etc', projectReport(P[0]!))).rejects.toThrow(/24 lowercase hexadecimal/);
    s3.objects.set(`${BUCKET}/pending/${SWEEP}.json`, { body: JSON.stringify({ ...manifest(), projectIds: ['nope'] }), contentType: 'application/json' });
    await expect(store.manifest(SWEEP)).rejects.toThrow(/manifest of .* is malformed: projectIds\.0/);
  });

  it('lists across pages', async () => {
    const { store } = setup(2);
    for (const p of P) await store.putProjectReport(p, projectReport(p));
    expect([...(await store.storedProjects(SWEEP))].sort()).toEqual(P);
  });
});

describe('merging project reports', () => {
  it('adds up projects, candidates and calls, and keeps a bounded sample of kept entries with counts per cause', () => {
    const merger = new ReportMerger(manifest({ errors: [{ id: 'secret-2', message: 'secret unreadable' }] }));
    const kept = (p: string, n: number, cause: Kept['cause']) => Array.from({ length: n }, (_, i): Kept => ({ projectId: p, kind: 'privateEndpoint', provider: 'AWS', id: `vpce-${i}`, state: 'AVAILABLE', cause, reason: 'fine' }));
    merger.add(projectReport(P[0]!, kept(P[0]!, 150, 'state')));
    merger.add(projectReport(P[1]!, [...kept(P[1]!, 150, 'state'), ...kept(P[1]!, 3, 'grace')]));
    const merged = merger.result([P[2]!], START + 10 * MINUTE);
    expect(merged.projects.map((p) => p.projectId)).toEqual([P[0], P[1]]);
    expect(merged.candidates).toHaveLength(2);
    expect(merged.keptByCause).toEqual({ state: 300, grace: 3 });
    expect(merged.keptTotal).toBe(303);
    expect(merged.kept).toHaveLength(KEPT_SAMPLE_PER_GROUP + 3);
    expect(merged.apiCalls).toEqual({ total: 15, auth: 1 });
    expect(merged.durationMs).toBe(10 * MINUTE);
    expect(merged.errors.map((e) => e.projectId ?? e.id)).toEqual(['secret-2', P[2]]);
    expect(merged.errors[1]!.message).toMatch(/no report from this project's scan/);
    expect(merged.keptUnread).toBe(0);
  });

  it('counts failed reads among the state entries and lists some of them behind many healthy ones', () => {
    const merger = new ReportMerger(manifest());
    const entry = (p: string, i: number, state: string): Kept => ({ projectId: p, kind: 'networkPeering', provider: 'AWS', id: `peer-${i}`, state, cause: 'state', reason: state });
    const healthy = (p: string) => Array.from({ length: KEPT_SAMPLE_PER_GROUP + 20 }, (_, i) => entry(p, i, 'AVAILABLE'));
    merger.add(projectReport(P[0]!, healthy(P[0]!)));
    merger.add(projectReport(P[1]!, [...healthy(P[1]!), entry(P[1]!, 900, 'READ_FAILED'), entry(P[1]!, 901, 'INVALID_ID')]));
    merger.add(projectReport(P[2]!, [entry(P[2]!, 902, 'READ_FAILED')]));
    const merged = merger.result([], START + MINUTE);

    expect(merged.keptByCause).toEqual({ state: 2 * (KEPT_SAMPLE_PER_GROUP + 20) + 3 });
    expect(merged.keptUnread).toBe(3);
    expect(merged.kept.filter((k) => k.state !== 'AVAILABLE').map((k) => k.id)).toEqual(['peer-900', 'peer-901', 'peer-902']);
    expect(merged.kept).toHaveLength(KEPT_SAMPLE_PER_GROUP + 3);
    expect(keptGroups(merged).map((g) => [g.name, g.count, g.entries.length])).toEqual([
      ['failedRead', 3, 3],
      ['healthy', 2 * (KEPT_SAMPLE_PER_GROUP + 20), KEPT_SAMPLE_PER_GROUP],
    ]);
  });
});

describe('assembling sweep pages', () => {
  it('waits while scans are missing, then assembles the page, publishes where it is and leaves the pending list', async () => {
    const { store, notices, notifier } = setup();
    await store.putManifest(manifest());
    await store.putProjectReport(P[0]!, projectReport(P[0]!));
    await store.putProjectReport(P[1]!, projectReport(P[1]!));
    const deps = { store, notifier, maxWaitMs: 60 * MINUTE, now: () => START + 5 * MINUTE };

    expect(await assemblePages(deps)).toEqual({ assembled: [], waiting: [{ sweepId: SWEEP, stored: 2, expected: 3 }], failed: [] });
    expect(s3.keys(BUCKET)).not.toContain(`reports/${SWEEP}/index.html`);

    await store.putProjectReport(P[2]!, projectReport(P[2]!));
    const run = await assemblePages(deps);
    expect(run.assembled).toEqual([{ sweepId: SWEEP, location: store.where(SWEEP), projects: 3, missing: [] }]);
    const page = s3.get(BUCKET, `reports/${SWEEP}/index.html`)!;
    expect(page.contentType).toBe('text/html; charset=utf-8');
    expect(page.body).toContain('DRY RUN');
    expect(page.body).toContain('What would be deleted (3)');
    expect(JSON.parse(s3.get(BUCKET, `reports/${SWEEP}/report.json`)!.body).candidates).toHaveLength(3);
    expect(s3.keys(BUCKET)).not.toContain(`pending/${SWEEP}.json`);
    expect(notices).toHaveLength(1);
    expect(notices[0]!.message).toContain(`Report page: ${store.where(SWEEP).consoleUrl}`);
    expect(notices[0]!.message).toContain(store.where(SWEEP).s3Uri);

    expect(await assemblePages(deps)).toEqual({ assembled: [], waiting: [], failed: [] });
    expect(notices).toHaveLength(1);
  });

  it('assembles with what it has once the wait is over, naming the projects without a report', async () => {
    const { store, notifier } = setup();
    await store.putManifest(manifest());
    await store.putProjectReport(P[0]!, projectReport(P[0]!));
    const run = await assemblePages({ store, notifier, maxWaitMs: 60 * MINUTE, now: () => START + 61 * MINUTE });
    expect(run.assembled[0]!.missing).toEqual([P[1], P[2]]);
    const page = s3.get(BUCKET, `reports/${SWEEP}/index.html`)!.body;
    expect(page).toContain('Errors (2)');
    expect(page).toContain(P[1]);
  });

  it('keeps a sweep pending and reports it when its page cannot be made, and goes on with the others', async () => {
    const { store } = setup();
    const other = 'sweep-20261126T030000-ffff0000';
    await store.putManifest(manifest({ projectIds: [P[0]!] }));
    s3.objects.set(`${BUCKET}/reports/${SWEEP}/projects/${P[0]}.json`, { body: '{"sweepId":1}', contentType: 'application/json' });
    await store.putManifest(manifest({ sweepId: other, projectIds: [] }));
    const run = await assemblePages({ store, maxWaitMs: MINUTE, now: () => START });
    expect(run.failed).toEqual([{ sweepId: SWEEP, reason: expect.stringMatching(/^ReportStoreError: the report of project a{24} is malformed: sweepId/) }]);
    expect(run.assembled.map((a) => a.sweepId)).toEqual([other]);
    expect(await store.pendingSweeps()).toEqual([SWEEP]);
  });
});
