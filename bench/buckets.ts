import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { AtlasClient } from '../lib/atlas';
import { inlineSweep } from '../lib/run';
import { runDemo } from '../tools/demo/run-demo';
import type { BucketTally } from '../tools/simulator';
import { generateEstate } from '../tools/scenarios/generate';
import { ROOT, benchDeps, round, startSimulatorProcess } from './support';

/** The shapes: one scenario file each (its `rateLimits`), in bench/scenarios/buckets. */
export const SHAPES_DIR = join(ROOT, 'bench', 'scenarios', 'buckets');

type Json = Record<string, unknown>;

interface ShapeSet {
  endpointSetId: string;
  scope: 'GROUP' | 'ORGANIZATION' | 'USER' | 'IP';
  endpoints: string[];
  capacity: number;
  refillRate: number;
  refillDurationSeconds: number;
}

export interface BucketRun {
  wallMs: number;
  requests: number;
  /** 429 answers from the buckets. */
  rateLimited: number;
  /** Pipeline only: the same by operation. */
  rateLimitedBy?: Record<string, number>;
  ratioToBound: number;
  /**
   * Pipeline only: its own bound, from the tokens its requests took from each of the simulator's
   * buckets (the scan's and the worker's: the worker reads again and lists a project's AWS peers before
   * deleting one, through buckets the scan just spent), and its wall time against it. `ratioToBound`
   * is against the scan's bound alone.
   */
  ownBoundMs?: number;
  ownBinding?: BucketShapeBench['binding'];
  ratioToOwnBound?: number;
  projectErrors: number;
  /** Inline: projects neither reported nor in error; pipeline: delete jobs planned but never finished. */
  lost: number;
  /** Inline only: the client's CPU time (this process; the simulator runs in its own) per request. */
  cpuUsPerRequest?: number;
  /** Inline only: the most projects in flight at once, and the heap above the run's start at its peak. */
  peakProjectsInFlight?: number;
  peakHeapAboveStartMB?: number;
}

export interface BucketShapeBench {
  shape: string;
  description: string;
  /** The largest over the buckets of (calls through it − capacity) / refill per second. */
  boundMs: number;
  /** The bucket that sets the bound. */
  binding: { set: string; scopeId: string; calls: number; capacity: number; refillPerSecond: number };
  inline?: BucketRun;
  pipeline?: BucketRun;
}

export interface BucketsBench {
  projects: number;
  shapes: BucketShapeBench[];
}

const V2 = '/api/atlas/v2';
const SVC = `${V2}/groups/{groupId}/privateEndpoint/{cloudProvider}/endpointService`;

/**
 * The documented minimum of a project's scan, by route template (docs/report.md; the access list, read
 * only before deleting a project's last AWS peers, is in none of the shapes' sets).
 */
function routeCalls(project: Json): Map<string, number> {
  const pages = (n: number) => Math.max(1, Math.ceil(n / 500));
  const calls = new Map<string, number>();
  const add = (route: string, n: number) => calls.set(route, (calls.get(route) ?? 0) + n);
  add(`GET ${SVC}`, 3);
  for (const service of (project['endpointServices'] as Json[] | undefined) ?? []) {
    const ids = (service['interfaceEndpoints'] ?? service['privateEndpoints'] ?? service['endpointGroupNames'] ?? []) as unknown[];
    add(`GET ${SVC}/{endpointServiceId}/endpoint/{endpointId}`, ids.length);
  }
  const peers = (project['peers'] as Json[] | undefined) ?? [];
  for (const provider of ['AWS', 'AZURE', 'GCP']) add(`GET ${V2}/groups/{groupId}/peers`, pages(peers.filter((p) => p['providerName'] === provider).length));
  add(`GET ${V2}/groups/{groupId}/streams/privateLinkConnections`, pages(((project['streamsPrivateLinks'] as Json[] | undefined) ?? []).length));
  return calls;
}

/** For each bucket the shape enforces: the scan's calls through it less its capacity, over its refill; the largest. */
export function bucketBound(estate: Json, sets: readonly ShapeSet[]): { boundMs: number; binding: BucketShapeBench['binding'] } {
  const perBucket = new Map<string, { set: ShapeSet; scopeId: string; calls: number }>();
  for (const org of estate['orgs'] as Json[]) {
    for (const project of org['projects'] as Json[]) {
      for (const [route, n] of routeCalls(project)) {
        const set = sets.find((s) => s.endpoints.includes(route));
        if (!set) continue;
        const scopeId = set.scope === 'GROUP' ? (project['id'] as string) : set.scope === 'ORGANIZATION' ? (org['id'] as string) : '*';
        const key = `${set.endpointSetId} ${scopeId}`;
        const entry = perBucket.get(key) ?? { set, scopeId, calls: 0 };
        entry.calls += n;
        perBucket.set(key, entry);
      }
    }
  }
  let best = { boundMs: 0, binding: { set: 'none', scopeId: '*', calls: 0, capacity: 0, refillPerSecond: 0 } };
  for (const { set, scopeId, calls } of perBucket.values()) {
    const refillPerSecond = set.refillRate / set.refillDurationSeconds;
    const boundMs = (Math.max(0, calls - set.capacity) / refillPerSecond) * 1000;
    if (boundMs > best.boundMs) best = { boundMs: Math.round(boundMs), binding: { set: `${set.endpointSetId} (${set.scope})`, scopeId, calls, capacity: set.capacity, refillPerSecond } };
  }
  return best;
}

export function listShapes(): string[] {
  return readdirSync(SHAPES_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => basename(f, '.json'));
}

