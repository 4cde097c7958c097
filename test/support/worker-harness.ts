import { vi } from 'vitest';
import { handler as scanHandler } from '../../functions/scan';
import { handler as workerHandler } from '../../functions/worker';
import { deleteJobSchema, type DeleteJob } from '../../lib/jobs';
import { logger } from '../../lib/lambda';
import type { JobReport } from '../../lib/worker';
import type { RequestLogEntry } from '../../tools/simulator';
import { lambdaContext } from '../../tools/local/lambda-context';
import { LocalPoller, type EventSource } from '../../tools/local/poller';
import { FUNCTION_TIMEOUT_SECONDS, type Pipeline } from './pipeline';

/** The scan function on the pipeline's scan queue, as its event source mapping runs it. */
export function scanSource(pipeline: Pipeline): EventSource {
  return { name: 'scan', queueUrl: pipeline.queues.scan, queueArn: pipeline.queues.arns.scan, handler: scanHandler as never, batchSize: 5, timeoutMs: FUNCTION_TIMEOUT_SECONDS * 1000 };
}

/** The worker function on the pipeline's delete queue (FIFO, batches of 10), as its event source mapping runs it. */
export function workerSource(pipeline: Pipeline, concurrency = 2): EventSource {
  return {
    name: 'worker',
    queueUrl: pipeline.queues.delete,
    queueArn: pipeline.queues.arns.delete,
    handler: workerHandler as never,
    batchSize: 10,
    timeoutMs: FUNCTION_TIMEOUT_SECONDS * 1000,
    concurrency,
  };
}

/** The scan and worker handlers on the pipeline's queues, as their event source mappings run them. */
export function pipelinePoller(pipeline: Pipeline, options: { workerConcurrency?: number } = {}): LocalPoller {
  return new LocalPoller(pipeline.sqs, [scanSource(pipeline), workerSource(pipeline, options.workerConcurrency)]);
}

/** Collects the worker's per-job log lines (`delete job`) while a test runs. */
export function captureJobReports(): { reports: (JobReport & { ack: boolean })[]; restore: () => void } {
  const reports: (JobReport & { ack: boolean })[] = [];
  const grab = (message: unknown, ...rest: unknown[]) => {
    if (message === 'delete job') reports.push(rest[0] as JobReport & { ack: boolean });
  };
  const info = vi.spyOn(logger, 'info').mockImplementation(grab as never);
  const warn = vi.spyOn(logger, 'warn').mockImplementation(grab as never);
  return { reports, restore: () => (info.mockRestore(), warn.mockRestore()) };
}

/** The resource a DELETE in the simulator's log addressed, as `kind:id` (kinds as in reports). */
export function deletedResource(entry: RequestLogEntry): string {
  const segments = entry.path.split('/');
  const last = decodeURIComponent(segments.at(-1)!);
  const parent = segments.at(-2);
  if (parent === 'endpoint' || parent === 'interfaceEndpoints') return `privateEndpoint:${last}`;
  if (parent === 'endpointService' || parent === 'privateEndpoint') return `privateEndpointService:${last}`;
  if (parent === 'peers') return `networkPeering:${last}`;
  if (parent === 'privateLinkConnections') return `streamsPrivateLink:${last}`;
  return `unknown:${entry.path}`;
}

/** An SQS record as the event source mapping hands it to a handler (FIFO delete queue). */
export const sqsRecord = (id: string, body: string, receives = 1) => ({
  messageId: id, receiptHandle: `rh-${id}`, body,
  attributes: { ApproximateReceiveCount: String(receives), SentTimestamp: '0', SenderId: 'x', ApproximateFirstReceiveTimestamp: '0', MessageGroupId: 'g' },
  messageAttributes: {}, md5OfBody: '', eventSource: 'aws:sqs', eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:janitor-delete.fifo', awsRegion: 'us-east-1',
});

/**
 * Scans one project through the scan function and returns its delete jobs, taken off the queue. The FIFO
 * queue drops a job id it saw in the last five minutes: plan each project once per pipeline.
 */
export async function planJobs(pipeline: Pipeline, projectId: string): Promise<DeleteJob[]> {
  await scanHandler({ Records: [sqsRecord(`scan-${projectId}`, JSON.stringify({ type: 'scan', projectId }))] } as never, lambdaContext('scan', 60_000));
  const jobs = pipeline.peek('janitor-delete.fifo').map((b) => deleteJobSchema.parse(JSON.parse(b)));
  pipeline.clearQueues();
  return jobs;
}

/** One delivery of a job to the worker function. */
export const work = (job: DeleteJob, id: string) => workerHandler({ Records: [sqsRecord(id, JSON.stringify(job))] } as never, lambdaContext('worker', 60_000));
