import { INVALID_ID, READ_FAILED } from '../kinds';
import type { Kept, KeptCause } from '../plan';
import type { ScanReport } from './report';

/**
 * How kept resources are grouped on the page. `state` splits in two: a resource that could not be read
 * (kept for want of evidence) is not the same news as a healthy one.
 */
export type KeptGroupName = Exclude<KeptCause, 'state'> | 'healthy' | 'failedRead' | 'healthyOrUnread';

export interface KeptGroup {
  name: KeptGroupName;
  /** How many were kept for this cause. */
  count: number;
  /** The entries the report lists for it: all of them, a sample, or none when only counts are kept. */
  entries: Kept[];
}

/** States that mean the janitor could not tell, not that the resource is fine. */
const UNREAD_STATES: ReadonlySet<string> = new Set([READ_FAILED, INVALID_ID]);

const GROUP_ORDER: readonly KeptGroupName[] = ['grace', 'sideEffect', 'suspectedApiFault', 'protected', 'blocked', 'cap', 'ruleDisabled', 'failedRead', 'healthy', 'healthyOrUnread'];

/**
 * A report whose kept resources come as the whole list (`kept`) or, for large runs, as counts per cause
 * (`keptByCause`, `keptTotal`) with `kept` a bounded sample. Any of the three may be absent.
 */
export type KeptSource = Partial<Pick<ScanReport, 'kept' | 'keptByCause' | 'keptTotal' | 'keptUnread'>>;

/** The page's group of a kept entry: its cause, with `state` told apart into healthy and failed reads. */
export function keptGroupOf(k: Pick<Kept, 'cause' | 'state'>): KeptGroupName {
  if (k.cause !== 'state') return k.cause;
  return UNREAD_STATES.has(k.state) ? 'failedRead' : 'healthy';
}

/**
 * The one place that reads kept entries and counts from a report, so a change of the report's shape
 * changes only this function. Counts, when given, win over the length of a (sampled) list; `state`
 * splits by `keptUnread`. A report from before `keptUnread` whose sample cannot tell how its `state`
 * count splits shows it as one group.
 */
export function keptGroups(report: KeptSource): KeptGroup[] {
  const entries = report.kept ?? [];
  const groups = new Map<KeptGroupName, KeptGroup>();
  const group = (name: KeptGroupName) => {
    let g = groups.get(name);
    if (!g) groups.set(name, (g = { name, count: 0, entries: [] }));
    return g;
  };
  for (const k of entries) group(keptGroupOf(k)).entries.push(k);
  if (report.keptByCause) {
    for (const [cause, count] of Object.entries(report.keptByCause) as [KeptCause, number | undefined][]) {
      if (!count) continue;
      if (cause !== 'state') {
        group(cause).count = count;
        continue;
      }
      const listed = (groups.get('healthy')?.entries.length ?? 0) + (groups.get('failedRead')?.entries.length ?? 0);
      if (report.keptUnread !== undefined) {
        group('failedRead').count = report.keptUnread;
        group('healthy').count = count - report.keptUnread;
      } else if (listed === count) {
        for (const name of ['healthy', 'failedRead'] as const) if (groups.has(name)) group(name).count = group(name).entries.length;
      } else {
        // A sample cannot say how the uncounted rest splits: one group with both, its sample included.
        const merged = group('healthyOrUnread');
        merged.count = count;
        for (const name of ['healthy', 'failedRead'] as const) {
          merged.entries.push(...(groups.get(name)?.entries ?? []));
          groups.delete(name);
        }
      }
    }
  } else {
    for (const g of groups.values()) g.count = g.entries.length;
  }
  return GROUP_ORDER.map((name) => groups.get(name)).filter((g): g is KeptGroup => g !== undefined && g.count > 0);
}

/** Kept resources in all, whichever way the report gives them. */
export function keptTotal(report: KeptSource): number {
  return report.keptTotal ?? keptGroups(report).reduce((sum, g) => sum + g.count, 0);
}
