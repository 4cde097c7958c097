import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { OutcomeName } from '../worker';

/** CloudWatch metrics in EMF, one namespace for the janitor. */
export const metrics = new Metrics({ namespace: 'AtlasJanitor', serviceName: 'atlas-janitor' });

export const METRIC_NAMES: Record<OutcomeName, string> = {
  deleted: 'Deleted',
  alreadyGone: 'AlreadyGone',
  inProgress: 'InProgress',
  drifted: 'Drifted',
  protected: 'Protected',
  dryRun: 'DryRun',
  defer: 'Deferred',
  retry: 'Retried',
  deadLetter: 'DeadLettered',
};

export function countOutcome(outcome: OutcomeName): void {
  metrics.addMetric(METRIC_NAMES[outcome], MetricUnit.Count, 1);
}

/**
 * Failures that need a person (refused credentials, a configuration that cannot use them): one metric for
 * every function, so one alarm can watch them besides Lambda's own Errors.
 */
export const CREDENTIALS_FAILURES_METRIC = 'CredentialsFailures';

export function countCredentialsFailures(count: number): void {
  if (count === 0) return;
  metrics.addMetric(CREDENTIALS_FAILURES_METRIC, MetricUnit.Count, count);
  // Published now: the invocation is about to throw, and the sweep and scan functions have no
  // logMetrics middleware (it would warn on every invocation that counts nothing).
  metrics.publishStoredMetrics();
}

/**
 * Projects where Atlas refused a DELETE because the credentials lack the role, once per project and
 * sweep: a person must grant the role (or protect the project). An alarm watches it (deploy/alarms.yml).
 */
export const DELETE_ROLE_MISSING_METRIC = 'DeleteRoleMissing';

export function countDeleteRoleMissing(): void {
  metrics.addMetric(DELETE_ROLE_MISSING_METRIC, MetricUnit.Count, 1);
}
