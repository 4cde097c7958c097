import { describe, expect, it } from 'vitest';
import type { Kept } from '../../lib/plan';
import { ReportMerger, type SweepManifest } from '../../lib/report';
import { projectReport, type ProjectScanResult } from '../../lib/run';

// Every sweep's report is merged here, project by project: in one process as each scan completes, or by
// the report function from the stored reports of a queued sweep.

const P1 = 'a'.repeat(24);
const P2 = 'b'.repeat(24);
const kept = (projectId: string, i: number, cause: Kept['cause'], state = 'AVAILABLE'): Kept => ({ projectId, kind: 'networkPeering', provider: 'AWS', id: `peer-${i}`, state, cause, reason: 'why' });

function result(projectId: string, name: string, keptEntries: Kept[], extra: Partial<ProjectScanResult['scan']> = {}): ProjectScanResult {
  return {
    scan: { projectId, projectName: name, seen: keptEntries.length, candidates: [], kept: keptEntries, errors: [], apiCalls: 3, durationMs: 1, ...extra },
    mode: 'dry-run',
    sweepId: 'sweep-1',
    jobs: [],
    enqueued: 0,
    expiredProtections: [],
    auth: 0,
  };
}

const manifest: SweepManifest = { sweepId: 'sweep-1', mode: 'dry-run', startedAt: new Date(0).toISOString(), projectIds: [P1, P2], projectsSeen: 2, skipped: [], errors: [], apiCalls: { total: 1, auth: 1 } };

describe('projectReport', () => {
  it("fills keptUnread of a project's own report from its entries", () => {
    const report = projectReport(result(P1, 'one', [kept(P1, 1, 'state'), kept(P1, 2, 'state', 'READ_FAILED')]));
    expect([report.keptByCause, report.keptUnread, report.keptTotal]).toEqual([{ state: 2 }, 1, 2]);
  });
});

describe('ReportMerger', () => {
  it('counts every kept entry per cause but lists a bounded sample per page group, failed reads among them', () => {
    const merger = new ReportMerger(manifest);
    const healthy = Array.from({ length: 500 }, (_, i) => kept(P1, i, 'state'));
    merger.add(projectReport(result(P1, 'one', [...healthy, kept(P1, 900, 'state', 'READ_FAILED'), kept(P1, 901, 'grace')])));

    const merged = merger.result([], 10);

    expect(merged.keptTotal).toBe(502);
    expect(merged.keptByCause).toEqual({ state: 501, grace: 1 });
    expect(merged.keptUnread).toBe(1);
    expect(merged.kept.length).toBeLessThan(502);
    expect(merged.kept.map((k) => k.id)).toEqual(expect.arrayContaining(['peer-900', 'peer-901']));
  });

  it('lists projects, candidates and kept entries in project order whatever order the projects finished in', () => {
    const merger = new ReportMerger(manifest);
    merger.add(projectReport(result(P2, 'zeta', [kept(P2, 2, 'state')])));
    merger.add(projectReport(result(P1, 'alpha', [kept(P1, 1, 'state')])));

    const merged = merger.result([], 10);

    expect(merged.projects.map((p) => p.projectName)).toEqual(['alpha', 'zeta']);
    expect(merged.kept.map((k) => k.projectId)).toEqual([P1, P2]);
  });

  it('says how many candidates the deletion budget held, from the projects it held', () => {
    const merger = new ReportMerger(manifest);
    const held = [kept(P2, 5, 'cap'), kept(P2, 6, 'cap')];
    merger.add(projectReport(result(P2, 'zeta', held, { capExceeded: { found: 2, cap: 3 } })));
    merger.add(projectReport(result(P1, 'alpha', [])));

    const merged = merger.result([], 10);

    expect(merged.capExceeded).toEqual({ found: 2, held: 2, cap: 3 });
    expect(merged.keptByCause).toEqual({ cap: 2 });
  });

  it('names a project of the manifest that left no report as an error', () => {
    const merger = new ReportMerger(manifest);
    merger.add(projectReport(result(P1, 'alpha', [])));

    expect(merger.result([P2], 10).errors).toEqual([expect.objectContaining({ projectId: P2, message: expect.stringMatching(/^no report from this project's scan/) })]);
  });
});
