import { describe, expect, it } from 'vitest';
import { PlanRefusedError, applyRequestSchema, approvedJobs, buildPlan, canonicalJson, parseApplyEvent, parsePlan, planDigest, type PlanDocument } from '../../lib/approval';
import { jobIdFor, type DeleteJob } from '../../lib/jobs';
import { claimAndRun } from '../../lib/run';
import type { ResourceRef } from '../../lib/kinds';

const P = 'a'.repeat(24);
const SERVICE = 'd'.repeat(24);
const VPCE = 'vpce-0123456789abcdef0';
const MADE = Date.parse('2026-12-01T02:00:00.000Z');
const BASE = 'https://cloud.mongodb.com';

function job(ref: ResourceRef, rule: string, state: string, parent?: { id: string; status: string }): DeleteJob {
  return { type: 'delete', jobId: jobIdFor(ref), projectId: ref.projectId, kind: ref.kind, provider: 'AWS', ids: ref.ids, rule, evidence: { state, fields: { status: state }, ...(parent ? { parent } : {}) }, apiVersion: 'v2', sweepId: 'sweep-plan-1', mode: 'plan', plannedAt: '2026-12-01T02:00:01.000Z' };
}

const serviceJob = job({ projectId: P, kind: 'privateEndpointService', provider: 'AWS', ids: { endpointServiceId: SERVICE } }, 'failed-endpoint-service', 'FAILED');
const endpointJob = job({ projectId: P, kind: 'privateEndpoint', provider: 'AWS', ids: { endpointServiceId: SERVICE, endpointId: VPCE } }, 'orphaned-endpoint', 'AVAILABLE', { id: SERVICE, status: 'FAILED' });

function plan(): PlanDocument {
  return buildPlan({
    planId: 'sweep-plan-1',
    atlas: { baseUrl: BASE, organizations: [{ id: 'b'.repeat(24), name: 'Platform' }] },
    madeAt: MADE,
    ttlMs: 72 * 3_600_000,
    candidates: [
      { projectId: P, kind: 'privateEndpoint', provider: 'AWS', id: VPCE, state: 'AVAILABLE', rule: 'orphaned-endpoint', reason: `its endpoint service ${SERVICE} is FAILED`, jobId: endpointJob.jobId },
      { projectId: P, kind: 'privateEndpointService', provider: 'AWS', id: SERVICE, state: 'FAILED', rule: 'failed-endpoint-service', reason: 'status FAILED', jobId: serviceJob.jobId },
    ],
    jobs: [endpointJob, serviceJob],
    projectNames: new Map([[P, 'payments-prod']]),
  });
}

const request = (p: PlanDocument, extra: Partial<{ exclude: string[]; approvedBy: string; digest: string }> = {}) => applyRequestSchema.parse({ planId: p.planId, digest: p.digest, approvedBy: 'ana', ...extra });
const context = { now: MADE + 3_600_000, baseUrl: BASE };

function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (error instanceof PlanRefusedError) return error.refusal;
    throw error;
  }
  return 'accepted';
}

describe('a plan document', () => {
  it('has every planned job with its reason, evidence and when it was read, the Atlas read, and a 72 h life', () => {
    const p = plan();
    expect(p.items.map((i) => [i.id, i.projectName, i.reason, i.readAt, i.job.evidence.parent?.status])).toEqual([
      [VPCE, 'payments-prod', `its endpoint service ${SERVICE} is FAILED`, '2026-12-01T02:00:01.000Z', 'FAILED'],
      [SERVICE, 'payments-prod', 'status FAILED', '2026-12-01T02:00:01.000Z', undefined],
    ]);
    expect([p.madeAt, p.expiresAt]).toEqual(['2026-12-01T02:00:00.000Z', '2026-12-04T02:00:00.000Z']);
    expect(parsePlan(JSON.stringify(p), 'plan.json')).toEqual(p);
  });

  it('has a digest over a canonical form: key order does not change it, any content does', () => {
    const p = plan();
    expect(canonicalJson({ b: 1, a: [{ d: 2, c: undefined }] })).toBe('{"a":[{"d":2}],"b":1}');
    const reordered = Object.fromEntries(Object.entries(p).reverse()) as PlanDocument;
    expect(JSON.stringify(reordered)).not.toBe(JSON.stringify(p));
    expect(planDigest(reordered)).toBe(p.digest);
    expect(planDigest({ ...p, expiresAt: '2026-12-05T02:00:00.000Z' })).not.toBe(p.digest);
    expect(planDigest({ ...p, items: [{ ...p.items[0]!, job: { ...p.items[0]!.job, evidence: { ...p.items[0]!.job.evidence, state: 'REJECTED' } } }, p.items[1]!] })).not.toBe(p.digest);
  });

  it('names the first bad field of a plan file that does not validate', () => {
    expect(() => parsePlan('{', 'plan.json')).toThrow('plan.json is not valid JSON');
    expect(() => parsePlan({ ...plan(), extra: 1 }, 'plan.json')).toThrow('plan.json is not a valid plan: extra: is not a field of a plan');
    expect(() => parsePlan({ ...plan(), digest: 'x' }, 'plan.json')).toThrow(/^plan.json is not a valid plan: digest: must be 64/);
  });
});

