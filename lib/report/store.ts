import * as z from 'zod';
import { s3Commands, type S3Sender } from '../aws/clients';
import { SWEEP_ID_FORMAT } from '../jobs';
import { MODES, type Mode } from '../config';
import type { AtlasScope, ScanReport } from './report';

/**
 * Reports in the stack's S3 bucket. Keys:
 *   pending/{sweepId}.json                   the sweep's manifest, until its page is assembled
 *   reports/{sweepId}/projects/{projectId}.json  one scan's report (a retried scan overwrites it)
 *   reports/{sweepId}/index.html, report.json  the sweep's page and its merged report
 *   reports/{sweepId}/plan.json              a plan-mode sweep's plan, beside its page
 *   applied/{sweepId}.json                   an applied plan's or enforce sweep's page that waits for its jobs' outcomes
 * Each function's role is limited to the prefixes it writes or reads (serverless.yml).
 */

/** What the queued sweep knew when it queued its scans: enough to tell when they are all done. */
export interface SweepManifest {
  sweepId: string;
  mode: Mode;
  startedAt: string;
  /** The Atlas the sweep read: its base URL and the organizations of its projects. */
  atlas?: AtlasScope | undefined;
  projectIds: string[];
  projectsSeen: number;
  skipped: { projectId: string; name: string; reason: string }[];
  errors: { projectId?: string | undefined; id?: string | undefined; message: string }[];
  apiCalls: { total: number; auth: number };
  /** Registry entries that had expired when the sweep started: its page names them, seen or not. */
  expiredProtections?: { selector: string; owner: string; reason: string; expiredAt: string }[] | undefined;
}

const PROJECT_ID = /^[a-f0-9]{24}$/;

const manifestSchema = z.object({
  sweepId: z.string().regex(SWEEP_ID_FORMAT),
  mode: z.enum(MODES),
  startedAt: z.iso.datetime(),
  atlas: z.object({ baseUrl: z.string(), organizations: z.array(z.object({ id: z.string(), name: z.string().optional() })) }).optional(),
  projectIds: z.array(z.string().regex(PROJECT_ID)),
  projectsSeen: z.number().int().min(0),
  skipped: z.array(z.object({ projectId: z.string(), name: z.string(), reason: z.string() })),
  errors: z.array(z.object({ projectId: z.string().optional(), id: z.string().optional(), message: z.string() })),
  apiCalls: z.object({ total: z.number().int().min(0), auth: z.number().int().min(0) }),
  expiredProtections: z.array(z.object({ selector: z.string(), owner: z.string(), reason: z.string(), expiredAt: z.string() })).optional(),
});

/** The parts of a stored project report the page needs; anything else it holds passes through. */
const projectReportSchema = z.looseObject({
  sweepId: z.string(),
  mode: z.enum(MODES),
  projects: z.array(z.looseObject({ projectId: z.string(), seen: z.number(), candidates: z.number(), kept: z.number(), errors: z.number(), apiCalls: z.number(), durationMs: z.number() })),
  candidates: z.array(z.looseObject({ projectId: z.string(), kind: z.string(), id: z.string(), rule: z.string(), state: z.string(), reason: z.string(), jobId: z.string() })),
  kept: z.array(z.looseObject({ projectId: z.string(), kind: z.string(), id: z.string(), state: z.string(), cause: z.string(), reason: z.string() })),
  errors: z.array(z.looseObject({ message: z.string() })),
  enqueued: z.number(),
  apiCalls: z.object({ total: z.number(), auth: z.number() }),
  durationMs: z.number(),
});

export class ReportStoreError extends Error {
  override readonly name = 'ReportStoreError';
}

function checkSweepId(sweepId: string): string {
  if (!SWEEP_ID_FORMAT.test(sweepId)) throw new ReportStoreError(`sweepId ${JSON.stringify(sweepId.slice(0, 40))} cannot name a report (letters, digits, . _ - only)`);
  return sweepId;
}

function checkProjectId(projectId: string): string {
  if (!PROJECT_ID.test(projectId)) throw new ReportStoreError('projectId must be 24 lowercase hexadecimal characters');
  return projectId;
}

export const reportKeys = {
  manifest: (sweepId: string) => `pending/${checkSweepId(sweepId)}.json`,
  project: (sweepId: string, projectId: string) => `reports/${checkSweepId(sweepId)}/projects/${checkProjectId(projectId)}.json`,
  projects: (sweepId: string) => `reports/${checkSweepId(sweepId)}/projects/`,
  page: (sweepId: string) => `reports/${checkSweepId(sweepId)}/index.html`,
  merged: (sweepId: string) => `reports/${checkSweepId(sweepId)}/report.json`,
  plan: (sweepId: string) => `reports/${checkSweepId(sweepId)}/plan.json`,
  applied: (planId: string) => `applied/${checkSweepId(planId)}.json`,
};

export interface PageLocation {
  s3Uri: string;
  /** The object's page in the AWS console, from where "Open" shows it in the browser. */
  consoleUrl: string;
}

export class ReportStore {
  constructor(
    private readonly s3: S3Sender,
    readonly bucket: string,
    private readonly region: string,
  ) {}

  where(sweepId: string): PageLocation {
    const key = reportKeys.page(sweepId);
    return {
      s3Uri: `s3://${this.bucket}/${key}`,
      consoleUrl: `https://s3.console.aws.amazon.com/s3/object/${this.bucket}?region=${encodeURIComponent(this.region)}&prefix=${encodeURIComponent(key)}`,
    };
  }

