import { AtlasApiError, type AtlasClient, type ApiGeneration } from '../atlas';
import { kindOf, type KindName, type Observation } from '../kinds';
import { planDeletions, type Plan, type PlanSettings } from '../plan';
import type { ReportError } from '../report';
import type { ApiCallCounter } from './call-counter';
import { createScanContext } from './context';

export interface ScanProjectOptions {
  kinds: readonly KindName[];
  apiGeneration: ApiGeneration;
  plan: PlanSettings;
  counter: ApiCallCounter;
  now?: () => number;
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
  const ctx = createScanContext(atlas, options.apiGeneration);
  const errors: ReportError[] = [];
  const observations: Observation[] = [];
  await Promise.all(
    options.kinds.map(async (kind) => {
      try {
        observations.push(...(await kindOf(kind).list(ctx, project.id)));
      } catch (error) {
        // A 401 is about the credentials, not this kind: let the caller read the secret again.
        if (error instanceof AtlasApiError && error.status === 401) throw error;
        errors.push(reportError(project.id, kind, error));
      }
    }),
  );
  for (const o of observations) {
    if (o.error) errors.push({ projectId: project.id, kind: o.ref.kind, id: o.id, message: o.error.message, errorCode: o.error.errorCode });
  }
  // Deterministic order for reports, whatever order the reads finished in.
  observations.sort((a, b) => (a.ref.kind + a.id).localeCompare(b.ref.kind + b.id));
  const plan = planDeletions(observations, options.plan);
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
  const base = { ...(projectId ? { projectId } : {}), ...(kind ? { kind } : {}) };
  if (error instanceof AtlasApiError) return { ...base, message: error.message, errorCode: error.errorCode, status: error.status };
  return { ...base, message: error instanceof Error ? error.message : String(error) };
}
