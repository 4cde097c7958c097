import { inlineSweep } from '../lib/run';
import { generateEstate, minimumScanCalls } from '../tools/scenarios/generate';
import { benchDeps, round, startSimulatorProcess } from './support';

export interface SweepBench {
  projects: number;
  latencyMs: number;
  concurrency: number;
  wallMs: number;
  requests: number;
  apiCallsPerProject: number;
  /**
   * The documented minimum: one Digest challenge, one read of the published rate limits, the project
   * pages, one organization list page, and per project 7 + listed endpoints (more pages where a list needs them), + the access list
   * where the last AWS peers are planned.
   */
  minimumRequests: number;
  longestChain: number;
  lowerBoundMs: number;
  ratioToLowerBound: number;
  sequential: { projectsMeasured: number; wallMs: number; requests: number; extrapolatedWallMs: number };
  speedUp: number;
  candidates: number;
  /** The client's CPU time (this process; the simulator runs in its own) per request, in the concurrent sweep. */
  cpuUsPerRequest: number;
}

/**
 * A dry-run sweep of a generated estate against the simulator (own process, fixed latency), at the
 * configured concurrency and then sequentially, as a per-project script would do it.
 */
export async function benchSweep(options: { projects: number; latencyMs: number; concurrency: number; sequentialProjects: number }): Promise<SweepBench> {
  const scenario = generateEstate({ projects: options.projects, seed: 42 });
  // Resources the scenario shows DELETING stay so for the whole run, so the minimum below is exact.
  const sim = await startSimulatorProcess(scenario, { latencyMs: options.latencyMs, deleteDelayMs: 3_600_000 });
  try {
    const fast = await timedSweep(sim.url, options.concurrency);
    // Sequential time is linear in requests; it is measured on a subset of projects and scaled.
    const subset = Math.min(options.sequentialProjects, options.projects);
    const slow = await timedSweep(sim.url, 1, subset);
    const perRequest = slow.wallMs / slow.requests;
    const extrapolatedWallMs = subset === options.projects ? slow.wallMs : perRequest * fast.requests;
    const pages = Math.ceil(options.projects / 500);
    // Dependency chain: Digest challenge → rate limits → project page 1 → the other pages → endpoint service lists → endpoint reads.
    const longestChain = 1 + 1 + 1 + (pages > 1 ? 1 : 0) + 1 + 1;
    const lowerBoundMs = Math.max(longestChain, Math.ceil(fast.requests / options.concurrency)) * options.latencyMs;
    type Json = Record<string, unknown>;
    const projects = (scenario['orgs'] as Json[]).flatMap((org) => org['projects'] as Json[]);
    const minimumRequests = 1 + 1 + pages + 1 + projects.reduce((sum, project) => sum + minimumScanCalls(project), 0);
    return {
      projects: options.projects,
      latencyMs: options.latencyMs,
      concurrency: options.concurrency,
      wallMs: fast.wallMs,
      requests: fast.requests,
      apiCallsPerProject: round((fast.requests - 3 - pages) / options.projects),
      minimumRequests,
      longestChain,
      lowerBoundMs,
      ratioToLowerBound: lowerBoundMs > 0 ? round(fast.wallMs / lowerBoundMs) : 0,
      sequential: { projectsMeasured: subset, wallMs: slow.wallMs, requests: slow.requests, extrapolatedWallMs: Math.round(extrapolatedWallMs) },
      speedUp: round(extrapolatedWallMs / fast.wallMs, 1),
      candidates: fast.candidates,
      cpuUsPerRequest: fast.cpuUsPerRequest,
    };
  } finally {
    await sim.stop();
  }
}

async function timedSweep(url: string, concurrency: number, projectLimit?: number): Promise<{ wallMs: number; requests: number; candidates: number; cpuUsPerRequest: number }> {
  const deps = benchDeps(url, concurrency);
  let projectIds: string[] | undefined;
  if (projectLimit !== undefined) {
    const atlas = deps.makeClient((await deps.credentials.get(undefined)));
    projectIds = (await atlas.listProjects()).slice(0, projectLimit).map((p) => p.id);
  }
  const cpu = process.cpuUsage();
  const started = performance.now();
  const { report } = await inlineSweep(deps, { projectIds }, { enqueue: false });
  const wallMs = Math.round(performance.now() - started);
  const used = process.cpuUsage(cpu);
  if (report.errors.length > 0) throw new Error(`sweep bench: ${report.errors.length} errors, first: ${report.errors[0]!.message}`);
  const requests = report.apiCalls.total + report.apiCalls.auth;
  return { wallMs, requests, candidates: report.candidates.length, cpuUsPerRequest: Math.round((used.user + used.system) / Math.max(1, requests)) };
}
