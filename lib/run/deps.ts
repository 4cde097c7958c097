import type { SqsSender } from '../aws/clients';
import { randomUUID } from 'node:crypto';
import type { JanitorConfig } from '../config';
import type { ClientFactory, CredentialStore } from '../credentials';
import type { Ledger } from '../ledger';
import type { Notifier } from '../notify/notifier';
import type { ProtectionSource } from '../protections';
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

export function defaultSweepId(now: () => number): () => string {
  return () => `sweep-${new Date(now()).toISOString().replace(/[-:.]/g, '').slice(0, 15)}-${randomUUID().slice(0, 8)}`;
}
