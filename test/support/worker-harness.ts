import { vi } from 'vitest';
import { handler as scanHandler } from '../../functions/scan';
import { handler as workerHandler } from '../../functions/worker';
import { logger } from '../../lib/lambda';
import type { JobReport } from '../../lib/worker';
import type { RequestLogEntry } from '../../tools/simulator';
import { LocalPoller } from '../../tools/local/poller';
import type { Pipeline } from './pipeline';

/** The scan and worker handlers on the pipeline's queues, as their event source mappings run them. */
export function pipelinePoller(pipeline: Pipeline, options: { workerConcurrency?: number } = {}): LocalPoller {
  return new LocalPoller(pipeline.sqs, [
    { name: 'scan', queueUrl: pipeline.queues.scan, queueArn: pipeline.queues.arns.scan, handler: scanHandler as never, batchSize: 5, timeoutMs: 60_000 },
    {
      name: 'worker',
      queueUrl: pipeline.queues.delete,
      queueArn: pipeline.queues.arns.delete,
      handler: workerHandler as never,
      batchSize: 10,
      timeoutMs: 60_000,
      concurrency: options.workerConcurrency ?? 2,
    },
  ]);
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
