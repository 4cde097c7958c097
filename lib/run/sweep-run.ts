import { isAccessDenied, type Project } from '../atlas';
import type { Mode } from '../config';
import { withAtlas } from '../credentials';
import type { DeleteJob, ScanRequest, SweepEvent } from '../jobs';
import { selectProjects } from '../plan';
import type { ReportError, ScanReport } from '../report';
import { ApiCallCounter, reportError } from '../scan';
import type { JanitorDeps } from './deps';
import { InProcessExecutor, QueueExecutor, type InProcessOptions, type SweepWork } from './executor';
import { effectiveMode, wrapFactory } from './scan-run';

export interface SweepSummary {
  sweepId: string;
  mode: Mode;
  /** Projects the credentials see, all secrets together. */
  projectsSeen: number;
  /** Projects selected and sent for scanning. */
  projectsQueued: number;
  skipped: { projectId: string; name: string; reason: string }[];
  errors: ReportError[];
  apiCalls: { total: number; auth: number };
  durationMs: number;
}


/** Projects, each with the secret whose credentials see it. */
interface Target {
  project: Project;
  secretId: string | undefined;
}

interface Targets {
  targets: Target[];
  /** The base URL each secret's client used, and the organizations the credentials may read, by id. */
  baseUrls: Set<string>;
  organizations: Map<string, string>;
  seen: number;
  skipped: SweepSummary['skipped'];
  errors: ReportError[];
}

/**
 * Lists the projects every configured secret sees and applies the project filter. A project seen
 * through two secrets is scanned once, with the first.
 */
async function findTargets(deps: JanitorDeps, request: SweepEvent, counter: ApiCallCounter): Promise<Targets> {
  const found: Targets = { targets: [], baseUrls: new Set(), organizations: new Map(), seen: 0, skipped: [], errors: [] };
  const byId = new Map<string, Target>();
  for (const secretId of deps.config.secretIds.length > 0 ? deps.config.secretIds : [undefined]) {
    try {
      const projects = await withAtlas(deps.credentials, secretId, wrapFactory(deps, counter), async (atlas) => {
        found.baseUrls.add(atlas.baseUrl);
        // Beside the project list, not after it: names for the page and the plan, never a longer wait.
        // A key that may not list organizations still gives their ids (the projects carry them); any other
        // failure to read the names is said in the report, not passed over.
        const names = atlas.listOrganizations().catch((error: unknown) => {
          if (!isAccessDenied(error)) found.errors.push({ ...reportError(undefined, undefined, error), id: secretId ?? 'environment', message: `organization names not read (the page shows their ids): ${error instanceof Error ? error.message : String(error)}` });
          return [];
        });
        const [listed, orgs] = await Promise.all([atlas.listProjects(), names]);
        for (const org of orgs) found.organizations.set(org.id, org.name);
        return listed;
      });
      found.seen += projects.length;
      const wanted = request.projectIds ? projects.filter((p) => request.projectIds!.includes(p.id)) : projects;
      const selection = selectProjects(wanted, deps.config.projects);
      found.skipped.push(...selection.skipped);
      // Only what a scan needs: Atlas's project objects carry much more, times 10,000.
      for (const { id, name, orgId } of selection.selected) if (!byId.has(id)) byId.set(id, { project: { id, name, orgId }, secretId });
    } catch (error) {
      found.errors.push({ ...reportError(undefined, undefined, error), id: secretId ?? 'environment' });
    }
  }
  for (const id of request.projectIds ?? []) {
    if (!byId.has(id) && !found.skipped.some((s) => s.projectId === id)) {
      found.errors.push({ projectId: id, message: 'project not visible to any configured credentials' });
    }
  }
  found.targets = [...byId.values()];
  return found;
}

/**
 * Finds a sweep's projects and turns each into a scan request: the first half of every sweep, queued or
 * in one process. The registry's expired entries go in the manifest, so the page names them, seen or not.
 */
async function findWork(deps: JanitorDeps, request: SweepEvent): Promise<SweepWork> {
  const startedAt = deps.now();
  const sweepId = deps.newSweepId();
  const mode = effectiveMode(deps.config.mode, request.mode);
  const counter = new ApiCallCounter();
  const { targets, seen, skipped, errors, baseUrls, organizations } = await findTargets(deps, request, counter);
  const orgIds = [...new Set(targets.map((t) => t.project.orgId).filter((id) => id !== ''))].sort();
  const registry = (await deps.protections?.load()) ?? [];
  const expired = registry.filter((p) => p.expiresAt <= deps.now());
  return {
    manifest: {
      sweepId,
      mode,
      startedAt: new Date(startedAt).toISOString(),
      atlas: { baseUrl: scopeBaseUrl(baseUrls), organizations: orgIds.map((id) => ({ id, ...(organizations.has(id) ? { name: organizations.get(id) } : {}) })) },
      projectIds: targets.map((t) => t.project.id),
      projectsSeen: seen,
      skipped,
      errors,
      apiCalls: { total: counter.total, auth: counter.auth },
      ...(expired.length > 0 ? { expiredProtections: expired.map((p) => ({ selector: p.selector, owner: p.owner, reason: p.reason, expiredAt: new Date(p.expiresAt).toISOString() })) } : {}),
    },
    requests: targets.map((t) => scanRequest(t, sweepId, mode, request)),
    registry,
    counter,
    startedAt,
  };
}

/** A sweep in this process (the CLI, the console's `inline`): its report, and its jobs for a caller that acts on them. */
export async function inlineSweep(deps: JanitorDeps, request: SweepEvent, options: InProcessOptions = {}): Promise<{ report: ScanReport; jobs: DeleteJob[] }> {
  const work = await findWork(deps, request);
  const { report, jobs } = await new InProcessExecutor(deps, options).run(work);
  return { report: { ...report, durationMs: deps.now() - work.startedAt }, jobs };
}

/** The nightly sweep: one scan request per selected project on the scan queue (SendMessageBatch in tens; throws if any is left unsent). */
export async function queueSweep(deps: JanitorDeps, request: SweepEvent): Promise<SweepSummary> {
  const work = await findWork(deps, request);
  const { queued } = await new QueueExecutor(deps).run(work);
  const { sweepId, mode, projectsSeen, skipped, errors } = work.manifest;
  return { sweepId, mode, projectsSeen, projectsQueued: queued, skipped, errors, apiCalls: { total: work.counter.total, auth: work.counter.auth }, durationMs: deps.now() - work.startedAt };
}

/** The base URL a run read, as plans record and compare it: several secrets on several Atlases are listed together. */
export function scopeBaseUrl(urls: Iterable<string>): string {
  return [...new Set([...urls].map((u) => u.replace(/\/+$/, '').toLowerCase()))].sort().join(' ');
}

function scanRequest(target: Target, sweepId: string, mode: Mode, request: SweepEvent): ScanRequest {
  return {
    type: 'scan',
    projectId: target.project.id,
    projectName: target.project.name,
    ...(target.project.orgId ? { orgId: target.project.orgId } : {}),
    mode,
    sweepId,
    ...(target.secretId ? { secretId: target.secretId } : {}),
    ...(request.kinds ? { kinds: request.kinds } : {}),
    ...(request.requestedBy ? { requestedBy: request.requestedBy } : {}),
  };
}
