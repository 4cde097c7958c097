import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runDemo } from '../tools/demo/run-demo';
import { readStack } from '../tools/demo/stack';
import { generateEstate, minimumScanCalls } from '../tools/scenarios/generate';
import { round } from './support';

export interface PipelineBench {
  projects: number;
  /** Scan consumers running at once (the scan event source's maximum concurrency in serverless.yml). */
  consumers: number;
  /**
   * ATLAS_RATE_LIMIT_SHARED_BY for the run. The functions share the USER bucket through leases in the
   * run's ledger table (dynalite); this fixed share applies only if a lease cannot be written.
   */
  sharedBy: number;
  /** Every request Atlas (the simulator) received, 429s and Digest challenges included. */
  requests: number;
  /** From the sweep's invocation until every queue drained. */
  wallMs: number;
  /** The least time Atlas's buckets allow for the documented minimum of calls (see below). */
  bucketBoundMs: number;
  ratioToBucketBound: number;
  /** 429 answers from the buckets. */
  rateLimited: number;
  /** The same, by operation: which bucket was overrun. */
  rateLimitedBy: Record<string, number>;
  /** Projects never scanned, or whose scan reported an error. */
  projectErrors: number;
  /** Delete jobs planned but never finished. */
  lost: number;
  deleted: number;
  /** The binding bucket: its set, calls through it and its refill. */
  binding: { set: string; calls: number; capacity: number; refillPerSecond: number };
}

type Json = Record<string, unknown>;
const V2 = '/api/atlas/v2';
const SVC = `${V2}/groups/{groupId}/privateEndpoint/{cloudProvider}/endpointService`;

/**
 * The bucket set of the run. The lists every scan makes (endpoint services per provider, peers per
 * provider, streams) share one USER bucket: at 10,000 projects that bucket, not latency, bounds the
 * night. Reads and deletes of single resources sit in GROUP buckets, one per project, which a project's
 * few calls never empty.
 */
function bucketSets(listRefillPerSecond: number, listCapacity: number) {
  return [
    { endpointSetId: 'projects', endpointSetName: 'Projects', scope: 'USER', endpoints: [`GET ${V2}/groups`, `GET ${V2}/groups/{groupId}`, `GET ${V2}/orgs`], capacity: 100, refillRate: 50, refillDurationSeconds: 1 },
    {
      endpointSetId: 'networkLists',
      endpointSetName: 'Network resource lists',
      scope: 'USER',
      endpoints: [`GET ${SVC}`, `GET ${V2}/groups/{groupId}/peers`, `GET ${V2}/groups/{groupId}/streams/privateLinkConnections`],
      capacity: listCapacity,
      refillRate: listRefillPerSecond,
      refillDurationSeconds: 1,
    },
    {
      endpointSetId: 'networkResources',
      endpointSetName: 'Network resources, one at a time',
      scope: 'GROUP',
      endpoints: [
        `GET ${SVC}/{endpointServiceId}`,
        `DELETE ${SVC}/{endpointServiceId}`,
        `GET ${SVC}/{endpointServiceId}/endpoint/{endpointId}`,
        `DELETE ${SVC}/{endpointServiceId}/endpoint/{endpointId}`,
        `GET ${V2}/groups/{groupId}/peers/{peerId}`,
        `DELETE ${V2}/groups/{groupId}/peers/{peerId}`,
        `GET ${V2}/groups/{groupId}/streams/privateLinkConnections/{connectionId}`,
        `DELETE ${V2}/groups/{groupId}/streams/privateLinkConnections/{connectionId}`,
      ],
      capacity: 50,
      refillRate: 10,
      refillDurationSeconds: 1,
    },
    { endpointSetId: 'rateLimits', endpointSetName: 'Rate limits', scope: 'USER', endpoints: [`GET ${V2}/rateLimits`], capacity: 100, refillRate: 100, refillDurationSeconds: 60 },
  ];
}

/**
 * The nightly pipeline at scale: the queued path of `npm run demo` (sweep → scan queue → the scan
 * consumers → delete queue → worker, through the local poller, fauxqs and dynalite, with the bundled
 * functions) on a generated estate whose list calls share one USER bucket sized so that the bucket, not
 * the machine, bounds the run at `targetBoundMs`.
 *
 * bucketBoundMs: for each bucket, the calls the documented minimum sends through it (per project: 3
 * endpoint-service lists, a peer page per provider, a streams page; the reads and the worker's calls go
 * to GROUP buckets that a project's handful of calls never empty), less what the full bucket holds at
 * the start, divided by its refill rate; the run's bound is the largest (buckets refill side by side).
 */
export async function benchPipeline(options: { projects: number; targetBoundMs: number; sharedBy?: number; maxDeletions?: number; timeoutMs?: number }): Promise<PipelineBench> {
  const estate = generateEstate({ projects: options.projects, seed: 21, density: 1, staleShare: 0.3, includeDeleting: false });
  const projects = (estate['orgs'] as Json[]).flatMap((org) => org['projects'] as Json[]);
  const listCalls = projects.reduce((sum, p) => sum + minimumScanCalls(p) - endpointReads(p), 0);
  const listCapacity = 100;
  // The refill that makes (listCalls - capacity) / refill = the target bound.
  const refillPerSecond = round(Math.max(1, (listCalls - listCapacity) / (options.targetBoundMs / 1000)), 2);
  const bucketBoundMs = Math.round(((listCalls - listCapacity) / refillPerSecond) * 1000);
  const file = join(mkdtempSync(join(tmpdir(), 'janitor-pipeline-')), 'estate.json');
  writeFileSync(file, JSON.stringify({ ...estate, rateLimits: { sets: bucketSets(refillPerSecond, listCapacity) } }));
  const consumers = readStack('local', { LOCAL_ATLAS_SECRET_IDS: '', LOCAL_REPORT_BUCKET: '' }).eventSources.find((s) => s.functionName === 'scan')!.maximumConcurrency;
  // Locally the scan consumers are one process running five batches at once, like one container: they
  // share one module, so one set of client-side buckets; the worker's bundle is another. They share the
  // USER bucket through leases in the ledger table, as containers in AWS do.
  const sharedBy = options.sharedBy ?? 1;
  const report = await runDemo({
    scenario: file,
    deleteDelayMs: 200,
    timeoutMs: options.timeoutMs ?? 900_000,
    // The plan page's extra dry-run sweep would take from the same buckets and count in requests.
    pagePath: false,
    env: { MAX_DELETIONS_PER_RUN: String(options.maxDeletions ?? 500), ATLAS_RATE_LIMIT_SHARED_BY: String(sharedBy) },
  });
  return {
    projects: options.projects,
    consumers,
    sharedBy,
    requests: report.apiCalls.total,
    wallMs: report.pipelineMs,
    bucketBoundMs,
    ratioToBucketBound: round(report.pipelineMs / bucketBoundMs),
    rateLimited: report.apiCalls.rateLimited,
    rateLimitedBy: report.apiCalls.rateLimitedBy,
    projectErrors: options.projects - report.projectsScanned + report.projectsWithErrors,
    lost: report.totals.lost,
    deleted: report.totals.deleted,
    binding: { set: 'networkLists (USER)', calls: listCalls, capacity: listCapacity, refillPerSecond },
  };
}

function endpointReads(project: Json): number {
  return ((project['endpointServices'] as Json[] | undefined) ?? []).reduce((sum, s) => {
    const ids = (s['interfaceEndpoints'] ?? s['privateEndpoints'] ?? s['endpointGroupNames'] ?? []) as unknown[];
    return sum + ids.length;
  }, 0);
}
