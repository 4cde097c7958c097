export { logger } from './logger';
export { invocationDeadline } from './middleware';
export { resetRuntimeDeps, runtimeDeps, setInvocationDeadline } from './runtime';
export { countOutcome, metrics } from './metrics';
