import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handler as reportHandler } from '../../functions/report';
import { handler as scanHandler } from '../../functions/scan';
import { handler as sweepHandler } from '../../functions/sweep';
import type { SweepSummary } from '../../lib/run';
import { lambdaContext } from '../../tools/local/lambda-context';
import { LocalPoller } from '../../tools/local/poller';
import { scanSource } from '../support/worker-harness';
import { expectedDeletions } from '../../tools/scenarios/generate';
import { DEMO } from '../support/demo';
import { fakeS3 } from '../support/fake-s3';
import { startPipeline, type Pipeline } from '../support/pipeline';
import { DEMO_SCENARIO_PATH } from '../support/sim-http';

const BUCKET = 'atlas-janitor-test-reports';
const TOPIC = 'arn:aws:sns:us-east-1:123456789012:janitor-summaries';
const scheduledEvent = { 'version': '0', 'id': 'e1', 'detail-type': 'Scheduled Event', 'source': 'aws.events', 'account': '123456789012', 'time': '2026-11-23T02:00:00Z', 'region': 'us-east-1', 'resources': [], 'detail': {} };
const expected = expectedDeletions(JSON.parse(readFileSync(DEMO_SCENARIO_PATH, 'utf8')));

let pipeline: Pipeline;
let s3: ReturnType<typeof fakeS3>;
const sns = mockClient(SNSClient);

beforeAll(async () => {
  pipeline = await startPipeline({ simulator: { scenario: DEMO_SCENARIO_PATH, deleteDelayMs: 60_000 }, credentials: DEMO.apiKey });
  s3 = fakeS3();
  sns.on(PublishCommand).resolves({ MessageId: 'm' });
});
afterAll(async () => {
  s3?.mock.restore();
  sns.restore();
  await pipeline?.stop();
});

describe('the deployed report path: sweep → scans store their reports → the report function assembles the page', () => {
  it('assembles one page of the queued dry-run sweep with every stale resource, and the summary says where it is', async () => {
    pipeline.configure({ JANITOR_MODE: 'dry-run', REPORT_BUCKET: BUCKET, NOTIFY_TOPIC_ARN: TOPIC });
    const summary = (await sweepHandler(scheduledEvent, lambdaContext('sweep', 300_000))) as SweepSummary;
    expect(s3.keys(BUCKET)).toEqual([`pending/${summary.sweepId}.json`]);

    // Before any scan ran: the page waits.
    expect(await reportHandler({}, lambdaContext('report', 300_000))).toMatchObject({ assembled: [], waiting: [{ sweepId: summary.sweepId, stored: 0, expected: 6 }] });

    await new LocalPoller(pipeline.sqs, [scanSource(pipeline)]).drain({ timeoutMs: 30_000 });
    expect(s3.keys(BUCKET).filter((k) => k.startsWith(`reports/${summary.sweepId}/projects/`))).toHaveLength(6);

    const result = await reportHandler({}, lambdaContext('report', 300_000));
    const page = `reports/${summary.sweepId}/index.html`;
    expect(result).toEqual({ assembled: [{ sweepId: summary.sweepId, page: `s3://${BUCKET}/${page}`, missing: 0 }], waiting: [] });
    const html = s3.get(BUCKET, page)!.body;
    expect(html).toContain(`What would be deleted (${expected.length})`);
    for (const e of expected) expect(html).toContain(e.id.replace(/&/g, '&amp;'));
    expect(s3.keys(BUCKET)).not.toContain(`pending/${summary.sweepId}.json`);

    const messages = sns.commandCalls(PublishCommand).map((c) => c.args[0].input.Message ?? '');
    const sweepSummary = messages.filter((m) => m.includes('Report page: '));
    expect(sweepSummary).toHaveLength(1);
    expect(sweepSummary[0]).toContain(`Sweep ${summary.sweepId} (dry-run): 6 projects, ${expected.length} planned`);
    expect(sweepSummary[0]).toContain(`prefix=${encodeURIComponent(page)}`);
    // The scans' own notices point to where the page will be.
    expect(messages.filter((m) => m.includes("The sweep's report page, once all its scans are done")).length).toBeGreaterThan(0);
  }, 60_000);

  it('stores nothing for a scan request from another system: it belongs to no sweep, so no page will come', async () => {
    pipeline.configure({ JANITOR_MODE: 'dry-run', REPORT_BUCKET: BUCKET });
    const before = s3.keys(BUCKET);
    const record = {
      messageId: 'm1', receiptHandle: 'm1', body: JSON.stringify({ type: 'scan', projectId: DEMO.payments.id }),
      attributes: { ApproximateReceiveCount: '1', SentTimestamp: '0', SenderId: 'x', ApproximateFirstReceiveTimestamp: '0' },
      messageAttributes: {}, md5OfBody: '', eventSource: 'aws:sqs', eventSourceARN: 'arn', awsRegion: 'us-east-1',
    };
    expect(await scanHandler({ Records: [record] } as never, lambdaContext('scan', 120_000))).toEqual({ batchItemFailures: [] });
    expect(s3.keys(BUCKET)).toEqual(before);
    // With a sweep id, the same request stores its report where that sweep's page will look.
    const withSweep = { ...record, body: JSON.stringify({ type: 'scan', projectId: DEMO.payments.id, sweepId: 'sweep-from-elsewhere' }) };
    await scanHandler({ Records: [withSweep] } as never, lambdaContext('scan', 120_000));
    expect(s3.keys(BUCKET)).toContain(`reports/sweep-from-elsewhere/projects/${DEMO.payments.id}.json`);
  });

  it('fails the invocation, naming the setting, when the report function has no bucket', async () => {
    pipeline.configure({ REPORT_BUCKET: undefined });
    await expect(reportHandler({}, lambdaContext('report', 300_000))).rejects.toThrow(/REPORT_BUCKET/);
  });
});
