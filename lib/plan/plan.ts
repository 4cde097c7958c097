import type { Provider } from '../atlas';
import { AGE_RULES, INVALID_ID, READ_FAILED, beingDeleted, isDependentKind, keep, kindOf, screenIds, type KindName, type Observation, type ResourceRef, type RuleName } from '../kinds';
import { formatDuration, graceFor, type GracePeriods } from '../config';
import { NO_PROTECTIONS, describeProtection, type Protection, type ProjectProtections } from '../protections';
import { describeFault, suspectedApiFaults, type SuspectedApiFault } from './breaker';

export interface PlanSettings {
  disabledRules: ReadonlySet<RuleName>;
  protectedResourceIds: ReadonlySet<string>;
  /** More candidates than this in one run: plan nothing and say so. */
  maxDeletionsPerRun: number;
  grace: GracePeriods;
  /** Settings (`ALLOW_…`) that allow deletes with a side effect; none by default. */
  allowedSideEffects?: ReadonlySet<string> | undefined;
}

/** A resource whose rule matched, with the state that made it match and, once admitted, its clock. */
export interface Candidate {
  ref: ResourceRef;
  projectId: string;
  kind: KindName;
  provider: Provider | undefined;
  id: string;
  state: string;
  rule: RuleName;
  reason: string;
  evidence: Evidence;
  /** ISO times from the ledger: first seen stale, and when its grace period ends. */
  firstSeenAt?: string | undefined;
  eligibleAt?: string | undefined;
  /** What the delete would also remove, when configuration allows that (SideEffect). */
  alsoRemoves?: string | undefined;
}

/** What the scan saw: enough to tell, later, whether the resource still qualifies. */
export interface Evidence {
  state: string;
  fields: Record<string, unknown>;
  parent?: { id: string; status: string } | undefined;
}

/**
 * Why a resource was kept: its kind said so, a switched-off rule, a protection, its grace period not yet
 * over, endpoints that are not going, the cap, the breaker (most reads of its kind in the project said
 * "not found": `suspectedApiFault`), or what its delete would also remove (`sideEffect`).
 */
export type KeptCause = 'state' | 'ruleDisabled' | 'protected' | 'grace' | 'blocked' | 'cap' | 'suspectedApiFault' | 'sideEffect';

export interface Kept {
  projectId: string;
  kind: KindName;
  provider: Provider | undefined;
  id: string;
  state: string;
  cause: KeptCause;
  /** The rule that matched, when one did (a stale resource held by grace, cap, endpoints or a protection). */
  rule?: RuleName | undefined;
  reason: string;
  /** For cause `grace`: since when it has been seen stale and when it may be deleted. */
  firstSeenAt?: string | undefined;
  eligibleAt?: string | undefined;
}

export interface Plan {
  candidates: Candidate[];
  kept: Kept[];
  /** Set when the cap stopped the plan: candidates is then empty. */
  capExceeded?: { found: number; cap: number } | undefined;
}

/** Stale resources (rule matched, not protected) before the grace periods are applied. */
export interface StaleFindings {
  stale: Candidate[];
  kept: Kept[];
  /**
   * Ids of resources others are deleted after (endpoint services), with the dependents they list
   * (endpoint ids): such a resource goes only with all of them.
   */
  serviceEndpoints: ReadonlyMap<string, readonly string[]>;
  /** Dependents (endpoints) already gone or being deleted: they do not hold their parent back. */
  leavingEndpoints: ReadonlySet<string>;
  /**
   * Resources whose state this scan could not tell: they keep any ledger mark. A protected resource or
   * one whose rule is off does not: its clock starts again when the hold ends, so lifting a protection
   * never deletes at once.
   */
  holdMarks: ResourceRef[];
  /** Kinds of a project held by the breaker: report each as an error. */
  suspectedFaults: SuspectedApiFault[];
}

/** The ledger's memory of a stale resource. */
export interface Sighting {
  firstSeenAt: number;
  lastSeenAt: number;
  sweeps: number;
}

