import { lazyDocumentClient, lazySecretsManagerClient, lazySnsClient, lazySqsClient, ssmParameterReader } from '../aws/clients';
import { loadConfig } from '../config';
import { CredentialStore, clientFactory } from '../credentials';
import { DynamoLedger } from '../ledger';
import { snsNotifier } from '../notify/notifier';
import { protectionSource } from '../protections';
import { defaultSweepId, type JanitorDeps } from '../run';

/** Milliseconds kept back from a Lambda's remaining time, so a reply and its logs still fit. */
const DEADLINE_MARGIN_MS = 3_000;

let invocationDeadline: number | undefined;

/** Called at the start of each invocation; the Atlas client stops retrying past this point. */
export function setInvocationDeadline(remainingMs: number | undefined, now = Date.now()): void {
  invocationDeadline = remainingMs === undefined ? undefined : now + Math.max(0, remainingMs - DEADLINE_MARGIN_MS);
}

export function currentDeadline(): number | undefined {
  return invocationDeadline;
}

let cached: JanitorDeps | undefined;

/**
 * Builds the dependencies once per execution environment: configuration (validated; a bad value throws
 * a ConfigError naming the variable), the credential cache, AWS clients. AWS endpoints follow the SDK's
 * own settings (AWS_ENDPOINT_URL_SQS etc.), which is how local runs reach an embedded SQS.
 */
export function runtimeDeps(env: Record<string, string | undefined> = process.env): JanitorDeps {
  if (cached) return cached;
  const config = loadConfig(env);
  const now = Date.now;
  cached = {
    config,
    credentials: new CredentialStore({
      secretsManager: config.secretIds.length > 0 ? lazySecretsManagerClient({}) : undefined,
      ttlMs: config.secretCacheTtlMs,
      env,
      now,
    }),
    makeClient: clientFactory({
      baseUrl: config.baseUrl,
      apiGeneration: config.apiGeneration,
      concurrency: config.concurrency,
      rateLimits: { sharedBy: config.rateLimitSharedBy },
      deadline: currentDeadline,
    }),
    // A local SQS (AWS_ENDPOINT_URL_SQS) hands out queue URLs on hosts that do not resolve; in AWS the
    // queue URL and the regional endpoint agree, so the SDK's default applies.
    sqs: lazySqsClient(env['AWS_ENDPOINT_URL_SQS'] ? { useQueueUrlAsEndpoint: false } : {}),
    // AWS_ENDPOINT_URL_DYNAMODB points a local run at dynalite; the SDK reads it itself.
    ledger: config.ledgerTable ? new DynamoLedger(lazyDocumentClient({}), config.ledgerTable) : undefined,
    protections: protectionSource(config, { readParameter: ssmParameterReader({}), now }),
    notifier: config.notifyTopicArn ? snsNotifier(lazySnsClient({}), config.notifyTopicArn) : undefined,
    now,
    newSweepId: defaultSweepId(now),
  };
  return cached;
}

/** For tests that change the environment between invocations. */
export function resetRuntimeDeps(): void {
  cached = undefined;
}
