import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { startFauxqs } from 'fauxqs';
import { clearAuthCaches } from '../../lib/atlas';
import { resetRuntimeDeps } from '../../lib/lambda';
import { startSimulator, type Simulator, type SimulatorOptions } from '../../tools/simulator';
import { DEMO } from './demo';
import { DEMO_SCENARIO_PATH } from './sim-http';

/**
 * The timeout the tests' pollers give the scan and worker functions, and so the queues' visibility timeout:
 * Lambda requires the visibility timeout to be at least the function's, or a message is handed out again
 * while its first invocation still runs. Short, so a batch whose invocation failed comes back within a test.
 */
export const FUNCTION_TIMEOUT_SECONDS = 10;

export interface Queues {
  scan: string;
  scanDlq: string;
  delete: string;
  deleteDlq: string;
  arns: Record<'scan' | 'scanDlq' | 'delete' | 'deleteDlq', string>;
}

export interface Pipeline {
  sim: Simulator;
  sqs: SQSClient;
  queues: Queues;
  /** Bodies of every message on a queue (ready, delayed or in flight), without touching them. */
  peek(queueName: string): string[];
  /** Messages on a queue with their string attributes, without touching them. */
  inspect(queueName: string): { body: string; attributes: Record<string, string> }[];
  /** Removes every message from every queue (queues stay). */
  clearQueues(): void;
  /** Sets the handlers' environment (and forgets their cached configuration). */
  configure(env: Record<string, string | undefined>): void;
  stop(): Promise<void>;
}

/**
 * The simulator, an embedded SQS (fauxqs) with the janitor's queues, and the environment the Lambda
 * handlers read, pointed at both.
 */
export async function startPipeline(options: { simulator: SimulatorOptions; credentials: { publicKey: string; privateKey: string } }): Promise<Pipeline> {
  const sim = await startSimulator(options.simulator);
  const fauxqs = await startFauxqs({ port: 0, logger: false });
  const awsEnv = { AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local', AWS_ENDPOINT_URL_SQS: fauxqs.address };
  Object.assign(process.env, awsEnv);
  const sqs = new SQSClient({ region: 'us-east-1', endpoint: fauxqs.address, useQueueUrlAsEndpoint: false, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  const arnOf = async (url: string) =>
    (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
  const create = async (name: string, attributes: Record<string, string>) => (await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }))).QueueUrl!;

  const scanDlq = await create('janitor-scan-dlq', {});
  const deleteDlq = await create('janitor-delete-dlq.fifo', { FifoQueue: 'true' });
  const scanDlqArn = await arnOf(scanDlq);
  const deleteDlqArn = await arnOf(deleteDlq);
  const visibility = String(FUNCTION_TIMEOUT_SECONDS);
  const scan = await create('janitor-scan', { VisibilityTimeout: visibility, RedrivePolicy: JSON.stringify({ deadLetterTargetArn: scanDlqArn, maxReceiveCount: 3 }) });
  const del = await create('janitor-delete.fifo', {
    FifoQueue: 'true',
    VisibilityTimeout: visibility,
    RedrivePolicy: JSON.stringify({ deadLetterTargetArn: deleteDlqArn, maxReceiveCount: 5 }),
  });
  const queues: Queues = {
    scan,
    scanDlq,
    delete: del,
    deleteDlq,
    arns: { scan: await arnOf(scan), scanDlq: scanDlqArn, delete: await arnOf(del), deleteDlq: deleteDlqArn },
  };
  const baseEnv = {
    ...awsEnv,
    MONGODB_ATLAS_PUBLIC_API_KEY: options.credentials.publicKey,
    MONGODB_ATLAS_PRIVATE_API_KEY: options.credentials.privateKey,
    ATLAS_BASE_URL: sim.url,
    SCAN_QUEUE_URL: scan,
    SCAN_DLQ_URL: scanDlq,
    DELETE_QUEUE_URL: del,
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    // No ledger in these tests: failure rules act on first sight (test/integration/ledger.test.ts has the ledger).
    GRACE_PERIODS: 'default=0',
  };
  const touched = new Set<string>();
  const configure = (env: Record<string, string | undefined>) => {
    for (const key of touched) delete process.env[key];
    const all = { ...baseEnv, ...env };
    for (const [key, value] of Object.entries(all)) {
      touched.add(key);
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
    resetRuntimeDeps();
  };
  configure({});
  return {
    sim,
    sqs,
    queues,
    configure,
    peek: (queueName) => {
      const state = fauxqs.inspectQueue(queueName);
      if (!state) throw new Error(`no queue ${queueName}`);
      const { ready, delayed, inflight } = state.messages as { ready: { body: string }[]; delayed: { body: string }[]; inflight: { message: { body: string } }[] };
      return [...ready.map((m) => m.body), ...delayed.map((m) => m.body), ...inflight.map((m) => m.message.body)];
    },
    inspect: (queueName) => {
      const state = fauxqs.inspectQueue(queueName);
      if (!state) throw new Error(`no queue ${queueName}`);
      type Stored = { body: string; messageAttributes?: Record<string, { StringValue?: string; stringValue?: string }> };
      const { ready, delayed, inflight } = state.messages as { ready: Stored[]; delayed: Stored[]; inflight: { message: Stored }[] };
      return [...ready, ...delayed, ...inflight.map((m) => m.message)].map((m) => ({
        body: m.body,
        attributes: Object.fromEntries(Object.entries(m.messageAttributes ?? {}).map(([k, v]) => [k, v.StringValue ?? v.stringValue ?? ''])),
      }));
    },
    clearQueues: () => fauxqs.reset(),
    stop: async () => {
      sqs.destroy();
      await Promise.all([sim.stop(), fauxqs.stop()]);
    },
  };
}

/** The demo scenario behind a pipeline, with the demo's API key: what the handler tests start once per file. */
export function startDemoPipeline(simulator: Omit<SimulatorOptions, 'scenario'> = {}): Promise<Pipeline> {
  return startPipeline({ simulator: { scenario: DEMO_SCENARIO_PATH, ...simulator }, credentials: DEMO.apiKey });
}

/** A clean slate between tests sharing one pipeline: no cached tokens, no request log, no faults, empty queues. */
export function resetPipeline(pipeline: Pipeline): void {
  clearAuthCaches();
  pipeline.sim.clearLog();
  pipeline.sim.clearFaults();
  pipeline.clearQueues();
}
