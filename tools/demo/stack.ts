import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'yaml';

/**
 * The parts of serverless.yml a local run needs — queues (FIFO, visibility timeout, redrive), SQS
 * event sources (batch size, concurrency, function timeout) and the functions' environment — read from
 * the file itself, so local runs and the deployed stack cannot drift apart.
 */

export const SERVERLESS_YML = resolve(__dirname, '../../serverless.yml');

type Json = Record<string, any>;

export interface QueueDefinition {
  logicalId: string;
  name: string;
  fifo: boolean;
  visibilityTimeoutSeconds: number | undefined;
  redrive: { deadLetterLogicalId: string; maxReceiveCount: number } | undefined;
}

export interface EventSourceDefinition {
  functionName: string;
  /** Module path of the handler, relative to the repository root, and its export. */
  handlerModule: string;
  handlerExport: string;
  queueLogicalId: string;
  batchSize: number;
  maximumConcurrency: number;
  timeoutMs: number;
}

export interface StackDefinition {
  service: string;
  queues: QueueDefinition[];
  eventSources: EventSourceDefinition[];
  functions: Record<string, { timeoutMs: number; environment: Record<string, string | { ref: string }> }>;
  /** The ledger table's name for this stage. */
  ledgerTable: string;
  /**
   * The variables through which `sls invoke local` takes each queue's URL (it cannot resolve the
   * CloudFormation references offline): `custom.queueUrls` in serverless.yml.
   */
  localQueueUrls: { variable: string; queueLogicalId: string }[];
}

/** Reads the stack for a stage, resolving ${param:…}, ${self:service}, ${sls:stage} and ${env:…} forms. */
export function readStack(stage: string, env: Record<string, string | undefined> = {}, path = SERVERLESS_YML): StackDefinition {
  const doc: Json = parse(readFileSync(path, 'utf8'));
  const params: Json = { ...(doc.params?.default ?? {}), ...(doc.params?.[stage] ?? {}) };
  const resolveString = (value: string): string =>
    value.replace(/\$\{([^}]+)\}/g, (_, expr: string) => {
      for (const option of expr.split(',').map((s) => s.trim())) {
        const literal = /^'(.*)'$/.exec(option);
        if (literal) return literal[1]!;
        const [source, name] = option.split(':') as [string, string];
        if (source === 'param' && params[name] !== undefined) return String(params[name]);
        if (source === 'self' && name === 'service') return String(doc.service);
        if (source === 'self' && name.startsWith('custom.')) {
          const value = name.split('.').slice(1).reduce<unknown>((node, key) => (node as Json | undefined)?.[key], doc.custom);
          if (typeof value === 'string') return resolveString(value);
        }
        if (source === 'sls' && name === 'stage') return stage;
        if (source === 'env' && env[name] !== undefined) return env[name]!;
      }
      throw new Error(`serverless.yml: cannot resolve \${${expr}} locally`);
    });
  const resources: Json = doc.resources?.Resources ?? {};
  const queues: QueueDefinition[] = Object.entries(resources)
    .filter(([, r]) => r.Type === 'AWS::SQS::Queue')
    .map(([logicalId, r]) => {
      const p = r.Properties ?? {};
      const redrive = p.RedrivePolicy;
      return {
        logicalId,
        name: resolveString(p.QueueName),
        fifo: p.FifoQueue === true,
        visibilityTimeoutSeconds: p.VisibilityTimeout,
        redrive: redrive
          ? { deadLetterLogicalId: redrive.deadLetterTargetArn['Fn::GetAtt'][0], maxReceiveCount: Number(resolveString(String(redrive.maxReceiveCount))) }
          : undefined,
      };
    });
  // Environment values that reference a queue resolve to the local queue's URL.
  const refOf = (value: unknown): string | undefined => {
    if (typeof value !== 'string') return undefined;
    const custom = /^\$\{self:custom\.queueUrls\.(\w+)\}$/.exec(value)?.[1];
    if (!custom) return undefined;
    return doc.custom.queueRefs[custom].Ref as string;
  };
  const environmentOf = (vars: Json = {}): Record<string, string | { ref: string }> =>
    Object.fromEntries(
      Object.entries(vars).map(([k, v]) => {
        const ref = refOf(v);
        return [k, ref ? { ref } : resolveString(String(v))];
      }),
    );
  const providerEnv = environmentOf(doc.provider?.environment);
  const functions: StackDefinition['functions'] = {};
  const eventSources: EventSourceDefinition[] = [];
  for (const [name, fn] of Object.entries<Json>(doc.functions ?? {})) {
    const timeoutMs = (fn.timeout ?? 6) * 1000;
    functions[name] = { timeoutMs, environment: { ...providerEnv, ...environmentOf(fn.environment) } };
    for (const event of fn.events ?? []) {
      if (!event.sqs) continue;
      const [module, exported] = String(fn.handler).split(/\.(?=[^.]+$)/) as [string, string];
      eventSources.push({
        functionName: name,
        handlerModule: module,
        handlerExport: exported,
        queueLogicalId: event.sqs.arn['Fn::GetAtt'][0],
        batchSize: event.sqs.batchSize ?? 10,
        maximumConcurrency: Number(resolveString(String(event.sqs.maximumConcurrency ?? 2))),
        timeoutMs,
      });
    }
  }
  const localQueueUrls = Object.values<string>(doc.custom?.queueUrls ?? {}).map((value) => {
    const match = /^\$\{env:(\w+), self:custom\.queueRefs\.(\w+)\}$/.exec(value);
    if (!match) throw new Error(`serverless.yml: custom.queueUrls entry ${value} is not \${env:NAME, self:custom.queueRefs.KEY}`);
    return { variable: match[1]!, queueLogicalId: doc.custom.queueRefs[match[2]!].Ref as string };
  });
  return { service: doc.service, queues, eventSources, functions, ledgerTable: resolveString('${self:custom.ledgerTable}'), localQueueUrls };
}
