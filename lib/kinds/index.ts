export {
  AGE_RULES,
  KIND_NAMES,
  RULE_NAMES,
  beingDeleted,
  kindNameSchema,
  ruleNameSchema,
  deleteRank,
  displayIdOf,
  isDependentKind,
  isKindName,
  isRuleName,
  kindOf,
  registerKind,
  ruleSpec,
  unregisterKind,
} from './registry';
export { INVALID_ID, NOT_FOUND, READ_FAILED } from './states';
export { hasIdFormat, malformedIdOf, screenIds, shownId } from './id-check';
export { LAST_PEER_SETTING } from './network-peering';
export { v1AsEndpointService } from './endpoint-services';
export { describeError, fieldsOf, keep, remove } from './common';
export { UNPROVEN_404_ATTEMPTS, UnprovenNotFoundError, projectParent, readOrGone, whyNotEvidence } from './evidence';
export type {
  Classification,
  IdField,
  KindName,
  Observation,
  ResourceKind,
  ResourceRef,
  RuleName,
  RuleSpec,
  ReadContext,
  SideEffect,
} from './types';
