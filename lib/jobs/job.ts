import { createHash } from 'node:crypto';
import * as z from 'zod';
import { API_GENERATIONS, ID_FORMATS, PROVIDERS, type ApiGeneration, type Provider } from '../atlas';
import { MODES } from '../config';
import { hasIdFormat, isKindName, kindNameSchema, kindOf, ruleNameSchema, type ResourceRef } from '../kinds';
import type { Candidate } from '../plan';
import { sweepIdSchema } from './sweep-id';

const objectId = z.string().regex(ID_FORMATS.objectId, 'must be 24 lowercase hexadecimal characters');

/** A delete job as it travels on the delete queue. */
export const deleteJobSchema = z
  .object({
    type: z.literal('delete'),
    jobId: z.string().regex(/^[a-f0-9]{64}$/, 'must be 64 lowercase hexadecimal characters'),
    projectId: objectId,
    kind: kindNameSchema,
    provider: z.enum(PROVIDERS).optional(),
    ids: z.record(z.string(), z.string().min(1).max(512)),
    rule: ruleNameSchema,
    evidence: z.object({
      state: z.string(),
      fields: z.record(z.string(), z.unknown()),
      parent: z.object({ id: z.string(), status: z.string() }).optional(),
    }),
    apiVersion: z.enum(API_GENERATIONS),
    sweepId: sweepIdSchema,
    /** A job deletes only when it says `enforce` and the worker is configured to enforce. */
    mode: z.enum(MODES).default('dry-run'),
    /** The secret whose credentials see this project; absent: the worker's default credentials. */
    secretId: z.string().min(1).max(2048).optional(),
    plannedAt: z.iso.datetime().optional(),
    requestedBy: z.string().max(256).optional(),
    /**
     * The approved plan the job comes from: the worker deletes only if what it reads still matches the
     * job's evidence (same state, same parent state), else the job ends drifted.
     */
    planId: sweepIdSchema.optional(),
    /** Times the job was sent again because its endpoint service still had endpoints. */
    deferrals: z.number().int().min(0).max(10_000).optional(),
  })
  .strict()
  .superRefine((job, ctx) => {
    // zod runs this even when `kind` failed its own check: an unknown kind (`widget`, `__proto__`) is
    // that field's error, named once, never a TypeError that would send the job round again.
    if (!isKindName(job.kind)) return;
    const kind = kindOf(job.kind);
    for (const { name } of kind.idFields) {
      if (!job.ids[name]) ctx.addIssue({ code: 'custom', path: ['ids', name], message: `is required for ${job.kind}` });
    }
    const formats = new Map(kind.idFields.map((f) => [f.name, f.format]));
    for (const key of Object.keys(job.ids)) {
      if (!formats.has(key)) ctx.addIssue({ code: 'custom', path: ['ids', key], message: `is not an id of ${job.kind}` });
    }
    if (kind.needsProvider && !job.provider) ctx.addIssue({ code: 'custom', path: ['provider'], message: `is required for ${job.kind}` });
    for (const [key, value] of Object.entries(job.ids)) {
      const format = formats.get(key);
      if (format && !hasIdFormat(format, job.provider, value)) ctx.addIssue({ code: 'custom', path: ['ids', key], message: 'has the wrong format' });
    }
    if (job.jobId !== jobIdFor(refOf(job))) {
      ctx.addIssue({ code: 'custom', path: ['jobId'], message: 'does not match the resource it names' });
    }
  });

export type DeleteJob = z.output<typeof deleteJobSchema>;

/**
 * The job id: a hash of project, kind, provider, resource ids and action. The same resource always gives
 * the same id, so SQS FIFO deduplication and the worker's idempotence key on it.
 */
export function jobIdFor(ref: ResourceRef, action = 'delete'): string {
  const ids = Object.entries(ref.ids).sort(([a], [b]) => a.localeCompare(b));
  return createHash('sha256')
    .update(JSON.stringify([ref.projectId, ref.kind, ref.provider ?? null, ids, action]))
    .digest('hex');
}

export function refOf(job: Pick<DeleteJob, 'projectId' | 'kind' | 'provider' | 'ids'>): ResourceRef {
  return { projectId: job.projectId, kind: job.kind, provider: job.provider as Provider | undefined, ids: job.ids };
}

export interface JobContext {
  sweepId: string;
  mode: (typeof MODES)[number];
  apiVersion: ApiGeneration;
  secretId?: string | undefined;
  requestedBy?: string | undefined;
  now: Date;
}

export function jobFor(candidate: Candidate, context: JobContext): DeleteJob {
  return {
    type: 'delete',
    jobId: jobIdFor(candidate.ref),
    projectId: candidate.projectId,
    kind: candidate.kind,
    ...(candidate.provider ? { provider: candidate.provider } : {}),
    ids: candidate.ref.ids,
    rule: candidate.rule,
    evidence: candidate.evidence,
    apiVersion: context.apiVersion,
    sweepId: context.sweepId,
    mode: context.mode,
    ...(context.secretId ? { secretId: context.secretId } : {}),
    ...(context.requestedBy ? { requestedBy: context.requestedBy } : {}),
    plannedAt: context.now.toISOString(),
  };
}
