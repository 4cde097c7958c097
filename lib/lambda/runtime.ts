import { lazyS3Client, lazySnsClient, lazySqsClient, type SqsSender } from '../aws/clients';
import { loadConfig } from '../config';
import { snsNotifier } from '../notify/notifier';
import { ReportStore } from '../report';
import { buildDeps, type JanitorDeps } from '../run';
import { logger } from './logger';

/** Milliseconds kept back from a Lambda's remaining time, so a reply and its logs still fit. */
const DEADLINE_MARGIN_MS = 3_000;

let invocationDeadline: number | undefined;

/** Called at the start of each invocation; the Atlas client stops retrying past this point. */
export function setInvocationDeadline(remainingMs: number | undefined, now = Date.now()): void {
  invocationDeadline = remainingMs === undefined ? undefined : now + Math.max(0, remainingMs - DEADLINE_MARGIN_MS);
}

function currentDeadline(): number | undefined {
  return invocationDeadline;
}

/** The functions always have a queue client: they are fed by queues and write to them. */
export type LambdaDeps = JanitorDeps & { sqs: SqsSender };

let cached: LambdaDeps | undefined;

/**
 * Builds the dependencies once per execution environment: configuration (validated; a bad value throws
 * a ConfigError naming the variable), what every run shares (buildDeps), and the queue and notification
 * clients only the functions use. AWS endpoints follow the SDK's own settings (AWS_ENDPOINT_URL_SQS
 * etc.), which is how local runs reach an embedded SQS.
 */
export function runtimeDeps(env: Record<string, string | undefined> = process.env): LambdaDeps {
  if (cached) return cached;
  const config = loadConfig(env);
  cached = {
    ...buildDeps(config, env, {
      deadline: currentDeadline,
      onLeaseError: (error) => logger.warn('rate-limit lease not written: using the fixed share (ATLAS_RATE_LIMIT_SHARED_BY)', { reason: error instanceof Error ? `${error.name}: ${error.message}` : String(error) }),
    }),
    // A local SQS (AWS_ENDPOINT_URL_SQS) hands out queue URLs on hosts that do not resolve; in AWS the
    // queue URL and the regional endpoint agree, so the SDK's default applies.
    sqs: lazySqsClient(env['AWS_ENDPOINT_URL_SQS'] ? { useQueueUrlAsEndpoint: false } : {}),
    notifier: config.notifyTopicArn ? snsNotifier(lazySnsClient({}), config.notifyTopicArn) : undefined,
    reports: config.reports.bucket ? new ReportStore(lazyS3Client({}), config.reports.bucket, env['AWS_REGION'] ?? 'us-east-1') : undefined,
  };
  return cached;
}

/** For tests that change the environment between invocations. */
export function resetRuntimeDeps(): void {
  cached = undefined;
}
