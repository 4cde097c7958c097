// The fixture kind registers itself on import: first, before any module reads the list of kinds.
import { WIDGET_COLLECTION, widgetLink } from '../fixtures/widget-link-kind';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { clearAuthCaches } from '../../lib/atlas';
import { deleteJobSchema } from '../../lib/jobs';
import { KIND_NAMES, RULE_NAMES, unregisterKind } from '../../lib/kinds';
import { renderReportHtml } from '../../lib/report';
import { DEMO } from '../support/demo';
import { startPipeline, type Pipeline } from '../support/pipeline';
import { DEMO_SCENARIO_PATH } from '../support/sim-http';
import { captureJobReports, planJobs as planProjectJobs, work } from '../support/worker-harness';

const PROJECT = DEMO.project('payments-prod').id as string;
const BROKEN = 'b'.repeat(24);
const LINKED = 'c'.repeat(24);
const UNLINKING = 'd'.repeat(24);

let pipeline: Pipeline;
let capture: ReturnType<typeof captureJobReports>;

beforeAll(async () => {
  pipeline = await startPipeline({
    simulator: {
      scenario: DEMO_SCENARIO_PATH,
      deleteDelayMs: 300,
      seed: 5,
      extraCollections: [
        {
          path: WIDGET_COLLECTION,
          notFoundCode: 'RESOURCE_NOT_FOUND',
          items: { [PROJECT]: [{ id: BROKEN, state: 'BROKEN' }, { id: LINKED, state: 'LINKED' }, { id: UNLINKING, state: 'UNLINKING' }] },
        },
      ],
    },
    credentials: DEMO.apiKey,
  });
});
afterAll(async () => {
  await pipeline?.stop();
  // The registry is module state: leave it as the built-in kinds made it.
  unregisterKind(widgetLink.name);
  expect(KIND_NAMES).not.toContain(widgetLink.name);
  expect(RULE_NAMES).not.toContain('broken-widget-link');
});
beforeEach(() => {
  clearAuthCaches();
  capture = captureJobReports();
  pipeline.configure({ JANITOR_MODE: 'enforce', RETRY_BACKOFF_BASE_SECONDS: '1', DEFER_SECONDS: '1' });
});
afterEach(() => capture.restore());

const planJobs = (projectId: string) => planProjectJobs(pipeline, projectId);

describe('a resource kind is one module', () => {
  it('is listed by the registry once its fixture module is loaded', () => {
    expect(KIND_NAMES).toContain(widgetLink.name);
    expect(RULE_NAMES).toContain('broken-widget-link');
  });

  it('is scanned, classified and deleted with nothing but its module and its registry line', async () => {
    const jobs = await planJobs(PROJECT);

    // Classified: the BROKEN one planned under the kind's own rule; LINKED (healthy) and UNLINKING
    // (already being deleted) never.
    const widgetJobs = jobs.filter((j) => j.kind === widgetLink.name);
    expect(widgetJobs).toHaveLength(1);
    expect(widgetJobs[0]).toMatchObject({ rule: 'broken-widget-link', ids: { widgetId: BROKEN }, evidence: { state: 'BROKEN' }, mode: 'enforce' });
    // The other kinds of the project are planned as before, beside it.
    expect(jobs.some((j) => j.kind !== widgetLink.name)).toBe(true);
    pipeline.sim.clearLog();

    const response = await work(widgetJobs[0]!, 'widget');

    expect(response.batchItemFailures).toEqual([]);
    expect(capture.reports).toMatchObject([{ kind: widgetLink.name, outcome: 'deleted', ack: true }]);
    const deletes = pipeline.sim.log.filter((e) => e.method === 'DELETE');
    expect(deletes.map((e) => [e.path, e.status])).toEqual([[`/api/atlas/v2/groups/${PROJECT}/${WIDGET_COLLECTION}/${BROKEN}`, 202]]);

    // Delivered again: the fresh read finds it gone, and nothing more is sent.
    pipeline.sim.clearLog();
    await work(widgetJobs[0]!, 'widget-again');
    expect(capture.reports[1]).toMatchObject({ outcome: 'alreadyGone', ack: true });
    expect(pipeline.sim.log.filter((e) => e.method === 'DELETE')).toEqual([]);
  });

  it('is shown on the report page with its own Atlas UI page and its rule\'s why', () => {
    const html = renderReportHtml(
      {
        sweepId: 'sweep-20261126T060000-abcd1234',
        mode: 'dry-run',
        projects: [{ projectId: PROJECT, seen: 1, candidates: 1, kept: 0, errors: 0, apiCalls: 1, durationMs: 1 }],
        candidates: [{ projectId: PROJECT, kind: widgetLink.name, provider: undefined, id: BROKEN, state: 'BROKEN', rule: 'broken-widget-link', reason: 'state BROKEN', jobId: 'job-1' }],
        kept: [],
        errors: [],
        enqueued: 0,
        apiCalls: { total: 1, auth: 0 },
        durationMs: 1,
      },
      { generatedAt: new Date().toISOString() },
    );
    expect(html).toContain(`href="https://cloud.mongodb.com/v2/${PROJECT}#/widgets/links"`);
    expect(html).toContain('<dt><code>broken-widget-link</code></dt><dd>The widget link is BROKEN.</dd>');
  });

  it('refuses a job of the fixture kind that lacks its id or carries another kind\'s', () => {
    const base = { type: 'delete', projectId: PROJECT, kind: widgetLink.name, rule: 'broken-widget-link', evidence: { state: 'BROKEN', fields: {} }, apiVersion: 'v2', sweepId: 's' };
    expect(deleteJobSchema.safeParse({ ...base, jobId: 'a'.repeat(64), ids: { peerId: BROKEN } }).error?.issues.map((i) => i.path.join('.'))).toEqual(
      expect.arrayContaining(['ids.widgetId', 'ids.peerId']),
    );
  });
});

describe('streams private link in state DELETED', () => {
  it('is in progress for the worker, not drifted, and gets no DELETE', async () => {
    const job = (await planJobs(DEMO.streamsLab.id)).find((j) => j.kind === 'streamsPrivateLink')!;
    expect(job).toBeDefined();
    pipeline.sim.store.update('streamsPrivateLink', job.ids['connectionId']!, { state: 'DELETED' });
    pipeline.sim.clearLog();

    const response = await work(job, 'deleted-state');

    expect(response.batchItemFailures).toEqual([]);
    expect(capture.reports).toMatchObject([{ outcome: 'inProgress', ack: true }]);
    expect(pipeline.sim.log.filter((e) => e.method === 'DELETE')).toEqual([]);
  });
});
