export { logger } from './logger';
export { invocationDeadline, logRejectedInput, sqsEventShape } from './middleware';
export { NeedsAPerson, failWhenAPersonIsNeeded, needsAPersonIn } from './needs-a-person';
export { resetRuntimeDeps, runtimeDeps, setInvocationDeadline } from './runtime';
export { CREDENTIALS_FAILURES_METRIC, DELETE_ROLE_MISSING_METRIC, METRIC_NAMES, countCredentialsFailures, countDeleteRoleMissing, countOutcome, metrics } from './metrics';
export { RUN_DIMENSIONS, RUN_METRICS, countDeleted, countFindings, countPages, countReportNotStored, countScan, countingAtlasFailures } from './run-metrics';
export { applyAndLog, withStoredPlan, type ApplyAnswer } from './plans';
