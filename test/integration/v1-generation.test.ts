import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handler as sweepHandler } from '../../functions/sweep';
import type { ScanReport } from '../../lib/report';
import { lambdaContext } from '../../tools/local/lambda-context';
import SCHEDULED_EVENT from '../../events/scheduled-sweep.json';
import { expectedDeletions } from '../../tools/scenarios/generate';
import { DEMO } from '../support/demo';
import { startPipeline, type Pipeline } from '../support/pipeline';
import { DEMO_SCENARIO_PATH } from '../support/sim-http';
import { captureJobReports, deletedResource, pipelinePoller } from '../support/worker-harness';

const expected = expectedDeletions(JSON.parse(readFileSync(DEMO_SCENARIO_PATH, 'utf8')));
const byKey = (a: { kind: string; id: string }, b: { kind: string; id: string }) => `${a.kind}:${a.id}`.localeCompare(`${b.kind}:${b.id}`);

let pipeline: Pipeline;
beforeAll(async () => {
  // The scenario's own mid-delete resources stay so: a sweep that lands as they finish would see an
  // endpoint still listed but gone (an orphan), and the expected plan would depend on timing.
  pipeline = await startPipeline({ simulator: { scenario: DEMO_SCENARIO_PATH, deleteDelayMs: 200, stuckDeletes: true }, credentials: DEMO.apiKey });
});
afterAll(() => pipeline?.stop());

describe('ATLAS_API_GENERATION=v1 (the deprecated v1.0 routes)', () => {
  it('plans the same stale resources, reading AWS endpoints and peers through v1.0', async () => {
    pipeline.configure({ JANITOR_MODE: 'dry-run', ATLAS_API_GENERATION: 'v1' });

    const report = (await sweepHandler({ inline: true }, lambdaContext('sweep', 60_000))) as ScanReport;

    expect(report.errors).toEqual([]);
    expect(report.candidates.map((c) => ({ kind: c.kind, id: c.id, rule: c.rule })).sort(byKey)).toEqual(expected);
    const ops = new Set(pipeline.sim.log.map((e) => e.operationId));
    for (const op of ['v1ListPrivateEndpointConnections', 'v1GetInterfaceEndpoint', 'v1ListPeers']) expect(ops).toContain(op);
    expect(ops).not.toContain('listGroupPeers');
  });

  it('deletes them through the v1.0 routes where v1.0 has them, and v2 for the rest', async () => {
    pipeline.configure({ JANITOR_MODE: 'enforce', ATLAS_API_GENERATION: 'v1', RETRY_BACKOFF_BASE_SECONDS: '1', DEFER_SECONDS: '1' });
    pipeline.sim.clearLog();
    const capture = captureJobReports();

    try {
      await sweepHandler(SCHEDULED_EVENT, lambdaContext('sweep', 60_000));
      await pipelinePoller(pipeline).drain({ timeoutMs: 30_000 });
    } finally {
      capture.restore();
    }

    const deletes = pipeline.sim.log.filter((e) => e.method === 'DELETE' && e.status < 300);
    const v1Deletes = deletes.filter((e) => e.path.startsWith('/api/atlas/v1.0/'));
    expect(v1Deletes.map((e) => e.operationId).sort()).toEqual(expect.arrayContaining(['v1DeleteInterfaceEndpoint', 'v1DeletePeer']));
    // Every AWS endpoint and every peer went through v1.0; only Azure/GCP endpoints, services of those, and streams used v2.
    for (const e of deletes.filter((d) => !d.path.startsWith('/api/atlas/v1.0/'))) {
      expect(deletedResource(e)).not.toMatch(/^(networkPeering:|privateEndpoint:vpce-)/);
    }
    const planned = new Set(expected.map((e) => `${e.kind}:${e.id}`));
    expect(deletes.map(deletedResource).filter((r) => !planned.has(r))).toEqual([]);
    const last = new Map(capture.reports.map((r) => [r.jobId, r]));
    expect([...last.values()].every((r) => r.ack && ['deleted', 'alreadyGone', 'inProgress'].includes(r.outcome))).toBe(true);
    expect(last.size).toBe(expected.length);
  });
});
