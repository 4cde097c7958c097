export { KINDS, kindOf } from './registry';
export { endpointIdsOf } from './private-endpoint';
export { v1AsEndpointService } from './private-endpoint-service';
export {
  AGE_RULES,
  KIND_NAMES,
  RULE_NAMES,
  type Classification,
  type KindName,
  type Observation,
  type ResourceKind,
  type ResourceRef,
  type RuleName,
  type ScanContext,
} from './types';
