export { PLAN_FORMAT, buildPlan, canonicalJson, planDigest, planDocumentSchema, type PlanDocument, type PlanInput, type PlanItem } from './plan-document';
export {
  PlanRefusedError,
  alreadyAppliedMessage,
  applyEventSchema,
  applyRequestSchema,
  approvedJobs,
  claimsToBeApply,
  parseApplyEvent,
  parsePlan,
  planDeduplicationId,
  type ApplyContext,
  type ApplyRequest,
  type ApplyResult,
  type ApprovedJobs,
  type PlanApproval,
  type RefusalCause,
} from './apply';
