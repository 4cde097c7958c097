import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handler as sweepHandler } from '../../functions/sweep';
import { lambdaContext } from '../../tools/local/lambda-context';
import { DEMO } from '../support/demo';
import { startPipeline, type Pipeline } from '../support/pipeline';
import { DEMO_SCENARIO_PATH } from '../support/sim-http';
import { captureJobReports, deletedResource, pipelinePoller } from '../support/worker-harness';

let pipeline: Pipeline;

beforeAll(async () => {
  // Atlas removes a service with its last endpoint; switched off here so the service's own delete is seen.
  pipeline = await startPipeline({ simulator: { scenario: DEMO_SCENARIO_PATH, deleteDelayMs: 1500, removeServiceWithLastEndpoint: false }, credentials: DEMO.apiKey });
});
afterAll(() => pipeline?.stop());

describe('delete order', () => {
  it('deletes an endpoint service only after its endpoints are gone, deferring it meanwhile', async () => {
    const staging = DEMO.project('payments-staging');
    const service = staging.endpointServices.find((s: { status: string; interfaceEndpoints: string[] }) => s.status === 'FAILED' && s.interfaceEndpoints.length > 0);
    const endpoints: string[] = service.interfaceEndpoints;
    pipeline.configure({ JANITOR_MODE: 'enforce', RETRY_BACKOFF_BASE_SECONDS: '1', DEFER_SECONDS: '1' });
    const capture = captureJobReports();

    try {
      await sweepHandler({ projectIds: [staging.id] }, lambdaContext('sweep', 60_000));
      await pipelinePoller(pipeline).drain({ timeoutMs: 30_000 });
    } finally {
      capture.restore();
    }

    const deletes = pipeline.sim.log.filter((e) => e.method === 'DELETE');
    const serviceDelete = deletes.find((e) => deletedResource(e) === `privateEndpointService:${service.id}` && e.status === 204)!;
    const endpointDeletes = deletes.filter((e) => endpoints.some((id) => deletedResource(e) === `privateEndpoint:${id}`));
    expect(endpointDeletes.map((e) => e.status)).toEqual([204, 204]);
    expect(serviceDelete).toBeDefined();
    // Sent only once the endpoints had finished deleting (deleteDelayMs after their DELETE), never refused.
    for (const e of endpointDeletes) expect(serviceDelete.time).toBeGreaterThanOrEqual(e.time + 1500);
    expect(deletes.filter((e) => e.status === 400)).toEqual([]);
    const serviceReports = capture.reports.filter((r) => r.kind === 'privateEndpointService' && r.jobId && r.outcome !== 'deleted');
    expect(serviceReports.some((r) => r.outcome === 'defer' && r.ack === false)).toBe(true);
    expect(pipeline.sim.store.find('endpointService', service.id)?.deleting ?? true).toBe(true);
  });
});
