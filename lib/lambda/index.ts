export { logger } from './logger';
export { invocationDeadline } from './middleware';
export { currentDeadline, resetRuntimeDeps, runtimeDeps, setInvocationDeadline } from './runtime';
export { METRIC_NAMES, countOutcome, metrics } from './metrics';
export { RUN_DIMENSIONS, RUN_METRICS, countDeleted, countPages, countReportNotStored, countScan } from './run-metrics';