function keptFrom(o: Pick<Candidate, 'projectId' | 'kind' | 'provider' | 'id' | 'state'> & { rule?: RuleName | undefined }, cause: KeptCause, reason: string, extra: Partial<Kept> = {}): Kept {
  return { projectId: o.projectId, kind: o.kind, provider: o.provider, id: o.id, state: o.state, cause, ...(o.rule ? { rule: o.rule } : {}), reason, ...extra };
}

/**
 * Classifies every observation and applies the protections. A resource whose kind says keep, whose rule
 * is switched off, or whose id (or any of its ids) is protected is never stale.
 */
export function findStale(observations: readonly Observation[], settings: PlanSettings, registry: ProjectProtections = NO_PROTECTIONS): StaleFindings {
  const protectedIds = new Set([...settings.protectedResourceIds].map((id) => id.toLowerCase()));
  const stale: Candidate[] = [];
  const kept: Kept[] = [];
  const serviceEndpoints = new Map<string, readonly string[]>();
  const leavingEndpoints = new Set<string>();
  const holdMarks: ResourceRef[] = [];
  // An id the kind's format refuses is never planned, whatever state came with it, nor weighed by the breaker.
  const screened = observations.map(screenIds);
  const suspectedFaults = suspectedApiFaults(screened);
  const held = new Map(suspectedFaults.map((f) => [`${f.projectId}/${f.kind}`, describeFault(f)]));
  for (const o of screened) {
    const kind = kindOf(o.ref.kind);
    const verdict = o.state === INVALID_ID ? keep(o.error?.message ?? 'an id has an unexpected format') : kind.classify(o);
    const base = { projectId: o.ref.projectId, kind: o.ref.kind, provider: o.ref.provider, id: o.id, state: o.state };
    if (kind.dependentsOf && o.found) serviceEndpoints.set(o.id, kind.dependentsOf(o));
    if (isDependentKind(o.ref.kind) && (!o.found || beingDeleted(o))) leavingEndpoints.add(o.id);
    const ids = [o.id, ...Object.values(o.ref.ids)].map((id) => id.toLowerCase());
    const entry = registry.project ?? ids.map((id) => registry.resources.get(id)).find((p) => p !== undefined);
    const fault = held.get(`${o.ref.projectId}/${o.ref.kind}`);
    if (o.error || o.state === READ_FAILED || o.state === INVALID_ID || fault) holdMarks.push(o.ref);
    if (fault) {
      kept.push(keptFrom(base, 'suspectedApiFault', `${fault} (${verdict.reason})`));
    } else if (verdict.verdict === 'keep' || !verdict.rule) {
      kept.push(keptFrom(base, 'state', verdict.reason));
    } else if (settings.disabledRules.has(verdict.rule)) {
      kept.push(keptFrom({ ...base, rule: verdict.rule }, 'ruleDisabled', `rule ${verdict.rule} is switched off (${verdict.reason})`));
    } else if (ids.some((id) => protectedIds.has(id))) {
      kept.push(keptFrom({ ...base, rule: verdict.rule }, 'protected', `protected by configuration (${verdict.reason})`));
    } else if (entry) {
      kept.push(keptFrom({ ...base, rule: verdict.rule }, 'protected', `protected by the registry: ${describeProtection(entry)} (${verdict.reason})`));
    } else {
      const lapsed = registry.expired.find((p) => p.projectId !== undefined || p.projectName !== undefined || ids.includes(p.resourceId ?? ''));
      stale.push({
        ...base,
        ref: o.ref,
        rule: verdict.rule,
        reason: lapsed ? `${verdict.reason}; its protection has expired (${describeProtection(lapsed)})` : verdict.reason,
        evidence: { state: o.state, fields: o.fields, ...(o.parent ? { parent: o.parent } : {}) },
      });
    }
  }
  return { stale, kept, serviceEndpoints, leavingEndpoints, holdMarks, suspectedFaults };
}

