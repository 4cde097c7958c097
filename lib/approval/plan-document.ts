import { createHash } from 'node:crypto';
import * as z from 'zod';
import { deleteJobSchema, sweepIdSchema, type DeleteJob } from '../jobs';
import type { AtlasScope, ReportCandidate } from '../report';

/** The format a plan file says it is in: a reader refuses any other. */
export const PLAN_FORMAT = 'atlas-janitor/plan@1';

const iso = z.iso.datetime({ message: 'must be an ISO 8601 date-time' });

/** One planned deletion: the job the worker would run, and what a person reads to approve it. */
const planItemSchema = z
  .object({
    /** The resource's id as reports show it. */
    id: z.string().min(1).max(1024),
    projectName: z.string().max(256).optional(),
    /** The rule's reason, in words. */
    reason: z.string().max(4096),
    /** When the project's scan read what the evidence holds. */
    readAt: iso,
    /** The delete job as approval enqueues it: its rule, ids and evidence (state, fields read, parent's state). */
    job: deleteJobSchema,
  })
  .strict();

export type PlanItem = z.output<typeof planItemSchema>;

export const planDocumentSchema = z
  .object({
    format: z.literal(PLAN_FORMAT),
    planId: sweepIdSchema,
    atlas: z
      .object({
        baseUrl: z.string().min(1).max(4096),
        organizations: z.array(z.object({ id: z.string().max(64), name: z.string().max(256).optional() }).strict()).max(10_000),
      })
      .strict(),
    madeAt: iso,
    expiresAt: iso,
    requestedBy: z.string().max(256).optional(),
    items: z.array(planItemSchema).max(10_000),
    digest: z.string().regex(/^[a-f0-9]{64}$/, 'must be 64 lowercase hexadecimal characters'),
  })
  .strict()
  .describe('a plan (format, planId, atlas, madeAt, expiresAt, items, digest)');

export type PlanDocument = z.output<typeof planDocumentSchema>;

/**
 * JSON with every object's keys sorted and no whitespace: the same content always gives the same bytes,
 * whatever order a writer put its keys in. Undefined members are left out, as JSON.stringify does.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/** SHA-256 (hex) of the plan's canonical JSON without its digest: any change to its content changes it. */
export function planDigest(plan: Omit<PlanDocument, 'digest'> & { digest?: string | undefined }): string {
  const { digest: _digest, ...content } = plan;
  return createHash('sha256').update(canonicalJson(content)).digest('hex');
}

export interface PlanInput {
  planId: string;
  atlas: AtlasScope;
  madeAt: number;
  ttlMs: number;
  requestedBy?: string | undefined;
  /** The run's planned candidates (for their reason and shown id) and jobs, matched by job id. */
  candidates: readonly ReportCandidate[];
  jobs: readonly DeleteJob[];
  projectNames: ReadonlyMap<string, string>;
}

/** A plan from a plan-mode run: every job the run planned, with what a person needs to approve it, and its digest. */
export function buildPlan(input: PlanInput): PlanDocument {
  const byJob = new Map(input.candidates.map((c) => [c.jobId, c]));
  const items: PlanItem[] = input.jobs.map((job) => {
    const candidate = byJob.get(job.jobId);
    const projectName = input.projectNames.get(job.projectId);
    return {
      id: candidate?.id ?? Object.values(job.ids).at(-1) ?? job.jobId,
      ...(projectName ? { projectName } : {}),
      reason: candidate?.reason ?? job.rule,
      readAt: job.plannedAt ?? new Date(input.madeAt).toISOString(),
      job,
    };
  });
  const content = {
    format: PLAN_FORMAT,
    planId: input.planId,
    atlas: { baseUrl: input.atlas.baseUrl, organizations: input.atlas.organizations.map((o) => ({ id: o.id, ...(o.name !== undefined ? { name: o.name } : {}) })) },
    madeAt: new Date(input.madeAt).toISOString(),
    expiresAt: new Date(input.madeAt + input.ttlMs).toISOString(),
    ...(input.requestedBy ? { requestedBy: input.requestedBy } : {}),
    items,
  } satisfies Omit<PlanDocument, 'digest'>;
  return { ...content, digest: planDigest(content) };
}
