import type { Kept, KeptCause } from '../plan';
import { MAX_KEPT_ROWS } from './html';
import { keptGroupOf, type KeptGroupName } from './kept';
import type { ScanReport } from './report';
import type { SweepManifest } from './store';

/**
 * Kept entries listed per page group in a merged report (the page shows no more); the rest are counted.
 * Per group, not per cause: failed reads are a few among many healthy `state` entries and must be listed.
 */
export const KEPT_SAMPLE_PER_GROUP = MAX_KEPT_ROWS;

/**
 * Folds the per-project reports of a sweep into one report, one project at a time, so memory holds the
 * candidates, the errors and a bounded sample of kept entries, never every kept resource of a large
 * estate. Every sweep is merged here, queued (the report function, from stored reports) or in one process
 * (as each scan completes). Projects the manifest names without a report are errors on the page.
 */
export class ReportMerger {
  readonly #projects: ScanReport['projects'] = [];
  readonly #candidates: ScanReport['candidates'] = [];
  readonly #errors: ScanReport['errors'] = [];
  readonly #keptByCause: Partial<Record<KeptCause, number>> = {};
  readonly #keptByGroup = new Map<KeptGroupName, number>();
  readonly #keptSample: Kept[] = [];
  readonly #expired = new Map<string, NonNullable<ScanReport['expiredProtections']>[number]>();
  readonly #planned: NonNullable<ScanReport['planned']> = [];
  #enqueued = 0;
  #apiCalls = 0;
  #auth = 0;

  constructor(private readonly manifest: SweepManifest) {
    this.#apiCalls = manifest.apiCalls.total;
    this.#auth = manifest.apiCalls.auth;
    this.#errors.push(...manifest.errors);
    for (const p of manifest.expiredProtections ?? []) this.#expired.set(p.selector, p);
  }

  add(report: ScanReport): void {
    for (const p of report.projects) this.#projects.push(p);
    for (const c of report.candidates) this.#candidates.push(c);
    for (const e of report.errors) this.#errors.push(e);
    // A project's report lists every kept entry: counts, failed reads included, come from the entries.
    for (const k of report.kept) {
      this.#keptByCause[k.cause] = (this.#keptByCause[k.cause] ?? 0) + 1;
      const group = keptGroupOf(k);
      const count = (this.#keptByGroup.get(group) ?? 0) + 1;
      this.#keptByGroup.set(group, count);
      if (count <= KEPT_SAMPLE_PER_GROUP) this.#keptSample.push(k);
    }
    for (const p of report.expiredProtections ?? []) this.#expired.set(p.selector, p);
    for (const job of report.planned ?? []) this.#planned.push(job);
    this.#enqueued += report.enqueued;
    this.#apiCalls += report.apiCalls.total;
    this.#auth += report.apiCalls.auth;
  }

  /** The merged report; `missing` are projects whose scan left no report (yet). */
  result(missing: readonly string[], finishedAt: number): ScanReport {
    const byName = (a: { projectId: string; projectName?: string | undefined }, b: typeof a) =>
      (a.projectName ?? a.projectId).localeCompare(b.projectName ?? b.projectId) || a.projectId.localeCompare(b.projectId);
    const projects = [...this.#projects].sort(byName);
    // Projects finish in any order; the report is in project order whatever it was.
    const rank = new Map(projects.map((p, i) => [p.projectId, i]));
    const inProjectOrder = <T extends { projectId: string }>(items: readonly T[]) => [...items].sort((a, b) => (rank.get(a.projectId) ?? projects.length) - (rank.get(b.projectId) ?? projects.length));
    const keptTotal = Object.values(this.#keptByCause).reduce((sum, n) => sum + (n ?? 0), 0);
    const capped = projects.filter((p) => p.capExceeded);
    const held = capped.reduce((sum, p) => sum + p.capExceeded!.found, 0);
    return {
      sweepId: this.manifest.sweepId,
      mode: this.manifest.mode,
      ...(this.manifest.atlas ? { atlas: this.manifest.atlas } : {}),
      projects,
      candidates: inProjectOrder(this.#candidates),
      kept: inProjectOrder(this.#keptSample),
      keptByCause: this.#keptByCause,
      keptTotal,
      keptUnread: this.#keptByGroup.get('failedRead') ?? 0,
      errors: [
        ...this.#errors,
        ...missing.map((projectId) => ({ projectId, message: 'no report from this project\'s scan: it failed or has not finished (see the scan dead-letter queue and the scan function\'s logs)' })),
      ],
      enqueued: this.#enqueued,
      ...(this.manifest.mode === 'plan' ? { planned: inProjectOrder(this.#planned) } : {}),
      ...(capped.length > 0 ? { capExceeded: { found: this.#candidates.length + held, held, cap: capped[0]!.capExceeded!.cap } } : {}),
      ...(this.#expired.size > 0 ? { expiredProtections: [...this.#expired.values()] } : {}),
      apiCalls: { total: this.#apiCalls, auth: this.#auth },
      durationMs: Math.max(0, finishedAt - Date.parse(this.manifest.startedAt)),
    };
  }
}
