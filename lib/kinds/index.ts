export {
  AGE_RULES,
  KIND_NAMES,
  RULE_NAMES,
  beingDeleted,
  kindNameSchema,
  ruleNameSchema,
  deleteRank,
  isDependentKind,
  isRuleName,
  kindOf,
  registerKind,
  unregisterKind,
} from './registry';
export { v1AsEndpointService } from './endpoint-services';
export { describeError, fieldsOf, keep, remove } from './common';
export { UnprovenNotFoundError, projectParent, readOrGone, whyNotEvidence } from './evidence';
export type {
  Classification,
  IdField,
  KindName,
  Observation,
  ResourceKind,
  ResourceRef,
  RuleName,
  RuleSpec,
  ScanContext,
} from './types';
