import { randomUUID } from 'node:crypto';
import type { AtlasClientOptions } from '../atlas';
import { lazyDocumentClient, lazySecretsManagerClient, ssmParameterReader, type SqsSender } from '../aws/clients';
import type { JanitorConfig } from '../config';
import { CredentialStore, clientFactory, type ClientFactory } from '../credentials';
import { DynamoBudgetLeases, DynamoLedger, type Ledger } from '../ledger';
import type { Notifier } from '../notify/notifier';
import { protectionSource, type ProtectionSource } from '../protections';
import type { ReportStore } from '../report';

/** Everything a run needs from outside, built once per cold start (or per test). */
export interface JanitorDeps {
  config: JanitorConfig;
  credentials: CredentialStore;
  /** Builds an Atlas client; receives the run's call counter hook. */
  makeClient: ClientFactory;
  sqs?: SqsSender | undefined;
  /** Marks and run history (DynamoDB); without it, rules with a grace period never plan. */
  ledger?: Ledger | undefined;
  protections?: ProtectionSource | undefined;
  notifier?: Notifier | undefined;
  /** Where queued sweeps keep their reports and pages (S3); without it, queued sweeps get no page. */
  reports?: ReportStore | undefined;
  now: () => number;
  newSweepId: () => string;
}

function defaultSweepId(now: () => number): () => string {
  return () => `sweep-${new Date(now()).toISOString().replace(/[-:.]/g, '').slice(0, 15)}-${randomUUID().slice(0, 8)}`;
}

/** How the Atlas client behaves beyond the configuration: the Lambda's deadline, the CLI's patience. */
export type ClientSettings = Pick<AtlasClientOptions, 'timeoutMs' | 'retry' | 'deadline'> & {
  /** A rate-limit lease could not be written (the client uses the fixed share meanwhile). */
  onLeaseError?: (error: unknown) => void;
};

/**
 * The dependencies the functions and the CLI share, from a validated configuration: the credential
 * cache, the Atlas client factory, the ledger and the protection registry when configured. Queues and
 * notifications are the caller's to add (a run from a laptop has neither). AWS endpoints follow the SDK's
 * own settings (AWS_ENDPOINT_URL_DYNAMODB etc.), which is how local runs reach dynalite.
 */
export function buildDeps(config: JanitorConfig, env: Record<string, string | undefined>, client: ClientSettings = {}): JanitorDeps {
  const now = Date.now;
  const { onLeaseError, ...clientSettings } = client;
  return {
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
      // With the ledger table, invocations sharing a USER bucket lease their shares there.
      rateLimits: {
        sharedBy: config.rateLimitSharedBy,
        // Their own client: a lease write that hangs must fail fast (the fixed share applies meanwhile),
        // and an SDK retry is only worth one more try within a renewal.
        leases: config.ledgerTable ? new DynamoBudgetLeases(lazyDocumentClient({ requestHandler: { requestTimeout: 1_000, connectionTimeout: 1_000, throwOnRequestTimeout: true }, maxAttempts: 2 }), config.ledgerTable) : undefined,
        ...(onLeaseError ? { onLeaseError } : {}),
      },
      ...clientSettings,
    }),
    ledger: config.ledgerTable ? new DynamoLedger(lazyDocumentClient({}), config.ledgerTable) : undefined,
    protections: protectionSource(config, { readParameter: ssmParameterReader({}), now }),
    now,
    newSweepId: defaultSweepId(now),
  };
}
