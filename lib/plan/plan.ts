import type { Provider } from '../atlas';
import { kindOf, type KindName, type Observation, type ResourceRef, type RuleName } from '../kinds';

export interface PlanSettings {
  disabledRules: ReadonlySet<RuleName>;
  protectedResourceIds: ReadonlySet<string>;
  /** More candidates than this in one run: plan nothing and say so. */
  maxDeletionsPerRun: number;
}

/** A resource planned for deletion, with the rule that matched and the state that made it match. */
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
}

/** What the scan saw: enough to tell, later, whether the resource still qualifies. */
export interface Evidence {
  state: string;
  fields: Record<string, unknown>;
  parent?: { id: string; status: string } | undefined;
}

/** Why a resource was kept: its kind said so, a switched-off rule, a protection, or the cap. */
export type KeptCause = 'state' | 'ruleDisabled' | 'protected' | 'cap';

export interface Kept {
  projectId: string;
  kind: KindName;
  provider: Provider | undefined;
  id: string;
  state: string;
  cause: KeptCause;
  reason: string;
}

export interface Plan {
  candidates: Candidate[];
  kept: Kept[];
  /** Set when the cap stopped the plan: candidates is then empty. */
  capExceeded?: { found: number; cap: number } | undefined;
}

/**
 * Classifies every observation and applies the protections. Never plans a resource whose kind says keep,
 * whose rule is switched off, or whose id (or any of its ids) is protected.
 */
export function planDeletions(observations: readonly Observation[], settings: PlanSettings): Plan {
  const protectedIds = new Set([...settings.protectedResourceIds].map((id) => id.toLowerCase()));
  const candidates: Candidate[] = [];
  const kept: Kept[] = [];
  for (const o of observations) {
    const verdict = kindOf(o.ref.kind).classify(o);
    const base = { projectId: o.ref.projectId, kind: o.ref.kind, provider: o.ref.provider, id: o.id, state: o.state };
    if (verdict.verdict === 'keep' || !verdict.rule) {
      kept.push({ ...base, cause: 'state', reason: verdict.reason });
    } else if (settings.disabledRules.has(verdict.rule)) {
      kept.push({ ...base, cause: 'ruleDisabled', reason: `rule ${verdict.rule} is switched off (${verdict.reason})` });
    } else if (isProtected(o, protectedIds)) {
      kept.push({ ...base, cause: 'protected', reason: `protected by configuration (${verdict.reason})` });
    } else {
      candidates.push({
        ...base,
        ref: o.ref,
        rule: verdict.rule,
        reason: verdict.reason,
        evidence: { state: o.state, fields: o.fields, ...(o.parent ? { parent: o.parent } : {}) },
      });
    }
  }
  if (candidates.length > settings.maxDeletionsPerRun) {
    const reason = `not planned: ${candidates.length} candidates exceed the cap of ${settings.maxDeletionsPerRun} deletions per run`;
    return {
      candidates: [],
      kept: [...kept, ...candidates.map(({ projectId, kind, provider, id, state }) => ({ projectId, kind, provider, id, state, cause: 'cap' as const, reason }))],
      capExceeded: { found: candidates.length, cap: settings.maxDeletionsPerRun },
    };
  }
  return { candidates, kept };
}

/** Ids are compared without case: Azure resource ids are case-insensitive, and the others are lowercase. */
function isProtected(o: Observation, protectedIds: ReadonlySet<string>): boolean {
  if (protectedIds.size === 0) return false;
  return [o.id, ...Object.values(o.ref.ids)].some((id) => protectedIds.has(id.toLowerCase()));
}
