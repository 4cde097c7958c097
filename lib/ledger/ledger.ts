import type { KindName, RuleName } from '../kinds';
import type { Sighting } from '../plan';

/** A stale resource as the ledger marks it. `key` is its job id: the same resource, the same key. */
export interface StaleSighting {
  key: string;
  kind: KindName;
  provider: string | undefined;
  id: string;
  rule: RuleName;
  state: string;
}

export interface Mark extends Sighting {
  projectId: string;
  key: string;
  kind: KindName;
  id: string;
  rule: RuleName;
  state: string;
}

/** One try of a delete job, as the worker saw it. */
export interface Attempt {
  at: string;
  outcome: string;
  receiveCount?: number | undefined;
  note?: string | undefined;
  errorCode?: string | undefined;
  status?: number | undefined;
}

/** A job's history: planned, each attempt, the outcome, and the evidence seen before deletion. */
export interface JobHistory {
  projectId: string;
  sweepId: string;
  jobId: string;
  kind: KindName;
  provider?: string | undefined;
  resourceId: string;
  rule: RuleName;
  plannedAt: string;
  /** The Atlas object as the scan saw it, JSON: enough to investigate or re-create it. */
  evidence: string;
  attempts: Attempt[];
  outcome: string;
  /** True once the job is acknowledged (deleted, gone, skipped, dead-lettered). */
  final: boolean;
  /** For a job of an approved plan: the plan, and who approved it. */
  planId?: string | undefined;
  approvedBy?: string | undefined;
}

/** The one record of a plan's approval: who approved which digest when, and what was left out. */
export interface PlanApprovalRecord {
  planId: string;
  digest: string;
  approvedBy: string;
  at: string;
  excluded: string[];
  jobIds: string[];
}

/**
 * Memory the janitor keeps between sweeps, because Atlas gives no timestamps for these resources:
 * when each stale resource was first and last seen stale (marks), and what became of each job (history).
 */
export interface Ledger {
  /** Marks each stale resource as seen by this sweep at `at`; returns the marks, in input order. */
  markStale(projectId: string, sweepId: string, stale: readonly StaleSighting[], at: number): Promise<Mark[]>;
  /** The project's marks. */
  marks(projectId: string): Promise<Mark[]>;
  /** Removes marks of resources seen healthy (or gone) at `at`, unless a later sighting marked them again. */
  unmark(projectId: string, keys: readonly string[], at: number): Promise<void>;
  recordPlanned(entries: readonly Omit<JobHistory, 'attempts' | 'outcome' | 'final'>[]): Promise<void>;
  /** Appends an attempt; creates the entry when the job was planned elsewhere (a delete request from another system). */
  recordAttempt(job: Omit<JobHistory, 'attempts' | 'outcome' | 'final'>, attempt: Attempt, final: boolean): Promise<void>;
  /**
   * Takes `count` deletions from the sweep's budget of `cap`, all or none: false when the other
   * projects' scans of the sweep already used too much of it. Scans of one sweep run apart, in their own
   * messages; this is the count they share.
   */
  reserveDeletions(sweepId: string, count: number, cap: number, at: number): Promise<boolean>;
  /**
   * Records that Atlas refused a DELETE in the project during the sweep because the credentials lack the
   * role: true for the first record (the one that counts), false when one was already there.
   */
  recordDeleteRefusal(sweepId: string, projectId: string, reason: string, at: number): Promise<boolean>;
  /** The reason recorded for the project's first refused DELETE in the sweep, if one was. */
  deleteRefusal(sweepId: string, projectId: string): Promise<string | undefined>;
  historyByProject(projectId: string): Promise<JobHistory[]>;
  historyBySweep(sweepId: string): Promise<JobHistory[]>;
  /**
   * Records that a plan is applied, once: a conditional write. Returns undefined when this call wrote it,
   * else the approval already recorded (applying twice enqueues nothing again).
   */
  claimPlan(approval: PlanApprovalRecord): Promise<PlanApprovalRecord | undefined>;
  /** Takes back this approval's claim (its jobs could not be enqueued): the plan may be applied again. */
  releasePlan(approval: PlanApprovalRecord): Promise<void>;
  /** The plan's approval, when it was applied. */
  planApproval(planId: string): Promise<PlanApprovalRecord | undefined>;
}
