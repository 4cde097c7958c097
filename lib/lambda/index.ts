export { logger } from './logger';
export { invocationDeadline } from './middleware';
export { resetRuntimeDeps, runtimeDeps, setInvocationDeadline } from './runtime';
export { CREDENTIALS_FAILURES_METRIC, countCredentialsFailures, countOutcome, metrics } from './metrics';
