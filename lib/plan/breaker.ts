import { INVALID_ID, NOT_FOUND, type KindName, type Observation } from '../kinds';

/**
 * A clean-up finds a few resources gone at a time; most of a kind's reads in one project coming back
 * "not found" in one pass looks like an API fault (a route withdrawn, a proxy, a bad deploy) that answers
 * with codes we would otherwise trust. So does a pass in which the same reads also answered 404s that
 * prove nothing (no Atlas body, an unknown code): whatever answers those may answer the others too.
 * Then every resource of that kind in the project is held.
 */
export const BREAKER_MIN_GONE = 3;

/** The errorCode of the report error a tripped breaker leaves. */
export const SUSPECTED_API_FAULT = 'SUSPECTED_API_FAULT';

/** One kind in one project whose reads tripped the breaker. */
export interface SuspectedApiFault {
  projectId: string;
  kind: KindName;
  /** Reads that came back "not found", and all reads of the kind in the project. */
  gone: number;
  reads: number;
  /** Reads of the kind in the project whose 404 proved nothing. */
  unproven: number;
}

/**
 * The (project, kind) pairs where more than half of the reads, and at least BREAKER_MIN_GONE, say "not
 * found", or where any read says "not found" beside a 404 that proved nothing.
 */
export function suspectedApiFaults(observations: readonly Observation[]): SuspectedApiFault[] {
  const counts = new Map<string, SuspectedApiFault>();
  for (const o of observations) {
    if (o.state === INVALID_ID) continue; // never read
    const key = `${o.ref.projectId}/${o.ref.kind}`;
    let count = counts.get(key);
    if (!count) counts.set(key, (count = { projectId: o.ref.projectId, kind: o.ref.kind, gone: 0, reads: 0, unproven: 0 }));
    count.reads++;
    if (o.state === NOT_FOUND || !o.found) count.gone++;
    if (o.error?.unprovenNotFound) count.unproven++;
  }
  return [...counts.values()].filter((c) => (c.gone >= BREAKER_MIN_GONE && c.gone * 2 > c.reads) || (c.gone > 0 && c.unproven > 0));
}

export function describeFault(fault: SuspectedApiFault): string {
  const unproven = fault.unproven > 0 ? ` (and ${fault.unproven} more answered 404s that prove nothing)` : '';
  return `suspected API fault: ${fault.gone} of ${fault.reads} ${fault.kind} reads in project ${fault.projectId} came back not found in one pass${unproven}; every ${fault.kind} of the project is kept and none planned until a later sweep reads them normally`;
}
