import * as z from 'zod';
import { networkPeering } from './network-peering';
import { privateEndpoint } from './private-endpoint';
import { privateEndpointService } from './private-endpoint-service';
import { streamsPrivateLink } from './streams-private-link';
import type { KindName, Observation, ResourceKind, RuleName, RuleSpec } from './types';

const kinds = new Map<KindName, ResourceKind>();

/**
 * Kind names in registration order, rule names and age rules, all derived from the registered kinds.
 * They are live views: `registerKind` extends them, so every list of kinds in lib/ is this one.
 */
export const KIND_NAMES: readonly KindName[] = [];
export const RULE_NAMES: readonly RuleName[] = [];
export const AGE_RULES: ReadonlySet<RuleName> = new Set();

/**
 * Adds a kind. The four built-in kinds are registered below; a test registers a fixture kind the same
 * way, without touching production files. A name or rule already taken is refused: two kinds must never
 * answer for one job.
 */
export function registerKind(kind: ResourceKind): void {
  if (kinds.has(kind.name)) throw new Error(`kind ${kind.name} is already registered`);
  const taken = kind.rules.find((rule) => (RULE_NAMES as readonly string[]).includes(rule.name));
  if (taken) throw new Error(`rule ${taken.name} of kind ${kind.name} is already a rule of another kind`);
  const unknown = kind.deleteAfter.find((name) => !kinds.has(name));
  if (unknown) throw new Error(`kind ${kind.name} is deleted after ${unknown}, which is not registered`);
  kinds.set(kind.name, kind);
  (KIND_NAMES as KindName[]).push(kind.name);
  for (const rule of kind.rules) {
    (RULE_NAMES as RuleName[]).push(rule.name);
    if (rule.age) (AGE_RULES as Set<RuleName>).add(rule.name);
  }
}

/** Removes a kind a test registered; the built-in kinds stay. */
export function unregisterKind(name: KindName): void {
  const kind = kinds.get(name);
  if (!kind || BUILT_IN.includes(kind)) return;
  kinds.delete(name);
  (KIND_NAMES as KindName[]).splice(KIND_NAMES.indexOf(name), 1);
  for (const rule of kind.rules) {
    (RULE_NAMES as RuleName[]).splice(RULE_NAMES.indexOf(rule.name), 1);
    (AGE_RULES as Set<RuleName>).delete(rule.name);
  }
}

export function isKindName(name: string): name is KindName {
  return kinds.has(name);
}

export function isRuleName(name: string): name is RuleName {
  return (RULE_NAMES as readonly string[]).includes(name);
}

export function kindOf(name: KindName): ResourceKind {
  const kind = kinds.get(name);
  if (!kind) throw new TypeError(`unknown resource kind ${name}`);
  return kind;
}

/** The rule of that name, from the kind that owns it; undefined for a name no registered kind has. */
export function ruleSpec(name: string): RuleSpec | undefined {
  for (const kind of kinds.values()) {
    const rule = kind.rules.find((r) => r.name === name);
    if (rule) return rule;
  }
  return undefined;
}

/**
 * The id a person knows a resource by, for reports and history: the kind's last id field is the
 * resource's own (an endpoint's `endpointId`, not its service's). Empty when the ids lack it.
 */
export function displayIdOf(kind: KindName, ids: Readonly<Record<string, string>>): string {
  const own = kindOf(kind).idFields.at(-1);
  return (own && ids[own.name]) ?? '';
}

/**
 * Queue order within a project: a kind goes after every kind it is deleted after (an endpoint service
 * after its endpoints); kinds with nothing between them keep the order they were found in.
 */
export function deleteRank(name: KindName): number {
  const after = kindOf(name).deleteAfter;
  return after.length === 0 ? 0 : 1 + Math.max(...after.map(deleteRank));
}

/** Kinds some other kind is deleted after (endpoints): theirs are the dependents a parent lists. */
export function isDependentKind(name: KindName): boolean {
  return [...kinds.values()].some((kind) => kind.deleteAfter.includes(name));
}

/** Atlas is already removing it: a delete request was taken, or its kind's state says so. */
export function beingDeleted(o: Observation): boolean {
  return o.fields['deleteRequested'] === true || kindOf(o.ref.kind).deletingStates.has(o.state);
}

/** Registration order is the order scans list kinds and reports name them. */
const BUILT_IN: readonly ResourceKind[] = [privateEndpoint, privateEndpointService, networkPeering, streamsPrivateLink];
for (const kind of BUILT_IN) registerKind(kind);

/** A kind name from outside (a message, the environment): one of the registered kinds. */
export const kindNameSchema = z.string().refine(isKindName, { error: () => `must be one of ${KIND_NAMES.join(', ')}` });

/** A rule name from outside: a rule of one of the registered kinds. */
export const ruleNameSchema = z.string().refine(isRuleName, { error: () => `must be one of ${RULE_NAMES.join(', ')}` });
