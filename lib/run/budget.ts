import type { Ledger } from '../ledger';
import { holdForCap } from '../plan';
import type { ProjectScan } from '../scan';

/**
 * The deletion budget of one run (`maxDeletionsPerRun`), the only place the cap is applied. Its one
 * meaning, whatever runs the scans: a run plans at most that many deletions; each project takes its
 * candidates from the budget as its scan completes, all of them or none, and a project whose candidates
 * no longer fit keeps them all, held by the cap. In one process the count is in memory; the scans of a
 * queued sweep run in separate invocations and share it through the ledger's conditional add.
 */
export interface DeletionBudget {
  readonly cap: number;
  /** Takes `count` deletions, all or none: false when they do not fit in what is left. */
  take(count: number): Promise<boolean>;
}

/** The budget of a run in one process. */
export function memoryBudget(cap: number): DeletionBudget {
  let taken = 0;
  return {
    cap,
    take(count) {
      if (taken + count > cap) return Promise.resolve(false);
      taken += count;
      return Promise.resolve(true);
    },
  };
}

/** The budget a queued sweep's scans share: the ledger counts what each took, conditionally. */
export function ledgerBudget(ledger: Ledger, sweepId: string, cap: number, now: () => number): DeletionBudget {
  return { cap, take: (count) => ledger.reserveDeletions(sweepId, count, cap, now()) };
}

/**
 * Takes a project's candidates from the budget; when they do not fit, they are all kept, cause `cap`,
 * with the reason, and the scan says so (`capExceeded`). True when the candidates stay planned.
 */
export async function spendBudget(scan: ProjectScan, budget: DeletionBudget): Promise<boolean> {
  const found = scan.candidates.length;
  if (found === 0 || (await budget.take(found))) return true;
  const why =
    found > budget.cap
      ? `held by the cap: ${found} candidates in this project, more than the ${budget.cap} deletions a run may make (MAX_DELETIONS_PER_RUN)`
      : `held by the cap: the run's ${budget.cap} deletions (MAX_DELETIONS_PER_RUN) are taken by its other projects`;
  holdForCap(scan, why);
  scan.capExceeded = { found, cap: budget.cap };
  return false;
}