/**
 * Applies the grace periods, then the service rule and the cap. `sightings[i]` is the ledger's memory of
 * `stale[i]`; without a ledger (undefined) only rules with no grace period may plan, and age rules never.
 */
export function admit(findings: StaleFindings, settings: PlanSettings, sightings: readonly (Sighting | undefined)[] | undefined, now: number): Plan {
  const kept = [...findings.kept];
  let admitted: Candidate[] = [];
  findings.stale.forEach((c, i) => {
    const grace = graceFor(settings.grace, c.rule);
    const seen = sightings?.[i];
    if (!seen) {
      if (grace === 0 && !AGE_RULES.has(c.rule)) admitted.push(c);
      else kept.push(keptFrom(c, 'grace', `waiting: no ledger (LEDGER_TABLE) to measure the ${formatDuration(grace)} grace period of rule ${c.rule} (${c.reason})`));
      return;
    }
    const times = { firstSeenAt: new Date(seen.firstSeenAt).toISOString(), eligibleAt: new Date(seen.firstSeenAt + grace).toISOString() };
    if (now >= seen.firstSeenAt + grace) admitted.push({ ...c, ...times });
    else {
      const sweeps = seen.sweeps === 1 ? '1 sweep' : `${seen.sweeps} sweeps`;
      kept.push(keptFrom(c, 'grace', `marked: stale since ${times.firstSeenAt} (${sweeps}); rule ${c.rule} waits ${formatDuration(grace)} (${c.reason})`, times));
    }
  });
  admitted = blockServicesWithRemainingEndpoints(admitted, kept, findings);
  const plan: Plan = { candidates: admitted, kept };
  if (admitted.length > settings.maxDeletionsPerRun) {
    holdForCap(plan, `not planned: ${admitted.length} candidates exceed the cap of ${settings.maxDeletionsPerRun} deletions per run`);
    plan.capExceeded = { found: admitted.length, cap: settings.maxDeletionsPerRun };
  }
  return plan;
}

/** A cap reached plans nothing: every candidate of the plan is kept, with cause `cap` and the reason. */
export function holdForCap(plan: Plan, reason: string): void {
  holdCandidates(plan, () => true, 'cap', reason);
}

/** Moves the candidates `which` selects from the plan to its kept list, with a cause and a reason. */
export function holdCandidates(plan: Plan, which: (c: Candidate) => boolean, cause: KeptCause, reason: string): void {
  plan.kept.push(...plan.candidates.filter(which).map((c) => keptFrom(c, cause, reason)));
  plan.candidates = plan.candidates.filter((c) => !which(c));
}

/**
 * Atlas refuses to delete a service that still has endpoints: a resource that lists dependents is planned
 * only when every one of them is planned too (or is gone), else its job would only wait and end
 * dead-lettered.
 */
function blockServicesWithRemainingEndpoints(admitted: Candidate[], kept: Kept[], findings: StaleFindings): Candidate[] {
  const going = new Set(admitted.filter((c) => isDependentKind(c.kind)).map((c) => c.id));
  const keptEndpoints = new Map(kept.filter((k) => isDependentKind(k.kind)).map((k) => [k.id, k]));
  return admitted.filter((c) => {
    if (!kindOf(c.kind).dependentsOf) return true;
    const staying = (findings.serviceEndpoints.get(c.id) ?? []).filter((id) => !going.has(id) && !findings.leavingEndpoints.has(id));
    if (staying.length === 0) return true;
    const why = staying.map((id) => `${id} (${keptEndpoints.get(id)?.cause ?? 'not scanned'})`).join(', ');
    kept.push(keptFrom(c, 'blocked', `endpoints that are not being deleted: ${why}; Atlas refuses to delete a service that has endpoints`));
    return false;
  });
}

/** Classify, protect and admit in one step, with no ledger. */
export function planDeletions(observations: readonly Observation[], settings: PlanSettings, now = Date.now(), registry: ProjectProtections = NO_PROTECTIONS): Plan {
  return admit(findStale(observations, settings, registry), settings, undefined, now);
}

export type { Protection };
