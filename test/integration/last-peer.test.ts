import { readFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { handler as sweepHandler } from '../../functions/sweep';
import { clearAuthCaches } from '../../lib/atlas';
import { deleteJobSchema, type DeleteJob } from '../../lib/jobs';
import type { ScanReport } from '../../lib/report';
import { lambdaContext } from '../../tools/local/lambda-context';
import SCHEDULED_EVENT from '../../events/scheduled-sweep.json';
import { DEMO } from '../support/demo';
import { startPipeline, type Pipeline } from '../support/pipeline';
import { DEMO_SCENARIO_PATH } from '../support/sim-http';
import { captureJobReports, deletedResource, pipelinePoller, planJobs, work } from '../support/worker-harness';

// Seed 003: deleting a project's last peering connection also removes the AWS security groups from its
// IP access list. Two demo projects are given a FAILED AWS peer as their only AWS peer and an access
// list with security groups; one also keeps an AWS peer that is already terminating (it does not count).

type Json = Record<string, any>;
const scenario: Json = JSON.parse(readFileSync(DEMO_SCENARIO_PATH, 'utf8'));
const projectNamed = (name: string): Json => scenario.orgs.flatMap((o: Json) => o.projects).find((p: Json) => p.name === name);
const staging = projectNamed('payments-staging');
const sandbox = projectNamed('sandbox');
const failedStagingPeer = staging.peers.find((p: Json) => p.statusName === 'FAILED');
staging.peers = staging.peers.filter((p: Json) => p.statusName !== 'INITIATING'); // FAILED + TERMINATING
staging.accessList = [
  { awsSecurityGroup: 'sg-0a1b2c3d4e5f60718', comment: 'app servers' },
  { awsSecurityGroup: 'sg-0badc0ffee1234567' },
  { cidrBlock: '10.8.0.0/16', comment: 'office' },
];
const sandboxPeer = { ...failedStagingPeer, id: '5a5a5a5a5a5a5a5a5a5a5a5a', containerId: '5b5b5b5b5b5b5b5b5b5b5b5b' };
sandbox.peers = [sandboxPeer];
sandbox.accessList = [{ awsSecurityGroup: 'sg-0123456789abcdef0', comment: 'batch' }, { ipAddress: '203.0.113.7' }];

const ALLOW = 'ALLOW_LAST_PEER_SECURITY_GROUP_REMOVAL';
const securityGroups = (projectId: string) => (pipeline.sim.store.accessList(projectId) ?? []).filter((e) => e['awsSecurityGroup']).map((e) => e['awsSecurityGroup']);

let pipeline: Pipeline;
let capture: ReturnType<typeof captureJobReports>;
let sandboxJob: DeleteJob;
beforeAll(async () => {
  // stuckDeletes: the scenario's TERMINATING peer stays so, as it might for hours in Atlas.
  pipeline = await startPipeline({ simulator: { scenario: scenario as never, deleteDelayMs: 100, stuckDeletes: true }, credentials: DEMO.apiKey });
});
afterAll(() => pipeline?.stop());
beforeEach(() => {
  clearAuthCaches();
  pipeline.sim.clearLog();
  capture = captureJobReports();
});
afterEach(() => capture.restore());

async function inlineSweep(projectId: string, env: Record<string, string> = {}): Promise<ScanReport> {
  pipeline.configure({ JANITOR_MODE: 'dry-run', INCLUDE_PROJECT_IDS: projectId, ...env });
  return (await sweepHandler({ inline: true }, lambdaContext('sweep', 60_000))) as ScanReport;
}

describe('the last AWS peer and the access list\'s security groups', () => {
  it('keeps a FAILED last AWS peer whose project lists AWS security groups, naming them, and reads the access list once', async () => {
    const report = await inlineSweep(staging.id);

    expect(report.candidates.filter((c) => c.kind === 'networkPeering')).toEqual([]);
    const kept = report.kept.find((k) => k.id === failedStagingPeer.id)!;
    expect(kept.cause).toBe('sideEffect');
    expect(kept.reason).toContain('sg-0a1b2c3d4e5f60718 ("app servers")');
    expect(kept.reason).toContain('sg-0badc0ffee1234567');
    expect(kept.reason).not.toContain('10.8.0.0/16');
    expect(kept.reason).toContain(`${ALLOW}=true`);
    expect(pipeline.sim.log.filter((e) => e.operationId === 'listProjectIpAccessLists')).toHaveLength(1);
  });

  it('never reads the access list for a project whose AWS peer candidates leave another AWS peer', async () => {
    const report = await inlineSweep(DEMO.payments.id);

    expect(report.candidates.map((c) => c.id)).toContain(DEMO.payments.failedPeerId);
    expect(pipeline.sim.log.filter((e) => e.operationId === 'listProjectIpAccessLists')).toEqual([]);
  });

  it('an enforced sweep leaves it and the security groups in place', async () => {
    pipeline.configure({ JANITOR_MODE: 'enforce', INCLUDE_PROJECT_IDS: staging.id, RETRY_BACKOFF_BASE_SECONDS: '1', DEFER_SECONDS: '1' });
    await sweepHandler(SCHEDULED_EVENT, lambdaContext('sweep', 60_000));
    await pipelinePoller(pipeline).drain({ timeoutMs: 30_000 });

    expect(pipeline.sim.log.filter((e) => e.method === 'DELETE').map(deletedResource)).not.toContain(`networkPeering:${failedStagingPeer.id}`);
    expect(securityGroups(staging.id)).toEqual(['sg-0a1b2c3d4e5f60718', 'sg-0badc0ffee1234567']);
  });

  it(`with ${ALLOW}=true the candidate says what else goes, and the worker looks again before its DELETE`, async () => {
    const report = await inlineSweep(sandbox.id, { [ALLOW]: 'true' });
    const candidate = report.candidates.find((c) => c.id === sandboxPeer.id)!;
    expect(candidate.alsoRemoves).toContain('removes 1 AWS security group(s) from its IP access list: sg-0123456789abcdef0 ("batch")');

    // Planned while allowed, but the worker runs without the setting: it reads again and keeps the peer.
    pipeline.configure({ JANITOR_MODE: 'enforce', [ALLOW]: 'true' });
    sandboxJob = (await planJobs(pipeline, sandbox.id)).find((j) => j.kind === 'networkPeering')!;
    expect(sandboxJob.ids).toEqual({ peerId: sandboxPeer.id });
    pipeline.sim.clearLog();
    pipeline.configure({ JANITOR_MODE: 'enforce' });
    const result = await work(sandboxJob, 'm-not-allowed');

    expect(result.batchItemFailures).toEqual([]);
    expect(capture.reports.at(-1)).toMatchObject({ outcome: 'protected', reason: expect.stringContaining('sg-0123456789abcdef0') });
    expect(pipeline.sim.log.filter((e) => e.method === 'DELETE')).toEqual([]);
    expect(securityGroups(sandbox.id)).toEqual(['sg-0123456789abcdef0']);
  });

  it('deleted when allowed, and the simulator then removes the security groups as the candidate said', async () => {
    pipeline.configure({ JANITOR_MODE: 'enforce', [ALLOW]: 'true' });
    const result = await work(sandboxJob, 'm-allowed');

    expect(result.batchItemFailures).toEqual([]);
    expect(capture.reports.at(-1)).toMatchObject({ outcome: 'deleted', reason: expect.stringContaining('allowed by ALLOW_LAST_PEER_SECURITY_GROUP_REMOVAL: deleting the project\'s last AWS peer also removes 1 AWS security group(s)') });
    expect(pipeline.sim.log.filter((e) => e.method === 'DELETE').map(deletedResource)).toEqual([`networkPeering:${sandboxPeer.id}`]);
    await new Promise((r) => setTimeout(r, 250)); // the simulator's delete finishes
    expect(securityGroups(sandbox.id)).toEqual([]);
    expect(pipeline.sim.store.accessList(sandbox.id)).toEqual([expect.objectContaining({ ipAddress: '203.0.113.7' })]);
  });
});
