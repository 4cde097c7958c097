import { rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { StackDefinition } from '../demo/stack';
import { bundleFunctions, loadHandler } from './bundle';
import { LocalPoller, type EventSource, type SqsHandler } from './poller';
import type { LocalQueue } from './sqs';

export interface RunningConsumers {
  stop(): Promise<void>;
}

/**
 * The stack's SQS event sources, run for as long as a local stack runs: the scan function on the scan
 * queue, the worker on the delete queue, each from the bundle `sls package` builds, with Lambda's batch
 * sizes and partial batch responses. One line per batch goes to `say`, so a queued sweep can be followed.
 * The functions read `env`; it is merged into this process's environment, which is why only a process
 * that exists for the local stack (`atlas-janitor dev`) should call this.
 */
export async function startConsumers(options: {
  stack: StackDefinition;
  queues: Map<string, LocalQueue>;
  sqs: SQSClient;
  env: Record<string, string>;
  say: (line: string) => void;
  idlePollMs?: number;
}): Promise<RunningConsumers> {
  const { stack, queues, sqs, env, say } = options;
  for (const fn of Object.values(stack.functions)) {
    for (const [name, value] of Object.entries(fn.environment)) process.env[name] = typeof value === 'string' ? value : queues.get(value.ref)!.url;
  }
  Object.assign(process.env, env);
  // Its own folder: the demo and the benches bundle into .esbuild-local at the same time.
  const outDir = resolve(__dirname, '../..', '.esbuild-local', `dev-${process.pid}`);
  const bundles = new Map((await bundleFunctions(outDir)).map((b) => [b.name, b]));
  const counted = (name: string, handler: SqsHandler): SqsHandler => async (event, context) => {
    const response = await handler(event, context).catch((error: unknown) => {
      say(`${name}: batch of ${event.Records.length} failed (${error instanceof Error ? error.message.split('\n')[0] : String(error)}); SQS gives it back after its visibility timeout`);
      throw error;
    });
    const failed = response?.batchItemFailures?.length ?? 0;
    say(`${name}: ${event.Records.length} ${name === 'scan' ? 'scan request(s)' : 'delete job(s)'} handled${failed > 0 ? `, ${failed} returned to the queue` : ''}`);
    return response;
  };
  const sources: EventSource[] = stack.eventSources.map((s) => ({
    name: s.functionName,
    queueUrl: queues.get(s.queueLogicalId)!.url,
    queueArn: queues.get(s.queueLogicalId)!.arn,
    handler: counted(s.functionName, loadHandler<SqsHandler>(bundles.get(s.functionName)!)),
    batchSize: s.batchSize,
    timeoutMs: s.timeoutMs,
  }));
  const poller = new LocalPoller(sqs, sources);
  let stopping = false;
  const loops = sources.map(async (source) => {
    while (!stopping) {
      const received = await poller.pollOnce(source).catch(() => 0);
      if (received === 0) await sleep(options.idlePollMs ?? 500);
    }
  });
  return {
    async stop() {
      stopping = true;
      await Promise.all(loops);
      rmSync(outDir, { recursive: true, force: true });
    },
  };
}

