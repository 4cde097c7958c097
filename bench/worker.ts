import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runDemo } from '../tools/demo/run-demo';
import { GENERATED_API_KEY } from '../tools/scenarios/generate';
import { round } from './support';

export interface WorkerBench {
  jobs: number;
  wallMs: number;
  deleteRequests: number;
  deleteRequestsPerResource: number;
  deleted: number;
  lost: number;
  deadLettered: number;
  touchedOutsidePlan: number;
  faultsInjected: number;
}

/** An estate of exactly `projects × perProject` failed AWS peers: one delete job each. */
function deadPeers(projects: number, perProject: number): object {
  const hex = (n: number, width = 24) => n.toString(16).padStart(width, '0');
  const orgId = 'f'.repeat(24);
  return {
    apiKeys: [{ ...GENERATED_API_KEY, orgIds: [orgId] }],
    orgs: [{
      id: orgId,
      name: 'bench',
      projects: Array.from({ length: projects }, (_, p) => ({
        id: hex(p + 1),
        name: `bench-${p + 1}`,
        created: '2024-01-01T00:00:00Z',
        clusterCount: 0,
        peers: Array.from({ length: perProject }, (_, i) => ({
          id: hex(1_000_000 + p * perProject + i),
          containerId: hex(9_000_000 + p),
          providerName: 'AWS',
          vpcId: `vpc-${hex(p * perProject + i, 17)}`,
          awsAccountId: '123456789012',
          routeTableCidrBlock: '10.0.0.0/16',
          accepterRegionName: 'us-east-1',
          connectionId: null,
          statusName: 'FAILED',
          errorStateName: 'EXPIRED',
          _janitor: { expect: 'delete' },
        })),
      })),
    }],
  };
}

/**
 * Delete jobs through the real pipeline (fauxqs, the local poller, the worker bundle) with a share of
 * DELETEs answering 500 and 429.
 */
export async function benchWorker(options: { projects: number; perProject: number; latencyMs: number }): Promise<WorkerBench> {
  const file = join(mkdtempSync(join(tmpdir(), 'janitor-bench-')), 'dead-peers.json');
  writeFileSync(file, JSON.stringify(deadPeers(options.projects, options.perProject)));
  const report = await runDemo({
    scenario: file,
    latencyMs: options.latencyMs,
    deleteDelayMs: 200,
    seed: 3,
    faults: [
      { match: { method: 'DELETE' }, status: 500, rate: 0.2 },
      { match: { method: 'DELETE' }, status: 429, rate: 0.05, retryAfterSeconds: 1 },
    ],
    timeoutMs: 600_000,
    pagePath: false,
    // The stage's cap (25 per sweep, shared by its projects through the ledger) would plan only 25.
    env: { MAX_DELETIONS_PER_RUN: String(options.projects * options.perProject) },
  });
  if (report.totals.found !== options.projects * options.perProject) {
    throw new Error(`worker bench: ${report.totals.found} jobs planned, ${options.projects * options.perProject} expected`);
  }
  return {
    jobs: report.totals.found,
    wallMs: report.wallTimeMs,
    deleteRequests: report.apiCalls.deletes,
    deleteRequestsPerResource: round(report.apiCalls.deletes / Math.max(1, report.totals.found)),
    deleted: report.totals.deleted,
    lost: report.totals.lost,
    deadLettered: report.totals.deadLettered,
    touchedOutsidePlan: report.totals.touchedOutsidePlan,
    faultsInjected: report.apiCalls.faultsInjected,
  };
}
