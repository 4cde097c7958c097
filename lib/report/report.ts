import type { Mode } from '../config';
import type { DeleteJob } from '../jobs';
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

/**
 * A planned deletion as reports show it: the candidate without its addressing, plus its job id. Its
 * evidence (the state and fields read, the parent's state) is what the page shows inline.
 */
export type ReportCandidate = Omit<Candidate, 'ref' | 'evidence'> & { jobId: string; evidence?: Candidate['evidence'] | undefined };

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

/** Which Atlas a run read: its base URL and the organizations its projects belong to. */
export interface AtlasScope {
  baseUrl: string;
  /** Ids always; the name when the credentials may read the organization list. */
  organizations: { id: string; name?: string | undefined }[];
}

/** What one run saw, planned and did. Returned by inline scans and logged one line per project. */
export interface ScanReport {
  sweepId: string;
  mode: Mode;
  atlas?: AtlasScope | undefined;
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
  /** In plan mode: the jobs the plan holds, for the plan document (nothing is enqueued). */
  planned?: DeleteJob[] | undefined;
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
