import { AtlasApiError, isAccessDenied, type AtlasClient, type ApiGeneration } from '../atlas';
import { CredentialsRefusedError, fatalKind, type CredentialsCheck } from '../credentials';
import { kindOf, screenIds, type KindName, type Observation } from '../kinds';
import { rememberSightings, type Ledger } from '../ledger';
import { SUSPECTED_API_FAULT, admit, describeFault, findStale, type Plan, type PlanSettings } from '../plan';
import { NO_PROTECTIONS, type ProjectProtections } from '../protections';
import type { ReportError } from '../report';
import type { ApiCallCounter } from './call-counter';
import { createReadContext } from './read-context';
import { weighSideEffects } from './side-effects';

export interface ScanProjectOptions {
  kinds: readonly KindName[];
  apiGeneration: ApiGeneration;
  plan: PlanSettings;
  counter: ApiCallCounter;
  now?: () => number;
  /** Memory between sweeps: with it, grace periods are measured; without, only rules without one plan. */
  ledger?: { ledger: Ledger; sweepId: string } | undefined;
  /** The protection registry as it applies to this project. */
  registry?: ProjectProtections | undefined;
  /** Throws when a 401/403 on this project means the credentials themselves are refused. */
  checkCredentials?: CredentialsCheck | undefined;
}

export interface ProjectScan extends Plan {
  projectId: string;
  projectName?: string | undefined;
  /** Set when the project filter refused the scan: nothing was read. */
  excluded?: string | undefined;
  /** Resources read, all kinds together. */
  seen: number;
  errors: ReportError[];
  apiCalls: number;
  durationMs: number;
}

/**
 * Reads every requested kind of one project, classifies what it saw and plans deletions. A kind that
 * cannot be read is reported as an error and the others go on; an unreadable resource is kept.
 */
export async function scanProject(
  atlas: AtlasClient,
  project: { id: string; name?: string | undefined },
  options: ScanProjectOptions,
): Promise<ProjectScan> {
  const now = options.now ?? Date.now;
  const started = now();
  // The project was listed (or read by id) by the sweep in this same pass: a 404 under it may count.
  const ctx = createReadContext(atlas, options.apiGeneration, [project.id]);
  const errors: ReportError[] = [];
  const failedKinds = new Set<KindName>();
  const observations: Observation[] = [];
  await Promise.all(
    options.kinds.map(async (kind) => {
      try {
        for (const o of await kindOf(kind).list(ctx, project.id)) observations.push(screenIds(o));
      } catch (error) {
        // A 401/403 is this project's error unless the credentials are refused everywhere (Atlas's
        // NOT_ORG_GROUP_CREATOR is about one project): then the check throws and the whole run fails.
        if (isAccessDenied(error)) await options.checkCredentials?.(error);
        errors.push(reportError(project.id, kind, error));
        failedKinds.add(kind);
      }
    }),
  );
  for (const o of observations) {
    if (o.error) errors.push({ projectId: project.id, kind: o.ref.kind, id: o.id, message: o.error.message, errorCode: o.error.errorCode });
  }
  // Deterministic order for reports, whatever order the reads finished in.
  observations.sort((a, b) => (a.ref.kind + a.id).localeCompare(b.ref.kind + b.id));
  const findings = findStale(observations, options.plan, options.registry ?? NO_PROTECTIONS);
  for (const fault of findings.suspectedFaults) {
    errors.push({ projectId: project.id, kind: fault.kind, message: describeFault(fault), errorCode: SUSPECTED_API_FAULT });
  }
  const at = now();
  const sightings = options.ledger
    ? await rememberSightings(options.ledger.ledger, findings, { projectId: project.id, sweepId: options.ledger.sweepId, at, scannedKinds: new Set(options.kinds), failedKinds })
    : undefined;
  const plan = admit(findings, options.plan, sightings, at);
  await weighSideEffects(ctx, project.id, plan, observations, options.plan.allowedSideEffects ?? new Set(), errors, options.checkCredentials);
  return {
    projectId: project.id,
    projectName: project.name,
    seen: observations.length,
    ...plan,
    errors,
    apiCalls: options.counter.forProject(project.id),
    durationMs: now() - started,
  };
}

export function reportError(projectId: string | undefined, kind: KindName | undefined, error: unknown): ReportError {
  const fatal = fatalKind(error);
  const base = { ...(projectId ? { projectId } : {}), ...(kind ? { kind } : {}), ...(fatal ? { fatal } : {}) };
  if (error instanceof AtlasApiError || error instanceof CredentialsRefusedError) return { ...base, message: error.message, errorCode: error.errorCode, status: error.status };
  return { ...base, message: error instanceof Error ? error.message : String(error) };
}