  async putManifest(manifest: SweepManifest): Promise<void> {
    await this.#put(reportKeys.manifest(manifest.sweepId), JSON.stringify(manifestSchema.parse(manifest)), 'application/json');
  }

  async putProjectReport(projectId: string, report: ScanReport): Promise<void> {
    await this.#put(reportKeys.project(report.sweepId, projectId), JSON.stringify(report), 'application/json');
  }

  async putPage(sweepId: string, html: string, merged: unknown): Promise<void> {
    // The merged JSON first: a page in place is the sign the sweep is finished.
    await this.#put(reportKeys.merged(sweepId), JSON.stringify(merged), 'application/json');
    await this.#put(reportKeys.page(sweepId), html, 'text/html; charset=utf-8');
  }

  /** A plan beside its page; written before the page, so a page that offers approval always has its plan. */
  async putPlan(planId: string, plan: unknown): Promise<void> {
    await this.#put(reportKeys.plan(planId), JSON.stringify(plan, null, 1), 'application/json');
  }

  /** The plan's stored text, undefined when there is none (the caller validates it). */
  async plan(planId: string): Promise<string | undefined> {
    return this.#getIfAny(reportKeys.plan(planId));
  }

  /** A sweep's merged report as its page was made from it. */
  async mergedReport(sweepId: string): Promise<ScanReport> {
    const parsed = projectReportSchema.safeParse(JSON.parse(await this.#get(reportKeys.merged(sweepId))));
    if (!parsed.success) throw new ReportStoreError(`the report of ${sweepId} is malformed: ${parsed.error.issues[0]?.path.join('.')} ${parsed.error.issues[0]?.message}`);
    return parsed.data as unknown as ScanReport;
  }

  /** Marks an applied plan whose page the report function brings up to date with its jobs' outcomes. */
  async putApplied(planId: string, approval: unknown): Promise<void> {
    await this.#put(reportKeys.applied(planId), JSON.stringify(approval), 'application/json');
  }

  async appliedPlans(): Promise<string[]> {
    const keys = await this.#list('applied/');
    return keys.map((k) => /^applied\/(.+)\.json$/.exec(k)?.[1]).filter((id): id is string => id !== undefined && SWEEP_ID_FORMAT.test(id));
  }

  async finishApplied(planId: string): Promise<void> {
    const { DeleteObjectCommand } = await s3Commands();
    await this.s3.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: reportKeys.applied(planId) }));
  }

  /** Sweeps whose page is not assembled yet. */
  async pendingSweeps(): Promise<string[]> {
    const keys = await this.#list('pending/');
    return keys.map((k) => /^pending\/(.+)\.json$/.exec(k)?.[1]).filter((id): id is string => id !== undefined && SWEEP_ID_FORMAT.test(id));
  }

  async manifest(sweepId: string): Promise<SweepManifest> {
    const parsed = manifestSchema.safeParse(JSON.parse(await this.#get(reportKeys.manifest(sweepId))));
    if (!parsed.success) throw new ReportStoreError(`the manifest of ${sweepId} is malformed: ${parsed.error.issues[0]?.path.join('.')} ${parsed.error.issues[0]?.message}`);
    return parsed.data;
  }

  /** Projects of a sweep whose report is stored. */
  async storedProjects(sweepId: string): Promise<Set<string>> {
    const prefix = reportKeys.projects(sweepId);
    const keys = await this.#list(prefix);
    return new Set(keys.map((k) => /^([a-f0-9]{24})\.json$/.exec(k.slice(prefix.length))?.[1]).filter((id): id is string => id !== undefined));
  }

  async projectReport(sweepId: string, projectId: string): Promise<ScanReport> {
    const parsed = projectReportSchema.safeParse(JSON.parse(await this.#get(reportKeys.project(sweepId, projectId))));
    if (!parsed.success) throw new ReportStoreError(`the report of project ${projectId} is malformed: ${parsed.error.issues[0]?.path.join('.')} ${parsed.error.issues[0]?.message}`);
    return parsed.data as unknown as ScanReport;
  }

  async finish(sweepId: string): Promise<void> {
    const { DeleteObjectCommand } = await s3Commands();
    await this.s3.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: reportKeys.manifest(sweepId) }));
  }

  async #put(key: string, body: string, contentType: string): Promise<void> {
    const { PutObjectCommand } = await s3Commands();
    await this.s3.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentType: contentType }));
  }

  async #get(key: string): Promise<string> {
    const { GetObjectCommand } = await s3Commands();
    const answer = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
    if (!answer.Body) throw new ReportStoreError(`s3://${this.bucket}/${key} has no body`);
    return answer.Body.transformToString('utf-8');
  }

  async #getIfAny(key: string): Promise<string | undefined> {
    try {
      return await this.#get(key);
    } catch (error) {
      const name = (error as { name?: string }).name;
      if (name === 'NoSuchKey' || name === 'NotFound') return undefined;
      throw error;
    }
  }

  async #list(prefix: string): Promise<string[]> {
    const { ListObjectsV2Command } = await s3Commands();
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.s3.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken: token }));
      for (const o of page.Contents ?? []) if (o.Key) keys.push(o.Key);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return keys;
  }
}
