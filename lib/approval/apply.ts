import { createHash } from 'node:crypto';
import * as z from 'zod';
import { MessageValidationError, parseMessage, sweepIdSchema, type DeleteJob } from '../jobs';
import type { PlanApprovalRecord } from '../ledger';
import { planDigest, planDocumentSchema, type PlanDocument } from './plan-document';

/** What a person sends to approve a plan: the console event's `apply`, an SQS message's, the CLI's flags. */
export const applyRequestSchema = z
  .object({
    planId: sweepIdSchema,
    digest: z.string().regex(/^[a-f0-9]{64}$/, "must be the plan's digest: 64 lowercase hexadecimal characters"),
    approvedBy: z.string().trim().min(1, 'must name who approves').max(256),
    /** Items left out: a job id or a resource id of the plan. */
    exclude: z.array(z.string().min(1).max(1024)).max(10_000).default([]),
  })
  .strict()
  .describe('an apply request (planId, digest, approvedBy, exclude)');

export type ApplyRequest = z.output<typeof applyRequestSchema>;

export const applyEventSchema = z.object({ apply: applyRequestSchema }).strict().describe('an apply event ({"apply": {planId, digest, approvedBy, exclude}})');

/** True for anything that says it is an apply request (`{"apply": …}`): it is held to that shape, never read as a sweep. */
export function claimsToBeApply(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && 'apply' in value;
}

export type RefusalCause = 'invalidPlan' | 'wrongPlan' | 'tampered' | 'digestMismatch' | 'expired' | 'foreignAtlas' | 'unknownExclusion' | 'badExclusion' | 'notApplicable';

/** An approval refused before anything was enqueued; `refusal` says which check, the message says why in words. */
export class PlanRefusedError extends Error {
  override readonly name = 'PlanRefusedError';
  constructor(
    readonly refusal: RefusalCause,
    message: string,
  ) {
    super(message);
  }
}

/** Reads a stored or written plan: JSON, then the schema; the error names the first bad field. */
export function parsePlan(body: string | unknown, source: string): PlanDocument {
  let value: unknown = body;
  if (typeof body === 'string') {
    try {
      value = JSON.parse(body);
    } catch {
      throw new PlanRefusedError('invalidPlan', `${source} is not valid JSON`);
    }
  }
  const parsed = planDocumentSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const field = issue.code === 'unrecognized_keys' ? [...issue.path.map(String), issue.keys[0]!].join('.') : issue.path.map(String).join('.') || 'plan';
  const why = issue.code === 'unrecognized_keys' ? 'is not a field of a plan' : issue.message;
  throw new PlanRefusedError('invalidPlan', `${source} is not a valid plan: ${field}: ${why}`);
}

export interface ApplyContext {
  now: number;
  /** The base URL this janitor reads now, as `scopeBaseUrl` writes it. */
  baseUrl: string;
}

/** What approving a plan enqueues: the plan's jobs, minus the exclusions, as enforce jobs of the plan. */
export interface ApprovedJobs {
  jobs: DeleteJob[];
  /** The job ids left out, with the resource id each names. */
  excluded: { jobId: string; id: string }[];
}

const short = (digest: string) => `${digest.slice(0, 12)}…`;

/**
 * Every check an approval passes before anything is enqueued, in the order a person would want to hear
 * of them: the plan is intact (its digest is its content's), it is the plan approved (same id and
 * digest), it is not expired, it was made against the Atlas this janitor reads, and every exclusion
 * names one of its items. Throws PlanRefusedError; returns the jobs to enqueue.
 */
export function approvedJobs(plan: PlanDocument, request: ApplyRequest, context: ApplyContext): ApprovedJobs {
  if (plan.planId !== request.planId) throw new PlanRefusedError('wrongPlan', `planId: the plan read is ${plan.planId}, not ${request.planId}`);
  const actual = planDigest(plan);
  if (actual !== plan.digest) {
    throw new PlanRefusedError('tampered', `plan ${plan.planId} was changed after it was made: its content's digest is ${short(actual)}, the digest it carries ${short(plan.digest)}; make a new plan`);
  }
  if (request.digest !== plan.digest) {
    throw new PlanRefusedError('digestMismatch', `digest: ${short(request.digest)} is not the digest of plan ${plan.planId} (${short(plan.digest)}); approve the plan you read`);
  }
  if (context.now >= Date.parse(plan.expiresAt)) {
    throw new PlanRefusedError('expired', `plan ${plan.planId} expired at ${plan.expiresAt} (made ${plan.madeAt}): what it read is too old to act on; make a new plan`);
  }
  if (plan.atlas.baseUrl !== context.baseUrl) {
    throw new PlanRefusedError('foreignAtlas', `plan ${plan.planId} was made against ${plan.atlas.baseUrl}; this janitor reads ${context.baseUrl}`);
  }
  const wanted = new Set(request.exclude.map((x) => x.toLowerCase()));
  const matches = (item: PlanDocument['items'][number]) => wanted.has(item.job.jobId) || wanted.has(item.id.toLowerCase());
  const unknown = request.exclude.filter((x) => !plan.items.some((item) => item.job.jobId === x.toLowerCase() || item.id.toLowerCase() === x.toLowerCase()));
  if (unknown.length > 0) {
    throw new PlanRefusedError('unknownExclusion', `exclude: ${unknown.map((x) => JSON.stringify(x)).join(', ')} is no item of plan ${plan.planId} (give a job id or a resource id from the plan)`);
  }
  // An endpoint left out stays attached: its service, if it goes, would wait for it until it is dead-lettered.
  for (const item of plan.items.filter(matches)) {
    const parent = item.job.evidence.parent?.id;
    const service = parent !== undefined ? plan.items.find((s) => s.id === parent && s.job.projectId === item.job.projectId && !matches(s)) : undefined;
    if (service) {
      throw new PlanRefusedError('badExclusion', `exclude: ${item.id} stays, and its endpoint service ${service.id}, planned too, would wait for it; leave that out as well`);
    }
  }
  return {
    jobs: plan.items.filter((item) => !matches(item)).map((item) => ({ ...item.job, mode: 'enforce', planId: plan.planId, requestedBy: request.approvedBy })),
    excluded: plan.items.filter(matches).map((item) => ({ jobId: item.job.jobId, id: item.id })),
  };
}

/** How a plan's job is deduplicated on the FIFO queue: per plan, so approving one plan is never swallowed by another's job for the same resource. */
export function planDeduplicationId(planId: string, jobId: string): string {
  return createHash('sha256').update(`${planId}\n${jobId}`).digest('hex');
}

/** The record of an approval, written once (a conditional write): who, when, which digest, what was left out. */
export type PlanApproval = PlanApprovalRecord;

/** What an apply request came to. */
export type ApplyResult =
  | { status: 'applied'; approval: PlanApproval; enqueued: number }
  | { status: 'alreadyApplied'; approval: PlanApproval; message: string };

export function alreadyAppliedMessage(approval: PlanApproval): string {
  return `plan ${approval.planId} was already applied (approved by ${approval.approvedBy} at ${approval.at}): nothing enqueued again`;
}

/** An apply request's body (a console event or an SQS message): the error names the first bad field. */
export function parseApplyEvent(body: string | unknown): ApplyRequest {
  return parseMessage(applyEventSchema, body, (path) => (path.length > 0 ? 'an apply request (planId, digest, approvedBy, exclude)' : 'an apply event ({"apply": {…}})')).apply;
}
