export { actOnJob } from './act';
export { jobActor } from './actor';
export { processDeleteBatch, type BatchDeps, type JobReport } from './batch';
export { MAX_DEFERRALS, MAX_VISIBILITY_SECONDS, retryVisibilitySeconds } from './dispose';
export { ACKNOWLEDGED, type JobOutcome, type OutcomeName } from './outcome';
