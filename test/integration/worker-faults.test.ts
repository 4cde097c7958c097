import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { handler as sweepHandler } from '../../functions/sweep';
import { clearAuthCaches } from '../../lib/atlas';
import { lambdaContext } from '../../tools/local/lambda-context';
import SCHEDULED_EVENT from '../../events/scheduled-sweep.json';
import { GENERATED_API_KEY, expectedDeletions, generateEstate } from '../../tools/scenarios/generate';
import { startPipeline, type Pipeline } from '../support/pipeline';
import { captureJobReports, deletedResource, pipelinePoller } from '../support/worker-harness';

// An estate with enough stale resources (about 60) that both fault kinds are certain to show up.
const estate = generateEstate({ projects: 25, seed: 5, staleShare: 0.4, density: 5, includeDeleting: false });
const expected = expectedDeletions(estate);
const simKind = { privateEndpoint: 'privateEndpoint', privateEndpointService: 'endpointService', networkPeering: 'peer', streamsPrivateLink: 'streamsPrivateLink' } as const;
const workerEnv = { JANITOR_MODE: 'enforce', RETRY_BACKOFF_BASE_SECONDS: '1', DEFER_SECONDS: '1', DELETE_MAX_RECEIVE_COUNT: '5', MAX_DELETIONS_PER_RUN: '1000' };

let pipeline: Pipeline;
let capture: ReturnType<typeof captureJobReports>;

beforeAll(async () => {
  pipeline = await startPipeline({ simulator: { scenario: estate as never, deleteDelayMs: 300, seed: 11 }, credentials: GENERATED_API_KEY });
});
afterAll(() => pipeline?.stop());
beforeEach(() => {
  clearAuthCaches();
  capture = captureJobReports();
});
afterEach(() => capture.restore());

describe('the delete worker, enforce mode, over the simulator and fauxqs', () => {
  it('deletes every planned resource through 30% 500s and 10% 429s, touches nothing else, loses no job', async () => {
    pipeline.configure({ ...workerEnv, DELETE_DLQ_URL: pipeline.queues.deleteDlq });
    pipeline.sim.clearLog();
    pipeline.sim.addFault({ match: { method: 'DELETE' }, status: 500, rate: 0.3 });
    pipeline.sim.addFault({ match: { method: 'DELETE' }, status: 429, rate: 0.1, retryAfterSeconds: 1 });

    await sweepHandler(SCHEDULED_EVENT, lambdaContext('sweep', 60_000));
    await pipelinePoller(pipeline).drain({ timeoutMs: 100_000 });
    await new Promise((r) => setTimeout(r, 400)); // the last accepted deletes finish in the simulator
    pipeline.sim.clearFaults();

    // Every planned resource is gone or going.
    const remaining = expected.filter((e) => {
      const item = pipeline.sim.store.find(simKind[e.kind], e.id);
      return item !== undefined && !item.deleting;
    });
    expect(remaining).toEqual([]);
    // No DELETE ever addressed a resource outside the plan.
    const planned = new Set(expected.map((e) => `${e.kind}:${e.id}`));
    const deletes = pipeline.sim.log.filter((e) => e.method === 'DELETE');
    expect(deletes.map(deletedResource).filter((r) => !planned.has(r))).toEqual([]);
    expect(deletes.some((e) => e.status === 500)).toBe(true);
    expect(deletes.some((e) => e.status === 429)).toBe(true);
    // Every job's last word is an acknowledged outcome (done or skipped with a reason), or the DLQ.
    const last = new Map(capture.reports.map((r) => [r.jobId, r]));
    expect(last.size).toBe(expected.length);
    for (const report of last.values()) {
      // On failure, every report of that job, in order, says how it got there.
      expect(report.ack, JSON.stringify(capture.reports.filter((r) => r.jobId === report.jobId))).toBe(true);
      expect(['deleted', 'alreadyGone', 'inProgress', 'drifted', 'deadLetter']).toContain(report.outcome);
    }
    expect(pipeline.peek('janitor-delete-dlq.fifo')).toEqual([]);
    // Repeated 429s pause a project's bucket 10 s, then 20 s: the drain's own limit, not vitest's, ends a slow run.
  }, 120_000);
});

