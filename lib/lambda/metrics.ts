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