describe('approving a plan', () => {
  it('gives exactly the plan\'s jobs as enforce jobs of the plan, approver recorded', () => {
    const p = plan();
    const { jobs, excluded } = approvedJobs(p, request(p), context);
    expect(jobs.map((j) => [j.jobId, j.mode, j.planId, j.requestedBy])).toEqual([endpointJob, serviceJob].map((j) => [j.jobId, 'enforce', 'sweep-plan-1', 'ana']));
    expect(excluded).toEqual([]);
  });

  it('refuses a changed plan, another digest, an expired plan, another Atlas and an unknown exclusion', () => {
    const p = plan();
    expect(refusal(() => approvedJobs({ ...p, items: p.items.slice(1) }, request(p), context))).toBe('tampered');
    expect(refusal(() => approvedJobs(p, request(p, { digest: 'f'.repeat(64) }), context))).toBe('digestMismatch');
    expect(refusal(() => approvedJobs(p, request(p), { ...context, now: Date.parse(p.expiresAt) }))).toBe('expired');
    expect(refusal(() => approvedJobs(p, request(p), { ...context, now: Date.parse(p.expiresAt) - 1 }))).toBe('accepted');
    expect(refusal(() => approvedJobs(p, request(p), { ...context, baseUrl: 'https://cloud.mongodbgov.com' }))).toBe('foreignAtlas');
    expect(refusal(() => approvedJobs(p, request(p, { exclude: ['vpce-ffffffffffffffff0'] }), context))).toBe('unknownExclusion');
    expect(refusal(() => approvedJobs({ ...p, planId: 'other' }, request(p), context))).toBe('wrongPlan');
  });

  it('leaves out rows by resource id or job id, and refuses to leave out an endpoint whose planned service would wait for it', () => {
    const p = plan();
    expect(approvedJobs(p, request(p, { exclude: [SERVICE] }), context)).toMatchObject({ jobs: [{ jobId: endpointJob.jobId }], excluded: [{ jobId: serviceJob.jobId, id: SERVICE }] });
    expect(approvedJobs(p, request(p, { exclude: [serviceJob.jobId, VPCE.toUpperCase()] }), context).jobs).toEqual([]);
    expect(refusal(() => approvedJobs(p, request(p, { exclude: [VPCE] }), context))).toBe('badExclusion');
  });

  it('validates an apply event field by field', () => {
    const digest = 'a'.repeat(64);
    expect(parseApplyEvent({ apply: { planId: 'sweep-1', digest, approvedBy: ' ana ' } })).toEqual({ planId: 'sweep-1', digest, approvedBy: 'ana', exclude: [] });
    expect(() => parseApplyEvent({ apply: { planId: 'sweep-1', digest: 'abc', approvedBy: 'ana' } })).toThrow(/^apply.digest: must be the plan's digest/);
    expect(() => parseApplyEvent({ apply: { planId: 'sweep-1', digest, approvedBy: 'ana', force: true } })).toThrow(/^apply.force: is not a field of an apply request/);
    expect(() => parseApplyEvent({ apply: { planId: '../x', digest, approvedBy: 'ana' } })).toThrow(/^apply.planId: must be 1 to 128/);
    expect(() => parseApplyEvent({ apply: { planId: 'sweep-1', digest } })).toThrow(/^apply.approvedBy:/);
    expect(() => parseApplyEvent({ apply: { planId: 'sweep-1', digest, approvedBy: 'ana' }, inline: true })).toThrow(/^inline: is not a field of an apply event/);
  });
});

describe('claimAndRun', () => {
  const approval = { planId: 'sweep-plan-1', digest: 'a'.repeat(64), approvedBy: 'ana', at: '2026-12-01T03:00:00.000Z', excluded: [], jobIds: ['j1', 'j2'] };
  const ledger = () => {
    const released: string[] = [];
    return { released, claimPlan: async () => undefined, releasePlan: async (a: { planId: string }) => void released.push(a.planId) };
  };

  it('takes the claim back when its jobs failed before any ran, so the plan may be applied again', async () => {
    const l = ledger();
    await expect(claimAndRun(l, approval, () => Promise.reject(new Error('queue down')))).rejects.toThrow('queue down');
    expect(l.released).toEqual(['sweep-plan-1']);
  });

  it('keeps the claim, who approved what ran, when the run fails after jobs started', async () => {
    const l = ledger();
    let started = false;
    const run = async () => {
      started = true;
      throw new Error('stopped after a delete');
    };
    await expect(claimAndRun(l, approval, run, { mayRelease: () => !started })).rejects.toThrow('stopped after a delete');
    expect(l.released).toEqual([]);
  });
});
