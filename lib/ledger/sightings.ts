import { jobIdFor } from '../jobs';
import type { KindName } from '../kinds';
import type { Sighting, StaleFindings } from '../plan';
import type { Ledger } from './ledger';

export interface SightingContext {
  projectId: string;
  sweepId: string;
  at: number;
  /** Kinds this scan listed; a mark of another kind says nothing about recovery. */
  scannedKinds: ReadonlySet<KindName>;
  /** Kinds whose listing failed in this scan: their marks say nothing about recovery either. */
  failedKinds: ReadonlySet<KindName>;
}

/**
 * Writes this scan's memory: every stale resource is marked (first seen kept, last seen moved on), and a
 * marked resource seen healthy or no longer listed is unmarked, so a relapse starts its clock again.
 * Returns the sightings in the order of `findings.stale`.
 */
export async function rememberSightings(ledger: Ledger, findings: StaleFindings, context: SightingContext): Promise<Sighting[]> {
  const stale = findings.stale.map((c) => ({ key: jobIdFor(c.ref), kind: c.kind, provider: c.provider, id: c.id, rule: c.rule, state: c.state }));
  const marks = await ledger.markStale(context.projectId, context.sweepId, stale, context.at);
  const keep = new Set([...stale.map((s) => s.key), ...findings.holdMarks.map((ref) => jobIdFor(ref))]);
  const looked = (kind: KindName) => context.scannedKinds.has(kind) && !context.failedKinds.has(kind);
  const recovered = (await ledger.marks(context.projectId)).filter((m) => !keep.has(m.key) && looked(m.kind));
  if (recovered.length > 0) await ledger.unmark(context.projectId, recovered.map((m) => m.key), context.at);
  return marks;
}
