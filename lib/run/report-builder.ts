import type { Mode } from '../config';
import type { Kept, KeptCause } from '../plan';
import type { Protection } from '../protections';
import { KEPT_SAMPLE_SIZE, keptGroupOf, type ReportCandidate, type ReportError, type ScanReport } from '../report';
import { jobIdFor } from '../jobs';
import { notifySweep, type PageLink } from '../notify/messages';
import type { Notifier } from '../notify/notifier';
import type { ProjectScanResult } from './scan-run';

/** A project's result once its kept entries have been folded into a tally (`scan.kept` then empty). */
export type ReportResult = Omit<ProjectScanResult, 'auth'> & { keptCount?: number };

/**
 * Kept entries counted per cause, with a bounded sample: what a sweep of thousands of projects holds
 * instead of every entry (tens of thousands of them, each with its reason).
 */
export class KeptTally {
  readonly byCause: Partial<Record<KeptCause, number>> = {};
  readonly sample: Kept[] = [];
  total = 0;
  /** Of the `state` entries, those that could not be read: the page tells them from healthy ones. */
  unread = 0;
  readonly #limit: number;

  constructor(limit = KEPT_SAMPLE_SIZE) {
    this.#limit = limit;
  }

  add(kept: readonly Kept[]): void {
    for (const k of kept) {
      this.total++;
      this.byCause[k.cause] = (this.byCause[k.cause] ?? 0) + 1;
      if (keptGroupOf(k) === 'failedRead') this.unread++;
      if (this.sample.length < this.#limit) this.sample.push(k);
      else if (sampleRank(k) > 0) {
        // Grace entries are about to be deleted and displace any other cause from a full sample; failed
        // reads displace the rest, so the page lists some of them among many healthy resources.
        for (let rank = 0; rank < sampleRank(k); rank++) {
          const lower = this.sample.findIndex((s) => sampleRank(s) === rank);
          if (lower >= 0) {
            this.sample[lower] = k;
            break;
          }
        }
      }
    }
  }

  /** Folds a result's kept entries in and drops them from the result, keeping their count. */
  fold(result: ReportResult): void {
    this.add(result.scan.kept);
    result.keptCount = (result.keptCount ?? 0) + result.scan.kept.length;
    result.scan.kept = [];
  }
}

/** Which kept entries a full sample keeps first: grace, then failed reads, then the rest. */
function sampleRank(k: Kept): number {
  if (k.cause === 'grace') return 2;
  return keptGroupOf(k) === 'failedRead' ? 1 : 0;
}

export interface ReportInput {
  sweepId: string;
  mode: Mode;
  results: readonly ReportResult[];
  /** The kept entries already folded out of `results` (a sweep); without it, every entry of `results`. */
  tally?: KeptTally | undefined;
  errors: readonly ReportError[];
  /** Expired protection registry entries to name in the report. */
  expired: readonly Protection[];
  /** Every call of the run, project listing included. */
  apiCalls: { total: number; auth: number };
  durationMs: number;
}

function expiredProtections(expired: readonly Protection[]): Pick<ScanReport, 'expiredProtections'> {
  if (expired.length === 0) return {};
  return { expiredProtections: expired.map((p) => ({ selector: p.selector, owner: p.owner, reason: p.reason, expiredAt: new Date(p.expiresAt).toISOString() })) };
}

/** The sample in the report's project order (projects finish in any order; a report should not). */
function inProjectOrder(sample: readonly Kept[], results: readonly ReportResult[]): Kept[] {
  const rank = new Map(results.map((r, i) => [r.scan.projectId, i]));
  return [...sample].sort((a, b) => (rank.get(a.projectId) ?? results.length) - (rank.get(b.projectId) ?? results.length));
}

/** Folds per-project scans into one run report, projects in a stable order. */
export function buildReport(input: ReportInput): ScanReport {
  const tally = input.tally ?? new KeptTally(Number.POSITIVE_INFINITY);
  if (!input.tally) for (const r of input.results) tally.add(r.scan.kept);
  const results = [...input.results].sort((a, b) => (a.scan.projectName ?? a.scan.projectId).localeCompare(b.scan.projectName ?? b.scan.projectId));
  return {
    sweepId: input.sweepId,
    mode: input.mode,
    projects: results.map(({ scan, keptCount }) => ({
      projectId: scan.projectId,
      ...(scan.projectName ? { projectName: scan.projectName } : {}),
      seen: scan.seen,
      candidates: scan.candidates.length,
      kept: keptCount ?? scan.kept.length,
      errors: scan.errors.length,
      apiCalls: scan.apiCalls,
      durationMs: scan.durationMs,
      ...(scan.capExceeded ? { capExceeded: scan.capExceeded } : {}),
    })),
    candidates: results.flatMap(reportCandidates),
    kept: inProjectOrder(tally.sample, results),
    keptTotal: tally.total,
    keptByCause: tally.byCause,
    keptUnread: tally.unread,
    errors: [...input.errors, ...results.flatMap((r) => r.scan.errors)],
    enqueued: results.reduce((sum, r) => sum + r.enqueued, 0),
    ...expiredProtections(input.expired),
    apiCalls: input.apiCalls,
    durationMs: input.durationMs,
  };
}

/**
 * A queued sweep's scan publishes its own notice only when there is news about its project: something
 * planned, or something becoming eligible within 24 hours. It is sent as the scan ends, with the link
 * where its sweep's page will be when reports are stored (REPORT_BUCKET); the whole sweep's summary is
 * published once, with the page, by the report function when it assembles that page from every
 * project's stored report (report-pages.ts).
 */
export async function notifyProjectScan(notifier: Notifier, result: ProjectScanResult, now: number, page?: PageLink): Promise<void> {
  const dueSoon = result.scan.kept.some((k) => k.eligibleAt !== undefined && Date.parse(k.eligibleAt) <= now + 86_400_000);
  if (result.jobs.length === 0 && !dueSoon) return;
  await notifySweep(notifier, projectReport(result), now, page);
}

/** One scan's report: what the scan function stores for the sweep's page and sends in its notice. */
export function projectReport(result: ProjectScanResult): ScanReport {
  return buildReport({ sweepId: result.sweepId, mode: result.mode, results: [result], errors: [], expired: result.expiredProtections, apiCalls: { total: result.scan.apiCalls, auth: result.auth }, durationMs: result.scan.durationMs });
}

export function reportCandidates(result: Pick<ProjectScanResult, 'scan'>): ReportCandidate[] {
  return result.scan.candidates.map((c) => ({
    projectId: c.projectId,
    kind: c.kind,
    provider: c.provider,
    id: c.id,
    state: c.state,
    rule: c.rule,
    reason: c.reason,
    jobId: jobIdFor(c.ref),
    ...(c.firstSeenAt ? { firstSeenAt: c.firstSeenAt, eligibleAt: c.eligibleAt } : {}),
    ...(c.alsoRemoves ? { alsoRemoves: c.alsoRemoves } : {}),
  }));
}
