import type { Mode } from '../config';
import type { KindName } from '../kinds';
import type { Candidate, Kept, KeptCause } from '../plan';

export interface ReportError {
  projectId?: string | undefined;
  kind?: KindName | undefined;
  id?: string | undefined;
  message: string;
  errorCode?: string | undefined;
  status?: number | undefined;
  /** Set when no retry will fix it: Atlas refused the credentials, or the configuration cannot use them. */
  fatal?: 'credentials' | 'configuration' | undefined;
}

/** A planned deletion as reports show it: the candidate without its addressing and evidence, plus its job id. */
export type ReportCandidate = Omit<Candidate, 'ref' | 'evidence'> & { jobId: string };

export interface ProjectSummary {
  projectId: string;
  projectName?: string | undefined;
  seen: number;
  candidates: number;
  kept: number;
  errors: number;
  apiCalls: number;
  durationMs: number;
  capExceeded?: { found: number; cap: number } | undefined;
}

/** What one run saw, planned and did. Returned by inline scans and logged one line per project. */
export interface ScanReport {
  sweepId: string;
  mode: Mode;
  projects: ProjectSummary[];
  candidates: ReportCandidate[];
  /**
   * What was kept and why: every entry in a project's report; in a sweep's report a sample, at most
   * KEPT_SAMPLE_PER_GROUP of each page group (ReportMerger), so failed reads are listed among many healthy
   * entries. The full list of an inline sweep goes to the log, one line per project.
   */
  kept: Kept[];
  /** Every kept resource of the run, sampled or not. */
  keptTotal: number;
  /** Kept resources per cause, every one counted. */
  keptByCause: Partial<Record<KeptCause, number>>;
  /**
   * Of `keptByCause.state`, the resources that could not be read (state READ_FAILED or INVALID_ID): kept
   * for want of evidence, not because they are healthy. The rest of `state` are healthy.
   */
  keptUnread: number;
  errors: ReportError[];
  /** Delete jobs put on the delete queue (enforce mode only). */
  enqueued: number;
  /**
   * Set when the run's deletion budget (MAX_DELETIONS_PER_RUN) held candidates back: `held` of the
   * `found` stale candidates, in the projects whose `capExceeded` is set, are kept with cause `cap`.
   */
  capExceeded?: { found: number; held: number; cap: number } | undefined;
  /** Protection registry entries that have expired and so protect nothing any more. */
  expiredProtections?: ExpiredProtection[] | undefined;
  apiCalls: { total: number; auth: number };
  durationMs: number;
}

export interface ExpiredProtection {
  selector: string;
  owner: string;
  reason: string;
  expiredAt: string;
}
