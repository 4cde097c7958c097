import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { JanitorDeps, ProjectScanResult } from '../run';
import { ApiCallCounter } from '../scan';
import { metrics } from './metrics';

/**
 * Metrics with dimensions beyond the service: one EMF line per dimension set (Powertools' single
 * metrics), counts added up first so a scan of 500 resources writes a handful of lines. The dashboard
 * (deploy/dashboard.yml) reads exactly these names and dimensions.
 */
export const RUN_METRICS = {
  /** Resources a rule matched and the scan planned, dimensions Kind and Rule. */
  found: 'Found',
  /** Resources kept, dimensions Kind and Cause (state, grace, protected, blocked, cap, ruleDisabled). */
  kept: 'Kept',
  /** Atlas answers that were not a success, dimension Status (429, 500, …, or network). */
  atlasFailures: 'AtlasFailures',
  /** Deletions Atlas accepted, dimensions Kind and Rule (the worker's Deleted counts them all). */
  deletedByRule: 'DeletedByRule',
  /** A scan's report that could not be stored for the sweep's page. */
  reportNotStored: 'ReportNotStored',
  /** Sweep pages assembled, and sweeps whose page could not be (report function). */
  pagesAssembled: 'PagesAssembled',
  pagesFailed: 'PageAssemblyFailed',
} as const;

export const RUN_DIMENSIONS = { kind: 'Kind', rule: 'Rule', cause: 'Cause', status: 'Status' } as const;

function emit(name: string, dimensions: Record<string, string>, count: number): void {
  if (count <= 0) return;
  const single = metrics.singleMetric();
  for (const [key, value] of Object.entries(dimensions)) single.addDimension(key, value);
  single.addMetric(name, MetricUnit.Count, count);
}

function tally<T>(items: readonly T[], key: (item: T) => string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return counts;
}

/** What one project scan found and kept (the scan function, and an inline sweep per project). */
export function countFindings(scan: Pick<ProjectScanResult['scan'], 'candidates' | 'kept'>): void {
  for (const [key, n] of tally(scan.candidates, (c) => `${c.kind}\n${c.rule}`)) {
    const [kind = '', rule = ''] = key.split('\n');
    emit(RUN_METRICS.found, { [RUN_DIMENSIONS.kind]: kind, [RUN_DIMENSIONS.rule]: rule }, n);
  }
  for (const [key, n] of tally(scan.kept, (k) => `${k.kind}\n${k.cause}`)) {
    const [kind = '', cause = ''] = key.split('\n');
    emit(RUN_METRICS.kept, { [RUN_DIMENSIONS.kind]: kind, [RUN_DIMENSIONS.cause]: cause }, n);
  }
}

function countAtlasFailures(failures: Readonly<Record<string, number>> | undefined): void {
  for (const [status, n] of Object.entries(failures ?? {})) emit(RUN_METRICS.atlasFailures, { [RUN_DIMENSIONS.status]: status }, n);
}

/** What one project scan found, kept, and how Atlas answered it. */
export function countScan(result: Pick<ProjectScanResult, 'scan' | 'atlasFailures'>): void {
  countFindings(result.scan);
  countAtlasFailures(result.atlasFailures);
}

/**
 * The deps with every Atlas exchange of their clients also counted for AtlasFailures, and `flush` to emit
 * the counts by status (429s among them, retries included). For functions with no single project result
 * that carries them: the worker (its re-reads and DELETEs) and the sweep (project lists, inline scans).
 */
export function countingAtlasFailures<D extends JanitorDeps>(deps: D): { deps: D; flush: () => void } {
  const calls = new ApiCallCounter();
  const makeClient: JanitorDeps['makeClient'] = (access, onExchange, overrides) =>
    deps.makeClient(
      access,
      (event) => {
        calls.record(event);
        onExchange?.(event);
      },
      overrides,
    );
  return { deps: { ...deps, makeClient }, flush: () => countAtlasFailures(calls.failures) };
}

export function countDeleted(kind: string | undefined, rule: string | undefined): void {
  emit(RUN_METRICS.deletedByRule, { [RUN_DIMENSIONS.kind]: kind ?? 'unknown', [RUN_DIMENSIONS.rule]: rule ?? 'unknown' }, 1);
}

export function countReportNotStored(): void {
  emit(RUN_METRICS.reportNotStored, {}, 1);
}

export function countPages(assembled: number, failed: number): void {
  emit(RUN_METRICS.pagesAssembled, {}, assembled);
  emit(RUN_METRICS.pagesFailed, {}, failed);
}