/**
 * Every rate-limit shape in bench/scenarios/buckets on one generated estate: a dry-run inline scan
 * (the CLI's `scan --all`, simulator in its own process) and the queued pipeline (`npm run demo`'s path,
 * enforce, at most `maxDeletions` deletes), each against the bound the shape's buckets allow.
 */
export async function benchBuckets(options: { projects: number; shapes?: string[]; concurrency: number; maxDeletions: number; pipeline: boolean; inline?: boolean; log?: (m: string) => void }): Promise<BucketsBench> {
  const estate = generateEstate({ projects: options.projects, seed: 23, density: 1, staleShare: 0.3, includeDeleting: false, orgs: 2 });
  const projects = (estate['orgs'] as Json[]).flatMap((org) => org['projects'] as Json[]);
  const out: BucketShapeBench[] = [];
  for (const shape of options.shapes ?? listShapes()) {
    const file = JSON.parse(readFileSync(join(SHAPES_DIR, `${shape}.json`), 'utf8')) as { description: string; rateLimits: { sets: ShapeSet[] } };
    const scenario = { ...estate, rateLimits: file.rateLimits };
    const { boundMs, binding } = bucketBound(estate, file.rateLimits.sets);
    const result: BucketShapeBench = { shape, description: file.description, boundMs, binding };
    options.log?.(`buckets ${shape}: bound ${boundMs} ms (${binding.set})`);
    if (options.inline !== false) result.inline = await inlineRun(scenario, projects.length, options.concurrency, boundMs);
    if (options.pipeline) {
      options.log?.(`buckets ${shape}: pipeline`);
      result.pipeline = await pipelineRun(scenario, projects.length, options.maxDeletions, boundMs);
    }
    out.push(result);
  }
  return { projects: projects.length, shapes: out };
}

async function inlineRun(scenario: Json, projects: number, concurrency: number, boundMs: number): Promise<BucketRun> {
  const sim = await startSimulatorProcess(scenario, { latencyMs: 0 });
  try {
    const deps = benchDeps(sim.url, concurrency);
    const clients: AtlasClient[] = [];
    const makeClient = deps.makeClient;
    deps.makeClient = (...args) => {
      const client = makeClient(...args);
      clients.push(client);
      return client;
    };
    const heapAtStart = process.memoryUsage().heapUsed;
    let peakHeap = heapAtStart;
    let inFlight = 0;
    let peakInFlight = 0;
    const sampler = setInterval(() => (peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed)), 100);
    const cpu = process.cpuUsage();
    const started = performance.now();
    // In flight: started (the progress callback counts finished ones) less finished; started = first call of the project.
    const { report } = await inlineSweep(deps, {}, {
      enqueue: false,
      onProgress: (done) => (inFlight = Math.max(0, inFlight - (done > 0 ? 1 : 0))),
      onStart: () => (peakInFlight = Math.max(peakInFlight, ++inFlight)),
    });
    const wallMs = Math.round(performance.now() - started);
    const used = process.cpuUsage(cpu);
    clearInterval(sampler);
    const requests = report.apiCalls.total + report.apiCalls.auth;
    const errored = new Set(report.errors.map((e) => e.projectId).filter((id) => id !== undefined));
    return {
      wallMs,
      requests,
      rateLimited: clients.reduce((sum, c) => sum + c.stats.rateLimited, 0),
      ratioToBound: boundMs > 0 ? round(wallMs / boundMs) : 0,
      projectErrors: report.errors.length,
      lost: Math.max(0, projects - report.projects.length - errored.size),
      cpuUsPerRequest: Math.round((used.user + used.system) / Math.max(1, requests)),
      peakProjectsInFlight: peakInFlight,
      peakHeapAboveStartMB: round((peakHeap - heapAtStart) / 2 ** 20, 1),
    };
  } finally {
    await sim.stop();
  }
}

/** The largest over the buckets a run used of (tokens taken − capacity) / refill a second. */
export function tallyBound(tallies: readonly BucketTally[]): { boundMs: number; binding: BucketShapeBench['binding'] } {
  let best = { boundMs: 0, binding: { set: 'none', scopeId: '*', calls: 0, capacity: 0, refillPerSecond: 0 } };
  for (const t of tallies) {
    const boundMs = Math.round((Math.max(0, t.taken - t.capacity) / t.refillPerSecond) * 1000);
    if (boundMs > best.boundMs) best = { boundMs, binding: { set: `${t.set} (${t.scope})`, scopeId: t.scopeId, calls: t.taken, capacity: t.capacity, refillPerSecond: t.refillPerSecond } };
  }
  return best;
}

async function pipelineRun(scenario: Json, projects: number, maxDeletions: number, boundMs: number): Promise<BucketRun> {
  const file = join(mkdtempSync(join(tmpdir(), 'janitor-buckets-')), 'estate.json');
  writeFileSync(file, JSON.stringify(scenario));
  let tallies: BucketTally[] = [];
  const report = await runDemo({ scenario: file, deleteDelayMs: 200, timeoutMs: 600_000, pagePath: false, env: { MAX_DELETIONS_PER_RUN: String(maxDeletions) }, onBucketTallies: (t) => (tallies = t) });
  const own = tallyBound(tallies);
  return {
    wallMs: report.pipelineMs,
    requests: report.apiCalls.total,
    rateLimited: report.apiCalls.rateLimited,
    rateLimitedBy: report.apiCalls.rateLimitedBy,
    ratioToBound: boundMs > 0 ? round(report.pipelineMs / boundMs) : 0,
    ownBoundMs: own.boundMs,
    ownBinding: own.binding,
    ratioToOwnBound: own.boundMs > 0 ? round(report.pipelineMs / own.boundMs) : 0,
    projectErrors: projects - report.projectsScanned + report.projectsWithErrors,
    lost: report.totals.lost,
  };
}
